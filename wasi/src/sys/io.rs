//! Clocks, vectored reads and writes, readiness polling, randomness and yielding.

use super::owned_fd::RawFd;
use core::cell::Cell;
use core::marker::PhantomData;

use smallvec::SmallVec;

use super::fs::retry;
use crate::Errno;

/// Iovecs held without allocating: a call with more allocates.
pub const INLINE_IOVECS: usize = 4;

/// Host iovecs over guest buffers, alive as long as the guest memory they point into. Made
/// only from cell slices, so every buffer is inside the memory, and writing through them is
/// allowed (buffers may overlap: a program may pass the same one twice).
pub struct HostIovecs<'a> {
    iovecs: SmallVec<[libc::iovec; INLINE_IOVECS]>,
    _memory: PhantomData<&'a [Cell<u8>]>,
}

impl<'a> HostIovecs<'a> {
    /// Iovecs for `buffers`, in order.
    pub fn new(buffers: impl Iterator<Item = &'a [Cell<u8>]>) -> HostIovecs<'a> {
        let iovecs = buffers
            .map(|buffer| libc::iovec {
                iov_base: buffer.as_ptr().cast::<u8>().cast_mut().cast(),
                iov_len: buffer.len(),
            })
            .collect();
        HostIovecs {
            iovecs,
            _memory: PhantomData,
        }
    }

    /// Whether every buffer is empty (a transfer then moves nothing and needs no call).
    pub fn all_empty(&self) -> bool {
        self.iovecs.iter().all(|v| v.iov_len == 0)
    }

    /// A message header naming the iovecs, for `recvmsg`/`sendmsg`.
    pub(super) fn message(&mut self) -> libc::msghdr {
        // SAFETY: `msghdr` is plain old data; all zeroes is a valid empty header.
        let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
        msg.msg_iov = self.iovecs.as_mut_ptr();
        msg.msg_iovlen = self.iovecs.len() as _;
        msg
    }
}

/// Which of the four vectored transfers: reading or writing, at the descriptor's position or
/// at an offset.
#[derive(Clone, Copy)]
pub enum Transfer {
    Read,
    Write,
    ReadAt(u64),
    WriteAt(u64),
}

/// Move bytes between descriptor `fd` and the buffers of `iovecs`; the count moved.
pub fn transfer(fd: RawFd, kind: Transfer, iovecs: &HostIovecs<'_>) -> Result<usize, Errno> {
    let offset = |at: u64| libc::off_t::try_from(at).map_err(|_| Errno::Inval);
    let at = match kind {
        Transfer::ReadAt(at) | Transfer::WriteAt(at) => offset(at)?,
        Transfer::Read | Transfer::Write => 0,
    };
    let (ptr, len) = (iovecs.iovecs.as_ptr(), iovecs.iovecs.len() as libc::c_int);
    // SAFETY: the iovecs point into guest memory that outlives `iovecs` and may be written
    // through (see `HostIovecs`).
    let n = retry(|| unsafe {
        match kind {
            Transfer::Read => libc::readv(fd, ptr, len),
            Transfer::Write => libc::writev(fd, ptr, len),
            Transfer::ReadAt(_) => libc::preadv(fd, ptr, len, at),
            Transfer::WriteAt(_) => libc::pwritev(fd, ptr, len, at),
        }
    })?;
    Ok(n as usize)
}

/// The time of host clock `clock` (`resolution`: its resolution instead), as seconds and
/// nanoseconds.
#[allow(clippy::unnecessary_cast)] // `timespec` fields are narrower than i64 on some hosts.
pub fn clock(clock: libc::clockid_t, resolution: bool) -> Result<(i64, i64), Errno> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    let ret = unsafe {
        if resolution {
            libc::clock_getres(clock, &mut ts)
        } else {
            libc::clock_gettime(clock, &mut ts)
        }
    };
    if ret != 0 {
        return Err(Errno::last_host_error());
    }
    Ok((ts.tv_sec as i64, ts.tv_nsec as i64))
}

/// Whether descriptor `fd` is a terminal.
pub fn is_tty(fd: RawFd) -> bool {
    // SAFETY: plain query on a descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// How many bytes can be read from `fd` without blocking, if the host says.
pub fn bytes_available(fd: RawFd) -> Option<u64> {
    let mut available: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int to the pointer given.
    let ret = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut available) };
    (ret == 0).then_some(available.max(0) as u64)
}

/// `poll` with a timeout in nanoseconds (`None`: wait indefinitely); an interrupted call counts
/// as "nothing ready": the caller recomputes the timeout and calls again.
pub fn poll(fds: &mut [libc::pollfd], timeout_ns: Option<u64>) -> Result<usize, Errno> {
    #[cfg(target_os = "linux")]
    let ret = {
        let ts = timeout_ns.map(|ns| libc::timespec {
            tv_sec: (ns / 1_000_000_000).min(i32::MAX as u64) as libc::time_t,
            tv_nsec: (ns % 1_000_000_000) as _,
        });
        let ts_ptr = ts.as_ref().map_or(core::ptr::null(), |t| t as *const _);
        // SAFETY: `fds` is a valid array of its length; `ts_ptr` is null or points at `ts`.
        unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                ts_ptr,
                core::ptr::null(),
            )
        }
    };
    #[cfg(not(target_os = "linux"))]
    let ret = {
        let ms = timeout_ns.map_or(-1, |ns| ns.div_ceil(1_000_000).min(i32::MAX as u64) as i32);
        // SAFETY: `fds` is a valid array of its length.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) }
    };
    match ret {
        -1 => match Errno::last_host_error() {
            Errno::Intr => Ok(0),
            error => Err(error),
        },
        n => Ok(n as usize),
    }
}

/// Fill `buffer` with random bytes from the host.
pub fn fill_random(buffer: &[Cell<u8>]) -> Result<(), Errno> {
    let mut filled = 0;
    while filled < buffer.len() {
        let rest = &buffer[filled..];
        // SAFETY: `rest` is valid for writes of its length (cells may be written through a
        // shared reference).
        let n = unsafe { libc::getrandom(rest.as_ptr().cast_mut().cast(), rest.len(), 0) };
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

/// Let another thread run.
pub fn yield_now() {
    // SAFETY: no arguments.
    unsafe { libc::sched_yield() };
}
