//! The current thread's stack bounds, for the stack limit compiled code checks.

/// Bytes left below the limit for runtime calls, host functions and the signal path.
const HOST_MARGIN: usize = 256 * 1024;

thread_local! {
    /// This thread's limit, computed once (finding the main thread's stack reads /proc).
    static LIMIT: std::cell::OnceCell<Option<usize>> = const { std::cell::OnceCell::new() };
}

/// The lowest address wasm code on this thread may use, or `None` if unknown.
pub fn stack_limit() -> Option<usize> {
    LIMIT.with(|l| *l.get_or_init(compute_stack_limit))
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
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr = std::ptr::null_mut();
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
