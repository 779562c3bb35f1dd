//! Everything that talks to the operating system below the WASI layer: address space, signals,
//! the thread's stack, and the unwind boundary. Safe wrappers; the `unsafe` stays here.

pub mod arch;
pub mod cpu;
pub mod mmap;
pub mod signals;
pub mod stack;
pub mod unwind_stubs;

use std::ffi::c_void;

extern "C" {
    fn wasmaot_enter(
        slot: *mut *mut c_void,
        trampoline: *const u8,
        func: *const u8,
        callee_vmctx: *mut u8,
        caller_vmctx: *mut u8,
        values: *mut u128,
    ) -> i32;
    fn wasmaot_unwind(buf: *mut c_void) -> !;
}

/// Call `trampoline(func, callee, caller, values)` with an unwind point recorded in `slot`.
/// Returns false when the call was unwound by [`unwind`].
///
/// # Safety
/// `trampoline` must be a host-to-wasm trampoline for `func`'s type, `values` must hold as many
/// slots as the type has parameters or results, and both vmctx pointers must be live instances.
pub unsafe fn enter(
    slot: *mut *mut c_void,
    trampoline: *const u8,
    func: *const u8,
    callee: *mut u8,
    caller: *mut u8,
    values: *mut u128,
) -> bool {
    // SAFETY: forwarded from the caller's contract; the C side only stores into `*slot`.
    unsafe { wasmaot_enter(slot, trampoline, func, callee, caller, values) == 0 }
}

/// Jump back to the unwind point `buf` recorded by [`enter`].
///
/// # Safety
/// `buf` must be the live jump buffer of an [`enter`] on this thread, and no frame between here
/// and there may own anything needing a destructor.
pub unsafe fn unwind(buf: *mut c_void) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { wasmaot_unwind(buf) }
}
