//! `clock_res_get` and `clock_time_get`: realtime, monotonic, and process and thread CPU time.

use super::guest::Guest;
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
#[allow(clippy::unnecessary_cast)] // `timespec` fields are narrower than i64 on some hosts.
pub fn now(clock: libc::clockid_t) -> Result<u64, Errno> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::last_host_error());
    }
    Ok(timestamp(ts.tv_sec as i64, ts.tv_nsec as i64))
}

#[allow(clippy::unnecessary_cast)] // As in `now`.
pub fn clock_res_get(guest: &Guest<'_>, id: u32, out: u32) -> Result<(), Errno> {
    let clock = host_clock(id)?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    if unsafe { libc::clock_getres(clock, &mut ts) } != 0 {
        return Err(Errno::last_host_error());
    }
    guest.write_u64(out, timestamp(ts.tv_sec as i64, ts.tv_nsec as i64).max(1))
}

pub fn clock_time_get(guest: &Guest<'_>, id: u32, _precision: u64, out: u32) -> Result<(), Errno> {
    guest.write_u64(out, now(host_clock(id)?)?)
}
