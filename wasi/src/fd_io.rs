//! Descriptor I/O: read and write (at the position or at an offset, scattered over iovecs),
//! seek and tell, advise and allocate, sync, close and renumber.

use super::guest::Guest;
use super::rights;
use super::sys::fs as host;
use super::sys::io;
pub use super::sys::io::Transfer;
use super::{Errno, WasiCtx};

/// At most this many iovecs go to the host in one call (a short transfer is allowed).
const MAX_IOVECS: u32 = 1024;

/// `fd_read`, `fd_write`, `fd_pread` and `fd_pwrite`: move bytes between descriptor `fd` and
/// the `count` guest buffers described at `iovs`, and store the number moved at `out`.
pub fn fd_transfer(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    iovs: u32,
    count: u32,
    kind: Transfer,
    out: u32,
) -> Result<(), Errno> {
    let needed = match kind {
        Transfer::Read => rights::FD_READ,
        Transfer::Write => rights::FD_WRITE,
        Transfer::ReadAt(_) => rights::FD_READ | rights::FD_SEEK,
        Transfer::WriteAt(_) => rights::FD_WRITE | rights::FD_SEEK,
    };
    let file = ctx.handle(fd, needed)?.file;
    let iovecs = guest.host_iovecs(iovs, count.min(MAX_IOVECS))?;
    let n = if iovecs.all_empty() {
        0
    } else {
        io::transfer(file.raw(), kind, &iovecs)?
    };
    guest.write_size(out, n)
}

pub fn fd_seek(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    delta: u64,
    whence: u32,
    out: u32,
) -> Result<(), Errno> {
    let needed = if delta == 0 && whence == 1 {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let file = ctx.handle(fd, needed)?.file;
    let whence = match whence {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        2 => libc::SEEK_END,
        _ => return Err(Errno::Inval),
    };
    let at = host::lseek(file.raw(), delta as i64, whence)?;
    guest.write_u64(out, at)
}

pub fn fd_tell(ctx: &WasiCtx, guest: &Guest<'_>, fd: u32, out: u32) -> Result<(), Errno> {
    let file = ctx.handle(fd, rights::FD_TELL)?.file;
    guest.write_u64(out, host::lseek(file.raw(), 0, libc::SEEK_CUR)?)
}

pub fn fd_close(ctx: &WasiCtx, fd: u32) -> Result<(), Errno> {
    ctx.table().remove(fd).map(drop)
}

pub fn fd_renumber(ctx: &WasiCtx, from: u32, to: u32) -> Result<(), Errno> {
    let mut table = ctx.table();
    if from == to {
        return table.get(from).map(drop);
    }
    table.renumber(from, to)
}

pub fn fd_sync(ctx: &WasiCtx, fd: u32) -> Result<(), Errno> {
    host::fsync(ctx.handle(fd, rights::FD_SYNC)?.raw())
}

pub fn fd_datasync(ctx: &WasiCtx, fd: u32) -> Result<(), Errno> {
    host::fdatasync(ctx.handle(fd, rights::FD_DATASYNC)?.raw())
}

pub fn fd_advise(ctx: &WasiCtx, fd: u32, at: u64, len: u64, advice: u32) -> Result<(), Errno> {
    let handle = ctx.handle(fd, rights::FD_ADVISE)?;
    #[cfg(target_os = "linux")]
    let advice = match advice {
        0 => libc::POSIX_FADV_NORMAL,
        1 => libc::POSIX_FADV_SEQUENTIAL,
        2 => libc::POSIX_FADV_RANDOM,
        3 => libc::POSIX_FADV_WILLNEED,
        4 => libc::POSIX_FADV_DONTNEED,
        5 => libc::POSIX_FADV_NOREUSE,
        _ => return Err(Errno::Inval),
    };
    #[cfg(not(target_os = "linux"))]
    let advice = match advice {
        0..=5 => advice as libc::c_int,
        _ => return Err(Errno::Inval),
    };
    host::fadvise(handle.raw(), at, len, advice)
}

pub fn fd_allocate(ctx: &WasiCtx, fd: u32, at: u64, len: u64) -> Result<(), Errno> {
    host::fallocate(ctx.handle(fd, rights::FD_ALLOCATE)?.raw(), at, len)
}
