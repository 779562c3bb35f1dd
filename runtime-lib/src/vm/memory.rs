//! Linear memory: a reservation whose accessible prefix grows. For code that relies on guard
//! pages the reservation is fixed (4 GiB and the guard) and the base never moves, so compiled
//! code may keep it in a register. For code with explicit bounds checks, which needs no guard
//! and reloads the base after every call, a memory reserves only what it needs now (up to
//! its maximum) and moves to a larger reservation when it grows past it: hosts short of
//! address space can run it. The `VMMemory` compiled code reads lives here, boxed, and every
//! instance using the memory points at it.

use crate::prelude::*;

use core::cell::UnsafeCell;
use core::mem::ManuallyDrop;
use spin::Mutex;

use wasmaot_abi::metadata::{MemoryStrategy, MemoryType};
use wasmaot_abi::VMMemory;

use super::error::Error;
use super::sys::mmap::Reservation;

pub struct VmMemory {
    vm: Box<UnsafeCell<VMMemory>>,
    /// Given back to the pool on drop; replaced by a larger one when a movable memory grows
    /// past it (see the Send/Sync note for who may touch it).
    reservation: UnsafeCell<ManuallyDrop<Reservation>>,
    /// The most bytes the memory may grow to here: its type's maximum, capped by what the
    /// reservation holds before its guard region.
    limit_bytes: u64,
    /// Whether growing may move the memory (only for code with explicit bounds checks).
    movable: bool,
    /// Whether the reservation goes back to the pool on drop: not one reserved at the address
    /// a module was compiled for, which no other memory should be handed.
    pooled: bool,
    pub ty: MemoryType,
}

/// The most bytes a 64-bit memory may grow to in this runtime (its type may allow up to 2^64):
/// a grow past it fails with -1, as the spec allows.
pub const MEMORY64_LIMIT: u64 = 16 << 30;

/// The size of 32-bit address space, which a 32-bit memory's reservation starts with.
const FOUR_GIB: u64 = 1 << 32;

/// The most bytes a 32-bit memory of 64 KiB pages may have in this runtime: 64 KiB short of
/// 4 GiB (a grow past it fails with -1, as the spec allows). Compiled code relies on it: after an access at an
/// address `p`, which traps unless `p` lies below this limit, `p + k` cannot wrap around for
/// any `k` up to 64 KiB, so such a sum joins a later access's offset instead of being computed
/// (and zero-extended) apart ([`wasmaot_abi::MEMORY32_MAX_BYTES`]).
const MEMORY32_LIMIT: u64 = wasmaot_abi::MEMORY32_MAX_BYTES;

/// The least a movable memory reserves (unless its limit is smaller): small memories then
/// never move, and larger ones move a few times, doubling each time.
const MOVABLE_MIN_RESERVATION: u64 = 64 << 20;

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
    /// memories get `strategy.reservation` bytes (4 GiB and a guard); 64-bit memories get their
    /// maximum (at most [`MEMORY64_LIMIT`]) followed by the same guard, which compiled code
    /// relies on after comparing an index with the length. With explicit bounds checks
    /// (`strategy.reservation` 0) a memory is movable: it reserves its initial size, at least
    /// [`MOVABLE_MIN_RESERVATION`] and at most its limit, and moves when it outgrows that.
    /// `cap` (the store's limit) bounds how far it may grow: `memory.grow` past it returns -1,
    /// and a memory whose initial size exceeds it is not made.
    pub fn new(
        ty: MemoryType,
        strategy: MemoryStrategy,
        cap: Option<u64>,
    ) -> Result<VmMemory, Error> {
        VmMemory::new_at(ty, strategy, cap, 0)
    }

    /// As [`VmMemory::new`], at address `at` when it is not 0: the base the code was compiled
    /// for ([`MemoryStrategy::fixed_base`]). A range already in use there is an error: the
    /// code cannot reach a memory anywhere else.
    pub fn new_at(
        ty: MemoryType,
        strategy: MemoryStrategy,
        cap: Option<u64>,
        at: usize,
    ) -> Result<VmMemory, Error> {
        let max_bytes = ty
            .max_pages()
            .saturating_mul(ty.page_size())
            .min(cap.unwrap_or(u64::MAX));
        let movable = strategy.reservation == 0;
        let limit_bytes = if ty.memory64 {
            max_bytes.min(MEMORY64_LIMIT)
        } else if ty.page_size() == wasmaot_abi::WASM_PAGE_SIZE {
            max_bytes.min(MEMORY32_LIMIT)
        } else {
            // Smaller pages (the custom-page-sizes proposal) let a memory hold 2^32 - 1 bytes.
            max_bytes.min(FOUR_GIB)
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
        let reserve = if movable {
            initial.max(MOVABLE_MIN_RESERVATION).min(limit_bytes)
        } else if ty.memory64 {
            limit_bytes + strategy.reservation.saturating_sub(FOUR_GIB)
        } else {
            strategy.reservation
        };
        if at != 0 && movable {
            // Code that takes the base as a constant cannot follow a memory that moves.
            return Err(Error::Load(
                "a memory at a fixed address must have guard pages, not explicit checks"
                    .to_string(),
            ));
        }
        let reservation = match at {
            0 => reserve_from_pool(reserve as usize, host_pages(initial))?,
            _ => reserve_at(at, reserve as usize, host_pages(initial))?,
        };
        let vm = VMMemory {
            base: reservation.base(),
            length: initial,
        };
        Ok(VmMemory {
            vm: Box::new(UnsafeCell::new(vm)),
            reservation: UnsafeCell::new(ManuallyDrop::new(reservation)),
            limit_bytes,
            movable,
            pooled: at == 0,
            ty,
        })
    }

    /// The struct compiled code reads.
    pub fn vm_ptr(&self) -> *mut VMMemory {
        self.vm.get()
    }

    /// The memory's reservation as it is now.
    fn reservation(&self) -> &Reservation {
        // SAFETY: replaced only by `grow`, on the thread that owns the memory (see the
        // Send/Sync note), which holds no reference from here across the replacement.
        unsafe { &*self.reservation.get() }
    }

    /// Bytes of address space reserved, guard region included.
    pub fn reserved_len(&self) -> u64 {
        self.reservation().len() as u64
    }

    /// Whether code compiled with `strategy` may use this memory: its bounds checks assume a
    /// guard region that the reservation must provide, and a base that never moves. Code with
    /// explicit checks (`strategy.reservation` 0) assumes neither.
    pub fn suits(&self, strategy: MemoryStrategy) -> bool {
        if strategy.reservation == 0 {
            true
        } else if self.movable {
            false
        } else if self.ty.memory64 {
            let guard = strategy.reservation.saturating_sub(FOUR_GIB);
            self.reserved_len() >= self.limit_bytes + guard
        } else {
            self.reserved_len() >= strategy.reservation
        }
    }

    /// Where the memory starts, if it never moves (every memory but a movable one): what an
    /// instance copies into its vmctx ([`wasmaot_abi::VmctxLayout::memory_base`]).
    pub fn fixed_base(&self) -> Option<*mut u8> {
        (!self.movable).then(|| self.base())
    }

    /// Where the memory starts now (a movable memory's base changes when it grows).
    pub fn base(&self) -> *mut u8 {
        // SAFETY: reading a pointer the owning thread writes (see the Send/Sync note).
        unsafe { (*self.vm.get()).base }
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
        if to > self.reservation().len() {
            self.move_to_larger(from, to)?;
        } else {
            self.reservation().make_accessible(from, to - from).ok()?;
        }
        // SAFETY: see the Send/Sync note; compiled code re-reads the length after calls.
        unsafe { (*self.vm.get()).length = new_bytes };
        Some(old)
    }

    /// Move a movable memory, whose `accessible` bytes are in use, to a reservation holding at
    /// least `needed` bytes: twice the current one, within the limit. Compiled code with
    /// explicit checks reloads the base after the call that grew the memory.
    fn move_to_larger(&self, accessible: usize, needed: usize) -> Option<()> {
        if !self.movable {
            return None;
        }
        let limit = host_pages(self.limit_bytes);
        let len = self
            .reservation()
            .len()
            .saturating_mul(2)
            .min(limit)
            .max(needed);
        let larger = Reservation::new(len).ok()?;
        // The new pages first: once the old ones have moved, nothing may fail.
        larger
            .make_accessible(accessible, needed - accessible)
            .ok()?;
        self.reservation().move_into(accessible, &larger).ok()?;
        // SAFETY: see the Send/Sync note: this thread owns the memory, and no reference to the
        // old reservation is held across the replacement. The old one, whose pages moved, is
        // unmapped rather than pooled.
        unsafe {
            let old = core::mem::replace(&mut *self.reservation.get(), ManuallyDrop::new(larger));
            drop(ManuallyDrop::into_inner(old));
            (*self.vm.get()).base = self.reservation().base();
        }
        Some(())
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
        let reservation = unsafe { ManuallyDrop::take(self.reservation.get_mut()) };
        if self.pooled {
            release_to_pool(reservation, host_pages(self.len()));
        }
    }
}

/// Reservations of dropped memories, zeroed and ready for reuse: instantiation then costs no
/// mmap/munmap. Each entry remembers how much of it is accessible.
static POOL: Mutex<Vec<(Reservation, usize)>> = Mutex::new(Vec::new());
const POOL_CAPACITY: usize = 32;

fn reserve_from_pool(len: usize, accessible: usize) -> Result<Reservation, Error> {
    let len = len.max(1).next_multiple_of(super::sys::mmap::page_size());
    let pooled = {
        let mut pool = POOL.lock();
        pool.iter()
            .position(|(r, _)| r.len() == len)
            .map(|at| pool.swap_remove(at))
    };
    let resource = |e| mapping_failed(accessible, e);
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
            let reservation = Reservation::new(len).map_err(|e| reserving_failed(len, e))?;
            reservation
                .make_accessible(0, accessible)
                .map_err(resource)?;
            Ok(reservation)
        }
    }
}

/// A new reservation of `len` bytes at `at`, its first `accessible` bytes mapped.
fn reserve_at(at: usize, len: usize, accessible: usize) -> Result<Reservation, Error> {
    let reservation = Reservation::near(at, len).map_err(|e| reserving_failed(len, e))?;
    if reservation.base() as usize != at {
        return Err(Error::Resource(format!(
            "memory 0 must start at {at:#x}, where its code was compiled to find it, but \
             {len} bytes from there are not free (another instance of the module in this \
             process, or a tool that maps memory there; build the executable with \
             --any-memory-address, or compile the module without Options::fixed_memory_base)"
        )));
    }
    reservation
        .make_accessible(0, accessible)
        .map_err(|e| mapping_failed(accessible, e))?;
    Ok(reservation)
}

fn reserving_failed(len: usize, e: super::sys::OsError) -> Error {
    Error::Resource(format!("reserving {len} bytes for a memory: {e}"))
}

fn mapping_failed(accessible: usize, e: super::sys::OsError) -> Error {
    Error::Resource(format!("mapping {accessible} bytes of memory: {e}"))
}

fn release_to_pool(reservation: Reservation, accessible: usize) {
    if reservation.discard(accessible).is_err() {
        return;
    }
    let mut pool = POOL.lock();
    if pool.len() < POOL_CAPACITY {
        pool.push((reservation, accessible));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmaot_abi::metadata::Limits;

    const PAGE: u64 = 65536;
    const EXPLICIT: MemoryStrategy = MemoryStrategy {
        reservation: 0,
        fixed_base: 0,
        fixed_vmctx: 0,
    };
    const GUARD: MemoryStrategy = MemoryStrategy {
        reservation: FOUR_GIB + (2 << 30),
        fixed_base: 0,
        fixed_vmctx: 0,
    };

    fn memory(min: u64, max: Option<u64>, strategy: MemoryStrategy, cap: Option<u64>) -> VmMemory {
        VmMemory::new(MemoryType::new(Limits { min, max }), strategy, cap).expect("reserves")
    }

    fn write(memory: &VmMemory, at: u64, byte: u8) {
        let ptr = memory.range(at, 1).expect("in bounds");
        // SAFETY: one accessible byte of the memory, which nothing else uses.
        unsafe { ptr.write(byte) }
    }

    fn read(memory: &VmMemory, at: u64) -> u8 {
        let ptr = memory.range(at, 1).expect("in bounds");
        // SAFETY: as in `write`.
        unsafe { ptr.read() }
    }

    #[test]
    fn a_memory_compiled_for_an_address_is_placed_there_or_not_made() {
        let ty = MemoryType::new(Limits { min: 2, max: None });
        // An address whose range was just free: if another test's thread maps into it
        // first, try another.
        let (at, memory) = (0..10)
            .find_map(|_| {
                let probe = Reservation::new(GUARD.reservation as usize).expect("reserves");
                let at = probe.base() as usize;
                drop(probe);
                VmMemory::new_at(ty, GUARD, None, at).ok().map(|m| (at, m))
            })
            .expect("a free range is reserved where asked");
        assert_eq!(memory.base() as usize, at);
        assert_eq!(memory.fixed_base(), Some(at as *mut u8));
        write(&memory, 2 * PAGE - 1, 9);
        assert_eq!(read(&memory, 2 * PAGE - 1), 9);
        // A second memory for the same address is refused, naming it.
        let Err(Error::Resource(message)) = VmMemory::new_at(ty, GUARD, None, at) else {
            panic!("a taken address must be refused");
        };
        assert!(message.contains(&format!("{at:#x}")), "{message}");
        // Dropped, the range is unmapped, not kept in the pool for other memories.
        drop(memory);
        assert!(!POOL.lock().iter().any(|(r, _)| r.base() as usize == at));
        // A memory that may move cannot be at a fixed address.
        assert!(matches!(
            VmMemory::new_at(ty, EXPLICIT, None, at),
            Err(Error::Load(_))
        ));
    }

    #[test]
    fn explicit_checks_reserve_little_and_move_as_the_memory_grows() {
        let m = memory(1, None, EXPLICIT, None);
        assert_eq!(m.reserved_len(), MOVABLE_MIN_RESERVATION);
        write(&m, 5, 42);
        let base = m.base();
        // Within the reservation: no move.
        assert_eq!(m.grow(1000), Some(1));
        assert_eq!(m.base(), base);
        // Past it: twice the reservation, elsewhere, the bytes with it.
        assert_eq!(m.grow(100), Some(1001));
        assert_eq!(m.reserved_len(), 2 * MOVABLE_MIN_RESERVATION);
        assert_ne!(m.base(), base);
        assert_eq!(read(&m, 5), 42);
        assert_eq!(read(&m, 1101 * PAGE - 1), 0);
        // A grow larger than double takes what it needs.
        assert_eq!(m.grow(8000), Some(1101));
        assert!(m.reserved_len() >= 9101 * PAGE);
        assert_eq!(read(&m, 5), 42);
        assert_eq!(m.len(), 9101 * PAGE);
    }

    #[test]
    fn explicit_checks_reserve_no_more_than_the_maximum_or_the_cap() {
        let small = memory(1, Some(3), EXPLICIT, None);
        assert_eq!(small.reserved_len(), 3 * PAGE);
        assert_eq!(small.grow(2), Some(1));
        assert_eq!(small.grow(1), None);
        let capped = memory(1, None, EXPLICIT, Some(10 * PAGE));
        assert_eq!(capped.reserved_len(), 10 * PAGE);
        assert_eq!(capped.grow(10), None);
        let mut ty = MemoryType::new(Limits { min: 1, max: None });
        ty.memory64 = true;
        let wide = VmMemory::new(ty, EXPLICIT, None).expect("reserves");
        assert_eq!(wide.reserved_len(), MOVABLE_MIN_RESERVATION);
    }

    #[test]
    fn guard_pages_keep_the_base_and_refuse_movable_memories() {
        let m = memory(1, None, GUARD, None);
        assert_eq!(m.reserved_len(), GUARD.reservation);
        let base = m.base();
        assert_eq!(m.grow(2000), Some(1));
        assert_eq!(m.base(), base);
        assert!(m.suits(GUARD) && m.suits(EXPLICIT));
        let movable = memory(1, None, EXPLICIT, None);
        assert!(!movable.suits(GUARD) && movable.suits(EXPLICIT));
    }
}
