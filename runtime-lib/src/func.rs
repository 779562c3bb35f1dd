//! Functions as the host sees them: exported wasm functions and host functions, callable with
//! typed values; and the glue that lets wasm call a host function.

use std::any::Any;
use std::sync::Arc;

use wasmaot_abi::metadata::FuncType;
use wasmaot_abi::{VMFuncRef, VmctxLayout};

use crate::error::Error;
use crate::instance::InstanceInner;
use crate::memory::Memory;
use crate::traps::{self, Trap};
use crate::values::Val;

/// The body of a host function.
pub type HostCallback = dyn Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync;

/// A host function with its type.
pub struct HostFunc {
    pub ty: FuncType,
    pub callback: Box<HostCallback>,
}

/// A function the host can call or pass as an import.
#[derive(Clone)]
pub struct Func {
    pub(crate) kind: FuncKind,
    pub(crate) ty: FuncType,
}

#[derive(Clone)]
pub(crate) enum FuncKind {
    /// A function of some instance (or a host function re-exported by one): its `VMFuncRef`,
    /// kept alive by `owner`.
    Wasm {
        funcref: *const VMFuncRef,
        owner: Arc<dyn Any + Send + Sync>,
    },
    Host(Arc<HostFunc>),
}

// SAFETY: the funcref is immutable once its instance exists, and the owner keeps it alive.
unsafe impl Send for FuncKind {}
// SAFETY: as above.
unsafe impl Sync for FuncKind {}

impl Func {
    /// A host function of type `ty`.
    pub fn host(
        ty: FuncType,
        callback: impl Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> Func {
        Func {
            ty: ty.clone(),
            kind: FuncKind::Host(Arc::new(HostFunc {
                ty,
                callback: Box::new(callback),
            })),
        }
    }

    pub fn ty(&self) -> &FuncType {
        &self.ty
    }

    /// Call with `args`; a trap comes back as `Err(Error::Trap(..))`, the instance intact.
    pub fn call(&self, args: &[Val]) -> Result<Vec<Val>, Error> {
        check_args(&self.ty, args)?;
        match &self.kind {
            FuncKind::Host(host) => {
                let mut caller = Caller { instance: None };
                Ok((host.callback)(&mut caller, args)?)
            }
            FuncKind::Wasm { funcref, .. } => {
                // SAFETY: the owner keeps the funcref and its instance alive.
                let f = unsafe { &**funcref };
                let slots = self.ty.params.len().max(self.ty.results.len()).max(1);
                let mut values = vec![0u128; slots];
                for (slot, arg) in values.iter_mut().zip(args) {
                    *slot = arg.to_raw();
                }
                set_stack_limit(f.vmctx);
                // SAFETY: the trampoline matches the funcref's type (both written for the same
                // type index), `values` is large enough, and the vmctx is live.
                unsafe {
                    traps::call_catching(
                        f.trampoline,
                        f.func_ptr,
                        f.vmctx,
                        f.vmctx,
                        values.as_mut_ptr(),
                    )?;
                }
                Ok(self
                    .ty
                    .results
                    .iter()
                    .zip(values)
                    .map(|(ty, raw)| Val::from_raw(*ty, raw))
                    .collect())
            }
        }
    }
}

fn check_args(ty: &FuncType, args: &[Val]) -> Result<(), Error> {
    let actual: Vec<_> = args.iter().map(Val::ty).collect();
    if actual != ty.params {
        return Err(Error::Type(format!(
            "expected arguments {:?}, got {:?}",
            ty.params, actual
        )));
    }
    Ok(())
}

/// Set the stack limit of the instance at `vmctx` (a host context has none: harmless).
pub(crate) fn set_stack_limit(vmctx: *mut u8) {
    if let Some(limit) = crate::sys::stack::stack_limit() {
        if crate::instance::from_vmctx(vmctx).is_some() {
            // SAFETY: a live instance's vmctx; the stack limit is ours to write.
            unsafe {
                vmctx
                    .add(VmctxLayout::STACK_LIMIT as usize)
                    .cast::<usize>()
                    .write(limit)
            };
        }
    }
}

/// What a host function sees of its caller.
pub struct Caller<'a> {
    pub(crate) instance: Option<&'a InstanceInner>,
}

impl Caller<'_> {
    /// The caller's memory `index`, if it has one.
    pub fn memory(&self, index: u32) -> Option<&Memory> {
        self.instance?.memories.get(index as usize).map(|m| &**m)
    }
}

/// The host context an adapter's vmctx points at. `callback` must stay first: compiled adapters
/// load it from offset 0.
#[repr(C)]
pub(crate) struct HostFuncContext {
    pub callback: extern "C" fn(*mut HostFuncContext, *mut u8, *mut u128),
    pub func: Arc<HostFunc>,
    _reserved: u64,
    /// Where an instance vmctx has its magic; 0 here.
    not_an_instance: u64,
}

impl HostFuncContext {
    pub fn new(func: Arc<HostFunc>) -> Box<HostFuncContext> {
        Box::new(HostFuncContext {
            callback: host_callback,
            func,
            _reserved: 0,
            not_an_instance: 0,
        })
    }
}

/// Entered from a compiled adapter: run the host function, leave results in `values`, or unwind
/// with its trap.
extern "C" fn host_callback(ctx: *mut HostFuncContext, caller_vmctx: *mut u8, values: *mut u128) {
    // SAFETY: adapters pass the context they were given and a buffer sized for the type.
    let outcome = unsafe { run_host(&*ctx, caller_vmctx, values) };
    if let Err(trap) = outcome {
        traps::raise(trap);
    }
}

/// # Safety
/// `values` holds max(params, results) slots; `caller_vmctx` is a live instance's vmctx.
unsafe fn run_host(
    ctx: &HostFuncContext,
    caller_vmctx: *mut u8,
    values: *mut u128,
) -> Result<(), Trap> {
    let ty = &ctx.func.ty;
    let slots = ty.params.len().max(ty.results.len());
    // SAFETY: per the contract.
    let values = unsafe { std::slice::from_raw_parts_mut(values, slots) };
    let args: Vec<Val> = ty
        .params
        .iter()
        .zip(values.iter())
        .map(|(t, raw)| Val::from_raw(*t, *raw))
        .collect();
    let mut caller = Caller {
        instance: crate::instance::from_vmctx(caller_vmctx),
    };
    let results = (ctx.func.callback)(&mut caller, &args)?;
    if results.len() != ty.results.len()
        || results.iter().zip(&ty.results).any(|(v, t)| v.ty() != *t)
    {
        return Err(Trap::Host(
            "host function returned values of the wrong type".to_string(),
        ));
    }
    for (slot, value) in values.iter_mut().zip(results) {
        *slot = value.to_raw();
    }
    Ok(())
}
