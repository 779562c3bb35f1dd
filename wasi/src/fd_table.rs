//! The program's descriptor table: guest descriptor numbers to host files, each with its type,
//! flags and rights. Stdio entries borrow the process's descriptors 0–2; everything else owns
//! its host descriptor.

use crate::prelude::*;

use crate::sys::owned_fd::{OwnedFd, RawFd};
use alloc::sync::Arc;

use super::rights;
use super::sys::fs::{self as host, HostDirEntry};
use super::sys::io;
use super::types::{fdflags, filetype};
use super::Errno;

/// The most descriptors a program may hold.
const MAX_FDS: u32 = 1 << 16;

/// A host file a guest descriptor refers to.
pub enum HostFile {
    Owned(OwnedFd),
    /// One of the process's stdio descriptors: used, never closed.
    Stdio(RawFd),
}

impl HostFile {
    pub fn raw(&self) -> RawFd {
        match self {
            HostFile::Owned(fd) => fd.as_raw_fd(),
            HostFile::Stdio(fd) => *fd,
        }
    }
}

/// What an operation needs to know about a descriptor; cheap to copy out of the table so that
/// blocking I/O runs without holding the table's lock.
#[derive(Clone)]
pub struct Handle {
    pub file: Arc<HostFile>,
    pub filetype: u8,
    pub flags: u16,
    pub base: u64,
    pub inheriting: u64,
    /// Opened through a read-only grant: it and everything opened through it lack
    /// [`rights::MUTATING`], and asking for those is `EROFS`.
    pub read_only: bool,
}

impl Handle {
    pub fn raw(&self) -> RawFd {
        self.file.raw()
    }

    /// `Ok` if the descriptor has every right in `needed`. Otherwise `EROFS` for a right a
    /// read-only grant withholds, `EBADF` for reading or writing a descriptor not open for it
    /// (as POSIX programs expect), `ENOTCAPABLE` for the rest.
    pub fn require(&self, needed: u64) -> Result<&Handle, Errno> {
        let missing = needed & !self.base;
        if missing == 0 {
            Ok(self)
        } else if self.read_only && missing & rights::MUTATING != 0 {
            Err(Errno::Rofs)
        } else if missing & (rights::FD_READ | rights::FD_WRITE) != 0 {
            Err(Errno::Badf)
        } else {
            Err(Errno::Notcapable)
        }
    }
}

pub struct FdEntry {
    pub handle: Handle,
    /// The guest name of a granted directory (what `fd_prestat_dir_name` reports).
    pub preopen: Option<Vec<u8>>,
    /// A directory's listing, read when `fd_readdir` starts at cookie 0; cookies index it.
    pub listing: Option<Vec<HostDirEntry>>,
}

impl FdEntry {
    pub fn new(handle: Handle) -> FdEntry {
        FdEntry {
            handle,
            preopen: None,
            listing: None,
        }
    }
}

/// Descriptors by number: few, and numbered from 0 up (new ones take the lowest free number).
#[derive(Default)]
pub struct FdTable {
    entries: Vec<Option<FdEntry>>,
}

impl FdTable {
    /// A table holding the process's stdio descriptors that are open.
    pub fn with_stdio() -> FdTable {
        let mut table = FdTable::default();
        for fd in 0..3 {
            if let Ok(st) = host::fstat(fd) {
                let filetype = filetype::of_mode(st.st_mode);
                let host_flags = host::get_fl(fd).unwrap_or(0);
                let mut flags = 0;
                if host_flags & libc::O_APPEND != 0 {
                    flags |= fdflags::APPEND;
                }
                if host_flags & libc::O_NONBLOCK != 0 {
                    flags |= fdflags::NONBLOCK;
                }
                // No path rights even if the host hands over a directory: only grants give
                // access to a file system.
                let base = max_rights(fd, filetype).0 & (rights::FILE | rights::SOCKET);
                let handle = Handle {
                    file: Arc::new(HostFile::Stdio(fd)),
                    filetype,
                    flags,
                    base,
                    inheriting: 0,
                    read_only: false,
                };
                table.put(fd as u32, FdEntry::new(handle));
            }
        }
        table
    }

    pub fn get(&self, fd: u32) -> Result<&FdEntry, Errno> {
        let entry = self.entries.get(fd as usize).and_then(Option::as_ref);
        entry.ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut FdEntry, Errno> {
        let entry = self.entries.get_mut(fd as usize).and_then(Option::as_mut);
        entry.ok_or(Errno::Badf)
    }

    /// Put `entry` under `fd` (below `MAX_FDS`), closing what it held.
    fn put(&mut self, fd: u32, entry: FdEntry) {
        let at = fd as usize;
        if at >= self.entries.len() {
            self.entries.resize_with(at + 1, || None);
        }
        self.entries[at] = Some(entry);
    }

    /// A copy of `fd`'s handle, if it has the rights `needed`.
    pub fn handle(&self, fd: u32, needed: u64) -> Result<Handle, Errno> {
        Ok(self.get(fd)?.handle.require(needed)?.clone())
    }

    /// Add `entry` under the lowest free number at or above `from`.
    pub fn insert_from(&mut self, from: u32, entry: FdEntry) -> Result<u32, Errno> {
        let mut fd = from;
        while self.get(fd).is_ok() {
            fd += 1;
        }
        if fd >= MAX_FDS {
            return Err(Errno::Mfile);
        }
        self.put(fd, entry);
        Ok(fd)
    }

    pub fn insert(&mut self, entry: FdEntry) -> Result<u32, Errno> {
        self.insert_from(0, entry)
    }

    pub fn remove(&mut self, fd: u32) -> Result<FdEntry, Errno> {
        let entry = self.entries.get_mut(fd as usize).and_then(Option::take);
        // Keep the table no longer than its last open descriptor.
        while let Some(None) = self.entries.last() {
            self.entries.pop();
        }
        entry.ok_or(Errno::Badf)
    }

    /// Move `from` to `to`, closing what `to` held. Both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(to)?;
        let entry = self.remove(from)?;
        self.put(to, entry);
        Ok(())
    }
}

/// The most base and inheriting rights host descriptor `fd`, of type `filetype`, can have.
pub fn max_rights(fd: RawFd, filetype: u8) -> (u64, u64) {
    match filetype {
        filetype::DIRECTORY => (rights::DIRECTORY, rights::DIRECTORY | rights::FILE),
        filetype::REGULAR_FILE => (rights::FILE, 0),
        filetype::CHARACTER_DEVICE if io::is_tty(fd) => (rights::TTY, 0),
        filetype::SOCKET_STREAM => (rights::SOCKET, 0),
        _ => (rights::FILE, 0),
    }
}
