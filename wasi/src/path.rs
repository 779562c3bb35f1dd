//! Sandboxed path resolution. A guest path is resolved relative to a directory descriptor, which
//! is the root of everything the path can reach: absolute paths are refused, `..` can never go
//! above the starting directory, and symlinks (to files or directories, relative or absolute,
//! chained) are followed here, by splicing their target into the path, never by the kernel.
//!
//! The walk opens one component at a time with `openat(dir, name, O_NOFOLLOW | O_DIRECTORY)`
//! relative to a descriptor it holds, and keeps the directories it went through on a stack:
//! `..` pops that stack and is never passed to the kernel. The result is a directory descriptor
//! and one final name without a `/`, which the caller acts on with a `*at` call that does not
//! follow symlinks either; so a tree changing concurrently can make an operation fail (or act
//! on a symlink itself) but never reach outside the starting directory.

use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::sys::fs as host;
use super::Errno;

/// Symlinks followed in one resolution before giving up with `ELOOP` (Linux's limit).
const MAX_SYMLINKS: usize = 40;

/// A resolved path: act on [`Resolved::name`] in [`Resolved::dir`].
pub struct Resolved {
    /// The directory holding the final name, when it is not the starting one.
    parent: Option<OwnedFd>,
    start: RawFd,
    /// One component: never empty, never `..`, never containing `/`; `.` when the path names
    /// the directory itself.
    pub name: CString,
    /// The path ended in `/` (or in a symlink whose target does): it must name a directory.
    pub must_be_dir: bool,
}

impl Resolved {
    pub fn dir(&self) -> RawFd {
        self.parent.as_ref().map_or(self.start, |fd| fd.as_raw_fd())
    }

    /// `ENOTDIR` if the path had to name a directory and names something else.
    pub fn check_dir(&self) -> Result<(), Errno> {
        if self.must_be_dir {
            let st = host::lstat_at(self.dir(), &self.name)?;
            if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
                return Err(Errno::Notdir);
            }
        }
        Ok(())
    }
}

/// Resolve `path` under directory `start`. With `follow`, a symlink in the final position is
/// followed too (so the result is not a symlink, unless the tree changed meanwhile).
pub fn resolve(start: RawFd, path: &[u8], follow: bool) -> Result<Resolved, Errno> {
    if path.is_empty() {
        return Err(Errno::Noent);
    }
    if path[0] == b'/' {
        return Err(Errno::Notcapable);
    }
    let mut walk = Walk {
        start,
        dirs: Vec::new(),
        pending: Vec::new(),
        links: 0,
    };
    let mut must_be_dir = path.ends_with(b"/");
    push_components(&mut walk.pending, path);
    while let Some(component) = walk.pending.pop() {
        let last = walk.pending.is_empty();
        match component.as_slice() {
            b"." => {}
            b".." => {
                if walk.dirs.pop().is_none() {
                    return Err(Errno::Notcapable);
                }
            }
            name => {
                let name = host::c_name(name)?;
                if !last {
                    walk.enter(&name)?;
                } else if !follow && !must_be_dir {
                    return Ok(walk.finish(name, must_be_dir));
                } else {
                    match host::readlink_at(walk.current(), &name) {
                        Ok(target) => {
                            must_be_dir |= target.ends_with(b"/");
                            walk.splice(&target)?;
                        }
                        Err(_) => return Ok(walk.finish(name, must_be_dir)),
                    }
                }
            }
        }
    }
    // The path ended in `.` or `..`: it names the directory the walk is in.
    Ok(walk.finish(c".".to_owned(), must_be_dir))
}

/// Push the components of `path` so that the first is popped first; empty ones (from `//` or
/// a trailing `/`) are dropped.
fn push_components(pending: &mut Vec<Vec<u8>>, path: &[u8]) {
    pending.extend(
        path.split(|b| *b == b'/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(<[u8]>::to_vec),
    );
}

struct Walk {
    start: RawFd,
    /// Directories entered below `start`, innermost last.
    dirs: Vec<OwnedFd>,
    /// Components still to resolve, next last.
    pending: Vec<Vec<u8>>,
    links: usize,
}

impl Walk {
    fn current(&self) -> RawFd {
        self.dirs.last().map_or(self.start, |fd| fd.as_raw_fd())
    }

    /// Step into directory `name`, or through it if it is a symlink.
    fn enter(&mut self, name: &CStr) -> Result<(), Errno> {
        match host::open_dir_at(self.current(), name) {
            Ok(fd) => {
                self.dirs.push(fd);
                Ok(())
            }
            // O_NOFOLLOW met a symlink (`ELOOP`, or `ENOTDIR` for an O_PATH open of the link).
            Err(error @ (Errno::Loop | Errno::Notdir | Errno::Mlink)) => {
                let target = host::readlink_at(self.current(), name).map_err(|_| error)?;
                self.splice(&target)
            }
            Err(error) => Err(error),
        }
    }

    /// Continue with a symlink's target in place of the link.
    fn splice(&mut self, target: &[u8]) -> Result<(), Errno> {
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(Errno::Loop);
        }
        match target.first() {
            None => Err(Errno::Noent),
            Some(b'/') => Err(Errno::Notcapable),
            Some(_) => {
                push_components(&mut self.pending, target);
                Ok(())
            }
        }
    }

    fn finish(mut self, name: CString, must_be_dir: bool) -> Resolved {
        Resolved {
            parent: self.dirs.pop(),
            start: self.start,
            name,
            must_be_dir,
        }
    }
}
