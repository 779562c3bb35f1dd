//! DWARF for the machine code, from the module's own (clang `-g`): a line table mapping each
//! function's native instructions to the source lines of the wasm operators they came from, and
//! one compile unit naming every function with its address range. `gdb` then breaks on a source
//! line, `bt` names the functions and shows their lines, and `perf` and `addr2line` resolve
//! addresses. Variables and types are not translated: their wasm DWARF locations describe wasm
//! locals and the operand stack, which the native code does not keep.
//!
//! Written with gimli; every address and cross-section offset is a relocation, so the sections
//! link and load like a C compiler's. ELF only (Mach-O keeps debug information out of the
//! object, for `dsymutil`).

use gimli::write::{
    Address, AttributeValue, DwarfUnit, EndianVec, FileId, LineProgram, LineString, Range,
    RangeList, RelocateWriter, Relocation, RelocationTarget, Sections,
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

fn dwarf_err(e: gimli::write::Error) -> CompileError {
    CompileError::Emit(format!("debug information: {e}"))
}

/// Add `.debug_info`, `.debug_abbrev`, `.debug_line` and `.debug_ranges` describing
/// `functions` to the ELF `object`. Nothing is added when no function has a line.
pub fn add_debug_sections(
    object: &mut Object<'static>,
    endian: RunTimeEndian,
    functions: &[FunctionDebug],
    sources: &SourceFiles<'_>,
) -> Result<()> {
    if object.format() != object::BinaryFormat::Elf || functions.iter().all(|f| f.rows.is_empty()) {
        return Ok(());
    }
    let mut dwarf = build_unit(functions, sources);
    let mut sections = Sections::new(SectionWriter {
        data: EndianVec::new(endian),
        relocations: Vec::new(),
    });
    dwarf.write(&mut sections).map_err(dwarf_err)?;

    // Every written section first: relocations may point from one into another.
    let mut ids: Vec<(SectionId, ObjectSection)> = Vec::new();
    sections.for_each(|id, section| -> Result<()> {
        if !section.data.slice().is_empty() {
            let name = id.name().as_bytes().to_vec();
            let section_id = object.add_section(Vec::new(), name, SectionKind::Debug);
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
            let symbol = match relocation.target {
                RelocationTarget::Symbol(index) => functions[index].symbol,
                RelocationTarget::Section(target) => {
                    let target = object_section(&ids, target).ok_or_else(|| {
                        CompileError::Emit(format!(
                            "debug information refers to the empty section {}",
                            target.name()
                        ))
                    })?;
                    object.section_symbol(target)
                }
            };
            object
                .add_relocation(
                    place,
                    object::write::Relocation {
                        offset: relocation.offset as u64,
                        symbol,
                        addend: relocation.addend,
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
    for (index, function) in functions.iter().enumerate() {
        let id = dwarf.unit.add(root, constants::DW_TAG_subprogram);
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
