//! Sandboxed path resolution. A guest path is resolved relative to a directory descriptor, which
//! is the root of everything the path can reach: absolute paths are refused, `..` can never go
//! above the starting directory, and symlinks (to files or directories, relative or absolute,
//! chained) are followed here, by splicing their target into the path, never by the kernel.
//!
//! Most paths take a shorter road to the same place: the directory part is opened in one call
//! by the kernel, confined beneath the starting directory (`openat2` with `RESOLVE_BENEATH` on
//! Linux), and the rest is as below. Whatever that road cannot take (a `..` climbing above the
//! start, an absolute symlink, a final symlink to follow, an error of any kind) goes the long
//! way, which defines the answer.
//!
//! The walk opens one component at a time with `openat(dir, name, O_NOFOLLOW | O_DIRECTORY)`
//! relative to a descriptor it holds, and keeps the directories it went through on a stack:
//! `..` pops that stack and is never passed to the kernel. The result is a directory descriptor
//! and one final name without a `/`, which the caller acts on with a `*at` call that does not
//! follow symlinks either; so a tree changing concurrently can make an operation fail (or act
//! on a symlink itself) but never reach outside the starting directory.

use crate::prelude::*;

use crate::sys::owned_fd::{OwnedFd, RawFd};
use alloc::borrow::Cow;
use alloc::ffi::CString;
use core::ffi::CStr;

use super::sys::fs as host;
use super::Errno;

/// Symlinks followed in one resolution before giving up with `ELOOP` (Linux's limit).
const MAX_SYMLINKS: usize = 40;

/// A resolved path: act on [`Resolved::name`] in [`Resolved::dir`]. The name is borrowed from
/// the path when it is the path's last component, as resolved directly.
pub struct Resolved<'p> {
    /// The directory holding the final name, when it is not the starting one.
    parent: Option<OwnedFd>,
    start: RawFd,
    /// One component: never empty, never `..`, never containing `/`; `.` when the path names
    /// the directory itself.
    pub name: Cow<'p, CStr>,
    /// The path ended in `/` (or in a symlink whose target does): it must name a directory.
    pub must_be_dir: bool,
}

impl Resolved<'_> {
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
pub fn resolve(start: RawFd, path: &CStr, follow: bool) -> Result<Resolved<'_>, Errno> {
    if let Some(resolved) = resolve_directly(start, path, follow) {
        return Ok(resolved);
    }
    walk(start, path.to_bytes(), follow)
}

/// The common case in at most two host calls, or `None` to leave the path to the walk: a path
/// of plain names whose directory part the kernel resolves in one `openat2` confined beneath
/// `start` (see [`host::open_dir_beneath`]), and whose final name is not a symlink to follow.
/// Anything else — `.` or `..` last, a trailing `/`, a final symlink to follow, any error, no
/// `openat2` on this host — takes the walk, which gives the answer and the error the sandbox
/// defines; the kernel's confinement and the walk's agree on what is reachable.
fn resolve_directly(start: RawFd, path: &CStr, follow: bool) -> Option<Resolved<'_>> {
    let bytes = path.to_bytes();
    let (parent, name) = direct_parts(bytes)?;
    // The final name ends the path: the same C string from its first byte.
    let name_at = bytes.len() - name.len();
    let name = host::c_str_tail(path, name_at);
    let parent = match parent {
        Some(dir) => Some(
            host::with_c_str(dir, |dir| host::open_dir_beneath(start, dir))
                .ok()??
                .ok()?,
        ),
        None => None,
    };
    let resolved = Resolved {
        parent,
        start,
        name: Cow::Borrowed(name),
        must_be_dir: false,
    };
    if follow && host::readlink_at(resolved.dir(), &resolved.name).is_ok() {
        return None;
    }
    Some(resolved)
}

/// The directory part (if any) and the final name of a path the kernel may resolve beneath
/// its starting directory: relative, not ending in `/`, and not naming a directory by `.` or
/// `..` last (those, and everything else, take the walk).
fn direct_parts(path: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    if path.first().is_none_or(|b| *b == b'/') || path.ends_with(b"/") {
        return None;
    }
    let (parent, name) = match path.iter().rposition(|b| *b == b'/') {
        Some(slash) => (Some(&path[..slash]), &path[slash + 1..]),
        None => (None, path),
    };
    if name == b"." || name == b".." {
        return None;
    }
    Some((parent, name))
}

/// Open a path of several components under `start` in one host call, with open `flags`,
/// following a final symlink only with `follow` (without it, one makes the open fail, or with
/// `O_PATH` opens the link itself): the kernel resolves the whole path confined beneath
/// `start` (see [`host::open_beneath`]), where the walk would make one call per directory and
/// a second for the name. `None` leaves the path to [`resolve`]: a single name (one call
/// there too), any path [`direct_parts`] refuses, any error (the walk's answer is the
/// sandbox's), no `openat2` on this host.
pub fn open_directly(start: RawFd, path: &CStr, flags: i32, follow: bool) -> Option<OwnedFd> {
    // A path with a directory part only: a single name is one call the other way too.
    direct_parts(path.to_bytes())?.0?;
    let flags = if follow {
        flags
    } else {
        flags | libc::O_NOFOLLOW
    };
    host::open_beneath(start, path, flags)?.ok()
}

/// Resolve `path` one component at a time (see the module's description).
fn walk(start: RawFd, path: &[u8], follow: bool) -> Result<Resolved<'static>, Errno> {
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
    Ok(walk.finish(CString::from(c"."), must_be_dir))
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

    fn finish(mut self, name: CString, must_be_dir: bool) -> Resolved<'static> {
        Resolved {
            parent: self.dirs.pop(),
            start: self.start,
            name: Cow::Owned(name),
            must_be_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// What a resolution reaches: the final name's (device, inode) if it exists (or the name
    /// itself if not), or the error.
    fn reached(
        result: Result<Resolved<'_>, Errno>,
    ) -> Result<(String, Option<(libc::dev_t, libc::ino_t)>), Errno> {
        let resolved = result?;
        let st = host::lstat_at(resolved.dir(), &resolved.name).ok();
        let dir = host::fstat(resolved.dir())?;
        let name = resolved.name.to_string_lossy().into_owned();
        Ok((
            format!("{name} in {}:{}", dir.st_dev, dir.st_ino),
            st.map(|st| (st.st_dev, st.st_ino)),
        ))
    }

    #[test]
    fn the_direct_road_reaches_what_the_walk_reaches() {
        let root = std::env::temp_dir().join(format!("wasmaot-path-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let grant = root.join("grant");
        std::fs::create_dir_all(grant.join("a/b/c")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        std::fs::write(grant.join("a/b/c/f"), "f").unwrap();
        std::fs::write(root.join("outside/secret"), "s").unwrap();
        symlink("a/b", grant.join("ab")).unwrap();
        symlink("../..", grant.join("a/b/up2")).unwrap();
        symlink("../outside", grant.join("out")).unwrap();
        symlink(root.join("outside"), grant.join("abs")).unwrap();
        symlink("c/f", grant.join("a/b/cf")).unwrap();
        let start = host::open_granted_dir(grant.as_os_str().as_encoded_bytes()).unwrap();
        let start = start.as_raw_fd();
        let paths = [
            "f",
            "a",
            "a/b/c/f",
            "a/b/c/missing",
            "ab/c/f",
            "ab/cf",
            "a/b/up2/a",
            "a/b/up2/..",
            "a/b/up2/../outside/secret",
            "out/secret",
            "abs/secret",
            "a/../a/b/c/f",
            "a/..",
            "..",
            "../grant/a",
            "a/b/c/f/g",
            "a/b/c/",
            "ab/",
            ".",
            "a/./b/../b/c/f",
            "missing/f",
            "a/b/cf/x",
        ];
        for path in paths {
            let c_path = CString::new(path).unwrap();
            for follow in [false, true] {
                let both = resolve(start, &c_path, follow);
                let walked = walk(start, path.as_bytes(), follow);
                assert_eq!(reached(both), reached(walked), "{path} (follow {follow})");
            }
        }
        // Opened in one call, a path reaches what the walk reaches: the final symlink's
        // target with `follow`, the link itself without.
        for path in paths {
            let c_path = CString::new(path).unwrap();
            for follow in [false, true] {
                let Some(file) = open_directly(start, &c_path, host::O_PATH, follow) else {
                    continue;
                };
                let st = host::fstat(file.as_raw_fd()).unwrap();
                let walked = reached(walk(start, path.as_bytes(), follow));
                assert_eq!(
                    walked.ok().and_then(|(_, inode)| inode),
                    Some((st.st_dev, st.st_ino)),
                    "{path} (follow {follow})"
                );
            }
        }
        // Where the host has `openat2`, a plain path of several components takes that road:
        // opened whole, or its directory part opened and its final name acted on.
        if host::open_beneath(start, c"a/b/c/f", host::O_PATH).is_some() {
            assert!(matches!(host::open_dir_beneath(start, c"a/b"), Some(Ok(_))));
            for (path, follow) in [(c"a/b/c/f", false), (c"a/b/c/f", true), (c"ab/c/f", false)] {
                let direct = resolve_directly(start, path, follow);
                assert!(direct.is_some_and(|r| r.parent.is_some()), "{path:?}");
            }
            let direct = resolve_directly(start, c"ab/c/f", false).unwrap();
            assert_eq!(&*direct.name, c"f");
            assert!(open_directly(start, c"a/b/c/f", host::O_PATH, false).is_some());
            assert!(open_directly(start, c"ab/cf", host::O_PATH, true).is_some());
            assert!(open_directly(start, c"a/b/c/f", libc::O_RDONLY, false).is_some());
            let directory = libc::O_RDONLY | libc::O_DIRECTORY;
            assert!(open_directly(start, c"a/b/c", directory, false).is_some());
            let create = libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_APPEND;
            assert!(open_directly(start, c"a/b/c/new", create, false).is_some());
            assert!(grant.join("a/b/c/new").exists());
        }
        // Paths that leave the grant are never answered by the direct roads.
        for path in [
            "out/secret",
            "abs/secret",
            "a/b/up2/../grant/a",
            "../grant/a",
            "a/b/up2/../x",
        ] {
            let c_path = CString::new(path).unwrap();
            for follow in [false, true] {
                assert!(resolve_directly(start, &c_path, follow).is_none(), "{path}");
                let opened = open_directly(start, &c_path, host::O_PATH, follow);
                assert!(opened.is_none(), "{path}");
            }
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
