//! What the executable takes from its process, through the C library: arguments, environment,
//! standard error, and a timer thread. The crate's only `unsafe` besides the entry point.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::time::Duration;

use wasmaot_runtime::OsError;

/// The NUL-terminated strings of the null-terminated array `list`, as bytes, read in place.
///
/// # Safety
/// `list` must be null or a null-terminated array of NUL-terminated strings, all of which
/// stay unchanged for the life of the process.
unsafe fn strings(list: *const *const c_char, limit: usize) -> Vec<&'static [u8]> {
    let mut out = Vec::new();
    if list.is_null() {
        return out;
    }
    for i in 0..limit {
        // SAFETY: per the contract, every element up to the terminating null is readable.
        let entry = unsafe { *list.add(i) };
        if entry.is_null() {
            break;
        }
        // SAFETY: per the contract, a non-null element is a NUL-terminated string that lives
        // as long as the process.
        out.push(unsafe { CStr::from_ptr(entry) }.to_bytes());
    }
    out
}

/// The program's arguments, from `main`'s.
///
/// # Safety
/// `argv` must hold `argc` NUL-terminated strings, as `main` receives them.
pub unsafe fn args(argc: c_int, argv: *const *const c_char) -> Vec<Vec<u8>> {
    // SAFETY: forwarded; `argv[argc]` is null, and `main`'s arguments outlive it.
    let args = unsafe { strings(argv, usize::try_from(argc).unwrap_or(0)) };
    args.into_iter().map(<[u8]>::to_vec).collect()
}

#[cfg(not(target_vendor = "apple"))]
extern "C" {
    static environ: *const *const c_char;
}

/// The process's environment, `NAME=VALUE` entries split at the first `=` (entries without one
/// are left out), read in place rather than copied: most programs are given none of it.
pub fn environment() -> Vec<(&'static [u8], &'static [u8])> {
    // SAFETY: the C library's environment array is null-terminated and not changed for the
    // life of the process (this program calls no `setenv` or `putenv`).
    #[cfg(not(target_vendor = "apple"))]
    let list = unsafe { environ };
    // SAFETY: as above.
    #[cfg(target_vendor = "apple")]
    let list = unsafe { *libc::_NSGetEnviron() } as *const *const c_char;
    // SAFETY: as above.
    let entries = unsafe { strings(list, usize::MAX) };
    entries
        .into_iter()
        .filter_map(|entry| {
            let at = entry.iter().position(|&b| b == b'=')?;
            Some((&entry[..at], &entry[at + 1..]))
        })
        .collect()
}

/// Standard error, unbuffered.
pub struct Stderr;

impl core::fmt::Write for Stderr {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        write_stderr(text.as_bytes());
        Ok(())
    }
}

/// Write all of `bytes` to standard error (what cannot be written is dropped).
pub fn write_stderr(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is readable for its length.
        let written = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        match written {
            n if n > 0 => bytes = &bytes[n as usize..],
            _ if OsError::last().0 == libc::EINTR => {}
            _ => return,
        }
    }
}

/// Run `action` on a new thread after `delay`.
pub fn after(delay: Duration, action: Box<dyn FnOnce() + Send>) -> Result<(), OsError> {
    extern "C" fn run(arg: *mut c_void) -> *mut c_void {
        // SAFETY: `arg` is the box `after` leaked for this thread, taken back once.
        let (delay, action) = *unsafe { Box::from_raw(arg.cast::<Timer>()) };
        sleep(delay);
        action();
        core::ptr::null_mut()
    }
    type Timer = (Duration, Box<dyn FnOnce() + Send>);
    let arg = Box::into_raw(Box::new((delay, action))).cast::<c_void>();
    // SAFETY: zeroed is a valid initial value for the opaque thread id.
    let mut thread: libc::pthread_t = unsafe { core::mem::zeroed() };
    // SAFETY: `run` takes ownership of `arg`; default attributes.
    let status = unsafe { libc::pthread_create(&mut thread, core::ptr::null(), run, arg) };
    if status != 0 {
        // SAFETY: the thread was not started: the box is still ours.
        drop(unsafe { Box::from_raw(arg.cast::<Timer>()) });
        return Err(OsError(status));
    }
    // SAFETY: `thread` was just created and is joined by nobody.
    unsafe { libc::pthread_detach(thread) };
    Ok(())
}

/// Sleep for `delay`, through interruptions.
fn sleep(delay: Duration) {
    let mut left = libc::timespec {
        tv_sec: delay.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: delay.subsec_nanos() as _,
    };
    loop {
        let mut rest = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: both pointers are to live timespecs.
        if unsafe { libc::nanosleep(&left, &mut rest) } == 0 {
            return;
        }
        if OsError::last().0 != libc::EINTR {
            return;
        }
        left = rest;
    }
}
