//! Tables: a vector of 8-byte references (`*const VMFuncRef` or an externref, 0 for null) and
//! the `VMTable` compiled code reads, kept in step whenever the vector moves.

use crate::prelude::*;

use core::cell::UnsafeCell;

use wasmaot_abi::metadata::TableType;
use wasmaot_abi::VMTable;

/// The most entries a table may ever have, whatever its type says (keeps hostile modules from
/// asking for all of memory).
const MAX_TABLE_ENTRIES: u64 = 10_000_000;

pub struct VmTable {
    elements: UnsafeCell<Vec<u64>>,
    vm: Box<UnsafeCell<VMTable>>,
    pub ty: TableType,
    /// The most entries this table may reach: the runtime's cap, or its store's limit.
    max_entries: u64,
}

// SAFETY: one thread at a time runs code using a table: a table is reached only through its
// store, borrowed mutably for every call.
unsafe impl Send for VmTable {}
// SAFETY: as above.
unsafe impl Sync for VmTable {}

impl VmTable {
    /// A table of `ty` filled with `init`, of at most `limit` entries (`None`: the runtime's
    /// cap), or `None` if its initial size is over that.
    pub fn new(ty: TableType, init: u64, limit: Option<u64>) -> Option<VmTable> {
        let max_entries = limit.map_or(MAX_TABLE_ENTRIES, |l| l.min(MAX_TABLE_ENTRIES));
        if ty.limits.min > max_entries {
            return None;
        }
        let mut elements = vec![init; ty.limits.min as usize];
        let vm = VMTable {
            base: elements.as_mut_ptr(),
            length: elements.len() as u64,
        };
        Some(VmTable {
            elements: UnsafeCell::new(elements),
            vm: Box::new(UnsafeCell::new(vm)),
            ty,
            max_entries,
        })
    }

    pub fn vm_ptr(&self) -> *mut VMTable {
        self.vm.get()
    }

    /// A pointer to the elements `[start, start + len)`, if inside the table: valid for reads
    /// and writes of `len` elements until the table grows or is dropped. (A raw pointer: the
    /// runtime's bulk operations may touch overlapping ranges of one table.)
    pub fn range(&self, start: u64, len: u64) -> Option<*mut u64> {
        let end = start.checked_add(len)?;
        if end > self.len() {
            return None;
        }
        // SAFETY: only the vector's pointer is read (see the Send/Sync note for who mutates it).
        let base = unsafe { (*self.elements.get()).as_mut_ptr() };
        Some(base.wrapping_add(start as usize))
    }

    /// Element `index`, if inside the table.
    pub fn get(&self, index: u64) -> Option<u64> {
        // SAFETY: in bounds (checked by `range`); a plain read of one element.
        self.range(index, 1).map(|p| unsafe { p.read() })
    }

    /// Set elements `[start, start + len)` to `value`; false (and nothing set) if outside.
    pub fn fill(&self, start: u64, len: u64, value: u64) -> bool {
        let Some(p) = self.range(start, len) else {
            return false;
        };
        // SAFETY: in bounds (checked by `range`); no reference to the elements is live (the
        // vector is only ever reached through these raw-pointer operations and `grow`).
        unsafe { core::slice::from_raw_parts_mut(p, len as usize).fill(value) };
        true
    }

    pub fn len(&self) -> u64 {
        // SAFETY: reads the vector's length (see the Send/Sync note).
        unsafe { (*self.elements.get()).len() as u64 }
    }

    /// Grow by `delta` entries set to `init`; the old size, or `None` if not allowed.
    pub fn grow(&self, delta: u64, init: u64) -> Option<u64> {
        let old = self.len();
        let new = old.checked_add(delta)?;
        let addressable = if self.ty.table64 {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        };
        let max = self.ty.limits.max.unwrap_or(addressable);
        if new > max || new > self.max_entries {
            return None;
        }
        // SAFETY: see the Send/Sync note.
        let elements = unsafe { &mut *self.elements.get() };
        elements.resize(new as usize, init);
        // SAFETY: as above; compiled code reloads base and length after every call.
        unsafe {
            (*self.vm.get()).base = elements.as_mut_ptr();
            (*self.vm.get()).length = new;
        }
        Some(old)
    }
}
