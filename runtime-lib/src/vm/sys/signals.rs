//! Fault handlers. SIGSEGV, SIGBUS, SIGILL and SIGFPE raised by compiled wasm code become traps;
//! every other fault goes to the handler that was installed before ours (or the default action).
//! The handler takes no lock and allocates nothing.

use crate::prelude::*;

use core::cell::Cell;
use core::ffi::c_void;
use core::mem::MaybeUninit;
use spin::Once;

use super::per_thread::per_thread;

use super::arch::Registers;

/// Decides whether a fault with these registers is a wasm trap; if so, records it and returns
/// the jump buffer to unwind to.
pub type FaultClassifier = fn(registers: &Registers, signal: i32) -> Option<*mut c_void>;

const SIGNALS: [i32; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
static mut PREVIOUS: [MaybeUninit<libc::sigaction>; 4] = [MaybeUninit::uninit(); 4];
static mut CLASSIFIER: Option<FaultClassifier> = None;
static INSTALL: Once = Once::new();

/// Install the handlers (once per process) and this thread's alternate stack.
#[inline]
pub fn install(classifier: FaultClassifier) {
    // Set on a thread only after the handlers are installed: the common case is one load.
    if ALT_STACK_READY.with(|r| r.get()) {
        return;
    }
    INSTALL.call_once(|| {
        // SAFETY: runs once, before any handler can read these statics.
        unsafe {
            CLASSIFIER = Some(classifier);
            for (i, signal) in SIGNALS.iter().enumerate() {
                let mut action: libc::sigaction = core::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let previous = core::ptr::addr_of_mut!(PREVIOUS[i]).cast::<libc::sigaction>();
                libc::sigaction(*signal, &action, previous);
            }
        }
    });
    ensure_alt_stack();
}

per_thread!(
    Signals,
    /// Whether this thread has an alternate signal stack large enough.
    static ALT_STACK_READY: Cell<bool> = Cell::new(false);
);

const ALT_STACK_SIZE: usize = 64 * 1024;

/// Give this thread an alternate signal stack, so a fault on an exhausted stack can be handled.
fn ensure_alt_stack() {
    if ALT_STACK_READY.with(|r| r.get()) {
        return;
    }
    // SAFETY: sigaltstack with a null new stack only reads the current setting.
    let mut current: libc::stack_t = unsafe { core::mem::zeroed() };
    unsafe { libc::sigaltstack(core::ptr::null(), &mut current) };
    if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= ALT_STACK_SIZE {
        ALT_STACK_READY.with(|r| r.set(true));
        return;
    }
    let stack = libc::stack_t {
        ss_sp: alt_stack_memory().cast(),
        ss_flags: 0,
        ss_size: ALT_STACK_SIZE,
    };
    // SAFETY: `stack` describes memory that lives forever.
    unsafe { libc::sigaltstack(&stack, core::ptr::null_mut()) };
    ALT_STACK_READY.with(|r| r.set(true));
}

/// Memory for an alternate signal stack, leaked on purpose: it must outlive any signal
/// delivered to this thread. Mapped, with an inaccessible page below it so an overflow faults
/// rather than writing over the heap, and touched only by a signal: zeroing it on the heap cost
/// an executable 16 page faults at start-up.
fn alt_stack_memory() -> *mut u8 {
    let page = super::mmap::page_size();
    match super::mmap::Reservation::new(page + ALT_STACK_SIZE) {
        Ok(reservation) if reservation.make_accessible(page, ALT_STACK_SIZE).is_ok() => {
            // SAFETY: the reservation is `page + ALT_STACK_SIZE` bytes long.
            let stack = unsafe { reservation.base().add(page) };
            core::mem::forget(reservation);
            stack
        }
        _ => Box::leak(vec![0u8; ALT_STACK_SIZE].into_boxed_slice()).as_mut_ptr(),
    }
}

extern "C" fn handler(signal: i32, info: *mut libc::siginfo_t, context: *mut c_void) {
    let registers = super::arch::registers(context);
    // SAFETY: CLASSIFIER is written once before handlers are installed.
    if let Some(classify) = unsafe { CLASSIFIER } {
        if let Some(buf) = classify(&registers, signal) {
            // The jump buffer does not save the signal mask (saving it costs a system call on
            // every call into wasm); put back the mask of the interrupted code, which is the
            // one the call into wasm started with, so the signal is not left blocked.
            // SAFETY: the kernel passes a ucontext_t as `context` to SA_SIGINFO handlers;
            // pthread_sigmask is async-signal-safe.
            unsafe {
                let context = &*context.cast::<libc::ucontext_t>();
                libc::pthread_sigmask(
                    libc::SIG_SETMASK,
                    &context.uc_sigmask,
                    core::ptr::null_mut(),
                );
            }
            // SAFETY: the classifier returned this thread's live jump buffer.
            unsafe { super::unwind(buf) }
        }
    }
    forward(signal, info, context);
}

/// Hand a fault that is not ours to the previous handler, or restore the default action and
/// return so the faulting instruction runs again and the process dies as it would have.
fn forward(signal: i32, info: *mut libc::siginfo_t, context: *mut c_void) {
    let Some(i) = SIGNALS.iter().position(|s| *s == signal) else {
        return;
    };
    // SAFETY: PREVIOUS[i] was filled by sigaction in `install` before the handler existed.
    let previous = unsafe {
        core::ptr::addr_of!(PREVIOUS[i])
            .cast::<libc::sigaction>()
            .read()
    };
    let action = previous.sa_sigaction;
    if action == libc::SIG_DFL || action == libc::SIG_IGN {
        // SAFETY: restoring a disposition that was valid before us.
        unsafe { libc::sigaction(signal, &previous, core::ptr::null_mut()) };
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the previous handler expects exactly these arguments.
        let f: extern "C" fn(i32, *mut libc::siginfo_t, *mut c_void) =
            unsafe { core::mem::transmute(action) };
        f(signal, info, context);
    } else {
        // SAFETY: a plain handler takes the signal number.
        let f: extern "C" fn(i32) = unsafe { core::mem::transmute(action) };
        f(signal);
    }
}
