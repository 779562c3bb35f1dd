//! `random_get` and `sched_yield` (`proc_exit` is a trap, in `mod.rs`; `proc_raise` is `ENOSYS`).

use super::guest::Guest;
use super::Errno;

pub fn random_get(guest: &Guest<'_>, buf: u32, len: u32) -> Result<(), Errno> {
    let buf = guest.bytes(buf, len)?;
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: `rest` is a valid writable buffer of the given length.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            match Errno::last_host_error() {
                Errno::Intr => continue,
                error => return Err(error),
            }
        }
        filled += n as usize;
    }
    Ok(())
}

pub fn sched_yield() -> Result<(), Errno> {
    // SAFETY: no arguments.
    unsafe { libc::sched_yield() };
    Ok(())
}
