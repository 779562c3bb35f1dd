//! Runtime functions compiled code calls, through the table whose address is in the instance
//! header (`VmctxLayout::LIBCALLS`). Writer of the table: the runtime (`libcalls.rs`); reader: the
//! compiler's translator. Every libcall takes the caller's vmctx first and uses the C ABI.

/// A runtime function; the discriminant is its slot in the libcall table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Libcall {
    /// `(vmctx, memory: u32, delta_pages: u32) -> u32` old size in pages, or `u32::MAX`.
    MemoryGrow = 0,
    /// `(vmctx, memory: u32, dst: u32, value: u32, len: u32)`; traps out of bounds.
    MemoryFill = 1,
    /// `(vmctx, dst_memory: u32, src_memory: u32, dst: u32, src: u32, len: u32)`.
    MemoryCopy = 2,
    /// `(vmctx, memory: u32, data: u32, dst: u32, src: u32, len: u32)`.
    MemoryInit = 3,
    /// `(vmctx, data: u32)`.
    DataDrop = 4,
    /// `(vmctx, table: u32, init: u64, delta: u32) -> u32` old size, or `u32::MAX`.
    TableGrow = 5,
    /// `(vmctx, table: u32, dst: u32, value: u64, len: u32)`.
    TableFill = 6,
    /// `(vmctx, dst_table: u32, src_table: u32, dst: u32, src: u32, len: u32)`.
    TableCopy = 7,
    /// `(vmctx, table: u32, elem: u32, dst: u32, src: u32, len: u32)`.
    TableInit = 8,
    /// `(vmctx, elem: u32)`.
    ElemDrop = 9,
}

/// Number of slots in the libcall table.
pub const LIBCALL_COUNT: usize = 10;
