//! Traps: how they are raised (faults in wasm code, runtime calls, host functions) and how they
//! come back to the host as values.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::fmt;

use wasmaot_abi::TrapKind;

use crate::code_registry;
use crate::sys;

/// Why a call into wasm did not return normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trap {
    /// A wasm trap, with the function it happened in when known.
    Wasm {
        kind: TrapKind,
        func_index: Option<u32>,
        func_name: Option<String>,
    },
    /// The program asked to exit (WASI `proc_exit`).
    Exit(i32),
    /// A host function failed.
    Host(String),
}

impl Trap {
    pub fn kind(&self) -> Option<TrapKind> {
        match self {
            Trap::Wasm { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub fn wasm(kind: TrapKind) -> Trap {
        Trap::Wasm {
            kind,
            func_index: None,
            func_name: None,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::Wasm {
                kind,
                func_index,
                func_name,
            } => {
                write!(f, "{kind}")?;
                match (func_name, func_index) {
                    (Some(name), Some(index)) => write!(f, " in function '{name}' (func {index})"),
                    (None, Some(index)) => write!(f, " in func {index}"),
                    _ => Ok(()),
                }
            }
            Trap::Exit(code) => write!(f, "exit with status {code}"),
            Trap::Host(message) => write!(f, "host function failed: {message}"),
        }
    }
}

impl std::error::Error for Trap {}

thread_local! {
    /// The jump buffer of the innermost host-to-wasm call on this thread, or null.
    static UNWIND_POINT: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
    /// A fault the signal handler turned into a trap: (kind, pc).
    static FAULT: Cell<Option<(TrapKind, usize)>> = const { Cell::new(None) };
    /// A trap raised by Rust code (runtime call or host function).
    static RAISED: RefCell<Option<Trap>> = const { RefCell::new(None) };
}

/// The classifier the signal handler consults: a fault in wasm code at a recorded trap site,
/// while a call into wasm is active on this thread, unwinds to that call.
fn classify_fault(pc: usize, _signal: i32) -> Option<*mut c_void> {
    let point = UNWIND_POINT.with(|p| p.get());
    if point.is_null() {
        return None;
    }
    let kind = code_registry::lookup(pc)?.trap?;
    FAULT.with(|f| f.set(Some((kind, pc))));
    Some(point)
}

/// Install the fault handlers (idempotent; also sets up this thread's alternate stack).
pub fn init() {
    sys::signals::install(classify_fault);
}

/// Unwind the current wasm call with `trap`. Must be called from code running inside
/// [`call_catching`] (a runtime call or host function), with no live values needing drop.
pub fn raise(trap: Trap) -> ! {
    RAISED.with(|r| *r.borrow_mut() = Some(trap));
    let point = UNWIND_POINT.with(|p| p.get());
    if point.is_null() {
        // A runtime call outside any wasm call is a runtime bug; dying is all that is left.
        eprintln!("wasmaot: trap raised outside of wasm code");
        std::process::abort();
    }
    // SAFETY: `point` is the live jump buffer of the innermost `call_catching` on this thread;
    // callers guarantee no frame in between needs a destructor.
    unsafe { sys::unwind(point) }
}

/// Call `func` through `trampoline`, turning any trap into an `Err`.
///
/// # Safety
/// As [`sys::enter`]: matching trampoline, live vmctx pointers, `values` large enough.
pub unsafe fn call_catching(
    trampoline: *const u8,
    func: *const u8,
    callee: *mut u8,
    caller: *mut u8,
    values: *mut u128,
) -> Result<(), Trap> {
    init();
    let slot = UNWIND_POINT.with(|p| p.as_ptr());
    // SAFETY: forwarded from the caller's contract; `slot` is this thread's unwind point.
    let returned = unsafe { sys::enter(slot, trampoline, func, callee, caller, values) };
    if returned {
        return Ok(());
    }
    if let Some(trap) = RAISED.with(|r| r.borrow_mut().take()) {
        return Err(trap);
    }
    let (kind, pc) = FAULT
        .with(|f| f.take())
        .unwrap_or((TrapKind::Unreachable, 0));
    let location = code_registry::lookup(pc);
    Err(Trap::Wasm {
        kind,
        func_index: location.as_ref().map(|l| l.function.func_index),
        func_name: location
            .and_then(|l| l.info.func_name(l.function.func_index).map(str::to_string)),
    })
}
