//! The contents of a store, as the layer below the API keeps them: every instance, function,
//! memory, table, global and external reference made in it, and the one way into wasm code.
//!
//! Soundness rests here. Wasm code runs only through [`StoreInner::call`] and
//! [`StoreInner::instantiate`], which hold the store mutably for the whole call, so no view of a
//! memory or table (borrowed from the store) is alive while code runs, and no two threads run
//! code of one store at once. A host function reaches the store through [`with_current`], which
//! lends it the one mutable borrow the suspended call holds. Every reference compiled code is
//! given is checked to be one the store made. Nothing in a store is freed before the store, so
//! a handle never dangles; a handle of another store panics.

use crate::prelude::*;

use alloc::sync::Arc;
use core::any::Any;
use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};
use hashbrown::HashMap;

use wasmaot_abi::metadata::ValType;

use super::error::Error;
use super::exceptions::{ExnHeap, VmTag};
use super::func::VmFunc;
use super::global::VmGlobal;
use super::instance::{from_vmctx, InstanceInner, VmExtern, VmInstance};
use super::limits::VmLimits;
use super::memory::VmMemory;
use super::module::Module;
use super::sys::per_thread::per_thread;
use super::table::VmTable;
use super::traps;

/// The contents of a `Store`, as host functions (through `Caller`) and handles see them. Opaque: reached through [`AsContext`](crate::AsContext) and [`AsContextMut`](crate::AsContextMut).
pub struct StoreInner {
    id: u64,
    pub(crate) instances: Vec<VmInstance>,
    pub(crate) funcs: Vec<VmFunc>,
    pub(crate) memories: Vec<Arc<VmMemory>>,
    pub(crate) tables: Vec<Arc<VmTable>>,
    pub(crate) globals: Vec<VmGlobal>,
    pub(crate) tags: Vec<Arc<VmTag>>,
    pub(crate) externs: Vec<Box<dyn Any + Send + Sync>>,
    /// Handle of each function reference seen, by `VMFuncRef` address.
    func_by_ref: HashMap<usize, usize>,
    /// Handle of each memory and table, by address, so one object gets one handle. Ordered
    /// maps: a host function asks for its caller's memory on every call (WASI does), and a
    /// store holds few memories, so a comparison or two beats hashing the address.
    memory_by_ptr: HashMap<usize, usize>,
    table_by_ptr: HashMap<usize, usize>,
    /// The most bytes each linear memory made in this store may hold (`None`: what its type
    /// and the runtime allow).
    pub(crate) max_memory: Option<u64>,
    /// The exception objects of every instance of the store.
    exceptions: Arc<ExnHeap>,
    /// The interruption flag and fuel of every instance of the store.
    pub(crate) limits: Arc<VmLimits>,
    /// Instances whose instantiation failed after their functions could escape into imported
    /// tables or globals (element segments, the start function): kept, since those references
    /// stay valid.
    failed: Vec<VmInstance>,
}

impl StoreInner {
    /// An empty store with a process-unique id.
    pub(crate) fn new() -> StoreInner {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        StoreInner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            instances: Vec::new(),
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            tags: Vec::new(),
            externs: Vec::new(),
            func_by_ref: HashMap::new(),
            memory_by_ptr: HashMap::new(),
            table_by_ptr: HashMap::new(),
            max_memory: None,
            exceptions: Arc::new(ExnHeap::default()),
            limits: Arc::new(VmLimits::default()),
            failed: Vec::new(),
        }
    }
}

/// A handle's reference to its store and its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Stored {
    store: u64,
    pub index: usize,
}

impl StoreInner {
    /// The index of `handle`, which must belong to this store.
    #[inline]
    pub(crate) fn index(&self, handle: Stored) -> usize {
        assert_eq!(
            handle.store, self.id,
            "a wasmaot handle was used with a store it does not belong to"
        );
        handle.index
    }

    fn stored(&self, index: usize) -> Stored {
        Stored {
            store: self.id,
            index,
        }
    }

    /// Whether `handle` belongs to this store.
    pub(crate) fn owns(&self, handle: Stored) -> bool {
        handle.store == self.id
    }

    pub(crate) fn add_instance(&mut self, instance: VmInstance) -> Stored {
        self.instances.push(instance);
        self.stored(self.instances.len() - 1)
    }

    /// The handle of `func`, one per function reference.
    pub(crate) fn add_func(&mut self, func: VmFunc) -> Stored {
        let key = match &func.kind {
            super::func::VmFuncKind::Wasm { funcref, .. } => Some(*funcref as usize),
            super::func::VmFuncKind::Host(_) => None,
        };
        if let Some(&index) = key.and_then(|k| self.func_by_ref.get(&k)) {
            return self.stored(index);
        }
        self.funcs.push(func);
        let index = self.funcs.len() - 1;
        if let Some(k) = key {
            self.func_by_ref.insert(k, index);
        }
        self.stored(index)
    }

    pub(crate) fn add_memory(&mut self, memory: Arc<VmMemory>) -> Stored {
        let key = Arc::as_ptr(&memory) as usize;
        if let Some(&index) = self.memory_by_ptr.get(&key) {
            return self.stored(index);
        }
        self.memories.push(memory);
        self.memory_by_ptr.insert(key, self.memories.len() - 1);
        self.stored(self.memories.len() - 1)
    }

    pub(crate) fn add_table(&mut self, table: Arc<VmTable>) -> Stored {
        let key = Arc::as_ptr(&table) as usize;
        if let Some(&index) = self.table_by_ptr.get(&key) {
            return self.stored(index);
        }
        self.tables.push(table);
        self.table_by_ptr.insert(key, self.tables.len() - 1);
        self.stored(self.tables.len() - 1)
    }

    pub(crate) fn add_global(&mut self, global: VmGlobal) -> Stored {
        self.globals.push(global);
        self.stored(self.globals.len() - 1)
    }

    pub(crate) fn add_tag(&mut self, tag: Arc<VmTag>) -> Stored {
        if let Some(index) = self.tags.iter().position(|t| Arc::ptr_eq(t, &tag)) {
            return self.stored(index);
        }
        self.tags.push(tag);
        self.stored(self.tags.len() - 1)
    }

    pub(crate) fn add_extern(&mut self, value: Box<dyn Any + Send + Sync>) -> Stored {
        self.externs.push(value);
        self.stored(self.externs.len() - 1)
    }

    /// The handle of the function whose `VMFuncRef` is at `funcref`: a function of an
    /// instance in this store, or of one whose instantiation failed after its functions
    /// escaped into imported tables or globals (compiled code hands out no other references).
    pub(crate) fn func_of_ref(&mut self, funcref: usize) -> Option<Stored> {
        if let Some(&index) = self.func_by_ref.get(&funcref) {
            return Some(self.stored(index));
        }
        let mut instances = self.instances.iter().chain(&self.failed);
        let func = instances.find_map(|instance| {
            let index = instance.func_index_of(funcref)?;
            Some(instance.func_by_index(index))
        })?;
        Some(self.add_func(func))
    }

    /// The handle of the external reference with raw value `raw` (index + 1).
    pub(crate) fn extern_of_raw(&self, raw: u64) -> Option<Stored> {
        let index = usize::try_from(raw.checked_sub(1)?).ok()?;
        (index < self.externs.len()).then(|| self.stored(index))
    }

    /// The instance handle of the instance whose vmctx is `vmctx`, if it is in this store.
    pub(crate) fn instance_of_vmctx(&self, vmctx: *mut u8) -> Option<Stored> {
        let inner: *const InstanceInner = from_vmctx(vmctx)?;
        self.instances
            .iter()
            .position(|i| Arc::as_ptr(&i.0) == inner)
            .map(|index| self.stored(index))
    }
}

per_thread!(
    Store,
    /// The store of the innermost call into wasm on this thread, for host functions to reach;
    /// null outside calls and while a host function has it (see [`with_current`]).
    static CURRENT: Cell<*mut StoreInner> = Cell::new(core::ptr::null_mut());
);

/// Puts the previous value of [`CURRENT`] back when dropped (also when unwinding).
struct Restore(*mut StoreInner);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Run `f` (which enters wasm code) with `store` as this thread's current store, restoring the
/// previous one afterwards (calls nest: host functions call back into wasm). `store` stays
/// unused while `f` runs: host functions reach it through [`with_current`].
#[inline]
fn enter<R>(store: &mut StoreInner, f: impl FnOnce() -> R) -> R {
    let ptr: *mut StoreInner = store;
    let _restore = Restore(CURRENT.with(|c| c.replace(ptr)));
    f()
}

/// Run `f` with the store of the call that is running on this thread (`None` outside calls, or
/// when a host function already holds it). The store is taken out of [`CURRENT`] while `f`
/// runs, so `f` holds the only reference: a call `f` makes puts it back for its own callees.
pub(crate) fn with_current<R>(f: impl FnOnce(&mut StoreInner) -> R) -> Option<R> {
    let ptr = CURRENT.with(|c| c.replace(core::ptr::null_mut()));
    let _restore = Restore(ptr);
    // SAFETY: `ptr` is null or was set by `enter` from a `&mut StoreInner` that the suspended
    // call does not use until `enter` returns; `CURRENT` is null while `f` runs, so no other
    // reference to the store is made from it meanwhile.
    let store = unsafe { ptr.as_mut() }?;
    Some(f(store))
}

impl StoreInner {
    /// Call function `func` (an index of `funcs`) with `values`: the arguments in, the results
    /// out. Fails without calling when `values` is too short or holds a function reference the
    /// store did not make. A trap comes back as `Err`; a panic of a host function called
    /// meanwhile is resumed here, once the wasm frames are left.
    #[inline]
    pub(crate) fn call(&mut self, func: usize, values: &mut [u128]) -> Result<(), Error> {
        let vm = &self.funcs[func];
        if values.len() < vm.slots() {
            return Err(Error::Type(format!(
                "{} value slots given, the call needs {}",
                values.len(),
                vm.slots()
            )));
        }
        for (ty, raw) in vm.ty.params.iter().zip(values.iter()) {
            self.check_ref(*ty, *raw)?;
        }
        let callee = vm.callee();
        // SAFETY: the store owns the callee's function and its instance and frees neither
        // before itself; `values` is long enough and its references are the store's own
        // (checked above); the store is borrowed mutably for the call, so no view of its
        // memories or tables is alive and no other thread runs its code.
        let outcome = enter(self, || unsafe { callee.call_raw(values) });
        resume_panic();
        outcome.map_err(|trap| Error::Trap(self.limits.explain(trap)))
    }

    /// Instantiate `module` with `imports` (in the order of its imports, of this store) and
    /// run its start function, if any.
    pub(crate) fn instantiate(
        &mut self,
        module: &Module,
        imports: &[VmExtern],
    ) -> Result<VmInstance, Error> {
        self.check_vmctx_convention(module)?;
        // SAFETY: the start function runs inside `enter`, so host functions among the imports
        // find this store, which the call holds mutably.
        let max_memory = self.max_memory;
        let exceptions = self.exceptions.clone();
        let limits = self.limits.clone();
        let mut made = None;
        let instance = enter(self, || unsafe {
            VmInstance::new(module, imports, max_memory, exceptions, limits, &mut made)
        });
        resume_panic();
        if instance.is_err() {
            self.failed.extend(made);
        }
        instance.map_err(|e| match e {
            Error::Trap(trap) => Error::Trap(self.limits.explain(trap)),
            other => other,
        })
    }

    /// Refuses `module` if it would share this store with an instance of the other calling
    /// convention. Code compiled for a fixed vmctx calls wasm functions without the caller's
    /// vmctx, other code with it (`wasm_signature` in the compiler), and nothing in a function
    /// reference tells them apart: a reference of one kind called by code of the other (an
    /// import, a shared table, a global, `call_ref`) would pass its arguments in the wrong
    /// registers. References cannot leave their store, so a store holding an instance of a
    /// fixed-vmctx module (there is at most one: the address is the process's) holds nothing
    /// else, even a failed instantiation's functions.
    fn check_vmctx_convention(&self, module: &Module) -> Result<(), Error> {
        let fixed = |m: &Module| m.0.meta.memory_strategy.fixed_vmctx != 0;
        let mut others = self.instances.iter().chain(&self.failed);
        let mixed = match fixed(module) {
            true => others.next().is_some(),
            false => others.any(|instance| fixed(&instance.0.module)),
        };
        if mixed {
            return Err(Error::Link(
                "a module compiled for a fixed vmctx address shares its store with no other \
                 instance (its calls leave out the caller's vmctx)"
                    .to_string(),
            ));
        }
        Ok(())
    }

    /// The bytes of memory `index` (of `memories`). The store is borrowed as long as they are,
    /// so no wasm code runs and nothing grows the memory meanwhile.
    pub(crate) fn memory_bytes(&self, index: usize) -> &[u8] {
        let vm = &self.memories[index];
        // SAFETY: the accessible part of the memory's reservation, which lives as long as the
        // store; code that writes or grows it runs only with the store borrowed mutably.
        unsafe { core::slice::from_raw_parts(vm.base(), vm.len() as usize) }
    }

    /// The bytes of memory `index`, to change; the only view while it lives (the store is
    /// borrowed mutably).
    pub(crate) fn memory_bytes_mut(&mut self, index: usize) -> &mut [u8] {
        let vm = &self.memories[index];
        // SAFETY: as in `memory_bytes`; the mutable borrow of the store makes this the only
        // reference to the bytes (a memory belongs to one store).
        unsafe { core::slice::from_raw_parts_mut(vm.base(), vm.len() as usize) }
    }

    /// The bytes of memory `index` of the instance whose vmctx is `vmctx`, to change, as
    /// [`StoreInner::memory_bytes_mut`] gives them (without making the memory a handle).
    pub(crate) fn instance_memory_bytes_mut(
        &mut self,
        vmctx: *mut u8,
        index: u32,
    ) -> Option<&mut [u8]> {
        let instance = self.instance_of_vmctx(vmctx)?;
        let vm = self.instances[instance.index]
            .0
            .memories
            .get(index as usize)?;
        // SAFETY: as in `memory_bytes_mut`: an instance's memories are its store's, and the
        // mutable borrow of the store makes this the only reference to the bytes.
        Some(unsafe { core::slice::from_raw_parts_mut(vm.base(), vm.len() as usize) })
    }
}

impl StoreInner {
    /// Whether `raw`, a value of type `ty` about to be given to compiled code (as an argument,
    /// a table element, a global's value), is safe to give: a number, null, an external
    /// reference (compiled code only passes those around), or a function reference this store
    /// made. Compiled code calls function references, so a forged one must never reach it.
    pub(crate) fn check_ref(&self, ty: ValType, raw: u128) -> Result<(), Error> {
        if ty.is_func_ref() && raw != 0 && !self.func_by_ref.contains_key(&(raw as usize)) {
            return Err(Error::Type(
                "a function reference the store did not make".to_string(),
            ));
        }
        Ok(())
    }

    /// Element `i` of table `table` (an index of `tables`), if inside it.
    pub(crate) fn table_get(&self, table: usize, i: u64) -> Option<u64> {
        self.tables[table].get(i)
    }

    /// Set element `i` of table `table` to `raw`, checked as by [`StoreInner::check_ref`].
    pub(crate) fn table_set(&mut self, table: usize, i: u64, raw: u64) -> Result<(), Error> {
        let vm = &self.tables[table];
        self.check_ref(vm.ty.element, u128::from(raw))?;
        if !vm.fill(i, 1, raw) {
            return Err(Error::Access(format!("element {i} is outside the table")));
        }
        Ok(())
    }

    /// Grow table `table` by `delta` elements set to `init`; the old size.
    pub(crate) fn table_grow(&mut self, table: usize, delta: u64, init: u64) -> Result<u64, Error> {
        let vm = &self.tables[table];
        self.check_ref(vm.ty.element, u128::from(init))?;
        vm.grow(delta, init)
            .ok_or_else(|| Error::Resource(format!("cannot grow the table by {delta}")))
    }

    /// Set global `global` (an index of `globals`) to `raw`, which must be of its type.
    pub(crate) fn global_set(&mut self, global: usize, raw: u128) -> Result<(), Error> {
        let vm = &self.globals[global];
        self.check_ref(vm.ty.content, raw)?;
        vm.set_raw(raw);
        Ok(())
    }
}

/// Continue unwinding with a host function's panic.
#[cfg(feature = "std")]
fn resume(payload: Box<dyn Any + Send>) -> ! {
    std::panic::resume_unwind(payload)
}

/// Without the standard library no panic is caught (see `func::catching_panics`): none is
/// ever pending.
#[cfg(not(feature = "std"))]
fn resume(_payload: Box<dyn Any + Send>) -> ! {
    unreachable!("a host function's panic was caught without the standard library")
}

/// Resume the panic of a host function that ended the last call, if one did.
fn resume_panic() {
    if let Some(payload) = traps::take_panic() {
        resume(payload);
    }
}

impl StoreInner {
    /// The `VMFuncRef` address compiled code uses for function `handle`. A host function has
    /// none of its own (its adapter is compiled code of a module): it gets the one of an
    /// instance that imported it, as that instance's exports do.
    pub(crate) fn funcref_of(&self, handle: Stored) -> Option<usize> {
        let func = &self.funcs[self.index(handle)];
        match &func.kind {
            super::func::VmFuncKind::Wasm { funcref, .. } => Some(*funcref as usize),
            super::func::VmFuncKind::Host(_) => None,
        }
    }
}
