//! The current thread's stack: its bounds (for the stack limit compiled code checks), the
//! frame records compiled code keeps, and a conservative scan for the exception heap.

use core::cell::OnceCell;

use super::per_thread::per_thread;

/// Bytes left below the limit for runtime calls, host functions and the signal path.
const HOST_MARGIN: usize = 256 * 1024;

/// This thread's stack, its facts computed once each.
struct Bounds {
    /// The limit (finding the main thread's stack reads /proc).
    limit: OnceCell<Option<usize>>,
    /// The highest address.
    top: OnceCell<Option<usize>>,
}

per_thread!(
    Stack,
    static BOUNDS: Bounds = Bounds {
        limit: OnceCell::new(),
        top: OnceCell::new(),
    };
);

/// The frame record at frame pointer `fp`: the caller's frame pointer and the return address.
///
/// # Safety
/// `fp` must be the frame pointer of a live frame of compiled code on this thread's stack.
pub unsafe fn frame_record(fp: usize) -> (usize, usize) {
    let word = core::mem::size_of::<usize>();
    // SAFETY: forwarded from the caller: both words of the record are mapped stack.
    unsafe { (*(fp as *const usize), *((fp + word) as *const usize)) }
}

/// Call `visit` with every aligned word of this thread's stack from the caller's frame up to
/// the top of the stack (nothing when the bounds are unknown). The words are read as plain
/// integers; callers treat them as possible references only.
#[inline(never)]
pub fn scan_stack(mut visit: impl FnMut(usize)) {
    let Some(top) = BOUNDS.with(|b| {
        *b.top
            .get_or_init(|| stack_bounds().map(|(low, size)| low + size))
    }) else {
        return;
    };
    let marker = 0usize;
    let word = core::mem::size_of::<usize>();
    let mut at = core::hint::black_box(&marker as *const usize as usize);
    at -= at % word;
    while at + word <= top {
        // SAFETY: `at` lies between a live local of this frame and the top of this thread's
        // stack: memory of this thread's stack in use, mapped and readable. Read volatile, as
        // a foreign view of words the compiler may consider unobservable.
        visit(unsafe { core::ptr::read_volatile(at as *const usize) });
        at += word;
    }
}

/// The lowest address wasm code on this thread may use, or `None` if unknown.
pub fn stack_limit() -> Option<usize> {
    BOUNDS.with(|b| *b.limit.get_or_init(compute_stack_limit))
}

fn compute_stack_limit() -> Option<usize> {
    let (low, size) = stack_bounds()?;
    if size <= 2 * HOST_MARGIN {
        return None;
    }
    Some(low + HOST_MARGIN)
}

#[cfg(target_os = "linux")]
fn stack_bounds() -> Option<(usize, usize)> {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; we destroy it after use.
    unsafe {
        let mut attr: libc::pthread_attr_t = core::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr = core::ptr::null_mut();
        let mut size = 0usize;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 {
            return None;
        }
        Some((addr as usize, size))
    }
}

#[cfg(target_os = "macos")]
fn stack_bounds() -> Option<(usize, usize)> {
    // SAFETY: both calls only read the calling thread's attributes.
    unsafe {
        let thread = libc::pthread_self();
        let high = libc::pthread_get_stackaddr_np(thread) as usize;
        let size = libc::pthread_get_stacksize_np(thread);
        Some((high - size, size))
    }
}
