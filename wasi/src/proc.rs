//! `random_get` and `sched_yield` (`proc_exit` is a trap, in `mod.rs`; `proc_raise` is `ENOSYS`).

use super::guest::Guest;
use super::sys::io;
use super::Errno;

pub fn random_get(guest: &Guest<'_>, buf: u32, len: u32) -> Result<(), Errno> {
    io::fill_random(guest.bytes(buf, len)?)
}

pub fn sched_yield() -> Result<(), Errno> {
    io::yield_now();
    Ok(())
}
