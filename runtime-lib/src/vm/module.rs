//! A compiled module as loaded into this process: its metadata, and the addresses of its
//! functions, trampolines and adapters, read from the module descriptor.

use crate::prelude::*;

#[cfg(feature = "std")]
use alloc::ffi::CString;
use alloc::sync::Arc;
#[cfg(feature = "std")]
use std::path::Path;

use wasmaot_abi::code_sites::function_bytes;
#[cfg(feature = "std")]
use wasmaot_abi::symbols::MODULE_DESCRIPTOR;
use wasmaot_abi::symbols::{FunctionInfo, ModuleDescriptor, TrapSite};
use wasmaot_abi::{ModuleMeta, VmctxLayout, ABI_VERSION};

use super::code_registry::{self, CodeInfo, FunctionRange};
use super::error::Error;
use super::types::{canonical_ids, canonicalize};

/// A loaded, ready-to-instantiate module. Cheap to clone.
#[derive(Clone)]
pub struct Module(pub(crate) Arc<ModuleInner>);

pub(crate) struct ModuleInner {
    pub meta: ModuleMeta,
    pub layout: VmctxLayout,
    pub functions: Vec<*const u8>,
    pub trampolines: Vec<*const u8>,
    pub adapters: Vec<*const u8>,
    /// Canonical signature id of each type index.
    pub type_ids: Vec<u32>,
    /// Its code's entry in the code registry (functions, sites, names).
    pub code: &'static CodeInfo,
    /// The `dlopen` handle, kept open for the life of the process (code stays registered).
    _library: Option<usize>,
}

// SAFETY: the raw pointers are addresses of immutable, process-lifetime code.
unsafe impl Send for ModuleInner {}
// SAFETY: as above; nothing in a ModuleInner is mutated after loading.
unsafe impl Sync for ModuleInner {}

impl Module {
    /// Load a precompiled module (`wasmaot compile m.wasm -o m.so`). A path without a `/` is
    /// taken relative to the working directory (not searched for on the library path).
    ///
    /// # Safety
    /// Loading a shared object runs its initialisers, and the module's machine code is trusted
    /// to be what the wasmaot compiler wrote: the file must be the output of `wasmaot compile`
    /// (for this runtime version and this machine), and nothing may change it while loaded.
    /// A file that is not one is refused when its descriptor or ABI version does not match, but
    /// only after its initialisers have run.
    #[cfg(feature = "std")]
    pub unsafe fn load(path: &Path) -> Result<Module, Error> {
        let relative;
        let path = if path.as_os_str().as_encoded_bytes().contains(&b'/') {
            path
        } else {
            relative = Path::new(".").join(path);
            &relative
        };
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| Error::Load(format!("{}: path contains NUL", path.display())))?;
        // SAFETY: dlopen on a path; the library's initialisers are the linker's only.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(Error::Load(format!("{}: {}", path.display(), dl_error())));
        }
        let name = CString::new(MODULE_DESCRIPTOR).unwrap_or_default();
        // SAFETY: `handle` is a live library handle.
        let symbol = unsafe { libc::dlsym(handle, name.as_ptr()) };
        if symbol.is_null() {
            return Err(Error::Load(format!(
                "{}: not a wasmaot module",
                path.display()
            )));
        }
        // SAFETY: the symbol is a ModuleDescriptor written by the compiler (checked by version).
        unsafe { Module::from_descriptor(symbol.cast(), Some(handle as usize)) }
    }

    /// Build a module from a descriptor linked into this process.
    ///
    /// # Safety
    /// `descriptor` must point to a module descriptor written by the wasmaot compiler that stays
    /// mapped for the life of the process.
    pub unsafe fn from_descriptor(
        descriptor: *const ModuleDescriptor,
        library: Option<usize>,
    ) -> Result<Module, Error> {
        // SAFETY: per the contract, a valid descriptor.
        let d = unsafe { &*descriptor };
        if d.abi_version != u64::from(ABI_VERSION) {
            return Err(Error::Load(format!(
                "compiled for runtime ABI {} but this runtime speaks {ABI_VERSION}",
                d.abi_version
            )));
        }
        // SAFETY: metadata/metadata_len describe the serialized bytes in the object.
        let bytes = unsafe { core::slice::from_raw_parts(d.metadata, d.metadata_len as usize) };
        let mut meta = ModuleMeta::from_bytes(bytes)
            .map_err(|e| Error::Load(format!("corrupt metadata: {e}")))?;
        let missing = super::sys::cpu::missing_features(&meta.cpu_features);
        if !missing.is_empty() {
            return Err(Error::Load(format!(
                "compiled for CPU features this machine lacks: {} (rebuild with a lower --target-cpu)",
                missing.join(", ")
            )));
        }
        let layout = meta.vmctx_layout();
        let defined = layout.counts.defined_funcs as usize;
        let types = meta.types.len();
        // SAFETY: the tables have one entry per defined function / per type.
        let (functions, trampolines, adapters) = unsafe {
            (
                core::slice::from_raw_parts(d.functions, defined).to_vec(),
                core::slice::from_raw_parts(d.trampolines, types).to_vec(),
                core::slice::from_raw_parts(d.host_adapters, types).to_vec(),
            )
        };
        // SAFETY: the compiler writes one FunctionInfo per defined function and `trap_count`
        // trap sites, in the object, which stays mapped.
        let (info, traps) = unsafe {
            (
                core::slice::from_raw_parts(d.function_info, defined),
                core::slice::from_raw_parts(d.trap_sites, d.trap_count as usize),
            )
        };
        let type_ids = canonical_ids(&meta.types, &meta.rec_groups);
        canonicalize(&mut meta, &type_ids);
        // Kept for the life of the process, like the code it describes.
        let code_sites: &'static [u8] = if d.code_sites.is_null() {
            &[]
        } else {
            // SAFETY: the compiler writes `code_sites_len` bytes of encoded sites in the
            // object, which stays mapped for the life of the process.
            unsafe { core::slice::from_raw_parts(d.code_sites, d.code_sites_len as usize) }
        };
        let code = code_registry::register(code_info(&meta, &functions, info, traps, code_sites)?);
        Ok(Module(Arc::new(ModuleInner {
            meta,
            layout,
            functions,
            trampolines,
            adapters,
            type_ids,
            code,
            _library: library,
        })))
    }

    /// What the compiler recorded about the module: types, imports, exports, ... (concrete
    /// heap types of typed references hold canonical type ids, not type indices).
    pub fn meta(&self) -> &ModuleMeta {
        &self.0.meta
    }
}

/// Where each function's code lies and which trap sites it has, from the tables the compiler
/// wrote into the object (read in place: the object stays mapped for the life of the process).
fn code_info(
    meta: &ModuleMeta,
    functions: &[*const u8],
    info: &'static [FunctionInfo],
    traps: &'static [TrapSite],
    code_sites: &'static [u8],
) -> Result<CodeInfo, Error> {
    let imported = meta.imported_funcs();
    let corrupt = || Error::Load("corrupt function table".to_string());
    let mut ranges = Vec::with_capacity(functions.len());
    for (i, (start, f)) in functions.iter().zip(info).enumerate() {
        let first = f.first_trap as usize;
        let sites = traps
            .get(first..first + f.trap_count as usize)
            .ok_or_else(corrupt)?;
        // The compiler lists functions in index order.
        let landing_pads = meta
            .landing_pads
            .binary_search_by_key(&(i as u32), |(index, _)| *index)
            .map(|at| meta.landing_pads[at].1.clone())
            .unwrap_or_default();
        if landing_pads
            .iter()
            .any(|p| p.handler_offset >= f.len || p.ret_offset > f.len)
        {
            return Err(corrupt());
        }
        let encoded = function_bytes(code_sites, &meta.code_site_ends, i).unwrap_or_default();
        ranges.push(FunctionRange {
            start: *start as usize,
            end: *start as usize + f.len as usize,
            func_index: imported + i as u32,
            traps: sites,
            landing_pads,
            sites: encoded,
        });
    }
    // The compiler lays the functions out in index order, in one section (so no linker
    // reorders them): lookups by address rely on it.
    if !ranges.is_sorted_by_key(|r| r.start) {
        return Err(corrupt());
    }
    Ok(CodeInfo {
        start: ranges.first().map_or(0, |r| r.start),
        end: ranges.last().map_or(0, |r| r.end),
        functions: ranges,
        names: meta.func_names.clone(),
        source_files: meta.source_files.clone(),
    })
}

#[cfg(feature = "std")]
fn dl_error() -> String {
    // SAFETY: dlerror returns a thread-local C string or null.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        return "unknown dlopen error".to_string();
    }
    // SAFETY: non-null dlerror results are NUL-terminated strings.
    unsafe { core::ffi::CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_abi_version_is_refused_naming_both() {
        let descriptor = ModuleDescriptor {
            abi_version: u64::from(ABI_VERSION) + 7,
            metadata: core::ptr::null(),
            metadata_len: 0,
            functions: core::ptr::null(),
            trampolines: core::ptr::null(),
            host_adapters: core::ptr::null(),
            function_info: core::ptr::null(),
            trap_sites: core::ptr::null(),
            trap_count: 0,
            code_sites: core::ptr::null(),
            code_sites_len: 0,
        };
        // SAFETY: the version is checked before any pointer of the descriptor is read.
        let result = unsafe { Module::from_descriptor(&descriptor, None) };
        let Err(Error::Load(message)) = result else {
            panic!("a descriptor of another ABI version was accepted");
        };
        assert!(
            message.contains(&(ABI_VERSION + 7).to_string()),
            "{message}"
        );
        assert!(message.contains(&ABI_VERSION.to_string()), "{message}");
    }

    #[test]
    fn a_file_that_is_not_a_module_is_refused() {
        let dir = std::env::temp_dir().join(format!("wasmaot-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let path = dir.join("not-a-module.so");
        std::fs::write(&path, b"plain text").expect("write");
        // SAFETY: not a shared object: dlopen refuses it without running anything.
        let result = unsafe { Module::load(&path) };
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(result, Err(Error::Load(_))));
    }
}
