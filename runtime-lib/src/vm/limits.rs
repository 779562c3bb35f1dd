//! The store-wide words compiled code reads when built with interruption checks or fuel: the
//! interruption flag (set from any thread, read at function entries and loop headers) and
//! the remaining fuel. Every instance's vmctx points at its store's.

use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;

use wasmaot_abi::vmctx::{INTERRUPT_DEADLINE, INTERRUPT_HOST};
use wasmaot_abi::TrapKind;

use super::trap::Trap;

/// Fuel of a store nobody gave fuel to: as good as unlimited.
pub const UNLIMITED_FUEL: i64 = i64::MAX;

pub struct VmLimits {
    interrupt: AtomicU32,
    fuel: AtomicI64,
}

impl Default for VmLimits {
    fn default() -> Self {
        VmLimits {
            interrupt: AtomicU32::new(0),
            fuel: AtomicI64::new(UNLIMITED_FUEL),
        }
    }
}

impl VmLimits {
    /// The flag's address, for the vmctx.
    pub fn interrupt_ptr(&self) -> *const u32 {
        self.interrupt.as_ptr()
    }

    /// The fuel's address, for the vmctx. Compiled code reads and writes it with plain
    /// accesses, only while the store is borrowed for a call, as the host's accesses are.
    pub fn fuel_ptr(&self) -> *mut i64 {
        self.fuel.as_ptr()
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
