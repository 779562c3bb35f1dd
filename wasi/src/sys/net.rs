//! Stream sockets: accept, receive, send, shut down.

use super::owned_fd::{OwnedFd, RawFd};

use super::fs::retry;
use super::io::HostIovecs;
use crate::Errno;

/// Accept a connection on `listener` with `flags` (`SOCK_*`); the new descriptor.
pub fn accept(listener: RawFd, flags: libc::c_int) -> Result<OwnedFd, Errno> {
    let null = core::ptr::null_mut();
    // SAFETY: null address pointers ask for no peer address.
    let conn = retry(|| unsafe { libc::accept4(listener, null, null.cast(), flags) })?;
    // SAFETY: `accept4` succeeded, so `conn` is a new descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(conn) })
}

/// Receive into `iovecs` with `flags` (`MSG_*`); the count and the returned message flags.
pub fn receive(
    sock: RawFd,
    iovecs: &mut HostIovecs<'_>,
    flags: libc::c_int,
) -> Result<(usize, libc::c_int), Errno> {
    let mut msg = iovecs.message();
    // SAFETY: `msg` names iovecs into guest memory that may be written (see `HostIovecs`).
    let n = retry(|| unsafe { libc::recvmsg(sock, &mut msg, flags) })?;
    Ok((n as usize, msg.msg_flags))
}

/// Send the bytes of `iovecs` (never raising SIGPIPE); the count sent.
pub fn send(sock: RawFd, iovecs: &mut HostIovecs<'_>) -> Result<usize, Errno> {
    let msg = iovecs.message();
    // SAFETY: `msg` names iovecs into live guest memory.
    let n = retry(|| unsafe { libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) })?;
    Ok(n as usize)
}

/// Shut down `how` (`SHUT_*`) of `sock`.
pub fn shutdown(sock: RawFd, how: libc::c_int) -> Result<(), Errno> {
    // SAFETY: plain call on a descriptor.
    retry(|| unsafe { libc::shutdown(sock, how) }).map(drop)
}
