//! Descriptors owned by the WASI layer, closed when dropped (the standard library's `OwnedFd`,
//! which this `no_std` crate does not have).

/// A host file descriptor number.
pub type RawFd = libc::c_int;

/// A host file descriptor this value owns: closed on drop.
#[derive(Debug)]
pub struct OwnedFd(RawFd);

impl OwnedFd {
    /// Take ownership of `fd`.
    ///
    /// # Safety
    /// `fd` must be an open descriptor that nothing else closes.
    pub unsafe fn from_raw_fd(fd: RawFd) -> OwnedFd {
        OwnedFd(fd)
    }

    /// The descriptor number, still owned by `self`.
    pub fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is owned by this value and closed only here.
        unsafe { libc::close(self.0) };
    }
}
