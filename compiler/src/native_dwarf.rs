//! DWARF for the machine code, from the module's own (clang `-g`): a line table mapping each
//! function's native instructions to the source lines of the wasm operators they came from, and
//! one compile unit naming every function with its address range. `gdb` then breaks on a source
//! line, `bt` names the functions and shows their lines, and `perf` and `addr2line` resolve
//! addresses. Variables and types are not translated: their wasm DWARF locations describe wasm
//! locals and the operand stack, which the native code does not keep.
//!
//! Written with gimli, in the layout each format's tools expect:
//! - ELF: `.debug_*` sections in which every address and cross-section offset is a
//!   relocation, so that they link and load like a C compiler's.
//! - Mach-O: `__DWARF,__debug_*` sections, which the Apple linker leaves in the object: the
//!   executable only records where each function went (its debug map), from which `dsymutil`
//!   gathers a `.dSYM` bundle. Addresses are relocations against the function symbols, which
//!   `dsymutil` resolves through that map; offsets between debug sections are plain numbers,
//!   as they are never moved.

use gimli::write::{
    Address, AttributeValue, DwarfUnit, EndianVec, FileId, LineProgram, LineString, Range,
    RangeList, RelocateWriter, Relocation, RelocationTarget, Sections, Writer,
};
use gimli::{constants, Encoding, Format, LineEncoding, RunTimeEndian, SectionId};
use object::write::{Object, SectionId as ObjectSection, SymbolId};
use object::{RelocationEncoding, RelocationFlags, RelocationKind, SectionKind};
use wasmaot_abi::code_sites::SourceLine;

use crate::error::{CompileError, Result};

/// One compiled wasm function, as the debug information describes it.
pub struct FunctionDebug {
    pub symbol: SymbolId,
    pub name: String,
    pub code_len: u64,
    /// `(code offset, line)` where the source line changes, in code order; a row without a
    /// line (`line == 0`) marks code that belongs to no line.
    pub rows: Vec<(u32, SourceLine)>,
    /// The calls inlined into it.
    pub inlined: Vec<InlinedCall>,
}

/// A call whose callee's code was copied into the caller: described as an inlined
/// subroutine, so that debuggers show a frame for it.
#[derive(Clone, Debug)]
pub struct InlinedCall {
    /// Index of the callee in the functions described.
    pub callee: usize,
    /// `(start, end)` code offsets in the caller.
    pub ranges: Vec<(u32, u32)>,
    /// The line of the call (`line == 0` when it has none).
    pub call_line: SourceLine,
}

/// The source files lines refer to (`SourceLine::file` indexes them) and where they were
/// compiled (see `debug_lines::LineTable`).
pub struct SourceFiles<'a> {
    pub files: &'a [String],
    pub dirs: &'a [String],
    pub language: Option<gimli::DwLang>,
}

/// A section being written, with the relocations gimli asked for.
#[derive(Clone)]
struct SectionWriter {
    data: EndianVec<RunTimeEndian>,
    relocations: Vec<Relocation>,
}

impl RelocateWriter for SectionWriter {
    type Writer = EndianVec<RunTimeEndian>;

    fn writer(&self) -> &Self::Writer {
        &self.data
    }
    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.data
    }
    fn relocate(&mut self, relocation: Relocation) {
        self.relocations.push(relocation);
    }
}

impl SectionWriter {
    /// Write offsets into other debug sections in place rather than as relocations, as Mach-O
    /// objects hold them (see the module documentation). Addresses stay relocations.
    fn resolve_section_offsets(&mut self) -> Result<()> {
        let mut kept = Vec::with_capacity(self.relocations.len());
        for relocation in std::mem::take(&mut self.relocations) {
            match relocation.target {
                RelocationTarget::Section(_) => {
                    // gimli wrote a zero of `size` bytes there.
                    self.data
                        .write_udata_at(
                            relocation.offset,
                            relocation.addend as u64,
                            relocation.size,
                        )
                        .map_err(dwarf_err)?;
                }
                RelocationTarget::Symbol(_) => kept.push(relocation),
            }
        }
        self.relocations = kept;
        Ok(())
    }
}

fn dwarf_err(e: gimli::write::Error) -> CompileError {
    CompileError::Emit(format!("debug information: {e}"))
}

/// The name and segment of debug section `id` in an object of `format`, or `None` for a
/// format without native debug information here.
fn section_name(format: object::BinaryFormat, id: SectionId) -> Option<(Vec<u8>, Vec<u8>)> {
    let elf_name = id.name();
    match format {
        object::BinaryFormat::Elf => Some((Vec::new(), elf_name.as_bytes().to_vec())),
        object::BinaryFormat::MachO => {
            let name = format!("__{}", elf_name.trim_start_matches('.'));
            Some((b"__DWARF".to_vec(), name.into_bytes()))
        }
        _ => None,
    }
}

/// Add `debug_info`, `debug_abbrev`, `debug_line` and `debug_ranges` describing `functions` to
/// the ELF or Mach-O `object`. Nothing is added when no function has a line.
pub fn add_debug_sections(
    object: &mut Object<'static>,
    endian: RunTimeEndian,
    functions: &[FunctionDebug],
    sources: &SourceFiles<'_>,
) -> Result<()> {
    let format = object.format();
    if section_name(format, SectionId::DebugInfo).is_none()
        || functions.iter().all(|f| f.rows.is_empty())
    {
        return Ok(());
    }
    let mut dwarf = build_unit(functions, sources);
    let mut sections = Sections::new(SectionWriter {
        data: EndianVec::new(endian),
        relocations: Vec::new(),
    });
    dwarf.write(&mut sections).map_err(dwarf_err)?;
    if format == object::BinaryFormat::MachO {
        sections.for_each_mut(|_, section| section.resolve_section_offsets())?;
    }

    // Every written section first: relocations may point from one into another.
    let mut ids: Vec<(SectionId, ObjectSection)> = Vec::new();
    sections.for_each(|id, section| -> Result<()> {
        if !section.data.slice().is_empty() {
            let (segment, name) = section_name(format, id).expect("a format with debug sections");
            let section_id = object.add_section(segment, name, SectionKind::Debug);
            object.append_section_data(section_id, section.data.slice(), 1);
            ids.push((id, section_id));
        }
        Ok(())
    })?;
    let object_section = |ids: &[(SectionId, ObjectSection)], id: SectionId| {
        ids.iter()
            .find(|(gimli_id, _)| *gimli_id == id)
            .map(|(_, section)| *section)
    };
    sections.for_each(|id, section| -> Result<()> {
        let Some(place) = object_section(&ids, id) else {
            return Ok(());
        };
        for relocation in &section.relocations {
            let (symbol, addend) = match relocation.target {
                RelocationTarget::Symbol(index) if format == object::BinaryFormat::MachO => {
                    code_address(object, functions[index].symbol, relocation.addend)?
                }
                RelocationTarget::Symbol(index) => (functions[index].symbol, relocation.addend),
                RelocationTarget::Section(target) => {
                    let target = object_section(&ids, target).ok_or_else(|| {
                        CompileError::Emit(format!(
                            "debug information refers to the empty section {}",
                            target.name()
                        ))
                    })?;
                    (object.section_symbol(target), relocation.addend)
                }
            };
            object
                .add_relocation(
                    place,
                    object::write::Relocation {
                        offset: relocation.offset as u64,
                        symbol,
                        addend,
                        flags: RelocationFlags::Generic {
                            kind: RelocationKind::Absolute,
                            encoding: RelocationEncoding::Generic,
                            size: relocation.size * 8,
                        },
                    },
                )
                .map_err(|e| CompileError::Emit(format!("debug information: {e}")))?;
        }
        Ok(())
    })
}

/// A Mach-O debug address at `addend` bytes into the function of `symbol`, as `dsymutil`
/// reads it: relative to the code section (not to the symbol), with the address the object
/// gives the function as the stored value. The code section is the object's first, at address
/// 0, so that value is the function's offset in it.
fn code_address(
    object: &mut Object<'static>,
    symbol: SymbolId,
    addend: i64,
) -> Result<(SymbolId, i64)> {
    let function = object.symbol(symbol);
    let object::write::SymbolSection::Section(section) = function.section else {
        return Err(CompileError::Emit(format!(
            "debug information: function symbol {} has no section",
            String::from_utf8_lossy(&function.name)
        )));
    };
    let offset = function.value as i64 + addend;
    Ok((object.section_symbol(section), offset))
}

/// The compile unit: its line program and one subprogram per function. Symbol `i` of the
/// addresses is `functions[i]`.
fn build_unit(functions: &[FunctionDebug], sources: &SourceFiles<'_>) -> DwarfUnit {
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 4,
        address_size: 8,
    };
    let working_dir = sources
        .dirs
        .iter()
        .find(|dir| !dir.is_empty())
        .cloned()
        .unwrap_or_else(|| "/".to_string());
    let unit_name = sources
        .files
        .first()
        .cloned()
        .unwrap_or_else(|| "wasm".to_string());
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        text(&working_dir),
        None,
        text(&unit_name),
        None,
    );
    let files: Vec<FileId> = sources
        .files
        .iter()
        .zip(sources.dirs)
        .map(|(file, dir)| {
            let directory = match (file.starts_with('/'), dir.is_empty()) {
                (false, false) => program.add_directory(text(dir)),
                _ => program.default_directory(),
            };
            program.add_file(text(file), directory, None)
        })
        .collect();
    for (index, function) in functions.iter().enumerate() {
        if function.rows.is_empty() {
            continue;
        }
        program.begin_sequence(Some(Address::Symbol {
            symbol: index,
            addend: 0,
        }));
        for &(offset, line) in &function.rows {
            let row = program.row();
            row.address_offset = u64::from(offset);
            match files.get(line.file as usize) {
                Some(&file) if line.line != 0 => {
                    row.file = file;
                    row.line = u64::from(line.line);
                }
                _ => row.line = 0,
            }
            program.generate_row();
        }
        program.end_sequence(function.code_len);
    }

    let mut dwarf = DwarfUnit::new(encoding);
    dwarf.unit.line_program = program;
    let ranges = RangeList(
        functions
            .iter()
            .enumerate()
            .map(|(index, function)| Range::StartLength {
                begin: Address::Symbol {
                    symbol: index,
                    addend: 0,
                },
                length: function.code_len,
            })
            .collect(),
    );
    let ranges = dwarf.unit.ranges.add(ranges);
    let root = dwarf.unit.root();
    let unit = dwarf.unit.get_mut(root);
    let producer = concat!("wasmaot ", env!("CARGO_PKG_VERSION"));
    unit.set(constants::DW_AT_producer, string(producer));
    unit.set(constants::DW_AT_name, string(&unit_name));
    unit.set(constants::DW_AT_comp_dir, string(&working_dir));
    unit.set(
        constants::DW_AT_language,
        AttributeValue::Language(sources.language.unwrap_or(constants::DW_LANG_C11)),
    );
    unit.set(
        constants::DW_AT_low_pc,
        AttributeValue::Address(Address::Constant(0)),
    );
    unit.set(
        constants::DW_AT_ranges,
        AttributeValue::RangeListRef(ranges),
    );
    let mut entries = Vec::with_capacity(functions.len());
    for (index, function) in functions.iter().enumerate() {
        let id = dwarf.unit.add(root, constants::DW_TAG_subprogram);
        entries.push(id);
        let entry = dwarf.unit.get_mut(id);
        entry.set(constants::DW_AT_name, string(&function.name));
        entry.set(constants::DW_AT_external, AttributeValue::Flag(true));
        entry.set(
            constants::DW_AT_low_pc,
            AttributeValue::Address(Address::Symbol {
                symbol: index,
                addend: 0,
            }),
        );
        entry.set(
            constants::DW_AT_high_pc,
            AttributeValue::Udata(function.code_len),
        );
        // Locals are not described; the frame is the call frame.
        entry.set(
            constants::DW_AT_frame_base,
            AttributeValue::Exprloc(frame_base()),
        );
    }
    // Each function inlined somewhere also has an abstract entry (its name only), which the
    // inlined copies refer to: referring to the entry of its own code would make debuggers
    // take the calls inlined into that code as inlined into each copy too.
    let mut abstracts: Vec<Option<gimli::write::UnitEntryId>> = vec![None; functions.len()];
    for (index, function) in functions.iter().enumerate() {
        for call in &function.inlined {
            let Some(callee) = functions.get(call.callee) else {
                continue;
            };
            let origin = *abstracts[call.callee].get_or_insert_with(|| {
                let id = dwarf.unit.add(root, constants::DW_TAG_subprogram);
                let entry = dwarf.unit.get_mut(id);
                entry.set(constants::DW_AT_name, string(&callee.name));
                entry.set(
                    constants::DW_AT_inline,
                    AttributeValue::Inline(constants::DW_INL_inlined),
                );
                id
            });
            let code = |offset: u32| Address::Symbol {
                symbol: index,
                addend: i64::from(offset),
            };
            let ranges = RangeList(
                call.ranges
                    .iter()
                    .map(|&(start, end)| Range::StartLength {
                        begin: code(start),
                        length: u64::from(end - start),
                    })
                    .collect(),
            );
            let ranges = dwarf.unit.ranges.add(ranges);
            let id = dwarf
                .unit
                .add(entries[index], constants::DW_TAG_inlined_subroutine);
            let entry = dwarf.unit.get_mut(id);
            entry.set(
                constants::DW_AT_abstract_origin,
                AttributeValue::UnitRef(origin),
            );
            entry.set(
                constants::DW_AT_ranges,
                AttributeValue::RangeListRef(ranges),
            );
            if let Some(&file) = files.get(call.call_line.file as usize) {
                if call.call_line.line != 0 {
                    entry.set(
                        constants::DW_AT_call_file,
                        AttributeValue::FileIndex(Some(file)),
                    );
                    entry.set(
                        constants::DW_AT_call_line,
                        AttributeValue::Udata(u64::from(call.call_line.line)),
                    );
                }
            }
        }
    }
    dwarf
}

fn frame_base() -> gimli::write::Expression {
    let mut expression = gimli::write::Expression::new();
    expression.op(constants::DW_OP_call_frame_cfa);
    expression
}

/// The bytes of `value` as a DWARF string, which cannot hold NUL (wasm names may).
fn bytes(value: &str) -> Vec<u8> {
    value
        .bytes()
        .map(|b| if b == 0 { b'?' } else { b })
        .collect()
}

fn text(value: &str) -> LineString {
    LineString::String(bytes(value))
}

fn string(value: &str) -> AttributeValue {
    AttributeValue::String(bytes(value))
}
