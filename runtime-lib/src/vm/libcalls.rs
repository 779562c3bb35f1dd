//! The runtime functions compiled code calls (see `wasmaot_abi::Libcall` for the slots and
//! signatures). Each finds its instance from the caller's vmctx, does the work, and raises a
//! trap when the spec says so, holding nothing that needs dropping at that point.

use wasmaot_abi::libcall::{fn_types, LIBCALL_COUNT};
use wasmaot_abi::{Libcall, TrapKind};

use super::instance::{from_vmctx, InstanceInner};
use super::trap::Trap;
use super::traps;

/// The table compiled code indexes by `Libcall` discriminant; field order is slot order, and
/// each field has the type `wasmaot_abi::libcall::fn_types` declares for its libcall.
#[repr(C)]
struct LibcallTable {
    memory_grow: fn_types::MemoryGrow,
    memory_fill: fn_types::MemoryFill,
    memory_copy: fn_types::MemoryCopy,
    memory_init: fn_types::MemoryInit,
    data_drop: fn_types::DataDrop,
    table_grow: fn_types::TableGrow,
    table_fill: fn_types::TableFill,
    table_copy: fn_types::TableCopy,
    table_init: fn_types::TableInit,
    elem_drop: fn_types::ElemDrop,
    exn_alloc: fn_types::ExnAlloc,
    throw: fn_types::Throw,
}

static TABLE: LibcallTable = LibcallTable {
    memory_grow,
    memory_fill,
    memory_copy,
    memory_init,
    data_drop,
    table_grow,
    table_fill,
    table_copy,
    table_init,
    elem_drop,
    // Entered through the stub that spills callee-saved registers for the collector.
    exn_alloc: super::sys::unwind_stubs::exn_alloc_entry,
    throw,
};

// Field order is slot order: every field at 8 times its libcall's discriminant.
const _: () = {
    use core::mem::offset_of;
    assert!(core::mem::size_of::<LibcallTable>() == 8 * LIBCALL_COUNT);
    assert!(offset_of!(LibcallTable, memory_grow) == 8 * Libcall::MemoryGrow as usize);
    assert!(offset_of!(LibcallTable, memory_fill) == 8 * Libcall::MemoryFill as usize);
    assert!(offset_of!(LibcallTable, memory_copy) == 8 * Libcall::MemoryCopy as usize);
    assert!(offset_of!(LibcallTable, memory_init) == 8 * Libcall::MemoryInit as usize);
    assert!(offset_of!(LibcallTable, data_drop) == 8 * Libcall::DataDrop as usize);
    assert!(offset_of!(LibcallTable, table_grow) == 8 * Libcall::TableGrow as usize);
    assert!(offset_of!(LibcallTable, table_fill) == 8 * Libcall::TableFill as usize);
    assert!(offset_of!(LibcallTable, table_copy) == 8 * Libcall::TableCopy as usize);
    assert!(offset_of!(LibcallTable, table_init) == 8 * Libcall::TableInit as usize);
    assert!(offset_of!(LibcallTable, elem_drop) == 8 * Libcall::ElemDrop as usize);
    assert!(offset_of!(LibcallTable, exn_alloc) == 8 * Libcall::ExnAlloc as usize);
    assert!(offset_of!(LibcallTable, throw) == 8 * Libcall::Throw as usize);
};

pub(crate) fn table_address() -> usize {
    &TABLE as *const LibcallTable as usize
}

fn instance<'a>(vmctx: *mut u8) -> &'a InstanceInner {
    match from_vmctx(vmctx) {
        Some(instance) => instance,
        None => traps::raise(Trap::host("runtime call without an instance")),
    }
}

/// The status a bounds-checked runtime call returns: 0, or 1 when out of bounds (the compiled
/// code then traps, with the one kind the operator can raise).
fn status(result: Result<(), TrapKind>) -> u32 {
    u32::from(result.is_err())
}

extern "C" fn memory_grow(vmctx: *mut u8, memory: u32, delta: u64) -> u64 {
    let memory = &instance(vmctx).memories[memory as usize];
    memory.grow(delta).unwrap_or(u64::MAX)
}

fn fill(
    instance: &InstanceInner,
    memory: u32,
    dst: u64,
    value: u32,
    len: u64,
) -> Result<(), TrapKind> {
    let bytes = instance.memories[memory as usize]
        .range(dst, len)
        .ok_or(TrapKind::OutOfBoundsMemory)?;
    // SAFETY: `len` bytes inside the memory (checked by `range`); no reference to them lives.
    unsafe { core::ptr::write_bytes(bytes, value as u8, len as usize) };
    Ok(())
}

extern "C" fn memory_fill(vmctx: *mut u8, memory: u32, dst: u64, value: u32, len: u64) -> u32 {
    status(fill(instance(vmctx), memory, dst, value, len))
}

fn copy(
    instance: &InstanceInner,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), TrapKind> {
    let (dst_mem, src_mem) = (
        &instance.memories[dst_mem as usize],
        &instance.memories[src_mem as usize],
    );
    let source = src_mem.range(src, len).ok_or(TrapKind::OutOfBoundsMemory)?;
    let target = dst_mem.range(dst, len).ok_or(TrapKind::OutOfBoundsMemory)?;
    // SAFETY: both ranges were checked to lie in their memories; `copy` allows overlap.
    unsafe { core::ptr::copy(source, target, len as usize) };
    Ok(())
}

extern "C" fn memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    status(copy(instance(vmctx), dst_mem, src_mem, dst, src, len))
}

extern "C" fn memory_init(
    vmctx: *mut u8,
    memory: u32,
    data: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    status(instance(vmctx).memory_init(memory, data, dst, src, len))
}

extern "C" fn data_drop(vmctx: *mut u8, data: u32) {
    instance(vmctx).data_drop(data);
}

extern "C" fn table_grow(vmctx: *mut u8, table: u32, init: u64, delta: u64) -> u64 {
    let table = &instance(vmctx).tables[table as usize];
    table.grow(delta, init).unwrap_or(u64::MAX)
}

fn table_fill_checked(
    instance: &InstanceInner,
    table: u32,
    dst: u64,
    value: u64,
    len: u64,
) -> Result<(), TrapKind> {
    if instance.tables[table as usize].fill(dst, len, value) {
        Ok(())
    } else {
        Err(TrapKind::OutOfBoundsTable)
    }
}

extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u64, value: u64, len: u64) -> u32 {
    status(table_fill_checked(instance(vmctx), table, dst, value, len))
}

fn table_copy_checked(
    instance: &InstanceInner,
    dst_t: u32,
    src_t: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), TrapKind> {
    let source = instance.tables[src_t as usize]
        .range(src, len)
        .ok_or(TrapKind::OutOfBoundsTable)?;
    let target = instance.tables[dst_t as usize]
        .range(dst, len)
        .ok_or(TrapKind::OutOfBoundsTable)?;
    // SAFETY: both ranges checked; the tables may be the same, and `copy` allows overlap.
    unsafe { core::ptr::copy(source, target, len as usize) };
    Ok(())
}

extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    status(table_copy_checked(
        instance(vmctx),
        dst_table,
        src_table,
        dst,
        src,
        len,
    ))
}

extern "C" fn table_init(
    vmctx: *mut u8,
    table: u32,
    elem: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    status(instance(vmctx).table_init(table, elem, dst, src, len))
}

extern "C" fn elem_drop(vmctx: *mut u8, elem: u32) {
    instance(vmctx).elem_drop(elem);
}

/// Reached through `sys::unwind_stubs::exn_alloc_entry` only.
pub(crate) extern "C" fn exn_alloc(vmctx: *mut u8, tag: u32) -> u64 {
    let instance = instance(vmctx);
    instance.exceptions.alloc(&instance.tags[tag as usize])
}

extern "C" fn throw(vmctx: *mut u8, exn: u64, fp: u64, wasm_offset: u32) {
    let instance = instance(vmctx);
    let code = instance.module.0.code;
    super::exceptions::throw(&instance.exceptions, code, exn, fp as usize, wasm_offset)
}
