//! Values of which every thread has its own: [`per_thread!`] declares one. With the `std`
//! feature it is the standard library's `thread_local!` (a `const` initialiser: accessed by a
//! few instructions, dropped when its thread ends). Without it each lives in a block of C
//! `_Thread_local` storage (`thread_blocks.c`), reached through a call, is made on the thread's
//! first use by a function that must not allocate (a signal handler may be that first use), and
//! is never dropped: whatever one holds when its thread ends is leaked. Both are used the same
//! way, `NAME.with(|value| ...)`.

/// `per_thread!(BLOCK, static NAME: TYPE = INIT;)`, `BLOCK` a [`Block`] variant: a per-thread `TYPE` made by the constant
/// expression `INIT`, stored without the standard library in block `BLOCK` (of which it must
/// be the only user).
macro_rules! per_thread {
    ($block:ident, $(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        #[cfg(feature = "std")]
        std::thread_local! {
            $(#[$attr])*
            static $name: $ty = const { $init };
        }
        #[cfg(not(feature = "std"))]
        $(#[$attr])*
        static $name: $crate::vm::sys::per_thread::PerThread<$ty> =
            $crate::vm::sys::per_thread::PerThread::new(
                $crate::vm::sys::per_thread::Block::$block,
                || $init,
            );
    };
}
pub(crate) use per_thread;

#[cfg(not(feature = "std"))]
use core::mem::MaybeUninit;

#[cfg(not(feature = "std"))]
use super::thread_blocks::{BLOCKS, BLOCK_SIZE};

#[cfg(not(feature = "std"))]
extern "C" {
    fn wasmaot_thread_block(which: usize) -> *mut u8;
}

/// The users of per-thread storage, a block each.
#[derive(Clone, Copy)]
#[allow(dead_code)] // named only without `std`
#[repr(usize)]
pub enum Block {
    /// `signals`: whether the thread has its alternate signal stack.
    Signals,
    /// `stack`: the thread's stack bounds.
    Stack,
    /// The store of the call running on the thread.
    Store,
    /// The trap machinery's unwind point, fault record and pending trap.
    Traps,
}

#[cfg(not(feature = "std"))]
const _: () = assert!(Block::Traps as usize + 1 == BLOCKS);

/// A per-thread `T`, in block `block` (of which it must be the only user).
#[cfg(not(feature = "std"))]
pub struct PerThread<T: 'static> {
    block: Block,
    init: fn() -> T,
}

/// What a block holds.
#[cfg(not(feature = "std"))]
#[repr(C)]
struct Slot<T> {
    ready: bool,
    value: MaybeUninit<T>,
}

#[cfg(not(feature = "std"))]
impl<T: 'static> PerThread<T> {
    /// The per-thread value made by `init` in `block`.
    pub const fn new(block: Block, init: fn() -> T) -> Self {
        PerThread { block, init }
    }

    /// Run `f` with this thread's value (made first if this thread has none yet).
    #[inline]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        const {
            assert!(core::mem::size_of::<Slot<T>>() <= BLOCK_SIZE);
            assert!(core::mem::align_of::<Slot<T>>() <= 16);
        }
        // SAFETY: the block exists (its index is below `BLOCKS`), is this thread's, aligned to
        // 16 and at least `Slot<T>` large (checked above); it starts zeroed: `ready` false.
        // Only this `PerThread` (the block's one user) touches it, through raw pointers until
        // `value` is written and `ready` set; after that only shared references to `value` are
        // made. The reference given to `f` cannot outlive the call, so it never outlives the
        // thread nor reaches another one.
        unsafe {
            let slot = wasmaot_thread_block(self.block as usize).cast::<Slot<T>>();
            if !(&raw const (*slot).ready).read() {
                (&raw mut (*slot).value).cast::<T>().write((self.init)());
                (&raw mut (*slot).ready).write(true);
            }
            f(&*(&raw const (*slot).value).cast::<T>())
        }
    }
}
