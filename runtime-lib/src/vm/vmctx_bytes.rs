//! Where an instance's vmctx lives: on the heap, or mapped at the address its code was
//! compiled for ([`MemoryStrategy::fixed_vmctx`]), which that code takes as a constant.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec;
use core::cell::UnsafeCell;
use wasmaot_abi::metadata::MemoryStrategy;

use super::error::Error;
use super::sys::mmap::Reservation;

/// The bytes of one vmctx, zeroed when made; they never move.
pub enum VmctxBytes {
    Heap(Box<UnsafeCell<[u128]>>),
    /// A mapping of its own at the fixed address, unmapped on drop.
    Fixed(Reservation),
}

impl VmctxBytes {
    /// `size` zeroed bytes (a multiple of 16) where `strategy` says.
    pub fn new(size: usize, strategy: MemoryStrategy) -> Result<VmctxBytes, Error> {
        let words = size.div_ceil(16);
        let at = strategy.fixed_vmctx as usize;
        if at == 0 {
            let boxed: Box<[u128]> = vec![0u128; words].into_boxed_slice();
            // SAFETY: UnsafeCell<[T]> has the same layout as [T].
            let cell = unsafe { Box::from_raw(Box::into_raw(boxed) as *mut UnsafeCell<[u128]>) };
            return Ok(VmctxBytes::Heap(cell));
        }
        let len = words.max(1) * 16;
        let failed = |e| Error::Resource(format!("reserving {len} bytes for a vmctx: {e}"));
        let reservation = Reservation::near(at, len).map_err(failed)?;
        if reservation.base() as usize != at {
            return Err(Error::Resource(format!(
                "the instance's vmctx must start at {at:#x}, where its code was compiled to \
                 find it, but {len} bytes from there are not free (another instance of the \
                 module in this process, or a tool that maps memory there; build the \
                 executable with --any-memory-address, or compile the module without \
                 Options::fixed_vmctx)"
            )));
        }
        reservation
            .make_accessible(0, reservation.len())
            .map_err(|e| Error::Resource(format!("mapping {len} bytes for a vmctx: {e}")))?;
        Ok(VmctxBytes::Fixed(reservation))
    }

    /// The first byte, 16-byte aligned.
    pub fn ptr(&self) -> *mut u8 {
        match self {
            VmctxBytes::Heap(cell) => cell.get().cast(),
            VmctxBytes::Fixed(reservation) => reservation.base(),
        }
    }
}
