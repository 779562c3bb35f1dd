//! Linear memory: a fixed reservation whose accessible prefix grows. The base never moves, so
//! compiled code may keep it in a register; the `VMMemory` compiled code reads lives here, boxed,
//! and every instance using the memory points at it.

use std::cell::UnsafeCell;
use std::mem::ManuallyDrop;
use std::sync::Mutex;

use wasmaot_abi::metadata::{MemoryStrategy, MemoryType};
use wasmaot_abi::VMMemory;

use super::error::Error;
use super::sys::mmap::Reservation;

pub struct VmMemory {
    vm: Box<UnsafeCell<VMMemory>>,
    /// Given back to the pool on drop.
    reservation: ManuallyDrop<Reservation>,
    /// The most bytes the memory may grow to here: its type's maximum, capped by what the
    /// reservation holds before its guard region.
    limit_bytes: u64,
    pub ty: MemoryType,
}

/// The most bytes a 64-bit memory may grow to in this runtime (its type may allow up to 2^64):
/// a grow past it fails with -1, as the spec allows.
pub const MEMORY64_LIMIT: u64 = 16 << 30;

/// The size of 32-bit address space, which a 32-bit memory's reservation starts with.
const FOUR_GIB: u64 = 1 << 32;

// SAFETY: compiled code and the runtime mutate the VMMemory on one thread at a time: a memory is
// reached only through its store, borrowed mutably for every call (no shared memories yet).
unsafe impl Send for VmMemory {}
// SAFETY: as above.
unsafe impl Sync for VmMemory {}

/// `bytes` rounded up to whole host pages: protections change a host page at a time.
fn host_pages(bytes: u64) -> usize {
    (bytes as usize).next_multiple_of(super::sys::mmap::page_size())
}

impl VmMemory {
    /// A memory of type `ty`, reserved as code compiled with `strategy` expects: 32-bit
    /// memories get `strategy.reservation` bytes (4 GiB and a guard) or, when 0, their maximum;
    /// 64-bit memories get their maximum (at most [`MEMORY64_LIMIT`]) followed by the same
    /// guard, which compiled code relies on after comparing an index with the length.
    /// `cap` (the store's limit) bounds how far it may grow: `memory.grow` past it returns -1,
    /// and a memory whose initial size exceeds it is not made.
    pub fn new(
        ty: MemoryType,
        strategy: MemoryStrategy,
        cap: Option<u64>,
    ) -> Result<VmMemory, Error> {
        let max_bytes = ty
            .max_pages()
            .saturating_mul(ty.page_size())
            .min(cap.unwrap_or(u64::MAX));
        let (limit_bytes, reserve) = if ty.memory64 {
            let limit = max_bytes.min(MEMORY64_LIMIT);
            let guard = strategy.reservation.saturating_sub(FOUR_GIB);
            (limit, limit + guard)
        } else if strategy.reservation > 0 {
            (max_bytes.min(FOUR_GIB), strategy.reservation)
        } else {
            (max_bytes.min(FOUR_GIB), max_bytes.min(FOUR_GIB))
        };
        let initial = ty.limits.min.saturating_mul(ty.page_size());
        if let Some(cap) = cap.filter(|cap| initial > *cap) {
            return Err(Error::Resource(format!(
                "a memory of {initial} bytes is larger than the limit of {cap} bytes"
            )));
        }
        if initial > limit_bytes {
            return Err(Error::Resource(format!(
                "a memory of {} pages is larger than this runtime allows",
                ty.limits.min
            )));
        }
        let reservation = reserve_from_pool(reserve as usize, host_pages(initial))?;
        let vm = VMMemory {
            base: reservation.base(),
            length: initial,
        };
        Ok(VmMemory {
            vm: Box::new(UnsafeCell::new(vm)),
            reservation: ManuallyDrop::new(reservation),
            limit_bytes,
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

    /// Whether code compiled with `strategy` may use this memory: its bounds checks assume a
    /// guard region that the reservation must provide.
    pub fn suits(&self, strategy: MemoryStrategy) -> bool {
        if self.ty.memory64 {
            let guard = strategy.reservation.saturating_sub(FOUR_GIB);
            self.reserved_len() >= self.limit_bytes + guard
        } else {
            self.reserved_len() >= strategy.reservation
        }
    }

    pub fn base(&self) -> *mut u8 {
        self.reservation.base()
    }

    /// Current length in bytes.
    pub fn len(&self) -> u64 {
        // SAFETY: reading a u64 the owning thread writes (see the Send/Sync note).
        unsafe { (*self.vm.get()).length }
    }

    /// Current size in pages of the memory's page size.
    pub fn pages(&self) -> u64 {
        self.len() >> self.ty.page_size_log2
    }

    /// Grow by `delta` pages; the old size in pages, or `None` if the limit forbids it.
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.ty.max_pages() {
            return None;
        }
        let new_bytes = new.checked_mul(self.ty.page_size())?;
        if new_bytes > self.limit_bytes {
            return None;
        }
        let (from, to) = (host_pages(self.len()), host_pages(new_bytes));
        self.reservation.make_accessible(from, to - from).ok()?;
        // SAFETY: see the Send/Sync note; compiled code re-reads the length after calls.
        unsafe { (*self.vm.get()).length = new_bytes };
        Some(old)
    }

    /// A pointer to the bytes `[offset, offset + len)`, if inside the memory: valid for reads
    /// and writes of `len` bytes until the memory grows or is dropped. A raw pointer, not a
    /// slice: the runtime's bulk operations may touch overlapping ranges (`memory.copy` within
    /// one memory), and the public API's views borrow the store instead.
    pub fn range(&self, offset: u64, len: u64) -> Option<*mut u8> {
        let end = offset.checked_add(len)?;
        if end > self.len() {
            return None;
        }
        // The offset is at most the length, inside the reservation: `wrapping_add` stays in it.
        Some(self.base().wrapping_add(offset as usize))
    }
}

impl Drop for VmMemory {
    fn drop(&mut self) {
        // SAFETY: `reservation` is taken exactly once, here, and not used afterwards.
        let reservation = unsafe { ManuallyDrop::take(&mut self.reservation) };
        release_to_pool(reservation, host_pages(self.len()));
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
