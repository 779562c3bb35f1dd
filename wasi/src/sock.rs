//! `sock_*` on stream sockets the program was given (as a stdio descriptor, or accepted from
//! one): accept, receive, send, shut down. Any other descriptor is `ENOTSOCK`.

use alloc::sync::Arc;

use super::fd_table::{max_rights, FdEntry, Handle, HostFile};
use super::guest::Guest;
use super::rights;
use super::sys::net;
use super::types::{fdflags, filetype};
use super::{Errno, WasiCtx};

/// `riflags`.
const RECV_PEEK: u32 = 1;
const RECV_WAITALL: u32 = 2;
/// `roflags`.
const RECV_DATA_TRUNCATED: u16 = 1;
/// `sdflags`.
const SHUT_RD: u32 = 1;
const SHUT_WR: u32 = 2;

/// Socket descriptor `fd` with the rights `needed`.
fn socket(ctx: &WasiCtx, fd: u32, needed: u64) -> Result<Handle, Errno> {
    let table = ctx.table();
    let handle = &table.get(fd)?.handle;
    if handle.filetype != filetype::SOCKET_STREAM {
        return Err(Errno::Notsock);
    }
    Ok(handle.require(needed)?.clone())
}

pub fn sock_accept(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    flags: u32,
    out: u32,
) -> Result<(), Errno> {
    let listener = socket(ctx, fd, rights::SOCK_ACCEPT)?;
    if flags & !u32::from(fdflags::NONBLOCK) != 0 {
        return Err(Errno::Inval);
    }
    let flags = flags as u16;
    let mut host_flags = libc::SOCK_CLOEXEC;
    if flags & fdflags::NONBLOCK != 0 {
        host_flags |= libc::SOCK_NONBLOCK;
    }
    let conn = net::accept(listener.raw(), host_flags)?;
    let handle = Handle {
        base: max_rights(-1, filetype::SOCKET_STREAM).0,
        file: Arc::new(HostFile::Owned(conn)),
        filetype: filetype::SOCKET_STREAM,
        flags,
        inheriting: 0,
        read_only: false,
    };
    let new_fd = ctx.table().insert(FdEntry::new(handle))?;
    guest.write_u32(out, new_fd)
}

pub fn sock_recv(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    (iovs, count): (u32, u32),
    ri_flags: u32,
    (datalen_out, flags_out): (u32, u32),
) -> Result<(), Errno> {
    let sock = socket(ctx, fd, rights::FD_READ)?;
    if ri_flags & !(RECV_PEEK | RECV_WAITALL) != 0 {
        return Err(Errno::Inval);
    }
    let mut host_flags = 0;
    if ri_flags & RECV_PEEK != 0 {
        host_flags |= libc::MSG_PEEK;
    }
    if ri_flags & RECV_WAITALL != 0 {
        host_flags |= libc::MSG_WAITALL;
    }
    let mut iovecs = guest.host_iovecs(iovs, count)?;
    let (n, msg_flags) = net::receive(sock.raw(), &mut iovecs, host_flags)?;
    let ro_flags = if msg_flags & libc::MSG_TRUNC != 0 {
        RECV_DATA_TRUNCATED
    } else {
        0
    };
    guest.write_size(datalen_out, n)?;
    guest.write_bytes(flags_out, &ro_flags.to_le_bytes())
}

pub fn sock_send(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    (iovs, count): (u32, u32),
    si_flags: u32,
    datalen_out: u32,
) -> Result<(), Errno> {
    let sock = socket(ctx, fd, rights::FD_WRITE)?;
    if si_flags != 0 {
        return Err(Errno::Inval);
    }
    let mut iovecs = guest.host_iovecs(iovs, count)?;
    let n = net::send(sock.raw(), &mut iovecs)?;
    guest.write_size(datalen_out, n)
}

pub fn sock_shutdown(ctx: &WasiCtx, fd: u32, how: u32) -> Result<(), Errno> {
    let sock = socket(ctx, fd, rights::SOCK_SHUTDOWN)?;
    let how = match how {
        SHUT_RD => libc::SHUT_RD,
        SHUT_WR => libc::SHUT_WR,
        3 => libc::SHUT_RDWR,
        _ => return Err(Errno::Inval),
    };
    net::shutdown(sock.raw(), how)
}
