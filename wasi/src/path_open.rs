//! `path_open`: open (and maybe create or truncate) a file or directory under a directory
//! descriptor, with rights no wider than the directory passes on.

use alloc::sync::Arc;

use super::fd_table::{max_rights, FdEntry, Handle, HostFile};
use super::guest::{Guest, PathBuf};
use super::path::{self, Resolved};
use super::path_ops::dir_handle;
use super::rights;
use super::sys::fs as host;
use super::types::{fdflags, filetype, oflags, LOOKUP_SYMLINK_FOLLOW};
use super::{Errno, WasiCtx};

/// The arguments of `path_open` besides the directory and the path.
pub struct Request {
    pub dirflags: u32,
    pub oflags: u32,
    pub base: u64,
    pub inheriting: u64,
    pub fdflags: u32,
}

/// Requested rights that must be granted for the open to succeed; the others are dropped
/// quietly when the directory cannot pass them on (programs ask for every right they might
/// use, as wasi-libc and Rust's standard library do).
const ESSENTIAL: u64 = rights::FD_READ | rights::NEEDS_HOST_WRITE;

/// Tries when a followed final symlink is swapped in between resolving and opening.
const ATTEMPTS: usize = 3;

fn flag_bits(value: u32, all: u16) -> Result<u16, Errno> {
    u16::try_from(value)
        .ok()
        .filter(|v| v & !all == 0)
        .ok_or(Errno::Inval)
}

pub fn path_open(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    (path_ptr, path_len): (u32, u32),
    request: Request,
    out: u32,
) -> Result<(), Errno> {
    let oflags = flag_bits(request.oflags, oflags::ALL)?;
    let fdflags = flag_bits(request.fdflags, fdflags::ALL)?;
    if oflags & oflags::CREAT != 0 && oflags & oflags::DIRECTORY != 0 {
        return Err(Errno::Inval);
    }
    let mut needed = rights::PATH_OPEN;
    if oflags & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    if oflags & oflags::TRUNC != 0 {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let dir = dir_handle(ctx, fd, needed)?;
    // A directory cannot be written: asking for it is EISDIR (as other runtimes answer).
    if oflags & oflags::DIRECTORY != 0 && request.base & rights::FD_WRITE != 0 {
        return Err(Errno::Isdir);
    }
    let essential = if oflags & oflags::DIRECTORY != 0 {
        rights::FD_READ
    } else {
        ESSENTIAL
    };
    let missing = request.base & essential & !dir.inheriting;
    if missing != 0 {
        return Err(if dir.read_only && missing & rights::MUTATING != 0 {
            Errno::Rofs
        } else {
            Errno::Notcapable
        });
    }
    let base = request.base & dir.inheriting;
    let mut buf = PathBuf::default();
    let path = guest.path(path_ptr, path_len, &mut buf)?;
    let follow = request.dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    // The final name is first opened as it is, which fails (`ELOOP`, or `ENOTDIR` with
    // `O_DIRECTORY`) only if it is a symlink: then, with `follow`, it is resolved through.
    // That spares the common case a `readlink` per open.
    // A path of several components is opened in one call when the kernel can confine it.
    let direct = path::open_directly(dir.raw(), path, flags(base, oflags, fdflags, false), follow);
    let mut following = false;
    let mut attempt = 0;
    let file = match direct {
        Some(file) => HostFile::Owned(file),
        None => loop {
            let resolved = path::resolve(dir.raw(), path, following)?;
            match open(&resolved, base, oflags, fdflags) {
                Err(Errno::Loop | Errno::Notdir) if follow && !following => following = true,
                Err(Errno::Loop) if following && attempt + 1 < ATTEMPTS => attempt += 1,
                other => break other?,
            }
        },
    };
    let filetype = filetype::of_mode(host::fstat(file.raw())?.st_mode);
    let (max_base, max_inheriting) = max_rights(file.raw(), filetype);
    let handle = Handle {
        file: Arc::new(file),
        filetype,
        flags: fdflags,
        base: base & max_base,
        inheriting: request.inheriting & dir.inheriting & max_inheriting,
        read_only: dir.read_only,
    };
    let new_fd = ctx.table().insert(FdEntry::new(handle))?;
    guest.write_u32(out, new_fd)
}

/// Open the resolved name on the host, never following a symlink there.
fn open(resolved: &Resolved<'_>, base: u64, oflags: u16, fdflags: u16) -> Result<HostFile, Errno> {
    let flags = flags(base, oflags, fdflags, resolved.must_be_dir);
    host::open_at(resolved.dir(), &resolved.name, flags, 0o666).map(HostFile::Owned)
}

/// The host's open flags for rights `base`, `oflags` and `fdflags`; `must_be_dir` when the
/// path ended in `/`.
fn flags(base: u64, oflags: u16, fdflags: u16, must_be_dir: bool) -> libc::c_int {
    let directory = oflags & oflags::DIRECTORY != 0 || must_be_dir;
    let read = base & rights::NEEDS_HOST_READ != 0;
    let write = !directory && (base & rights::NEEDS_HOST_WRITE != 0 || oflags & oflags::TRUNC != 0);
    let mut flags = match (read, write) {
        (_, false) => libc::O_RDONLY,
        (false, true) => libc::O_WRONLY,
        (true, true) => libc::O_RDWR,
    };
    if oflags & oflags::CREAT != 0 {
        flags |= libc::O_CREAT;
    }
    if directory {
        flags |= libc::O_DIRECTORY;
    }
    if oflags & oflags::EXCL != 0 {
        flags |= libc::O_EXCL;
    }
    if oflags & oflags::TRUNC != 0 {
        flags |= libc::O_TRUNC;
    }
    flags | fdflags::to_host(fdflags)
}
