//! Functions as compiled code sees them: the `VMFuncRef` of an instance's function, or a host
//! function behind a compiled adapter. Values cross as raw slots (`wasmaot_abi::VALUE_SLOT_SIZE`
//! bytes each, held as `u128`); the public layer converts them to and from `Val`s.

use crate::prelude::*;

use alloc::sync::Arc;
use core::any::Any;

use wasmaot_abi::metadata::FuncType;
use wasmaot_abi::{TrapKind, VMFuncRef, VMHostContext};

use super::instance::from_vmctx;
use super::trap::Trap;
use super::traps;

/// The body of a host function at the raw level: the caller's vmctx (null when called from the
/// host) and the value slots, arguments in, results out.
pub type RawHostFn = dyn Fn(*mut u8, &mut [u128]) -> Result<(), Trap> + Send + Sync;

/// A host function with its type.
pub struct HostFunc {
    pub ty: FuncType,
    pub callback: Box<RawHostFn>,
}

/// A function an instance can call or export.
#[derive(Clone)]
pub struct VmFunc {
    pub kind: VmFuncKind,
    pub ty: FuncType,
}

#[derive(Clone)]
pub enum VmFuncKind {
    /// A function of some instance (or a host function imported by one): its `VMFuncRef`, kept
    /// alive by `owner`.
    Wasm {
        funcref: *const VMFuncRef,
        owner: Arc<dyn Any + Send + Sync>,
    },
    Host(Arc<HostFunc>),
}

// SAFETY: the funcref is immutable once its instance exists, and the owner keeps it alive; the
// instance behind it is used by one thread at a time (its store is borrowed for every call).
unsafe impl Send for VmFuncKind {}
// SAFETY: as above.
unsafe impl Sync for VmFuncKind {}

impl VmFunc {
    /// The slots a call of this function needs: max(params, results), at least one.
    pub fn slots(&self) -> usize {
        self.ty.params.len().max(self.ty.results.len()).max(1)
    }

    /// The canonical signature id of the function's type.
    pub fn type_id(&self) -> u32 {
        match &self.kind {
            // SAFETY: the owner keeps the funcref alive, and it is immutable.
            VmFuncKind::Wasm { funcref, .. } => unsafe { (**funcref).type_id },
            VmFuncKind::Host(host) => super::types::signature_id(&host.ty),
        }
    }

    /// What a call of this function goes to.
    pub fn callee(&self) -> Callee {
        match &self.kind {
            VmFuncKind::Wasm { funcref, .. } => Callee::Wasm(*funcref),
            VmFuncKind::Host(host) => Callee::Host(Arc::as_ptr(host)),
        }
    }

    /// Call with `values` (arguments in, results out); a trap comes back as `Err`.
    ///
    /// # Safety
    /// As [`Callee::call_raw`].
    pub unsafe fn call_raw(&self, values: &mut [u128]) -> Result<(), Trap> {
        // SAFETY: forwarded; `self` keeps the callee alive.
        unsafe { self.callee().call_raw(values) }
    }
}

/// The target of a call, without the owner that keeps it alive (the caller must).
#[derive(Clone, Copy)]
pub enum Callee {
    /// A function with a `VMFuncRef`.
    Wasm(*const VMFuncRef),
    /// A host function called directly by the host.
    Host(*const HostFunc),
}

impl Callee {
    /// Call with `values` (arguments in, results out); a trap comes back as `Err`.
    ///
    /// # Safety
    /// The callee is alive; `values` holds max(params, results, 1) slots whose argument slots
    /// hold values of the parameter types, with references valid in the function's store; no
    /// reference into the memories or tables of that store is live.
    #[inline]
    pub unsafe fn call_raw(self, values: &mut [u128]) -> Result<(), Trap> {
        match self {
            // SAFETY: alive per the contract.
            Callee::Host(host) => unsafe { ((*host).callback)(core::ptr::null_mut(), values) },
            Callee::Wasm(funcref) => {
                // SAFETY: alive per the contract.
                let f = unsafe { &*funcref };
                let limits = from_vmctx(f.vmctx).map(|i| &*i.limits);
                let marker = 0u8;
                let sp = core::hint::black_box(&marker as *const u8 as usize);
                let previous = match limits.as_ref().map(|l| l.enter(sp)) {
                    Some(None) => return Err(Trap::wasm(TrapKind::StackExhausted)),
                    Some(Some(previous)) => Some(previous),
                    None => None,
                };
                // SAFETY: the trampoline matches the funcref's type (both written for the same
                // type index), `values` is large enough, and the vmctx is live.
                let outcome = unsafe {
                    traps::call_catching(
                        f.trampoline,
                        f.func_ptr,
                        f.vmctx,
                        f.vmctx,
                        values.as_mut_ptr(),
                    )
                };
                if let (Some(limits), Some(previous)) = (limits, previous) {
                    limits.leave(previous);
                }
                outcome
            }
        }
    }
}

/// The host context an adapter's vmctx points at: the contract's header, then the function.
#[repr(C)]
pub(crate) struct HostFuncContext {
    header: VMHostContext,
    pub func: Arc<HostFunc>,
}

impl HostFuncContext {
    pub fn new(func: Arc<HostFunc>) -> Box<HostFuncContext> {
        let callback: extern "C" fn(*mut HostFuncContext, *mut u8, *mut u128, usize) =
            host_callback;
        Box::new(HostFuncContext {
            header: VMHostContext {
                callback: callback as *const u8,
                host: core::ptr::null(),
                reserved: 0,
                magic: 0,
            },
            func,
        })
    }
}

/// Entered from a compiled adapter: run the host function, leave results in `values`, or unwind
/// the wasm frames with its trap. A panic is caught here, before it reaches a wasm frame, and
/// resumed by the host's call once the wasm frames are left.
extern "C" fn host_callback(
    ctx: *mut HostFuncContext,
    caller_vmctx: *mut u8,
    values: *mut u128,
    frame_pointer: usize,
) {
    let outcome = catching_panics(|| {
        // SAFETY: adapters pass the context they were given and a buffer with one slot per
        // parameter and result (at least one).
        let ctx = unsafe { &*ctx };
        let slots = ctx
            .func
            .ty
            .params
            .len()
            .max(ctx.func.ty.results.len())
            .max(1);
        // SAFETY: as above.
        let values = unsafe { core::slice::from_raw_parts_mut(values, slots) };
        (ctx.func.callback)(caller_vmctx, values)
    });
    let trap = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(Trap::Host { message, .. })) => Trap::Host {
            message,
            backtrace: traps::backtrace_from(frame_pointer),
        },
        Ok(Err(trap)) => trap,
        Err(payload) => traps::panicked(payload),
    };
    // Nothing in this frame needs dropping any more: `trap` moves into `raise`.
    traps::raise(trap);
}

/// Run `f`, catching a panic before it unwinds into the wasm frames above: its payload.
#[cfg(feature = "std")]
fn catching_panics<R>(f: impl FnOnce() -> R) -> Result<R, Box<dyn core::any::Any + Send>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
}

/// Run `f`; a panic that unwinds out of it aborts the process (without the standard library
/// there is no catching it, and unwinding into wasm frames is never allowed).
#[cfg(not(feature = "std"))]
fn catching_panics<R>(f: impl FnOnce() -> R) -> Result<R, Box<dyn core::any::Any + Send>> {
    /// Dropped only while unwinding: `f` returned normally forgets it.
    struct AbortOnUnwind;
    impl Drop for AbortOnUnwind {
        fn drop(&mut self) {
            super::sys::abort_with("wasmaot: a host function panicked\n");
        }
    }
    let guard = AbortOnUnwind;
    let value = f();
    core::mem::forget(guard);
    Ok(value)
}
