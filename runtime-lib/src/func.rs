//! Functions as the host sees them: handles of exported wasm functions and of host functions,
//! callable with typed values; and [`Caller`], what a host function sees of its caller.

use std::sync::Arc;

use wasmaot_abi::metadata::FuncType;

use crate::instance::Extern;
use crate::memory::Memory;
use crate::store::{self, AsContext, AsContextMut, StoreInner, Stored};
use crate::values::Val;
use crate::vm::error::Error;
use crate::vm::func::{HostFunc, RawHostFn, VmFunc, VmFuncKind};
use crate::vm::trap::Trap;
use crate::vm::traps;

/// A function of a store: exported by an instance, or defined by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) Stored);

impl Func {
    /// A host function of type `ty`. It may return a [`Trap`] (the call that reached it fails
    /// with it) and may panic: the panic is caught before it reaches wasm frames and resumed
    /// in the host's caller of [`Func::call`] once those frames are left.
    pub fn new(
        store: &mut impl AsContextMut,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> Func {
        let callback_ty = ty.clone();
        let raw = move |caller_vmctx: *mut u8, values: &mut [u128]| -> Result<(), Trap> {
            // SAFETY: host functions run only inside a call that entered with its store (wasm
            // code calling, or `Func::call`), which uses the store for nothing meanwhile.
            let Some(store) = (unsafe { store::current() }) else {
                return Err(Trap::Host(
                    "host function called outside a call".to_string(),
                ));
            };
            let host = |e: Error| Trap::Host(e.to_string());
            let mut args = Vec::with_capacity(callback_ty.params.len());
            for (ty, raw) in callback_ty.params.iter().zip(values.iter()) {
                args.push(Val::from_raw(store, *ty, *raw).map_err(host)?);
            }
            let mut caller = Caller {
                store,
                vmctx: caller_vmctx,
            };
            let results = f(&mut caller, &args)?;
            if results.len() != callback_ty.results.len()
                || results
                    .iter()
                    .zip(&callback_ty.results)
                    .any(|(v, t)| !v.matches(caller.store, *t))
            {
                return Err(Trap::Host(
                    "host function returned values of the wrong type".to_string(),
                ));
            }
            for (slot, value) in values.iter_mut().zip(results) {
                *slot = value.to_raw(caller.store).map_err(host)?;
            }
            Ok(())
        };
        Func::from_raw_host(store.as_context_mut(), ty, Box::new(raw))
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
                "expected arguments {:?}, got {actual:?}",
                ty.params
            )));
        }
        if results.len() != ty.results.len() {
            return Err(Error::Type(format!(
                "{} results asked for, the function returns {:?}",
                results.len(),
                ty.results
            )));
        }
        let callee = func.callee();
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
        // SAFETY: the store keeps the callee alive; `values` matches the type (checked above)
        // with references of this store, and the store stays borrowed, so no view of its
        // memories or tables is live.
        let outcome = store::enter(store, || unsafe { callee.call_raw(values) });
        if let Some(payload) = traps::take_panic() {
            std::panic::resume_unwind(payload);
        }
        outcome?;
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
