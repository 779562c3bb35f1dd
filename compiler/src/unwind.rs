//! `.eh_frame` (ELF) or `__TEXT,__eh_frame` (Mach-O, from which the Apple linker builds the
//! compact `__unwind_info`) for the compiled code, so debuggers, profilers and unwinders can
//! walk through wasm frames. Built with gimli after all functions are placed; each FDE points at
//! its function's symbol through a relocation.

use cranelift_codegen::isa::unwind::UnwindInfo;
use cranelift_codegen::isa::TargetIsa;
use gimli::write::{Address, EhFrame, EndianVec, FrameTable, Writer};
use gimli::{constants, RunTimeEndian};
use object::write::{Object, Relocation, StandardSection, SymbolId};
use object::{RelocationEncoding, RelocationFlags, RelocationKind};

use crate::error::{CompileError, Result};

/// A gimli writer that turns symbol addresses into relocations instead of failing.
struct RelocatingWriter {
    data: EndianVec<RunTimeEndian>,
    /// (offset, symbol index as given to gimli, addend, pc-relative, size in bytes)
    relocs: Vec<(usize, usize, i64, bool, u8)>,
}

impl Writer for RelocatingWriter {
    type Endian = RunTimeEndian;

    fn endian(&self) -> RunTimeEndian {
        self.data.endian()
    }
    fn len(&self) -> usize {
        self.data.len()
    }
    fn write(&mut self, bytes: &[u8]) -> gimli::write::Result<()> {
        self.data.write(bytes)
    }
    fn write_at(&mut self, offset: usize, bytes: &[u8]) -> gimli::write::Result<()> {
        self.data.write_at(offset, bytes)
    }

    fn write_eh_pointer(
        &mut self,
        address: Address,
        eh_pe: constants::DwEhPe,
        size: u8,
    ) -> gimli::write::Result<()> {
        let Address::Symbol { symbol, addend } = address else {
            return self.data.write_eh_pointer(address, eh_pe, size);
        };
        let (pcrel, size) = match (eh_pe.application(), eh_pe.format()) {
            (constants::DW_EH_PE_pcrel, constants::DW_EH_PE_sdata4) => (true, 4),
            (constants::DW_EH_PE_absptr, constants::DW_EH_PE_absptr) => (false, size),
            _ => return Err(gimli::write::Error::UnsupportedPointerEncoding(eh_pe)),
        };
        self.relocs
            .push((self.data.len(), symbol, addend, pcrel, size));
        self.data.write_udata(0, size)
    }
}

/// Add an `.eh_frame` section describing `functions` (symbol, unwind info) to `object`.
pub fn add_eh_frame(
    object: &mut Object<'static>,
    isa: &dyn TargetIsa,
    functions: &[(SymbolId, &UnwindInfo)],
) -> Result<()> {
    let err = |e: gimli::write::Error| CompileError::Emit(format!("unwind tables: {e}"));
    let Some(mut cie) = isa.create_systemv_cie() else {
        return Ok(());
    };
    // PC-relative addresses keep the section position-independent (no dynamic relocations).
    cie.fde_address_encoding = constants::DW_EH_PE_pcrel | constants::DW_EH_PE_sdata4;
    let mut table = FrameTable::default();
    let cie_id = table.add_cie(cie);
    for (index, (_, info)) in functions.iter().enumerate() {
        if let UnwindInfo::SystemV(info) = info {
            let address = Address::Symbol {
                symbol: index,
                addend: 0,
            };
            table.add_fde(cie_id, info.to_fde(address));
        }
    }
    let endian = match isa.endianness() {
        cranelift_codegen::ir::Endianness::Little => RunTimeEndian::Little,
        cranelift_codegen::ir::Endianness::Big => RunTimeEndian::Big,
    };
    let mut eh_frame = EhFrame(RelocatingWriter {
        data: EndianVec::new(endian),
        relocs: Vec::new(),
    });
    table.write_eh_frame(&mut eh_frame).map_err(err)?;
    let writer = eh_frame.0;
    // A zero terminator ends the section for unwinders that scan it.
    let mut bytes = writer.data.into_vec();
    bytes.extend_from_slice(&[0; 4]);
    let section = object.section_id(StandardSection::EhFrame);
    let base = object.append_section_data(section, &bytes, 8);
    let macho = object.format() == object::BinaryFormat::MachO;
    let section_symbol = macho.then(|| object.section_symbol(section));
    for (offset, symbol, addend, pcrel, size) in writer.relocs {
        let place = base + offset as u64;
        let result = match (pcrel, section_symbol) {
            // Mach-O has no PC-relative data relocation the linkers accept in `__eh_frame`:
            // a pair (function minus section start) with the place folded into the addend.
            (true, Some(start)) => object.add_relocation_with_subtractor(
                section,
                Relocation {
                    offset: place,
                    symbol: functions[symbol].0,
                    addend: addend - place as i64,
                    flags: RelocationFlags::Generic {
                        kind: RelocationKind::Absolute,
                        encoding: RelocationEncoding::Generic,
                        size: size * 8,
                    },
                },
                Some(start),
            ),
            _ => object.add_relocation(
                section,
                Relocation {
                    offset: place,
                    symbol: functions[symbol].0,
                    addend,
                    flags: RelocationFlags::Generic {
                        kind: if pcrel {
                            RelocationKind::Relative
                        } else {
                            RelocationKind::Absolute
                        },
                        encoding: RelocationEncoding::Generic,
                        size: size * 8,
                    },
                },
            ),
        };
        result.map_err(|e| CompileError::Emit(format!("unwind tables: {e}")))?;
    }
    Ok(())
}
