//! The instance state ("vmctx") compiled code reads. Every wasm function receives the callee's
//! vmctx as its first argument and the caller's as its second. The layout is computed from the
//! module's counts by [`VmctxLayout::new`], here only: the compiler uses the offsets to emit loads
//! and stores, the runtime to allocate and fill the region.
//!
//! ```text
//! header      libcall table, stack limit, instance pointer, spare
//! mem. bases  base address per memory (imported first) that never moves, copied from its
//!             VMMemory at instantiation: one load, not two, for code relying on guard pages
//! type ids    u32 per type index: canonical signature id checked by call_indirect
//! memories    pointer per memory (imported first) to its VMMemory (owned by the memory)
//! tables      pointer per table (imported first) to its VMTable (owned by the table)
//! imp. globals pointer per imported global to its VMGlobal
//! def. globals VMGlobal per defined global
//! imp. funcs  pointer per imported function to its VMFuncRef
//! def. funcs  VMFuncRef per defined function (the target of ref.func)
//! tags        pointer per tag (imported first): the tag's identity, compared by catch clauses
//! ```

/// Linear memory as compiled code sees it. `base` never moves after instantiation.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemory {
    pub base: *mut u8,
    /// Accessible length in bytes; changes on `memory.grow`. The bound compiled code compares
    /// 64-bit indices with (and every index when bounds checks are explicit).
    pub length: u64,
}

/// A table: `length` entries of 8 bytes (a `*const VMFuncRef`, or an externref, 0 being null).
/// `base` may move when the table grows.
#[repr(C)]
#[derive(Debug)]
pub struct VMTable {
    pub base: *mut u64,
    pub length: u64,
}

/// Storage of one global; values are stored little-end first, like wasm memory.
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct VMGlobal {
    pub bits: [u8; 16],
}

/// What a `funcref` points at: everything needed to call the function.
#[repr(C)]
#[derive(Debug)]
pub struct VMFuncRef {
    /// Native code, wasm ABI: `(callee_vmctx, caller_vmctx, params...) -> results` in Cranelift's
    /// `tail` calling convention (callee pops stack arguments, so `return_call` works); in code
    /// compiled for a fixed vmctx (`MemoryStrategy::fixed_vmctx`, executables), `(callee_vmctx,
    /// params...) -> results`, the caller's vmctx being that address.
    pub func_ptr: *const u8,
    /// The callee vmctx passed as first argument.
    pub vmctx: *mut u8,
    /// Host-to-wasm trampoline for the function's type:
    /// `(func_ptr, callee_vmctx, caller_vmctx, values: *mut u64)`.
    pub trampoline: *const u8,
    /// Canonical signature id, compared by `call_indirect`.
    pub type_id: u32,
    pub _pad: u32,
}

/// An exception object, as compiled code sees it: this header, then one 16-byte slot per
/// value of its tag's type (lowest slot first, like [`crate::VALUE_SLOT_SIZE`] slots). An
/// `exnref` is the address of the header. Writer: the runtime (`tag`, `len`) and compiled code
/// (the payload, after `Libcall::ExnAlloc`); readers: catch clauses (`tag` and the payload)
/// and the runtime.
#[repr(C, align(16))]
#[derive(Debug)]
pub struct VMException {
    /// The tag's identity: the address its vmctx slot holds (see [`VmctxLayout::tag_ptr`]).
    pub tag: *const u8,
    /// Payload slots that follow.
    pub len: u32,
    pub _pad: u32,
}

/// The header every instance vmctx starts with; compiled code reads `libcalls`, `limits` and
/// `stack_limit` at [`VmctxLayout::LIBCALLS`], [`VmctxLayout::LIMITS`] and
/// [`VmctxLayout::STACK_LIMIT`]. Writer: the runtime.
#[repr(C)]
#[derive(Debug)]
pub struct VMContextHeader {
    /// Address of the libcall table (see `crate::libcall`).
    pub libcalls: *const u8,
    /// The store's [`VMStoreLimits`], shared by all its instances.
    pub limits: *const VMStoreLimits,
    /// Runtime-private pointer back to the owning instance.
    pub instance: *const u8,
    /// [`VMCTX_MAGIC`].
    pub magic: u64,
    /// Lowest stack address compiled code may use: the prologues of the instance's functions
    /// compare the stack pointer with it. The store's limit (for the calling thread and the
    /// store's stack size), which the runtime writes into the vmctx of every instance of the
    /// store whenever it changes, before any of their code runs: on calls into wasm from the
    /// host, and on their return to a host function that wasm code called.
    pub stack_limit: usize,
}

/// What every instance of a store shares and compiled code reads through
/// [`VMContextHeader::limits`]. Writer: the runtime (and compiled code, for `fuel`).
#[repr(C)]
#[derive(Debug)]
pub struct VMStoreLimits {
    /// 0, or why code must stop ([`INTERRUPT_DEADLINE`], [`INTERRUPT_HOST`]): read at function
    /// entries and loop headers by code compiled with interruption checks. Set from any thread.
    pub interrupt: u32,
    pub _pad: u32,
    /// Fuel left: decremented by code compiled with fuel metering, which traps below zero.
    pub fuel: i64,
}

/// [`VMStoreLimits::interrupt`] when a deadline has passed.
pub const INTERRUPT_DEADLINE: u32 = 1;
/// [`VMStoreLimits::interrupt`] when the host asked the store's code to stop.
pub const INTERRUPT_HOST: u32 = 2;

/// The context a host function's adapter receives as its callee vmctx. The adapter calls
/// `callback(context, caller_vmctx, values, frame_pointer)` (`values`: one slot of
/// [`crate::VALUE_SLOT_SIZE`] bytes per parameter and result; `frame_pointer`: the adapter's
/// own, whose saved return address is in the wasm caller, so a failing host function's trap
/// gets the wasm frames that called it). `magic` sits where an instance
/// vmctx has [`VMCTX_MAGIC`] and is 0, so the runtime can tell the two apart. Writer: the
/// runtime; reader: the adapters the compiler writes (`callback`) and the runtime.
#[repr(C)]
#[derive(Debug)]
pub struct VMHostContext {
    /// `extern "C" fn(*mut VMHostContext, caller_vmctx: *mut u8, values: *mut u128,
    /// frame_pointer: usize)`.
    pub callback: *const u8,
    /// Runtime-private.
    pub host: *const u8,
    /// Unused; keeps `magic` at [`VmctxLayout::MAGIC`].
    pub reserved: u64,
    /// Always 0.
    pub magic: u64,
}

/// The value at [`VmctxLayout::MAGIC`] of every instance vmctx.
pub const VMCTX_MAGIC: u64 = u64::from_le_bytes(*b"wasmvmcx");

/// Offsets of `VMMemory`, `VMTable`, `VMFuncRef` fields.
pub mod field {
    pub const MEMORY_BASE: i32 = 0;
    pub const MEMORY_LENGTH: i32 = 8;
    pub const TABLE_BASE: i32 = 0;
    pub const TABLE_LENGTH: i32 = 8;
    pub const FUNCREF_FUNC_PTR: i32 = 0;
    pub const FUNCREF_VMCTX: i32 = 8;
    pub const FUNCREF_TRAMPOLINE: i32 = 16;
    pub const FUNCREF_TYPE_ID: i32 = 24;
    /// `VMHostContext::callback`.
    pub const HOST_CALLBACK: i32 = 0;
    /// `VMStoreLimits::interrupt`.
    pub const LIMITS_INTERRUPT: i32 = 0;
    /// `VMStoreLimits::fuel`.
    pub const LIMITS_FUEL: i32 = 8;
    /// `VMException::tag`.
    pub const EXN_TAG: i32 = 0;
    /// The first payload slot of a `VMException`.
    pub const EXN_PAYLOAD: i32 = 16;
}

/// What the layout depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmctxCounts {
    pub types: u32,
    pub imported_funcs: u32,
    pub defined_funcs: u32,
    pub imported_memories: u32,
    pub defined_memories: u32,
    pub imported_tables: u32,
    pub defined_tables: u32,
    pub imported_globals: u32,
    pub defined_globals: u32,
    /// Tags, imported and defined.
    pub tags: u32,
}

/// Byte offsets into a vmctx, computed once per module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmctxLayout {
    pub counts: VmctxCounts,
    memory_bases: u32,
    type_ids: u32,
    memory_ptrs: u32,
    table_ptrs: u32,
    imported_globals: u32,
    defined_globals: u32,
    imported_funcs: u32,
    defined_funcs: u32,
    tag_ptrs: u32,
    size: u32,
}

const fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

impl VmctxLayout {
    /// Address of the libcall table (a `*const [*const u8; LIBCALL_COUNT]`).
    pub const LIBCALLS: i32 = 0;
    /// The `*const VMStoreLimits` of the instance's store.
    pub const LIMITS: i32 = 8;
    /// Runtime-private pointer back to the owning instance.
    pub const INSTANCE: i32 = 16;
    /// Holds [`VMCTX_MAGIC`] in an instance's vmctx (and 0 in a host function's context), so
    /// the runtime can tell the two apart.
    pub const MAGIC: i32 = 24;
    /// The lowest stack address compiled code may use ([`VMContextHeader::stack_limit`]).
    pub const STACK_LIMIT: i32 = 32;
    const HEADER_SIZE: u32 = core::mem::size_of::<VMContextHeader>() as u32;

    pub const MEMORY_SIZE: u32 = core::mem::size_of::<VMMemory>() as u32;
    pub const TABLE_SIZE: u32 = core::mem::size_of::<VMTable>() as u32;
    pub const GLOBAL_SIZE: u32 = core::mem::size_of::<VMGlobal>() as u32;
    pub const FUNCREF_SIZE: u32 = core::mem::size_of::<VMFuncRef>() as u32;

    pub fn new(counts: VmctxCounts) -> VmctxLayout {
        let mut at = Self::HEADER_SIZE;
        let mut take = |bytes: u32, alignment: u32| {
            at = align(at, alignment);
            let start = at;
            at += bytes;
            start
        };
        let c = counts;
        let memory_bases = take(8 * (c.imported_memories + c.defined_memories), 8);
        let type_ids = take(4 * c.types, 4);
        let memory_ptrs = take(8 * (c.imported_memories + c.defined_memories), 8);
        let table_ptrs = take(8 * (c.imported_tables + c.defined_tables), 8);
        let imported_globals = take(8 * c.imported_globals, 8);
        let defined_globals = take(Self::GLOBAL_SIZE * c.defined_globals, 16);
        let imported_funcs = take(8 * c.imported_funcs, 8);
        let defined_funcs = take(Self::FUNCREF_SIZE * c.defined_funcs, 8);
        let tag_ptrs = take(8 * c.tags, 8);
        let size = align(at, 16);
        VmctxLayout {
            counts,
            memory_bases,
            type_ids,
            memory_ptrs,
            table_ptrs,
            imported_globals,
            defined_globals,
            imported_funcs,
            defined_funcs,
            tag_ptrs,
            size,
        }
    }

    /// Total size in bytes (a multiple of 16).
    pub fn size(&self) -> u32 {
        self.size
    }
    /// The `u32` canonical signature id of type `index`.
    pub fn type_id(&self, index: u32) -> u32 {
        self.type_ids + 4 * index
    }
    /// The base address of memory `index` (imported or defined), for a memory that never
    /// moves (0 for a movable one: code with explicit bounds checks reads
    /// [`VMMemory::base`] through [`Self::memory_ptr`] instead). Placed first after the header,
    /// where a one-byte displacement reaches it.
    pub fn memory_base(&self, index: u32) -> u32 {
        self.memory_bases + 8 * index
    }
    /// The `*mut VMMemory` of memory `index` (imported or defined).
    pub fn memory_ptr(&self, index: u32) -> u32 {
        self.memory_ptrs + 8 * index
    }
    /// The `*mut VMTable` of table `index`.
    pub fn table_ptr(&self, index: u32) -> u32 {
        self.table_ptrs + 8 * index
    }
    /// The `*mut VMGlobal` of imported global `index`.
    pub fn imported_global(&self, index: u32) -> u32 {
        self.imported_globals + 8 * index
    }
    /// The inline `VMGlobal` of defined global `index` (counted among defined globals).
    pub fn defined_global(&self, index: u32) -> u32 {
        self.defined_globals + Self::GLOBAL_SIZE * index
    }
    /// The `*const VMFuncRef` of imported function `index`.
    pub fn imported_func(&self, index: u32) -> u32 {
        self.imported_funcs + 8 * index
    }
    /// The inline `VMFuncRef` of defined function `index` (counted among defined functions).
    pub fn defined_func(&self, index: u32) -> u32 {
        self.defined_funcs + Self::FUNCREF_SIZE * index
    }
    /// The identity of tag `index` (imported or defined), a `*const u8` unique to the tag.
    pub fn tag_ptr(&self, index: u32) -> u32 {
        self.tag_ptrs + 8 * index
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn headers_match_the_offsets_compiled_code_uses() {
        use super::*;
        use core::mem::offset_of;
        assert_eq!(
            offset_of!(VMContextHeader, libcalls) as i32,
            VmctxLayout::LIBCALLS
        );
        assert_eq!(
            offset_of!(VMContextHeader, limits) as i32,
            VmctxLayout::LIMITS
        );
        assert_eq!(
            offset_of!(VMStoreLimits, interrupt) as i32,
            field::LIMITS_INTERRUPT
        );
        assert_eq!(offset_of!(VMStoreLimits, fuel) as i32, field::LIMITS_FUEL);
        assert_eq!(
            offset_of!(VMContextHeader, instance) as i32,
            VmctxLayout::INSTANCE
        );
        assert_eq!(
            offset_of!(VMContextHeader, magic) as i32,
            VmctxLayout::MAGIC
        );
        assert_eq!(
            offset_of!(VMContextHeader, stack_limit) as i32,
            VmctxLayout::STACK_LIMIT
        );

        assert_eq!(
            offset_of!(VMHostContext, callback) as i32,
            field::HOST_CALLBACK
        );
        assert_eq!(offset_of!(VMHostContext, magic) as i32, VmctxLayout::MAGIC);
    }

    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn field_offsets_match_structs() {
        assert_eq!(offset_of!(VMMemory, base) as i32, field::MEMORY_BASE);
        assert_eq!(offset_of!(VMMemory, length) as i32, field::MEMORY_LENGTH);
        assert_eq!(offset_of!(VMTable, base) as i32, field::TABLE_BASE);
        assert_eq!(offset_of!(VMTable, length) as i32, field::TABLE_LENGTH);
        assert_eq!(
            offset_of!(VMFuncRef, func_ptr) as i32,
            field::FUNCREF_FUNC_PTR
        );
        assert_eq!(offset_of!(VMFuncRef, vmctx) as i32, field::FUNCREF_VMCTX);
        assert_eq!(
            offset_of!(VMFuncRef, trampoline) as i32,
            field::FUNCREF_TRAMPOLINE
        );
        assert_eq!(
            offset_of!(VMFuncRef, type_id) as i32,
            field::FUNCREF_TYPE_ID
        );
        assert_eq!(size_of::<VMFuncRef>(), 32);
        assert_eq!(size_of::<VMGlobal>(), 16);
        assert_eq!(offset_of!(VMException, tag) as i32, field::EXN_TAG);
        assert_eq!(size_of::<VMException>() as i32, field::EXN_PAYLOAD);
    }

    #[test]
    fn regions_do_not_overlap_and_are_aligned() {
        let counts = VmctxCounts {
            types: 3,
            imported_funcs: 2,
            defined_funcs: 5,
            imported_memories: 0,
            defined_memories: 1,
            imported_tables: 1,
            defined_tables: 1,
            imported_globals: 1,
            defined_globals: 2,
            tags: 2,
        };
        let l = VmctxLayout::new(counts);
        let ends = [
            (l.memory_base(0), l.memory_base(1)),
            (l.type_id(0), l.type_id(3)),
            (l.memory_ptr(0), l.memory_ptr(1)),
            (l.table_ptr(0), l.table_ptr(2)),
            (l.imported_global(0), l.imported_global(1)),
            (l.defined_global(0), l.defined_global(2)),
            (l.imported_func(0), l.imported_func(2)),
            (l.defined_func(0), l.defined_func(5)),
            (l.tag_ptr(0), l.tag_ptr(2)),
        ];
        let mut prev_end = 32;
        for (start, end) in ends {
            assert!(start >= prev_end, "{start} overlaps {prev_end}");
            prev_end = end;
        }
        assert!(l.size() >= prev_end);
        assert_eq!(l.defined_global(0) % 16, 0);
        assert_eq!(l.defined_func(0) % 8, 0);
    }
}
