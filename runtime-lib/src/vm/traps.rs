//! Trap mechanics: faults in wasm code become traps through the signal handler; runtime calls
//! and host functions raise them by unwinding to the innermost host-to-wasm call; a panic in a
//! host function is carried across the wasm frames as a payload and resumed by the host.

use crate::prelude::*;

use core::any::Any;
use core::cell::{Cell, RefCell};
use core::ffi::c_void;

use wasmaot_abi::code_sites::SourceLine;
use wasmaot_abi::TrapKind;

use super::code_registry;
use super::sys;
use super::sys::per_thread::per_thread;
use super::trap::{SourceLocation, Trap, TrapFrame};

/// This thread's trap machinery.
struct TrapState {
    /// The jump buffer of the innermost host-to-wasm call on this thread, or null.
    unwind_point: Cell<*mut c_void>,
    /// A fault the signal handler turned into a trap: (kind, pc).
    fault: Cell<Option<(TrapKind, usize)>>,
    /// The return addresses of the wasm frames of the last fault, innermost first (the
    /// faulting pc itself is in `fault`), and how many there are.
    frames: Cell<([usize; MAX_FRAMES], usize)>,
    /// A trap raised by Rust code (runtime call or host function).
    raised: RefCell<Option<Trap>>,
    /// The payload of a host function's panic, on its way to the host's call.
    panic: RefCell<Option<Box<dyn Any + Send>>>,
    /// Whether `panic` holds a payload (checked after every call: one load).
    panic_pending: Cell<bool>,
}

per_thread!(
    Traps,
    static STATE: TrapState = TrapState {
        unwind_point: Cell::new(core::ptr::null_mut()),
        fault: Cell::new(None),
        frames: Cell::new(([0; MAX_FRAMES], 0)),
        raised: RefCell::new(None),
        panic: RefCell::new(None),
        panic_pending: Cell::new(false),
    };
);

/// Keep the payload of a host function's panic until the host's call returns, and give the
/// trap that carries it across the wasm frames.
pub fn panicked(payload: Box<dyn Any + Send>) -> Trap {
    STATE.with(|s| *s.panic.borrow_mut() = Some(payload));
    STATE.with(|s| s.panic_pending.set(true));
    Trap::host("host function panicked")
}

/// The payload of a panic that ended the last call, if one did.
#[inline]
pub fn take_panic() -> Option<Box<dyn Any + Send>> {
    if !STATE.with(|s| s.panic_pending.replace(false)) {
        return None;
    }
    STATE.with(|s| s.panic.borrow_mut().take())
}

/// The most callers a trap's backtrace lists.
const MAX_FRAMES: usize = 64;

/// The classifier the signal handler consults: a fault in wasm code at a recorded trap site,
/// while a call into wasm is active on this thread, unwinds to that call.
fn classify_fault(registers: &sys::arch::Registers, _signal: i32) -> Option<*mut c_void> {
    let point = STATE.with(|s| s.unwind_point.get());
    if point.is_null() {
        return None;
    }
    let kind = code_registry::lookup(registers.pc)?.trap?;
    STATE.with(|s| s.fault.set(Some((kind, registers.pc))));
    // The jump buffer lives in the frame that entered wasm: every wasm frame of the call lies
    // below it.
    STATE.with(|s| {
        s.frames
            .set(callers(registers.fp, registers.sp, point as usize))
    });
    Some(point)
}

/// The return addresses of the wasm frames above a fault, found by following the frame
/// pointers compiled code keeps (each frame: the caller's frame pointer, then the return
/// address). Async-signal-safe: it reads only words between the fault's stack pointer and
/// `top` (the frame that entered wasm), and stops at the first frame outside compiled wasm code.
fn callers(mut fp: usize, sp: usize, top: usize) -> ([usize; MAX_FRAMES], usize) {
    let mut frames = [0usize; MAX_FRAMES];
    let mut count = 0;
    let word = core::mem::size_of::<usize>();
    while count < MAX_FRAMES && fp >= sp && fp.is_multiple_of(word) && fp + 2 * word <= top {
        // SAFETY: `fp` lies in this thread's stack between the fault's stack pointer and the
        // entry into wasm (checked above), where both words are mapped.
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + word) as *const usize)) };
        if code_registry::lookup(ret.wrapping_sub(1)).is_none() {
            break;
        }
        frames[count] = ret;
        count += 1;
        if next <= fp {
            break;
        }
        fp = next;
    }
    (frames, count)
}

/// The wasm frames that called the host function whose adapter has frame pointer `fp`, its
/// wasm caller first: the adapter's frame links to theirs as compiled code's frames link to
/// each other. Empty outside a call into wasm or when the host called the function itself.
pub fn backtrace_from(fp: usize) -> Vec<TrapFrame> {
    let top = STATE.with(|s| s.unwind_point.get()) as usize;
    if fp == 0 || top == 0 {
        return Vec::new();
    }
    let (frames, count) = callers(fp, fp, top);
    // Callers are looked up by the last byte of their call: the return address minus one.
    frames[..count]
        .iter()
        .map(|ret| ret - 1)
        .flat_map(frames_at)
        .collect()
}

/// The jump buffer of the innermost host-to-wasm call on this thread (null outside wasm): every
/// wasm frame of that call lies below it.
pub fn unwind_point() -> *mut c_void {
    STATE.with(|s| s.unwind_point.get())
}

/// Install the fault handlers (idempotent; also sets up this thread's alternate stack).
pub fn init() {
    sys::signals::install(classify_fault);
}

/// Unwind the current wasm call with `trap`. Must be called from code running inside
/// [`call_catching`] (a runtime call or host function), with no live values needing drop.
pub fn raise(trap: Trap) -> ! {
    STATE.with(|s| *s.raised.borrow_mut() = Some(trap));
    let point = STATE.with(|s| s.unwind_point.get());
    if point.is_null() {
        // A runtime call outside any wasm call is a runtime bug; dying is all that is left.
        sys::abort_with("wasmaot: trap raised outside of wasm code\n");
    }
    // SAFETY: `point` is the live jump buffer of the innermost `call_catching` on this thread;
    // callers guarantee no frame in between needs a destructor.
    unsafe { sys::unwind(point) }
}

/// Call `func` through `trampoline`, turning any trap into an `Err`.
#[inline]
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
    let slot = STATE.with(|s| s.unwind_point.as_ptr());
    // SAFETY: forwarded from the caller's contract; `slot` is this thread's unwind point.
    let returned = unsafe { sys::enter(slot, trampoline, func, callee, caller, values) };
    if returned {
        return Ok(());
    }
    if let Some(trap) = STATE.with(|s| s.raised.borrow_mut().take()) {
        return Err(trap);
    }
    let (kind, pc) = STATE
        .with(|s| s.fault.take())
        .unwrap_or((TrapKind::Unreachable, 0));
    let location = code_registry::lookup(pc);
    let (frames, count) = STATE.with(|s| s.frames.replace(([0; MAX_FRAMES], 0)));
    // Callers are looked up by the last byte of their call: the return address minus one.
    let backtrace = core::iter::once(pc)
        .chain(frames[..count].iter().map(|ret| ret - 1))
        .flat_map(frames_at)
        .collect();
    // The function the trapping instruction was written in (which, for code inlined into
    // another function, is not the function whose machine code holds it).
    let func_index = location.as_ref().map(|l| {
        let site = l.function.site(pc);
        site.and_then(|s| l.info.function_of_offset(s.wasm_offset))
            .unwrap_or(l.function.func_index)
    });
    Err(Trap::Wasm {
        kind,
        func_index,
        func_name: location
            .zip(func_index)
            .and_then(|(l, index)| l.info.func_name(index).map(str::to_string)),
        backtrace,
    })
}

/// The backtrace frames of the wasm code at `pc`: its function, and the wasm offset and source
/// line the compiler recorded there; two frames for code inlined from another function (that
/// function's, then the one of the call it was inlined at).
pub(crate) fn frames_at(pc: usize) -> Vec<TrapFrame> {
    let Some((info, function)) = code_registry::function_at(pc) else {
        return Vec::new();
    };
    let site = function.site(pc);
    let source = |line: Option<SourceLine>| {
        let line = line?;
        Some(SourceLocation {
            file: info.source_files.get(line.file as usize)?.clone(),
            line: line.line,
        })
    };
    let frame = |index: u32, wasm_offset: Option<u32>, line: Option<SourceLine>| TrapFrame {
        func_index: index,
        func_name: info.func_name(index).map(str::to_string),
        wasm_offset,
        source: source(line),
    };
    // Code inlined from another function carries that function's wasm offsets, and the call
    // it was inlined at is the frame of the function holding the code.
    let index = site
        .and_then(|s| info.function_of_offset(s.wasm_offset))
        .unwrap_or(function.func_index);
    let mut frames = vec![frame(
        index,
        site.map(|s| s.wasm_offset),
        site.and_then(|s| s.line),
    )];
    if let Some(call) = site.and_then(|s| s.inlined_at) {
        let caller = info
            .function_of_offset(call.wasm_offset)
            .unwrap_or(function.func_index);
        frames.push(frame(caller, Some(call.wasm_offset), call.line));
    }
    frames
}
