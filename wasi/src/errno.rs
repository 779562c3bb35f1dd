//! WASI errno values (all of preview1's) and the mapping from host `errno` codes.

use spin::Once;

use wasmaot_runtime::OsError;

/// A WASI errno, numbered as in `wasi_snapshot_preview1`.
// Each variant is the spec's errno of that name; the spec documents them.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Acces = 2,
    Addrinuse = 3,
    Addrnotavail = 4,
    Afnosupport = 5,
    Again = 6,
    Already = 7,
    Badf = 8,
    Badmsg = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    Connaborted = 13,
    Connrefused = 14,
    Connreset = 15,
    Deadlk = 16,
    Destaddrreq = 17,
    Dom = 18,
    Dquot = 19,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    Hostunreach = 23,
    Idrm = 24,
    Ilseq = 25,
    Inprogress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    Isconn = 30,
    Isdir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    Msgsize = 35,
    Multihop = 36,
    Nametoolong = 37,
    Netdown = 38,
    Netreset = 39,
    Netunreach = 40,
    Nfile = 41,
    Nobufs = 42,
    Nodev = 43,
    Noent = 44,
    Noexec = 45,
    Nolck = 46,
    Nolink = 47,
    Nomem = 48,
    Nomsg = 49,
    Noprotoopt = 50,
    Nospc = 51,
    Nosys = 52,
    Notconn = 53,
    Notdir = 54,
    Notempty = 55,
    Notrecoverable = 56,
    Notsock = 57,
    Notsup = 58,
    Notty = 59,
    Nxio = 60,
    Overflow = 61,
    Ownerdead = 62,
    Perm = 63,
    Pipe = 64,
    Proto = 65,
    Protonosupport = 66,
    Prototype = 67,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Srch = 71,
    Stale = 72,
    Timedout = 73,
    Txtbsy = 74,
    Xdev = 75,
    /// The descriptor lacks a right the operation needs, or the path would leave the sandbox.
    Notcapable = 76,
}

/// Host codes and their WASI names; anything not listed becomes `EIO`.
const HOST_CODES: &[(i32, Errno)] = &[
    (libc::E2BIG, Errno::TooBig),
    (libc::EACCES, Errno::Acces),
    (libc::EADDRINUSE, Errno::Addrinuse),
    (libc::EADDRNOTAVAIL, Errno::Addrnotavail),
    (libc::EAFNOSUPPORT, Errno::Afnosupport),
    (libc::EAGAIN, Errno::Again),
    (libc::EALREADY, Errno::Already),
    (libc::EBADF, Errno::Badf),
    (libc::EBADMSG, Errno::Badmsg),
    (libc::EBUSY, Errno::Busy),
    (libc::ECANCELED, Errno::Canceled),
    (libc::ECHILD, Errno::Child),
    (libc::ECONNABORTED, Errno::Connaborted),
    (libc::ECONNREFUSED, Errno::Connrefused),
    (libc::ECONNRESET, Errno::Connreset),
    (libc::EDEADLK, Errno::Deadlk),
    (libc::EDESTADDRREQ, Errno::Destaddrreq),
    (libc::EDOM, Errno::Dom),
    (libc::EDQUOT, Errno::Dquot),
    (libc::EEXIST, Errno::Exist),
    (libc::EFAULT, Errno::Fault),
    (libc::EFBIG, Errno::Fbig),
    (libc::EHOSTUNREACH, Errno::Hostunreach),
    (libc::EIDRM, Errno::Idrm),
    (libc::EILSEQ, Errno::Ilseq),
    (libc::EINPROGRESS, Errno::Inprogress),
    (libc::EINTR, Errno::Intr),
    (libc::EINVAL, Errno::Inval),
    (libc::EIO, Errno::Io),
    (libc::EISCONN, Errno::Isconn),
    (libc::EISDIR, Errno::Isdir),
    (libc::ELOOP, Errno::Loop),
    (libc::EMFILE, Errno::Mfile),
    (libc::EMLINK, Errno::Mlink),
    (libc::EMSGSIZE, Errno::Msgsize),
    (libc::EMULTIHOP, Errno::Multihop),
    (libc::ENAMETOOLONG, Errno::Nametoolong),
    (libc::ENETDOWN, Errno::Netdown),
    (libc::ENETRESET, Errno::Netreset),
    (libc::ENETUNREACH, Errno::Netunreach),
    (libc::ENFILE, Errno::Nfile),
    (libc::ENOBUFS, Errno::Nobufs),
    (libc::ENODEV, Errno::Nodev),
    (libc::ENOENT, Errno::Noent),
    (libc::ENOEXEC, Errno::Noexec),
    (libc::ENOLCK, Errno::Nolck),
    (libc::ENOLINK, Errno::Nolink),
    (libc::ENOMEM, Errno::Nomem),
    (libc::ENOMSG, Errno::Nomsg),
    (libc::ENOPROTOOPT, Errno::Noprotoopt),
    (libc::ENOSPC, Errno::Nospc),
    (libc::ENOSYS, Errno::Nosys),
    (libc::ENOTCONN, Errno::Notconn),
    (libc::ENOTDIR, Errno::Notdir),
    (libc::ENOTEMPTY, Errno::Notempty),
    (libc::ENOTRECOVERABLE, Errno::Notrecoverable),
    (libc::ENOTSOCK, Errno::Notsock),
    (libc::ENOTSUP, Errno::Notsup),
    (libc::EOPNOTSUPP, Errno::Notsup),
    (libc::ENOTTY, Errno::Notty),
    (libc::ENXIO, Errno::Nxio),
    (libc::EOVERFLOW, Errno::Overflow),
    (libc::EOWNERDEAD, Errno::Ownerdead),
    (libc::EPERM, Errno::Perm),
    (libc::EPIPE, Errno::Pipe),
    (libc::EPROTO, Errno::Proto),
    (libc::EPROTONOSUPPORT, Errno::Protonosupport),
    (libc::EPROTOTYPE, Errno::Prototype),
    (libc::ERANGE, Errno::Range),
    (libc::EROFS, Errno::Rofs),
    (libc::ESPIPE, Errno::Spipe),
    (libc::ESRCH, Errno::Srch),
    (libc::ESTALE, Errno::Stale),
    (libc::ETIMEDOUT, Errno::Timedout),
    (libc::ETXTBSY, Errno::Txtbsy),
    (libc::EXDEV, Errno::Xdev),
];

impl Errno {
    /// The WASI errno for a host `errno`.
    pub fn from_host(code: i32) -> Errno {
        if code == libc::EWOULDBLOCK {
            return Errno::Again;
        }
        // Host errno values are small (below 134 on Linux, 107 on macOS): a table indexed by
        // them, built once, answers the error paths programs take often (a `stat` of a missing
        // file) without a search.
        static BY_CODE: Once<[Errno; 256]> = Once::new();
        let table = BY_CODE.call_once(|| {
            let mut table = [Errno::Io; 256];
            for &(host, errno) in HOST_CODES.iter().rev() {
                if let Some(slot) = usize::try_from(host).ok().and_then(|i| table.get_mut(i)) {
                    *slot = errno;
                }
            }
            table
        });
        usize::try_from(code)
            .ok()
            .and_then(|i| table.get(i))
            .map_or(Errno::Io, |errno| *errno)
    }

    /// The WASI errno for the calling thread's last host error.
    pub fn last_host_error() -> Errno {
        Errno::from_host(OsError::last().0)
    }
}

impl From<OsError> for Errno {
    fn from(error: OsError) -> Errno {
        Errno::from_host(error.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_code_maps_to_its_first_entry_and_others_to_eio() {
        for &(host, _) in HOST_CODES {
            let first = HOST_CODES.iter().find(|(h, _)| *h == host).unwrap().1;
            let expected = if host == libc::EWOULDBLOCK {
                Errno::Again
            } else {
                first
            };
            assert_eq!(Errno::from_host(host), expected, "host errno {host}");
        }
        assert_eq!(Errno::from_host(libc::ENOENT), Errno::Noent);
        assert_eq!(Errno::from_host(0), Errno::Io);
        assert_eq!(Errno::from_host(-5), Errno::Io);
        assert_eq!(Errno::from_host(100_000), Errno::Io);
    }
}
