//! Clocks, vectored reads and writes, readiness polling, randomness and yielding.

use super::owned_fd::RawFd;
use core::cell::Cell;
use core::marker::PhantomData;

use smallvec::SmallVec;

use super::fs::retry;
use crate::Errno;

/// Iovecs held without allocating: a call with more allocates.
const INLINE_IOVECS: usize = 4;

/// Host iovecs over guest buffers, alive as long as the guest memory they point into. Made
/// only from cell slices, so every buffer is inside the memory, and writing through them is
/// allowed (buffers may overlap: a program may pass the same one twice).
pub struct HostIovecs<'a> {
    iovecs: SmallVec<[libc::iovec; INLINE_IOVECS]>,
    _memory: PhantomData<&'a [Cell<u8>]>,
}

impl<'a> HostIovecs<'a> {
    /// Iovecs for `buffers`, in order, or the first error among them: made in one pass, with
    /// no list of the buffers first.
    pub fn new<E>(
        buffers: impl Iterator<Item = Result<&'a [Cell<u8>], E>>,
    ) -> Result<HostIovecs<'a>, E> {
        let mut iovecs = SmallVec::new();
        for buffer in buffers {
            let buffer = buffer?;
            iovecs.push(libc::iovec {
                iov_base: buffer.as_ptr().cast::<u8>().cast_mut().cast(),
                iov_len: buffer.len(),
            });
        }
        Ok(HostIovecs {
            iovecs,
            _memory: PhantomData,
        })
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
    // One buffer (most calls) takes the plain call: the vectored ones first copy the iovec
    // array into the kernel (about 40 ns a call here).
    let n = if let [one] = iovecs.iovecs[..] {
        let (base, size) = (one.iov_base, one.iov_len);
        // SAFETY: the buffer points into guest memory that outlives `iovecs` and may be
        // written through (see `HostIovecs`).
        retry(|| unsafe {
            match kind {
                Transfer::Read => libc::read(fd, base, size),
                Transfer::Write => libc::write(fd, base, size),
                Transfer::ReadAt(_) => libc::pread(fd, base, size, at),
                Transfer::WriteAt(_) => libc::pwrite(fd, base, size, at),
            }
        })?
    } else {
        let (ptr, len) = (iovecs.iovecs.as_ptr(), iovecs.iovecs.len() as libc::c_int);
        // SAFETY: the iovecs point into guest memory that outlives `iovecs` and may be
        // written through (see `HostIovecs`).
        retry(|| unsafe {
            match kind {
                Transfer::Read => libc::readv(fd, ptr, len),
                Transfer::Write => libc::writev(fd, ptr, len),
                Transfer::ReadAt(_) => libc::preadv(fd, ptr, len, at),
                Transfer::WriteAt(_) => libc::pwritev(fd, ptr, len, at),
            }
        })?
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    fn iovecs<'a>(buffers: &[&'a [Cell<u8>]]) -> HostIovecs<'a> {
        HostIovecs::new(buffers.iter().map(|b| Ok::<_, Errno>(*b))).unwrap()
    }

    #[test]
    fn one_buffer_and_several_move_the_same_bytes() {
        let path = std::env::temp_dir().join(std::format!("wasmaot-io-{}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let fd = file.as_raw_fd();
        let mut text = *b"abcdefgh";
        let cells = Cell::from_mut(&mut text[..]).as_slice_of_cells();
        // Written as one buffer, then as two, then at offsets with one and two.
        assert_eq!(transfer(fd, Transfer::Write, &iovecs(&[cells])), Ok(8));
        assert_eq!(
            transfer(fd, Transfer::Write, &iovecs(&[&cells[..3], &cells[3..5]])),
            Ok(5)
        );
        assert_eq!(
            transfer(fd, Transfer::WriteAt(1), &iovecs(&[&cells[6..]])),
            Ok(2)
        );
        let two = iovecs(&[&cells[..1], &cells[7..]]);
        assert_eq!(transfer(fd, Transfer::WriteAt(11), &two), Ok(2));
        assert_eq!(std::fs::read(&path).unwrap(), b"aghdefghabcah");
        // Read back the same four ways.
        let mut back = [0u8; 13];
        let out = Cell::from_mut(&mut back[..]).as_slice_of_cells();
        assert_eq!(
            transfer(fd, Transfer::ReadAt(0), &iovecs(&[&out[..4]])),
            Ok(4)
        );
        let two = iovecs(&[&out[4..6], &out[6..9]]);
        assert_eq!(transfer(fd, Transfer::ReadAt(4), &two), Ok(5));
        assert_eq!(seek(fd, 9), 9);
        assert_eq!(transfer(fd, Transfer::Read, &iovecs(&[&out[9..11]])), Ok(2));
        let two = iovecs(&[&out[11..12], &out[12..]]);
        assert_eq!(transfer(fd, Transfer::Read, &two), Ok(2));
        assert_eq!(transfer(fd, Transfer::Read, &iovecs(&[&out[..4]])), Ok(0));
        assert_eq!(&back, b"aghdefghabcah");
        drop(file);
        std::fs::remove_file(&path).unwrap();
    }

    /// Move `fd`'s position to `to`.
    fn seek(fd: RawFd, to: u64) -> u64 {
        super::super::fs::lseek(fd, to as i64, libc::SEEK_SET).unwrap()
    }
}
