//! Descriptor attributes: `fd_fdstat_*` (type, flags, rights), `fd_filestat_*` (the file's
//! metadata, size and times) and `fd_prestat_*` (the name of a granted directory).

use crate::prelude::*;

use super::guest::Guest;
use super::rights;
use super::sys::fs as host;
use super::types::{encode_fdstat, encode_filestat, fdflags, fstflags};
use super::{Errno, WasiCtx};
use core::mem::MaybeUninit;

pub fn fd_fdstat_get(ctx: &WasiCtx, guest: &Guest<'_>, fd: u32, out: u32) -> Result<(), Errno> {
    let h = ctx.handle(fd, 0)?;
    guest.write_bytes(
        out,
        &encode_fdstat(h.filetype, h.flags, h.base, h.inheriting),
    )
}

pub fn fd_fdstat_set_flags(ctx: &WasiCtx, fd: u32, flags: u32) -> Result<(), Errno> {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    let mut table = ctx.table();
    let entry = table.get_mut(fd)?;
    let handle = entry.handle.require(rights::FD_FDSTAT_SET_FLAGS)?;
    if (flags ^ handle.flags) & fdflags::SYNC_ANY != 0 {
        return Err(Errno::Notsup);
    }
    let settable = libc::O_APPEND | libc::O_NONBLOCK;
    let host_flags = host::get_fl(handle.raw())?;
    host::set_fl(
        handle.raw(),
        (host_flags & !settable) | fdflags::to_host(flags & !fdflags::SYNC_ANY),
    )?;
    entry.handle.flags = flags;
    Ok(())
}

pub fn fd_fdstat_set_rights(
    ctx: &WasiCtx,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> Result<(), Errno> {
    let mut table = ctx.table();
    let handle = &mut table.get_mut(fd)?.handle;
    if base & !handle.base != 0 || inheriting & !handle.inheriting != 0 {
        return Err(Errno::Notcapable);
    }
    handle.base = base;
    handle.inheriting = inheriting;
    Ok(())
}

pub fn fd_filestat_get(ctx: &WasiCtx, guest: &Guest<'_>, fd: u32, out: u32) -> Result<(), Errno> {
    let mut space = MaybeUninit::uninit();
    let st = host::fstat_into(ctx.handle(fd, rights::FD_FILESTAT_GET)?.raw(), &mut space)?;
    guest.write_bytes(out, &encode_filestat(st))
}

pub fn fd_filestat_set_size(ctx: &WasiCtx, fd: u32, size: u64) -> Result<(), Errno> {
    host::ftruncate(ctx.handle(fd, rights::FD_FILESTAT_SET_SIZE)?.raw(), size)
}

pub fn fd_filestat_set_times(
    ctx: &WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> Result<(), Errno> {
    let times = timespecs(atim, mtim, flags)?;
    host::futimens(ctx.handle(fd, rights::FD_FILESTAT_SET_TIMES)?.raw(), &times)
}

/// The host access and modification times for a `*_set_times` call.
pub fn timespecs(atim: u64, mtim: u64, flags: u32) -> Result<[libc::timespec; 2], Errno> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let one = |time: u64, set: u16, now: u16| -> Result<libc::timespec, Errno> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::Inval),
            (false, true) => Ok(special(libc::UTIME_NOW)),
            (false, false) => Ok(special(libc::UTIME_OMIT)),
            (true, false) => Ok(libc::timespec {
                tv_sec: (time / 1_000_000_000) as libc::time_t,
                tv_nsec: (time % 1_000_000_000) as _,
            }),
        }
    };
    Ok([
        one(atim, fstflags::ATIM, fstflags::ATIM_NOW)?,
        one(mtim, fstflags::MTIM, fstflags::MTIM_NOW)?,
    ])
}

fn special(nsec: libc::c_long) -> libc::timespec {
    libc::timespec {
        tv_sec: 0,
        tv_nsec: nsec as _,
    }
}

/// The guest name of granted directory `fd` (`EBADF` for any other descriptor).
fn preopen_name(ctx: &WasiCtx, fd: u32) -> Result<Vec<u8>, Errno> {
    ctx.table().get(fd)?.preopen.clone().ok_or(Errno::Badf)
}

pub fn fd_prestat_get(ctx: &WasiCtx, guest: &Guest<'_>, fd: u32, out: u32) -> Result<(), Errno> {
    let name = preopen_name(ctx, fd)?;
    let mut prestat = [0u8; 8];
    prestat[4..8].copy_from_slice(
        &u32::try_from(name.len())
            .map_err(|_| Errno::Nametoolong)?
            .to_le_bytes(),
    );
    guest.write_bytes(out, &prestat)
}

pub fn fd_prestat_dir_name(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    buf: u32,
    len: u32,
) -> Result<(), Errno> {
    let name = preopen_name(ctx, fd)?;
    if (len as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    guest.write_bytes(buf, &name)
}
