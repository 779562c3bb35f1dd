//! Functions as the host sees them: handles of exported wasm functions and of host functions,
//! callable with typed values; and [`Caller`], what a host function sees of its caller.

use crate::prelude::*;

use alloc::sync::Arc;

use wasmaot_abi::metadata::{FuncType, ValType, ValTypes};

use crate::instance::Extern;
use crate::memory::Memory;
use crate::store::{AsContext, AsContextMut, StoreInner, Stored};
use crate::values::Val;
use crate::vm::error::Error;
use crate::vm::func::{HostFunc, RawHostFn, VmFunc, VmFuncKind};
use crate::vm::store;
use crate::vm::trap::Trap;

/// A function of a store: exported by an instance, or defined by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) Stored);

impl Func {
    /// A host function of type `ty`. `f` gets the arguments and fills the results, which
    /// start as zeros (or nulls) of the result types; nothing is allocated per call for up to
    /// 16 values. It may return a [`Trap`] (the call that reached it fails with it) and may
    /// panic: the panic is caught before it reaches wasm frames and resumed in the host's
    /// caller of [`Func::call`] once those frames are left.
    pub fn new(
        store: &mut impl AsContextMut,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        let callback_ty = ty.clone();
        let raw = move |caller_vmctx: *mut u8, values: &mut [u128]| -> Result<(), Trap> {
            // Host functions run inside a call that entered with its store.
            store::with_current(|store| host_call(store, caller_vmctx, &callback_ty, values, &f))
                .unwrap_or_else(|| Err(Trap::host("host function called outside a call")))
        };
        Func::from_raw_host(store.as_context_mut(), ty, Box::new(raw))
    }

    /// A host function of type `ty` whose parameters and results are all numbers (`i32`,
    /// `i64`, `f32`, `f64`, `v128`), working on their bits: `f` gets one slot per parameter
    /// or result, whichever are more, the arguments' bits first (zero-extended: an `i32` in
    /// the low 32 bits, a float as its bit pattern), and puts the results' bits in the first
    /// slots (bits beyond a result's width are ignored). It spares
    /// the conversions to and from [`Val`] of [`Func::new`], for host functions called very
    /// often (WASI's); traps and panics are handled alike. `None` if the type has a reference.
    pub fn new_numeric(
        store: &mut impl AsContextMut,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &mut [u128]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Option<Func> {
        let width = |ty: &ValType| match ty {
            ValType::I32 | ValType::F32 => Some(u128::from(u32::MAX)),
            ValType::I64 | ValType::F64 => Some(u128::from(u64::MAX)),
            ValType::V128 => Some(u128::MAX),
            ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => None,
        };
        let params = ty.params.iter().map(width).collect::<Option<Vec<_>>>()?;
        let masks = ty.results.iter().map(width).collect::<Option<Vec<_>>>()?;
        let raw = move |caller_vmctx: *mut u8, values: &mut [u128]| -> Result<(), Trap> {
            store::with_current(|store| {
                for (slot, mask) in values.iter_mut().zip(&params) {
                    *slot &= mask;
                }
                f(
                    &mut Caller {
                        store,
                        vmctx: caller_vmctx,
                    },
                    values,
                )?;
                for (slot, mask) in values.iter_mut().zip(&masks) {
                    *slot &= mask;
                }
                Ok(())
            })
            .unwrap_or_else(|| Err(Trap::host("host function called outside a call")))
        };
        Some(Func::from_raw_host(
            store.as_context_mut(),
            ty,
            Box::new(raw),
        ))
    }

    /// A host function working on raw value slots (the runtime's own, e.g. WASI).
    pub(crate) fn from_raw_host(store: &mut StoreInner, ty: FuncType, raw: Box<RawHostFn>) -> Func {
        let host = HostFunc {
            ty: ty.clone(),
            callback: raw,
        };
        Func(store.add_func(VmFunc {
            kind: VmFuncKind::Host(Arc::new(host)),
            ty,
        }))
    }

    /// The function's type.
    pub fn ty(&self, store: &impl AsContext) -> FuncType {
        let store = store.as_context();
        store.funcs[store.index(self.0)].ty.clone()
    }

    /// Call with `args`. A trap comes back as `Err(Error::Trap(..))`, and the instance can be
    /// called again; a panic of a host function called meanwhile is resumed here.
    pub fn call(&self, store: &mut impl AsContextMut, args: &[Val]) -> Result<Vec<Val>, Error> {
        let store = store.as_context_mut();
        let count = store.funcs[store.index(self.0)].ty.results.len();
        let mut results = vec![Val::I32(0); count];
        self.call_into(store, args, &mut results)?;
        Ok(results)
    }

    /// Call with `args`, writing the results into `results` (exactly as many as the function
    /// returns): [`Func::call`] without allocating.
    pub fn call_into(
        &self,
        store: &mut impl AsContextMut,
        args: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let store = store.as_context_mut();
        let index = store.index(self.0);
        let func = &store.funcs[index];
        let ty = &func.ty;
        if args.len() != ty.params.len()
            || args
                .iter()
                .zip(&ty.params)
                .any(|(a, t)| !a.matches(store, *t))
        {
            let actual: Vec<_> = args.iter().map(Val::ty).collect();
            return Err(Error::Type(format!(
                "expected arguments ({}), got ({})",
                ValTypes(&ty.params),
                ValTypes(&actual)
            )));
        }
        if results.len() != ty.results.len() {
            return Err(Error::Type(format!(
                "{} results asked for, the function returns ({})",
                results.len(),
                ValTypes(&ty.results)
            )));
        }
        let slots = func.slots();
        let mut inline = [0u128; 8];
        let mut heap = Vec::new();
        let values: &mut [u128] = if slots <= inline.len() {
            &mut inline[..slots]
        } else {
            heap.resize(slots, 0);
            &mut heap
        };
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = arg.to_raw(store)?;
        }
        store.call(index, values)?;
        for (i, (result, raw)) in results.iter_mut().zip(values.iter()).enumerate() {
            let ty = store.funcs[index].ty.results[i];
            *result = Val::from_raw(store, ty, *raw)?;
        }
        Ok(())
    }

    pub(crate) fn vm(&self, store: &StoreInner) -> VmFunc {
        store.funcs[store.index(self.0)].clone()
    }
}

/// The body of a host function: the caller, the arguments, the results to fill.
type HostFn = dyn Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap>;

/// Run host function `f` of type `ty` on the raw `values` of a call: arguments to `Val`s,
/// results back to slots, checked against the type.
fn host_call(
    store: &mut StoreInner,
    vmctx: *mut u8,
    ty: &FuncType,
    values: &mut [u128],
    f: &HostFn,
) -> Result<(), Trap> {
    // The `Val`s live on the stack in a buffer no larger than the call needs: every host call
    // (each WASI call) pays for filling it.
    let n = ty.params.len() + ty.results.len();
    if n <= 4 {
        host_call_with(store, vmctx, ty, values, f, &mut [Val::I32(0); 4][..n])
    } else if n <= 16 {
        host_call_with(store, vmctx, ty, values, f, &mut [Val::I32(0); 16][..n])
    } else {
        host_call_with(store, vmctx, ty, values, f, &mut vec![Val::I32(0); n])
    }
}

/// [`host_call`] with `vals` holding one `Val` per parameter and result.
fn host_call_with(
    store: &mut StoreInner,
    vmctx: *mut u8,
    ty: &FuncType,
    values: &mut [u128],
    f: &HostFn,
    vals: &mut [Val],
) -> Result<(), Trap> {
    let host = |e: Error| Trap::host(e.to_string());
    let (args, outs) = vals.split_at_mut(ty.params.len());
    for (arg, (ty, raw)) in args.iter_mut().zip(ty.params.iter().zip(values.iter())) {
        *arg = match Val::from_raw_number(*ty, *raw) {
            Some(number) => number,
            None => Val::from_raw(store, *ty, *raw).map_err(host)?,
        };
    }
    for (out, ty) in outs.iter_mut().zip(&ty.results) {
        *out = Val::null_or_zero(*ty);
    }
    let mut caller = Caller { store, vmctx };
    f(&mut caller, args, outs)?;
    if outs
        .iter()
        .zip(&ty.results)
        .any(|(v, t)| !v.matches(caller.store, *t))
    {
        return Err(Trap::host(
            "host function returned values of the wrong type",
        ));
    }
    for (slot, value) in values.iter_mut().zip(outs.iter()) {
        *slot = match value.to_raw_number() {
            Some(raw) => raw,
            None => value.to_raw(caller.store).map_err(host)?,
        };
    }
    Ok(())
}

/// What a host function sees of its caller: the store (so it can use handles, read and write
/// memories, call functions) and the calling instance's exports.
pub struct Caller<'a> {
    pub(crate) store: &'a mut StoreInner,
    /// The calling instance's vmctx, or null when the host called the function directly.
    vmctx: *mut u8,
}

impl Caller<'_> {
    /// The calling instance's export `name`, if there is a calling instance and it has one.
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.store.instance_of_vmctx(self.vmctx)?;
        crate::instance::Instance(instance).get_export(self.store, name)
    }

    /// The calling instance's memory `index` (exported or not), if it has one.
    pub fn memory(&mut self, index: u32) -> Option<Memory> {
        let instance = self.store.instance_of_vmctx(self.vmctx)?;
        let vm = self.store.instances[instance.index]
            .0
            .memories
            .get(index as usize)?;
        let vm = vm.clone();
        Some(Memory(self.store.add_memory(vm)))
    }

    /// The bytes of the calling instance's memory `index`, if it has one: what
    /// `self.memory(index)?.data_mut(self)` gives, for less (no handle is made).
    pub fn memory_data_mut(&mut self, index: u32) -> Option<&mut [u8]> {
        self.store.instance_memory_bytes_mut(self.vmctx, index)
    }
}

impl AsContext for Caller<'_> {
    fn as_context(&self) -> &StoreInner {
        self.store
    }
}

impl AsContextMut for Caller<'_> {
    fn as_context_mut(&mut self) -> &mut StoreInner {
        self.store
    }
}
