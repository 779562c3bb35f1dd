//! What the standard library would give the executable and this library brings itself when
//! built without it: the allocator (the C library's) and the panic handler (message, abort).

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use core::fmt::Write;

/// The C library's allocator.
struct Malloc;

/// The alignment `malloc` guarantees on every supported target.
const MALLOC_ALIGN: usize = 16;

// SAFETY: every method returns memory of at least the layout's size and alignment, or null.
unsafe impl GlobalAlloc for Malloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && layout.align() <= layout.size() {
            // SAFETY: malloc has no preconditions.
            return unsafe { libc::malloc(layout.size()) }.cast();
        }
        let mut out: *mut c_void = core::ptr::null_mut();
        let align = layout.align().max(core::mem::size_of::<usize>());
        // SAFETY: `align` is a power of two and a multiple of the pointer size.
        match unsafe { libc::posix_memalign(&mut out, align, layout.size()) } {
            0 => out.cast(),
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from `malloc` or `posix_memalign` above.
        unsafe { libc::free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && layout.align() <= new_size {
            // SAFETY: `ptr` came from this allocator; realloc keeps malloc's alignment.
            return unsafe { libc::realloc(ptr.cast(), new_size) }.cast();
        }
        // SAFETY: as `GlobalAlloc::realloc`'s default: allocate, copy, free.
        unsafe {
            let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[global_allocator]
static ALLOCATOR: Malloc = Malloc;

/// A bug in the runtime: say where, and abort (status 134, as a trap's).
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(crate::host::Stderr, "wasmaot runtime: {info}");
    // SAFETY: abort has no preconditions.
    unsafe { libc::abort() }
}

/// The personality routine the precompiled `core` and `alloc` name in their unwind tables
/// (built for unwinding panics). Panics abort here and nothing unwinds Rust frames (traps
/// leave wasm code by `longjmp`), so it is never called; it exists for the linker.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {
    // SAFETY: abort has no preconditions.
    unsafe { libc::abort() }
}
