//! Tables: a vector of 8-byte references (`*const VMFuncRef` or an externref, 0 for null) and
//! the `VMTable` compiled code reads, kept in step whenever the vector moves.

use std::cell::UnsafeCell;

use wasmaot_abi::metadata::TableType;
use wasmaot_abi::VMTable;

/// The most entries a table may ever have, whatever its type says (keeps hostile modules from
/// asking for all of memory).
const MAX_TABLE_ENTRIES: u64 = 10_000_000;

pub struct VmTable {
    elements: UnsafeCell<Vec<u64>>,
    vm: Box<UnsafeCell<VMTable>>,
    pub ty: TableType,
}

// SAFETY: one thread at a time runs code using a table: a table is reached only through its
// store, borrowed mutably for every call.
unsafe impl Send for VmTable {}
// SAFETY: as above.
unsafe impl Sync for VmTable {}

impl VmTable {
    pub fn new(ty: TableType, init: u64) -> Option<VmTable> {
        if ty.limits.min > MAX_TABLE_ENTRIES {
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
        })
    }

    pub fn vm_ptr(&self) -> *mut VMTable {
        self.vm.get()
    }

    #[allow(clippy::mut_from_ref)]
    pub fn elements(&self) -> &mut [u64] {
        // SAFETY: see the Send/Sync note; the slice is not held across calls into wasm.
        unsafe { (*self.elements.get()).as_mut_slice() }
    }

    pub fn len(&self) -> u64 {
        self.elements().len() as u64
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
        if new > max || new > MAX_TABLE_ENTRIES {
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
