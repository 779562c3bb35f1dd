//! The one contract between compiled code (written by `wasmaot-compiler`) and the runtime
//! (`wasmaot-runtime`): the instance-state layout, trap kinds, runtime calls, symbol names and the
//! module metadata. Both sides depend on this crate; nothing here is copied into either.
#![no_std]
extern crate alloc;

pub mod code_sites;
pub mod exe_config;
pub mod libcall;
pub mod metadata;
mod packed;
pub mod symbols;
pub mod trap;
pub mod type_ids;
pub mod vmctx;

pub use libcall::Libcall;
pub use metadata::ModuleMeta;
pub use trap::TrapKind;
pub use vmctx::{
    VMContextHeader, VMException, VMFuncRef, VMGlobal, VMHostContext, VMMemory, VMTable,
    VmctxCounts, VmctxLayout,
};

/// Size of one WebAssembly page.
pub const WASM_PAGE_SIZE: u64 = 1 << WASM_PAGE_SHIFT;
/// log2 of [`WASM_PAGE_SIZE`]: compiled code turns byte lengths into pages with it.
pub const WASM_PAGE_SHIFT: u32 = 16;
/// The module name WASI preview1 functions are imported from.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";
/// Largest number of pages a 32-bit memory may have.
pub const MAX_WASM_PAGES: u64 = 65536;
/// The most bytes a 32-bit memory of 64 KiB pages may have in this runtime, 64 KiB short of the
/// 4 GiB its type may allow (growing further fails, as the spec allows). Writer: the runtime, which refuses to
/// grow past it; reader: the compiler, which relies on it: an i32 address that an access has
/// used without trapping is below it, so adding a constant of less than 64 KiB to it cannot
/// wrap around.
pub const MEMORY32_MAX_BYTES: u64 = (1 << 32) - WASM_PAGE_SIZE;
/// Version of this contract; the runtime refuses objects written against another one.
pub const ABI_VERSION: u32 = 17;
/// Bytes of one value slot in the arrays trampolines and host adapters pass values through:
/// wide enough for a `v128`; narrower values sit in the low bytes, little-endian.
pub const VALUE_SLOT_SIZE: u32 = 16;
