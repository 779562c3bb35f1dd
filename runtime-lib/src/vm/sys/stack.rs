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
    main_thread_bounds().or_else(thread_bounds)
}

/// The main thread's stack, found without the C library: its `pthread_getattr_np` reads and
/// parses `/proc/self/maps` for the main thread, about 70 µs, half of what an executable's
/// start-up costs beyond a C program's. `None` on any other thread, or when what the kernel
/// left does not have the expected shape (then the C library answers).
#[cfg(target_os = "linux")]
fn main_thread_bounds() -> Option<(usize, usize)> {
    // SAFETY: getpid and gettid have no preconditions and cannot fail.
    if unsafe { libc::getpid() != libc::gettid() } {
        return None;
    }
    // SAFETY: getauxval only reads the auxiliary vector; 0 means the entry is absent.
    let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
    if execfn == 0 {
        return None;
    }
    // SAFETY: AT_EXECFN points to the NUL-terminated file name the kernel copied onto the
    // stack, which stays mapped and unchanged for the life of the process.
    let name = unsafe { core::ffi::CStr::from_ptr(execfn as *const core::ffi::c_char) };
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills `limit`.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    let marker = 0u8;
    let here = core::hint::black_box(&marker as *const u8 as usize);
    main_stack_from_file_name(
        execfn + name.to_bytes().len() + 1,
        here,
        usize::try_from(limit.rlim_cur).ok()?,
        super::mmap::page_size(),
    )
}

/// The main thread's stack `(lowest address, size)` from where the executable's file name
/// ends (past its NUL), an address in a live frame (`here`), the stack's resource limit and
/// the page size.
///
/// Linux copies the file name first, to the top of the new stack, leaving one null word above
/// it (`AT_EXECFN` points to it), so the stack's highest address is the end of the name plus a
/// word. The stack may grow down from there to the resource limit, which is what the C
/// library reports too (it further shortens the stack to end at the mapping below, which the
/// kernel places a limit's length or more away when the program starts). Any other shape, as
/// under an emulator, is `None`: the top must be page-aligned, above `here` and within the
/// limit of it.
#[cfg(any(target_os = "linux", test))]
fn main_stack_from_file_name(
    name_end: usize,
    here: usize,
    rlimit: usize,
    page: usize,
) -> Option<(usize, usize)> {
    let top = name_end.checked_add(core::mem::size_of::<usize>())?;
    let size = rlimit - rlimit % page;
    if top % page != 0 || top <= here || top - here >= size {
        return None;
    }
    Some((top - size, size))
}

#[cfg(target_os = "linux")]
fn thread_bounds() -> Option<(usize, usize)> {
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

#[cfg(test)]
mod tests {
    use super::main_stack_from_file_name;

    const PAGE: usize = 4096;
    const LIMIT: usize = 8 << 20;

    #[test]
    fn the_main_stack_ends_a_word_past_the_file_name() {
        let top = 0x7fff_0000_0000;
        let name_end = top - core::mem::size_of::<usize>();
        assert_eq!(
            main_stack_from_file_name(name_end, top - 5000, LIMIT, PAGE),
            Some((top - LIMIT, LIMIT))
        );
        // A limit that is not a whole number of pages is cut down to one.
        assert_eq!(
            main_stack_from_file_name(name_end, top - 5000, LIMIT + 100, PAGE),
            Some((top - LIMIT, LIMIT))
        );
    }

    #[test]
    fn any_other_shape_is_left_to_the_c_library() {
        let top = 0x7fff_0000_0000;
        let name_end = top - core::mem::size_of::<usize>();
        // The top is not page-aligned.
        assert_eq!(
            main_stack_from_file_name(name_end - 1, top - 5000, LIMIT, PAGE),
            None
        );
        // The live frame is not below the top, or not within the limit of it.
        assert_eq!(
            main_stack_from_file_name(name_end, top + 16, LIMIT, PAGE),
            None
        );
        assert_eq!(
            main_stack_from_file_name(name_end, top - LIMIT, LIMIT, PAGE),
            None
        );
        // A limit of less than a page.
        assert_eq!(
            main_stack_from_file_name(name_end, top - 16, 100, PAGE),
            None
        );
        // An end that overflows.
        assert_eq!(
            main_stack_from_file_name(usize::MAX - 2, 0, LIMIT, PAGE),
            None
        );
    }

    /// What the kernel left matches the stack mapping /proc describes, whenever its shape is
    /// accepted (tests run on other threads, so the file name is read here as the main thread
    /// would; under an emulator the shape may be refused, which is the fallback's case).
    #[cfg(target_os = "linux")]
    #[test]
    fn the_file_name_gives_the_stack_mappings_end() {
        // SAFETY: as in main_thread_bounds.
        let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
        assert_ne!(execfn, 0);
        // SAFETY: as in main_thread_bounds.
        let len = unsafe { core::ffi::CStr::from_ptr(execfn as *const core::ffi::c_char) }
            .to_bytes()
            .len();
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let stack = maps.lines().find(|l| l.ends_with("[stack]")).unwrap();
        let (range, _) = stack.split_once(' ').unwrap();
        let (low, high) = range.split_once('-').unwrap();
        let (low, high) = (
            usize::from_str_radix(low, 16).unwrap(),
            usize::from_str_radix(high, 16).unwrap(),
        );
        // Any address in the mapping stands for the main thread's frame.
        let page = super::super::mmap::page_size();
        match main_stack_from_file_name(execfn + len + 1, low, LIMIT, page) {
            Some((bottom, size)) => assert_eq!(bottom + size, high, "{stack}"),
            // Natively (x86-64 tests run natively, aarch64 ones under qemu), it is accepted.
            None if cfg!(target_arch = "x86_64") => {
                panic!("refused: {stack}, file name at {execfn:#x}")
            }
            None => {}
        }
    }
}
