//! Write the object: wasm functions, trampolines and adapters in `.text`, the serialized
//! metadata, the pointer tables and the module descriptor (see `wasmaot_abi::symbols`).

use cranelift_codegen::ir;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_module::{
    DataDescription, DataId, FuncId, Linkage, Module, ModuleReloc, ModuleRelocTarget,
};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::borrow::Cow;
use wasmaot_abi::symbols::{self, descriptor_offsets as at};
use wasmaot_abi::{ModuleMeta, ABI_VERSION};

use crate::compile::CompiledFunction;
use crate::error::{CompileError, Result};
use crate::native_dwarf::{FunctionDebug, SourceFiles};
use crate::static_tables::{Entry, StaticTables, STATIC_TABLE_NAMESPACE};
use wasmaot_abi::code_sites::SourceLine;

/// The code to place, in `FuncId` order: defined functions, then one trampoline and one adapter
/// per type, then the fallback routines (see [`crate::fallbacks`]) the functions call.
pub struct ObjectContents<'a> {
    pub functions: &'a [CompiledFunction],
    pub trampolines: &'a [CompiledFunction],
    pub adapters: &'a [CompiledFunction],
    pub fallbacks: &'a [CompiledFunction],
    pub meta: &'a ModuleMeta,
    /// The read-only copies of static tables the functions read ([`crate::static_tables`]).
    pub static_tables: &'a StaticTables,
    /// The functions' encoded sites ([`wasmaot_abi::code_sites::EncodedSites::bytes`]).
    pub code_sites: Vec<u8>,
    /// Source lines of the functions' code, for native debug information (modules with DWARF).
    pub lines: Option<NativeLines<'a>>,
}

/// Source lines of each function's code (`functions` order) and the files they name.
pub struct NativeLines<'a> {
    pub rows: Vec<Vec<(u32, SourceLine)>>,
    /// The calls inlined into each function.
    pub inlined: Vec<Vec<crate::native_dwarf::InlinedCall>>,
    pub sources: SourceFiles<'a>,
}

fn emit_err(e: impl std::fmt::Display) -> CompileError {
    CompileError::Emit(e.to_string())
}

pub fn write_object(isa: OwnedTargetIsa, contents: &ObjectContents<'_>) -> Result<Vec<u8>> {
    let unwind_isa = isa.clone();
    let builder = ObjectBuilder::new(isa, "wasm", cranelift_module::default_libcall_names())
        .map_err(emit_err)?;
    let mut module = ObjectModule::new(builder);
    // Placeholder signature: the object does not care, only ids and bytes matter.
    let sig = ir::Signature::new(module.isa().default_call_conv());
    let declare = |module: &mut ObjectModule, name: String| {
        module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(emit_err)
    };
    let types = contents.trampolines.len() as u32;
    let mut ids = Vec::new();
    let imported = contents.meta.imported_funcs();
    for i in 0..contents.functions.len() as u32 {
        let wasm_index = imported + i;
        let name = symbols::function(wasm_index, contents.meta.func_name(wasm_index));
        ids.push(declare(&mut module, name)?);
    }
    for i in 0..types {
        ids.push(declare(&mut module, symbols::trampoline(i))?);
    }
    for i in 0..types {
        ids.push(declare(&mut module, symbols::host_adapter(i))?);
    }
    let pshufb = match contents.fallbacks {
        [] => None,
        _ => {
            let id = declare(&mut module, "wasmaot_fallback_x86_pshufb".to_string())?;
            ids.push(id);
            Some(id.as_u32())
        }
    };
    // Declared before the code that refers to them, defined once the functions are.
    let copies = contents
        .static_tables
        .tables
        .iter()
        .map(|t| {
            let name = format!("wasmaot_static_table_{}", t.table);
            module
                .declare_data(&name, Linkage::Local, false, false)
                .map_err(emit_err)
        })
        .collect::<Result<Vec<DataId>>>()?;
    let all = contents
        .functions
        .iter()
        .chain(contents.trampolines)
        .chain(contents.adapters)
        .chain(contents.fallbacks);
    // One text section, functions in index order: the runtime finds a function by address
    // on that order (and refuses a table out of it).
    for (id, f) in ids.iter().zip(all) {
        let mut relocs = Cow::Borrowed(&f.relocs[..]);
        if let Some(fallback) = pshufb {
            if crate::fallbacks::calls_pshufb(&relocs) {
                relocs = Cow::Owned(crate::fallbacks::redirect_pshufb(&relocs, fallback));
            }
        }
        if relocs.iter().any(|r| static_copy(&r.name).is_some()) {
            relocs = Cow::Owned(point_at_copies(&relocs, &copies));
        }
        module
            .define_function_bytes(*id, f.alignment, &f.code, &relocs)
            .map_err(emit_err)?;
    }
    for (table, id) in contents.static_tables.tables.iter().zip(&copies) {
        let mut bytes = vec![0u8; table.data_len()];
        let classes = &mut bytes[table.classes_offset()..];
        for (entry, class) in table.entries.iter().zip(classes.chunks_exact_mut(4)) {
            let value = contents.static_tables.class_of(*entry);
            class.copy_from_slice(&value.to_le_bytes());
        }
        let mut desc = DataDescription::new();
        desc.define(bytes.into_boxed_slice());
        desc.set_align(8);
        for (i, entry) in table.entries.iter().enumerate() {
            if let Entry::Defined(f) = entry {
                let func = module.declare_func_in_data(ids[*f as usize], &mut desc);
                desc.write_function_addr((i * 8) as u32, func);
            }
        }
        module.define_data(*id, &desc).map_err(emit_err)?;
    }
    let n = contents.functions.len();
    let function_table = pointer_table(&mut module, symbols::FUNCTION_TABLE, &ids[..n])?;
    let trampoline_table = pointer_table(
        &mut module,
        symbols::TRAMPOLINE_TABLE,
        &ids[n..n + types as usize],
    )?;
    let adapter_table = pointer_table(
        &mut module,
        symbols::ADAPTER_TABLE,
        &ids[n + types as usize..],
    )?;
    let (info_bytes, trap_bytes, trap_count) = code_tables(contents.functions);
    let function_info = define_data(
        &mut module,
        symbols::FUNCTION_INFO_TABLE,
        Linkage::Local,
        info_bytes,
        |_, _| Ok(()),
    )?;
    let trap_sites = define_data(
        &mut module,
        symbols::TRAP_TABLE,
        Linkage::Local,
        trap_bytes,
        |_, _| Ok(()),
    )?;
    let code_sites_len = contents.code_sites.len() as u64;
    let code_sites = define_data(
        &mut module,
        symbols::CODE_SITES,
        Linkage::Local,
        contents.code_sites.clone(),
        |_, _| Ok(()),
    )?;
    let meta_bytes = contents.meta.to_bytes();
    let metadata = define_data(
        &mut module,
        symbols::METADATA,
        Linkage::Local,
        meta_bytes.clone(),
        |_, _| Ok(()),
    )?;

    let mut bytes = vec![0u8; at::SIZE];
    bytes[at::ABI_VERSION..at::ABI_VERSION + 8]
        .copy_from_slice(&u64::from(ABI_VERSION).to_le_bytes());
    bytes[at::METADATA_LEN..at::METADATA_LEN + 8]
        .copy_from_slice(&(meta_bytes.len() as u64).to_le_bytes());
    bytes[at::TRAP_COUNT..at::TRAP_COUNT + 8].copy_from_slice(&trap_count.to_le_bytes());
    bytes[at::CODE_SITES_LEN..at::CODE_SITES_LEN + 8]
        .copy_from_slice(&code_sites_len.to_le_bytes());
    define_data(
        &mut module,
        symbols::MODULE_DESCRIPTOR,
        Linkage::Export,
        bytes,
        |module, desc| {
            for (offset, data) in [
                (at::METADATA, metadata),
                (at::FUNCTIONS, function_table),
                (at::TRAMPOLINES, trampoline_table),
                (at::HOST_ADAPTERS, adapter_table),
                (at::FUNCTION_INFO, function_info),
                (at::TRAP_SITES, trap_sites),
                (at::CODE_SITES, code_sites),
            ] {
                let gv = module.declare_data_in_data(data, desc);
                desc.write_data_addr(offset as u32, gv, 0);
            }
            Ok(())
        },
    )?;
    let mut product = module.finish();
    if matches!(
        product.object.format(),
        object::BinaryFormat::Elf | object::BinaryFormat::MachO
    ) {
        let all = contents
            .functions
            .iter()
            .chain(contents.trampolines)
            .chain(contents.adapters)
            .chain(contents.fallbacks);
        let unwinds: Vec<_> = ids
            .iter()
            .zip(all)
            .filter_map(|(id, f)| f.unwind.as_ref().map(|u| (product.function_symbol(*id), u)))
            .collect();
        crate::unwind::add_eh_frame(&mut product.object, &*unwind_isa, &unwinds)?;
    }
    if let Some(lines) = &contents.lines {
        let imported = contents.meta.imported_funcs();
        let functions: Vec<FunctionDebug> = (0..n)
            .map(|i| {
                let wasm_index = imported + i as u32;
                FunctionDebug {
                    symbol: product.function_symbol(ids[i]),
                    name: contents
                        .meta
                        .func_name(wasm_index)
                        .map_or_else(|| format!("wasm-function[{wasm_index}]"), str::to_string),
                    code_len: contents.functions[i].code.len() as u64,
                    rows: lines.rows[i].clone(),
                    inlined: lines.inlined[i].clone(),
                }
            })
            .collect();
        let endian = match unwind_isa.endianness() {
            ir::Endianness::Little => gimli::RunTimeEndian::Little,
            ir::Endianness::Big => gimli::RunTimeEndian::Big,
        };
        crate::native_dwarf::add_debug_sections(
            &mut product.object,
            endian,
            &functions,
            &lines.sources,
        )?;
    }
    product.emit().map_err(emit_err)
}

/// The bytes of the function information table and of the trap table (see
/// `wasmaot_abi::symbols::{FunctionInfo, TrapSite}`, little-endian), and the number of trap
/// sites.
fn code_tables(functions: &[CompiledFunction]) -> (Vec<u8>, Vec<u8>, u64) {
    let mut info = Vec::with_capacity(functions.len().max(1) * 16);
    let mut traps = Vec::new();
    let mut count = 0u32;
    for f in functions {
        for field in [f.code.len() as u32, count, f.traps.len() as u32, 0] {
            info.extend_from_slice(&field.to_le_bytes());
        }
        for site in &f.traps {
            traps.extend_from_slice(&site.offset.to_le_bytes());
            traps.extend_from_slice(&[site.kind, 0, 0, 0]);
        }
        count += f.traps.len() as u32;
    }
    // Empty tables still get a byte of storage, so each has an address.
    info.resize(info.len().max(16), 0);
    traps.resize(traps.len().max(8), 0);
    (info, traps, u64::from(count))
}

/// A writable array of function addresses (writable so the dynamic linker may relocate it).
/// The static table copy a relocation names, if it names one.
fn static_copy(target: &ModuleRelocTarget) -> Option<u32> {
    match *target {
        ModuleRelocTarget::User { namespace, index } if namespace == STATIC_TABLE_NAMESPACE => {
            Some(index)
        }
        _ => None,
    }
}

/// `relocs` with the names of static table copies replaced by their data objects.
fn point_at_copies(relocs: &[ModuleReloc], copies: &[DataId]) -> Vec<ModuleReloc> {
    relocs
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(copy) = static_copy(&r.name) {
                r.name = ModuleRelocTarget::from(copies[copy as usize]);
            }
            r
        })
        .collect()
}

fn pointer_table(module: &mut ObjectModule, name: &str, funcs: &[FuncId]) -> Result<DataId> {
    let bytes = vec![0u8; funcs.len().max(1) * 8];
    define_data(module, name, Linkage::Local, bytes, |module, desc| {
        for (i, id) in funcs.iter().enumerate() {
            let func = module.declare_func_in_data(*id, desc);
            desc.write_function_addr((i * 8) as u32, func);
        }
        Ok(())
    })
}

fn define_data(
    module: &mut ObjectModule,
    name: &str,
    linkage: Linkage,
    bytes: Vec<u8>,
    relocate: impl FnOnce(&mut ObjectModule, &mut DataDescription) -> Result<()>,
) -> Result<DataId> {
    let id = module
        .declare_data(name, linkage, true, false)
        .map_err(emit_err)?;
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    desc.set_align(16);
    relocate(module, &mut desc)?;
    module.define_data(id, &desc).map_err(emit_err)?;
    Ok(id)
}
