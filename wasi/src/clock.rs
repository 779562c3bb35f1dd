//! `clock_res_get` and `clock_time_get`: realtime, monotonic, and process and thread CPU time.

use super::guest::Guest;
use super::sys::io;
use super::types::timestamp;
use super::Errno;

pub const REALTIME: u32 = 0;
pub const MONOTONIC: u32 = 1;

/// The host clock for WASI clock `id`.
pub fn host_clock(id: u32) -> Result<libc::clockid_t, Errno> {
    Ok(match id {
        REALTIME => libc::CLOCK_REALTIME,
        MONOTONIC => libc::CLOCK_MONOTONIC,
        2 => libc::CLOCK_PROCESS_CPUTIME_ID,
        3 => libc::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(Errno::Inval),
    })
}

/// The current time of host clock `clock`, in nanoseconds.
pub fn now(clock: libc::clockid_t) -> Result<u64, Errno> {
    let (seconds, nanos) = io::clock(clock, false)?;
    Ok(timestamp(seconds, nanos))
}

pub fn clock_res_get(guest: &Guest<'_>, id: u32, out: u32) -> Result<(), Errno> {
    let (seconds, nanos) = io::clock(host_clock(id)?, true)?;
    guest.write_u64(out, timestamp(seconds, nanos).max(1))
}

pub fn clock_time_get(guest: &Guest<'_>, id: u32, _precision: u64, out: u32) -> Result<(), Errno> {
    guest.write_u64(out, now(host_clock(id)?)?)
}
