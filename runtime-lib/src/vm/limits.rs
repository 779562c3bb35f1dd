//! The store-wide words compiled code reads (`wasmaot_abi::vmctx::VMStoreLimits`): the
//! interruption flag (set from any thread, read at function entries and loop headers by code
//! compiled with interruption checks) and the remaining fuel. Every instance's vmctx points at
//! its store's. And the store's stack limit, which every prologue compares with: each
//! instance's vmctx holds a copy (`VMContextHeader::stack_limit`, one load for the check
//! instead of two), which this module keeps equal to the limit whenever code can run.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};

use spin::Mutex;
use wasmaot_abi::vmctx::{VmctxLayout, INTERRUPT_DEADLINE, INTERRUPT_HOST};
use wasmaot_abi::TrapKind;

use super::trap::Trap;

/// Fuel of a store nobody gave fuel to: as good as unlimited.
pub const UNLIMITED_FUEL: i64 = i64::MAX;

/// `VMStoreLimits` as the runtime holds it (same layout, checked below), plus the store's
/// stack limit and its copies. Compiled code reads and writes `fuel` with plain accesses, only
/// while the store is borrowed for a call, as the host's accesses are.
#[repr(C)]
pub struct VmLimits {
    interrupt: AtomicU32,
    _pad: u32,
    fuel: AtomicI64,
    /// The limit of the call running now (0 when no call is).
    stack_limit: AtomicUsize,
    /// Addresses of the vmctxs of the store's live instances.
    vmctxs: Mutex<Vec<usize>>,
    /// The limit their copies hold: a call whose limit is already there (every call from the
    /// same thread, without a stack size limit) takes no lock.
    copied: AtomicUsize,
    /// The most stack bytes wasm code of the store may use from the host's outermost call
    /// (0: as much as the thread has).
    max_stack: AtomicUsize,
    /// The most entries a table made in the store may have (`u64::MAX`: the runtime's cap).
    max_table_entries: core::sync::atomic::AtomicU64,
}

const _: () = {
    use core::mem::offset_of;
    use wasmaot_abi::vmctx::field;
    assert!(offset_of!(VmLimits, interrupt) == field::LIMITS_INTERRUPT as usize);
    assert!(offset_of!(VmLimits, fuel) == field::LIMITS_FUEL as usize);
};

/// Write `limit` into the vmctx at `vmctx`.
///
/// # Safety
/// `vmctx` is a live instance vmctx, which only the thread running the store's code touches.
unsafe fn write_copy(vmctx: usize, limit: usize) {
    let at = (vmctx + VmctxLayout::STACK_LIMIT as usize) as *mut usize;
    // SAFETY: inside the vmctx's header, aligned (vmctxs are 16-byte aligned), per the contract.
    unsafe { at.write(limit) }
}

impl Default for VmLimits {
    fn default() -> Self {
        VmLimits {
            interrupt: AtomicU32::new(0),
            _pad: 0,
            fuel: AtomicI64::new(UNLIMITED_FUEL),
            stack_limit: AtomicUsize::new(0),
            vmctxs: Mutex::new(Vec::new()),
            copied: AtomicUsize::new(0),
            max_stack: AtomicUsize::new(0),
            max_table_entries: core::sync::atomic::AtomicU64::new(u64::MAX),
        }
    }
}

impl VmLimits {
    /// The address the vmctx header holds.
    pub fn vm_ptr(&self) -> *const u8 {
        (self as *const VmLimits).cast()
    }

    /// Limit the stack wasm code uses from the host's outermost call to `bytes` (`None`: the
    /// thread's whole stack, less the runtime's margin).
    pub fn set_max_stack(&self, bytes: Option<usize>) {
        self.max_stack.store(bytes.unwrap_or(0), Ordering::Relaxed);
    }

    /// Limit every table made in the store from now on to `entries` (`None`: the runtime's
    /// cap).
    pub fn set_max_table_entries(&self, entries: Option<u64>) {
        let entries = entries.unwrap_or(u64::MAX);
        self.max_table_entries.store(entries, Ordering::Relaxed);
    }

    pub fn max_table_entries(&self) -> Option<u64> {
        let entries = self.max_table_entries.load(Ordering::Relaxed);
        (entries != u64::MAX).then_some(entries)
    }

    /// Set the stack limit for a call from the host into wasm on this thread, whose frame is
    /// at about `sp`; returns the limit to put back with [`VmLimits::leave`] when it returns.
    /// A nested call (a host function calling back into wasm) keeps the outer call's limit if
    /// it is the higher one, so the store's stack size counts from the outermost call.
    ///
    /// `None`, changing nothing, when `sp` is already at or below the limit: the call must
    /// fail with "call stack exhausted" before any wasm code runs. Compiled functions that
    /// call nothing skip the check in their prologue, so every call into wasm must start above
    /// the limit (the frames from here to the first wasm one, and a frame without a check, fit
    /// in the margin the runtime keeps below it).
    pub fn enter(&self, sp: usize) -> Option<usize> {
        let thread = super::sys::stack::stack_limit().unwrap_or(0);
        let limit = match self.max_stack.load(Ordering::Relaxed) {
            0 => thread,
            max => thread.max(sp.saturating_sub(max)),
        };
        let previous = self.stack_limit.load(Ordering::Relaxed);
        let limit = if previous == 0 {
            limit
        } else {
            limit.max(previous)
        };
        if limit != 0 && sp <= limit {
            return None;
        }
        self.stack_limit.store(limit, Ordering::Relaxed);
        self.copy_stack_limit(limit);
        Some(previous)
    }

    /// Put back the limit [`VmLimits::enter`] returned. After the outermost call (`previous`
    /// 0) the copies keep their limit: no code runs before the next call sets its own.
    pub fn leave(&self, previous: usize) {
        self.stack_limit.store(previous, Ordering::Relaxed);
        if previous != 0 {
            self.copy_stack_limit(previous);
        }
    }

    /// Make every instance's copy of the stack limit `limit`.
    fn copy_stack_limit(&self, limit: usize) {
        if self.copied.load(Ordering::Relaxed) == limit {
            return;
        }
        let vmctxs = self.vmctxs.lock();
        for &vmctx in vmctxs.iter() {
            // SAFETY: registered vmctxs are live (`forget_vmctx` runs before one is freed),
            // and the store's calls run on this thread.
            unsafe { write_copy(vmctx, limit) };
        }
        self.copied.store(limit, Ordering::Relaxed);
    }

    /// Keep the stack limit in the vmctx at `vmctx` up to date, starting now.
    ///
    /// # Safety
    /// `vmctx` is a new instance vmctx of this store, live until [`VmLimits::forget_vmctx`].
    pub unsafe fn add_vmctx(&self, vmctx: *mut u8) {
        let mut vmctxs = self.vmctxs.lock();
        // SAFETY: live, per the contract; not yet running code.
        unsafe { write_copy(vmctx as usize, self.copied.load(Ordering::Relaxed)) };
        vmctxs.push(vmctx as usize);
    }

    /// Stop writing the stack limit into the vmctx at `vmctx` (about to be freed).
    pub fn forget_vmctx(&self, vmctx: *mut u8) {
        let mut vmctxs = self.vmctxs.lock();
        if let Some(at) = vmctxs.iter().position(|&v| v == vmctx as usize) {
            vmctxs.swap_remove(at);
        }
    }

    /// Ask the code to stop at its next check, for `reason` (`INTERRUPT_DEADLINE` or
    /// `INTERRUPT_HOST`); a deadline does not replace a host request.
    pub fn interrupt(&self, reason: u32) {
        let _ = self
            .interrupt
            .compare_exchange(0, reason, Ordering::Relaxed, Ordering::Relaxed);
        if reason == INTERRUPT_HOST {
            self.interrupt.store(INTERRUPT_HOST, Ordering::Relaxed);
        }
    }

    pub fn fuel(&self) -> i64 {
        self.fuel.load(Ordering::Relaxed)
    }

    pub fn set_fuel(&self, fuel: i64) {
        self.fuel.store(fuel, Ordering::Relaxed);
    }

    /// The trap a call ended with, with an interruption told apart by its reason (and the flag
    /// cleared: one request stops one call).
    pub fn explain(&self, trap: Trap) -> Trap {
        match trap {
            Trap::Wasm {
                kind: TrapKind::Interrupted,
                func_index,
                func_name,
                backtrace,
            } => {
                let kind = match self.interrupt.swap(0, Ordering::Relaxed) {
                    INTERRUPT_DEADLINE => TrapKind::DeadlineExceeded,
                    _ => TrapKind::Interrupted,
                };
                Trap::Wasm {
                    kind,
                    func_index,
                    func_name,
                    backtrace,
                }
            }
            Trap::Wasm {
                kind: TrapKind::OutOfFuel,
                ..
            } => {
                // The code traps before writing its fuel back: none is left.
                self.set_fuel(0);
                trap
            }
            other => other,
        }
    }
}

/// A way to stop a store's code from any thread: [`InterruptHandle::interrupt`].
#[derive(Clone)]
pub struct InterruptHandle(pub(crate) Arc<VmLimits>);

impl InterruptHandle {
    /// Make the store's running (or next) call trap with `TrapKind::Interrupted` at its next
    /// check (code compiled with interruption checks only).
    pub fn interrupt(&self) {
        self.0.interrupt(INTERRUPT_HOST);
    }

    /// As [`InterruptHandle::interrupt`], reported as `TrapKind::DeadlineExceeded`: for
    /// timers.
    pub fn expire_deadline(&self) {
        self.0.interrupt(INTERRUPT_DEADLINE);
    }
}
