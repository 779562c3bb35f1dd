//! The store: the owner of every instance, function, memory, table, global and external
//! reference made in it. Handles (`Func`, `Memory`, ...) are plain indices into one store; every
//! operation takes the store, by `&` to look and by `&mut` to run code or change anything.
//!
//! This is what makes the API sound: wasm code runs only inside a call that holds the store
//! mutably, so no view of a memory or table can be live while code changes it, and no two
//! threads can run code of one store at once. Nothing in a store is ever freed before the store
//! itself, so a handle can never dangle; a handle used with another store panics.

use std::any::Any;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::vm::func::VmFunc;
use crate::vm::global::VmGlobal;
use crate::vm::instance::{from_vmctx, InstanceInner, VmInstance};
use crate::vm::memory::VmMemory;
use crate::vm::table::VmTable;

/// Owns everything instantiated in it. See the crate documentation for the threading rules.
pub struct Store {
    // Boxed: host functions reach it by address while a call runs, and the `Store` may move
    // between calls.
    inner: Box<StoreInner>,
}

/// The contents of a [`Store`], as host functions (through [`crate::Caller`]) and handles see
/// them. Opaque: reached through [`AsContext`] and [`AsContextMut`].
pub struct StoreInner {
    id: u64,
    pub(crate) instances: Vec<VmInstance>,
    pub(crate) funcs: Vec<VmFunc>,
    pub(crate) memories: Vec<Arc<VmMemory>>,
    pub(crate) tables: Vec<Arc<VmTable>>,
    pub(crate) globals: Vec<VmGlobal>,
    pub(crate) externs: Vec<Box<dyn Any + Send + Sync>>,
    /// Handle of each function reference seen, by `VMFuncRef` address.
    func_by_ref: HashMap<usize, usize>,
    /// Handle of each memory and table, by address, so one object gets one handle.
    memory_by_ptr: HashMap<usize, usize>,
    table_by_ptr: HashMap<usize, usize>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Store {
            inner: Box::new(StoreInner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                instances: Vec::new(),
                funcs: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                externs: Vec::new(),
                func_by_ref: HashMap::new(),
                memory_by_ptr: HashMap::new(),
                table_by_ptr: HashMap::new(),
            }),
        }
    }
}

/// Read access to a store: implemented by [`Store`] and [`crate::Caller`].
pub trait AsContext {
    /// The store's contents.
    fn as_context(&self) -> &StoreInner;
}

/// Write access to a store: implemented by [`Store`] and [`crate::Caller`].
pub trait AsContextMut: AsContext {
    /// The store's contents, mutably.
    fn as_context_mut(&mut self) -> &mut StoreInner;
}

impl AsContext for Store {
    fn as_context(&self) -> &StoreInner {
        &self.inner
    }
}

impl AsContextMut for Store {
    fn as_context_mut(&mut self) -> &mut StoreInner {
        &mut self.inner
    }
}

impl AsContext for StoreInner {
    fn as_context(&self) -> &StoreInner {
        self
    }
}

impl AsContextMut for StoreInner {
    fn as_context_mut(&mut self) -> &mut StoreInner {
        self
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
            crate::vm::func::VmFuncKind::Wasm { funcref, .. } => Some(*funcref as usize),
            crate::vm::func::VmFuncKind::Host(_) => None,
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

    pub(crate) fn add_extern(&mut self, value: Box<dyn Any + Send + Sync>) -> Stored {
        self.externs.push(value);
        self.stored(self.externs.len() - 1)
    }

    /// The handle of the function whose `VMFuncRef` is at `funcref`: a function of an
    /// instance in this store (compiled code hands out no other references).
    pub(crate) fn func_of_ref(&mut self, funcref: usize) -> Option<Stored> {
        if let Some(&index) = self.func_by_ref.get(&funcref) {
            return Some(self.stored(index));
        }
        let func = self.instances.iter().find_map(|instance| {
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

thread_local! {
    /// The store of the innermost call into wasm on this thread, for host functions to reach.
    static CURRENT: Cell<*mut StoreInner> = const { Cell::new(std::ptr::null_mut()) };
}

/// Run `f` (which enters wasm code) with `store` as this thread's current store, restoring the
/// previous one afterwards (calls nest: host functions call back into wasm). `store` stays
/// unused while `f` runs: host functions reach it through the pointer made here.
#[inline]
pub(crate) fn enter<R>(store: &mut StoreInner, f: impl FnOnce() -> R) -> R {
    struct Restore(*mut StoreInner);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let ptr: *mut StoreInner = store;
    let _restore = Restore(CURRENT.with(|c| c.replace(ptr)));
    f()
}

/// The store of the call running on this thread.
///
/// # Safety
/// Only from a host function called by wasm code, while the call that [`enter`]ed is suspended
/// in wasm code: the store is then borrowed by nothing else, and the returned reference must
/// not outlive the host function.
pub(crate) unsafe fn current<'a>() -> Option<&'a mut StoreInner> {
    let ptr = CURRENT.with(|c| c.get());
    // SAFETY: per the contract, `ptr` is null or the store the suspended call holds mutably.
    unsafe { ptr.as_mut() }
}

impl StoreInner {
    /// The `VMFuncRef` address compiled code uses for function `handle`. A host function has
    /// none of its own (its adapter is compiled code of a module): it gets the one of an
    /// instance that imported it, as that instance's exports do.
    pub(crate) fn funcref_of(&self, handle: Stored) -> Option<usize> {
        let func = &self.funcs[self.index(handle)];
        match &func.kind {
            crate::vm::func::VmFuncKind::Wasm { funcref, .. } => Some(*funcref as usize),
            crate::vm::func::VmFuncKind::Host(_) => None,
        }
    }
}
