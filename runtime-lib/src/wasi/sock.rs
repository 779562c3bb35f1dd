//! `sock_*` on stream sockets the program was given (as a stdio descriptor, or accepted from
//! one): accept, receive, send, shut down. Any other descriptor is `ENOTSOCK`.

use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::Arc;

use super::fd_table::{max_rights, FdEntry, Handle, HostFile};
use super::guest::Guest;
use super::types::{fdflags, filetype};
use super::{host, rights};
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
    let null = std::ptr::null_mut();
    // SAFETY: null address pointers ask for no peer address.
    let conn =
        host::retry(|| unsafe { libc::accept4(listener.raw(), null, null.cast(), host_flags) })?;
    // SAFETY: `accept4` succeeded, so `conn` is a new descriptor nobody else owns.
    let conn = unsafe { OwnedFd::from_raw_fd(conn) };
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

fn message(iovecs: &mut [libc::iovec]) -> libc::msghdr {
    // SAFETY: `msghdr` is plain old data; all zeroes is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iovecs.as_mut_ptr();
    msg.msg_iovlen = iovecs.len() as _;
    msg
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
    let mut msg = message(&mut iovecs);
    // SAFETY: `msg` points at iovecs into checked guest memory.
    let n = host::retry(|| unsafe { libc::recvmsg(sock.raw(), &mut msg, host_flags) })?;
    let ro_flags = if msg.msg_flags & libc::MSG_TRUNC != 0 {
        RECV_DATA_TRUNCATED
    } else {
        0
    };
    guest.write_size(datalen_out, n as usize)?;
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
    let msg = message(&mut iovecs);
    // SAFETY: `msg` points at iovecs into checked guest memory.
    let n = host::retry(|| unsafe { libc::sendmsg(sock.raw(), &msg, libc::MSG_NOSIGNAL) })?;
    guest.write_size(datalen_out, n as usize)
}

pub fn sock_shutdown(ctx: &WasiCtx, fd: u32, how: u32) -> Result<(), Errno> {
    let sock = socket(ctx, fd, rights::SOCK_SHUTDOWN)?;
    let how = match how {
        SHUT_RD => libc::SHUT_RD,
        SHUT_WR => libc::SHUT_WR,
        3 => libc::SHUT_RDWR,
        _ => return Err(Errno::Inval),
    };
    // SAFETY: plain call on a descriptor.
    host::retry(|| unsafe { libc::shutdown(sock.raw(), how) }).map(drop)
}
