//! Symbol names in the objects the compiler writes. Writer: `compiler::emit`; reader: the
//! runtime's module loader (by `dlsym` for shared objects, by link for executables).

/// The [`ModuleDescriptor`] of a compiled module.
pub const MODULE_DESCRIPTOR: &str = "wasmaot_module";

/// Symbol of the function with wasm function index `wasm_index` and name-section name `name`:
/// `NAME.wasmN`, or `wasm_function.wasmN` without a name. These are local symbols, never
/// linked against: they name the code for debuggers, profilers and `nm`. The suffix keeps
/// them unique and apart from every C symbol (a wasm function named `floor` must never be
/// what a call to the C library's `floor` resolves to), as compilers' `foo.part.0` clones are.
/// The code uses Cranelift's `tail` calling convention, not C's: the host calls it through
/// the trampoline of its type.
pub fn function(wasm_index: u32, name: Option<&str>) -> alloc::string::String {
    let name = name.filter(|n| !n.is_empty() && !n.contains('\0'));
    alloc::format!("{}.wasm{wasm_index}", name.unwrap_or("wasm_function"))
}

/// Symbol of the host-to-wasm trampoline for type `index`.
pub fn trampoline(index: u32) -> alloc::string::String {
    alloc::format!("wasmaot_trampoline_{index}")
}

/// Symbol of the wasm-to-host adapter for type `index`.
pub fn host_adapter(index: u32) -> alloc::string::String {
    alloc::format!("wasmaot_host_adapter_{index}")
}

/// Symbol of the serialized [`crate::ModuleMeta`].
pub const METADATA: &str = "wasmaot_metadata";
/// Symbol of the encoded code sites ([`ModuleDescriptor::code_sites`]).
pub const CODE_SITES: &str = "wasmaot_code_sites";
/// Symbols of the function information and trap tables the descriptor refers to.
pub const FUNCTION_INFO_TABLE: &str = "wasmaot_function_info";
pub const TRAP_TABLE: &str = "wasmaot_trap_sites";
/// Symbols of the pointer tables the descriptor refers to.
pub const FUNCTION_TABLE: &str = "wasmaot_function_table";
pub const TRAMPOLINE_TABLE: &str = "wasmaot_trampoline_table";
pub const ADAPTER_TABLE: &str = "wasmaot_adapter_table";

/// One trap site, in the object's trap table: the instruction at `offset` (from the start of
/// its function) traps with `kind` (a [`crate::TrapKind`] discriminant). Read in place by the
/// runtime's fault handler.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapSite {
    pub offset: u32,
    pub kind: u8,
    pub _pad: [u8; 3],
}

/// What the runtime needs of one defined function's code, in the object's function table: its
/// length, and its trap sites as `trap_count` entries of the trap table from `first_trap`,
/// sorted by offset.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    pub len: u32,
    pub first_trap: u32,
    pub trap_count: u32,
    pub _pad: u32,
}

/// The root of a compiled module, as laid out in the object (all pointers relocated).
///
/// Writer: `compiler::emit` (field by field, offsets from [`descriptor_offsets`]); reader: the
/// runtime, through this `#[repr(C)]` struct.
#[repr(C)]
pub struct ModuleDescriptor {
    /// [`crate::ABI_VERSION`] of the writer.
    pub abi_version: u64,
    /// Serialized [`crate::ModuleMeta`] (postcard).
    pub metadata: *const u8,
    pub metadata_len: u64,
    /// One entry per defined function, in index order.
    pub functions: *const *const u8,
    /// One host-to-wasm trampoline per type index.
    pub trampolines: *const *const u8,
    /// One wasm-to-host adapter per type index.
    pub host_adapters: *const *const u8,
    /// One [`FunctionInfo`] per defined function, in index order.
    pub function_info: *const FunctionInfo,
    /// Every function's trap sites, function after function.
    pub trap_sites: *const TrapSite,
    /// Entries in `trap_sites`.
    pub trap_count: u64,
    /// Every defined function's encoded sites ([`crate::code_sites::EncodedSites::bytes`]),
    /// read in place when a backtrace needs them.
    pub code_sites: *const u8,
    pub code_sites_len: u64,
}

/// Byte offsets of the [`ModuleDescriptor`] fields, and its size.
pub mod descriptor_offsets {
    pub const ABI_VERSION: usize = 0;
    pub const METADATA: usize = 8;
    pub const METADATA_LEN: usize = 16;
    pub const FUNCTIONS: usize = 24;
    pub const TRAMPOLINES: usize = 32;
    pub const HOST_ADAPTERS: usize = 40;
    pub const FUNCTION_INFO: usize = 48;
    pub const TRAP_SITES: usize = 56;
    pub const TRAP_COUNT: usize = 64;
    pub const CODE_SITES: usize = 72;
    pub const CODE_SITES_LEN: usize = 80;
    pub const SIZE: usize = 88;
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn descriptor_layout_matches_offsets() {
        assert_eq!(
            offset_of!(ModuleDescriptor, abi_version),
            descriptor_offsets::ABI_VERSION
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, metadata),
            descriptor_offsets::METADATA
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, metadata_len),
            descriptor_offsets::METADATA_LEN
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, functions),
            descriptor_offsets::FUNCTIONS
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, trampolines),
            descriptor_offsets::TRAMPOLINES
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, host_adapters),
            descriptor_offsets::HOST_ADAPTERS
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, function_info),
            descriptor_offsets::FUNCTION_INFO
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, trap_sites),
            descriptor_offsets::TRAP_SITES
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, trap_count),
            descriptor_offsets::TRAP_COUNT
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, code_sites),
            descriptor_offsets::CODE_SITES
        );
        assert_eq!(
            offset_of!(ModuleDescriptor, code_sites_len),
            descriptor_offsets::CODE_SITES_LEN
        );
        assert_eq!(size_of::<ModuleDescriptor>(), descriptor_offsets::SIZE);
        assert_eq!(size_of::<TrapSite>(), 8);
        assert_eq!(size_of::<FunctionInfo>(), 16);
    }
}
