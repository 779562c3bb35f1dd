//! WASI errno values (the subset this runtime returns) and the mapping from host errors.

/// A WASI errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Errno {
    Success = 0,
    Again = 6,
    Badf = 8,
    Fault = 21,
    Intr = 27,
    Inval = 28,
    Io = 29,
    Isdir = 31,
    Nosys = 52,
    Notdir = 54,
    Pipe = 64,
    Spipe = 70,
}

impl Errno {
    /// The WASI errno for a host `errno`.
    pub fn from_host(code: i32) -> Errno {
        match code {
            libc::EAGAIN => Errno::Again,
            libc::EBADF => Errno::Badf,
            libc::EFAULT => Errno::Fault,
            libc::EINTR => Errno::Intr,
            libc::EINVAL => Errno::Inval,
            libc::EISDIR => Errno::Isdir,
            libc::ENOTDIR => Errno::Notdir,
            libc::EPIPE => Errno::Pipe,
            libc::ESPIPE => Errno::Spipe,
            _ => Errno::Io,
        }
    }

    pub fn last_host_error() -> Errno {
        Errno::from_host(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}
