//! The store: the owner of every instance, function, memory, table, global and external
//! reference made in it. Handles (`Func`, `Memory`, ...) are plain indices into one store; every
//! operation takes the store, by `&` to look and by `&mut` to run code or change anything.
//!
//! This is what makes the API sound: wasm code runs only inside a call that holds the store
//! mutably, so no view of a memory or table can be live while code changes it, and no two
//! threads can run code of one store at once. Nothing in a store is ever freed before the store
//! itself, so a handle can never dangle; a handle used with another store panics.

use crate::prelude::*;

pub use crate::vm::limits::InterruptHandle;
use crate::vm::limits::UNLIMITED_FUEL;
pub use crate::vm::store::StoreInner;
pub(crate) use crate::vm::store::Stored;

/// Owns everything instantiated in it. See the crate documentation for the threading rules.
pub struct Store {
    // Boxed: host functions reach it by address while a call runs, and the `Store` may move
    // between calls.
    inner: Box<StoreInner>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store {
            inner: Box::new(StoreInner::new()),
        }
    }

    /// Limit every linear memory made in this store from now on (by instantiation or
    /// [`crate::Memory::new`]) to `bytes` (`None`: no limit beyond its type and the
    /// runtime's). `memory.grow` past the limit returns -1, as the spec allows; a memory whose
    /// initial size is over it fails the instantiation with [`crate::Error::Resource`].
    pub fn set_max_memory(&mut self, bytes: Option<u64>) {
        self.inner.max_memory = bytes;
    }

    /// Limit every table made in this store from now on (by instantiation or
    /// [`crate::Table::new`]) to `entries` elements (`None`: the runtime's cap of 10 million).
    /// `table.grow` past it returns -1; a table larger from the start fails the instantiation
    /// with [`crate::Error::Resource`].
    pub fn set_max_table_elements(&mut self, entries: Option<u64>) {
        self.inner.limits.set_max_table_entries(entries);
    }

    /// Limit the stack the store's wasm code may use, counted from the host's outermost call
    /// into it, to `bytes` (`None`: the calling thread's stack, less a margin the runtime keeps
    /// for itself). Deeper recursion traps with [`crate::TrapKind::StackExhausted`]. A limit
    /// larger than what the thread has left gives what the thread has.
    pub fn set_max_wasm_stack(&mut self, bytes: Option<usize>) {
        self.inner.limits.set_max_stack(bytes);
    }

    /// A handle that stops this store's code from any thread: the running call (or the next
    /// one) traps with [`crate::TrapKind::Interrupted`], or `DeadlineExceeded` for
    /// [`InterruptHandle::expire_deadline`], at its next function entry or loop header. Only
    /// code compiled with interruption checks (`wasmaot compile --interruptible`,
    /// `Options::interrupt_checks`) looks; other code runs on.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.inner.limits.clone())
    }

    /// Give the store's code `fuel` units to run on (one per instruction, roughly), replacing
    /// what was left; when it runs out, the call traps with [`crate::TrapKind::OutOfFuel`].
    /// Only code compiled with fuel metering (`--fuel`, `Options::fuel`) spends it. A new
    /// store's fuel is unlimited (`i64::MAX`).
    pub fn set_fuel(&mut self, fuel: u64) {
        self.inner
            .limits
            .set_fuel(fuel.min(UNLIMITED_FUEL as u64) as i64);
    }

    /// Add `fuel` to what is left (saturating).
    pub fn add_fuel(&mut self, fuel: u64) {
        let left = self.fuel();
        self.set_fuel(left.saturating_add(fuel));
    }

    /// The fuel left (0 once a call ran out).
    pub fn fuel(&self) -> u64 {
        self.inner.limits.fuel().max(0) as u64
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
