//! Everything that talks to the operating system below the WASI layer: address space, signals,
//! the thread's stack, and the unwind boundary. Safe wrappers; the `unsafe` stays here.

pub mod arch;
pub mod cpu;
pub mod mmap;
pub mod per_thread;
pub mod signals;
pub mod stack;
#[cfg(not(feature = "std"))]
mod thread_blocks;
pub mod unwind_stubs;

use core::ffi::c_void;

extern "C" {
    fn wasmaot_enter(
        slot: *mut *mut c_void,
        trampoline: *const u8,
        func: *const u8,
        callee_vmctx: *mut u8,
        caller_vmctx: *mut u8,
        values: *mut u128,
    ) -> i32;
    fn wasmaot_unwind(buf: *mut c_void) -> !;
}

/// Call `trampoline(func, callee, caller, values)` with an unwind point recorded in `slot`.
/// Returns false when the call was unwound by [`unwind`].
///
/// # Safety
/// `trampoline` must be a host-to-wasm trampoline for `func`'s type, `values` must hold as many
/// slots as the type has parameters or results, and both vmctx pointers must be live instances.
pub unsafe fn enter(
    slot: *mut *mut c_void,
    trampoline: *const u8,
    func: *const u8,
    callee: *mut u8,
    caller: *mut u8,
    values: *mut u128,
) -> bool {
    // SAFETY: forwarded from the caller's contract; the C side only stores into `*slot`.
    unsafe { wasmaot_enter(slot, trampoline, func, callee, caller, values) == 0 }
}

/// Jump back to the unwind point `buf` recorded by [`enter`].
///
/// # Safety
/// `buf` must be the live jump buffer of an [`enter`] on this thread, and no frame between here
/// and there may own anything needing a destructor.
pub unsafe fn unwind(buf: *mut c_void) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { wasmaot_unwind(buf) }
}

/// Write `message` to standard error and abort the process: for states the runtime cannot
/// continue from. Allocates nothing.
pub fn abort_with(message: &str) -> ! {
    // SAFETY: writes the bytes of a live string; `abort` ends the process.
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::abort()
    }
}

/// An error of the operating system: its `errno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsError(pub i32);

impl OsError {
    /// The error of the last failed call on this thread.
    pub fn last() -> OsError {
        // SAFETY: `__errno_location` (`__error` on macOS) gives this thread's errno.
        OsError(unsafe { *errno_location() })
    }
}

#[cfg(not(any(target_os = "macos", target_os = "ios")))]
use libc::__errno_location as errno_location;
#[cfg(any(target_os = "macos", target_os = "ios"))]
use libc::__error as errno_location;

impl core::fmt::Display for OsError {
    /// As the C library describes it, then the number: `Cannot allocate memory (os error 12)`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut buf = [0u8; 128];
        // SAFETY: `buf` is writable for its length; `strerror_r` (the XSI one the libc crate
        // binds) writes a NUL-terminated message into it or fails.
        let ok = unsafe { libc::strerror_r(self.0, buf.as_mut_ptr().cast(), buf.len()) } == 0;
        let len = buf.iter().position(|&b| b == 0).unwrap_or(0);
        match core::str::from_utf8(&buf[..len]) {
            Ok(text) if ok && !text.is_empty() => write!(f, "{text} (os error {})", self.0),
            _ => write!(f, "os error {}", self.0),
        }
    }
}

impl core::error::Error for OsError {}

#[cfg(feature = "std")]
impl From<OsError> for std::io::Error {
    fn from(error: OsError) -> std::io::Error {
        std::io::Error::from_raw_os_error(error.0)
    }
}

#[cfg(test)]
mod tests {
    use super::OsError;
    use std::string::ToString;

    /// Errors read as the standard library's `io::Error` shows them, which users know.
    #[test]
    fn os_errors_read_as_the_standard_library_shows_them() {
        for code in [libc::ENOENT, libc::EACCES, libc::ENOMEM, libc::EMFILE] {
            let ours = OsError(code).to_string();
            assert_eq!(ours, std::io::Error::from_raw_os_error(code).to_string());
            assert!(ours.ends_with(&std::format!("(os error {code})")), "{ours}");
        }
        assert_eq!(OsError(-1).to_string(), "os error -1");
    }
}
