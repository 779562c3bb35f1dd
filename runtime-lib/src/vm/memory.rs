//! Linear memory: a fixed reservation whose accessible prefix grows. The base never moves, so
//! compiled code may keep it in a register; the `VMMemory` compiled code reads lives here, boxed,
//! and every instance using the memory points at it.

use std::cell::UnsafeCell;
use std::mem::ManuallyDrop;
use std::sync::Mutex;

use wasmaot_abi::metadata::{MemoryStrategy, MemoryType};
use wasmaot_abi::{VMMemory, MAX_WASM_PAGES, WASM_PAGE_SIZE};

use super::error::Error;
use super::sys::mmap::Reservation;

pub struct VmMemory {
    vm: Box<UnsafeCell<VMMemory>>,
    /// Given back to the pool on drop.
    reservation: ManuallyDrop<Reservation>,
    max_pages: u64,
    pub ty: MemoryType,
}

// SAFETY: compiled code and the runtime mutate the VMMemory on one thread at a time: a memory is
// reached only through its store, borrowed mutably for every call (no shared memories yet).
unsafe impl Send for VmMemory {}
// SAFETY: as above.
unsafe impl Sync for VmMemory {}

impl VmMemory {
    pub fn new(ty: MemoryType, strategy: MemoryStrategy) -> Result<VmMemory, Error> {
        let max_pages = ty.limits.max.unwrap_or(MAX_WASM_PAGES).min(MAX_WASM_PAGES);
        let reserve = if strategy.reservation > 0 {
            strategy.reservation
        } else {
            max_pages * WASM_PAGE_SIZE
        };
        let initial = ty.limits.min * WASM_PAGE_SIZE;
        let reservation = reserve_from_pool(reserve as usize, initial as usize)?;
        let vm = VMMemory {
            base: reservation.base(),
            length: initial,
        };
        Ok(VmMemory {
            vm: Box::new(UnsafeCell::new(vm)),
            reservation: ManuallyDrop::new(reservation),
            max_pages,
            ty,
        })
    }

    /// The struct compiled code reads.
    pub fn vm_ptr(&self) -> *mut VMMemory {
        self.vm.get()
    }

    /// Bytes of address space reserved, guard region included.
    pub fn reserved_len(&self) -> u64 {
        self.reservation.len() as u64
    }

    pub fn base(&self) -> *mut u8 {
        self.reservation.base()
    }

    /// Current length in bytes.
    pub fn len(&self) -> u64 {
        // SAFETY: reading a u64 the owning thread writes (see the Send/Sync note).
        unsafe { (*self.vm.get()).length }
    }

    pub fn pages(&self) -> u64 {
        self.len() / WASM_PAGE_SIZE
    }

    /// Grow by `delta` pages; the old size in pages, or `None` if the limit forbids it.
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages || new * WASM_PAGE_SIZE > self.reservation.len() as u64 {
            return None;
        }
        let old_bytes = (old * WASM_PAGE_SIZE) as usize;
        let added = (delta * WASM_PAGE_SIZE) as usize;
        self.reservation.make_accessible(old_bytes, added).ok()?;
        // SAFETY: see the Send/Sync note; compiled code re-reads the length after calls.
        unsafe { (*self.vm.get()).length = new * WASM_PAGE_SIZE };
        Some(old)
    }

    /// The bytes `[offset, offset + len)`, if inside the memory.
    /// For the runtime's own operations (bulk instructions, segment initialisation, WASI): the
    /// caller holds the slice only during one runtime or host call and makes no other view of
    /// the same bytes meanwhile. The public API's views borrow the store instead.
    #[allow(clippy::mut_from_ref)]
    pub fn slice(&self, offset: u64, len: u64) -> Option<&mut [u8]> {
        let end = offset.checked_add(len)?;
        if end > self.len() {
            return None;
        }
        // SAFETY: the range is inside the accessible part of our reservation. Wasm memory is
        // untyped bytes; callers hold the slice only during one runtime or host call.
        Some(unsafe {
            std::slice::from_raw_parts_mut(self.base().add(offset as usize), len as usize)
        })
    }
}

impl Drop for VmMemory {
    fn drop(&mut self) {
        // SAFETY: `reservation` is taken exactly once, here, and not used afterwards.
        let reservation = unsafe { ManuallyDrop::take(&mut self.reservation) };
        release_to_pool(reservation, self.len() as usize);
    }
}

/// Reservations of dropped memories, zeroed and ready for reuse: instantiation then costs no
/// mmap/munmap. Each entry remembers how much of it is accessible.
static POOL: Mutex<Vec<(Reservation, usize)>> = Mutex::new(Vec::new());
const POOL_CAPACITY: usize = 32;

fn reserve_from_pool(len: usize, accessible: usize) -> Result<Reservation, Error> {
    let len = len.max(1).next_multiple_of(super::sys::mmap::page_size());
    let pooled = {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        pool.iter()
            .position(|(r, _)| r.len() == len)
            .map(|at| pool.swap_remove(at))
    };
    let resource =
        |e: std::io::Error| Error::Resource(format!("mapping {accessible} bytes of memory: {e}"));
    match pooled {
        Some((reservation, was)) => {
            if was > accessible {
                reservation
                    .make_inaccessible(accessible, was - accessible)
                    .map_err(resource)?;
            } else {
                reservation
                    .make_accessible(was, accessible - was)
                    .map_err(resource)?;
            }
            Ok(reservation)
        }
        None => {
            let reservation = Reservation::new(len)
                .map_err(|e| Error::Resource(format!("reserving {len} bytes for a memory: {e}")))?;
            reservation
                .make_accessible(0, accessible)
                .map_err(resource)?;
            Ok(reservation)
        }
    }
}

fn release_to_pool(reservation: Reservation, accessible: usize) {
    if reservation.discard(accessible).is_err() {
        return;
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < POOL_CAPACITY {
        pool.push((reservation, accessible));
    }
}
