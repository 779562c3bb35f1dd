//! The `path_*` functions other than `path_open`: each resolves its paths in the sandbox
//! (`path.rs`) and acts on the final name with one `*at` call that does not follow symlinks.

use super::fd_stat::timespecs;
use super::fd_table::Handle;
use super::guest::{Guest, PathBuf};
use super::path::{self, Resolved};
use super::rights;
use super::sys::fs as host;
use super::types::{encode_filestat, filetype, LOOKUP_SYMLINK_FOLLOW};
use super::{Errno, WasiCtx};
use core::ffi::CStr;
use core::mem::MaybeUninit;

/// Directory descriptor `fd` with the rights `needed` (`ENOTDIR` if it is not a directory).
pub fn dir_handle(ctx: &WasiCtx, fd: u32, needed: u64) -> Result<Handle, Errno> {
    let table = ctx.table();
    let handle = &table.get(fd)?.handle;
    if handle.filetype != filetype::DIRECTORY {
        return Err(Errno::Notdir);
    }
    Ok(handle.require(needed)?.clone())
}

/// A resolved path and the directory descriptor it was resolved from, kept open while the
/// result is used.
struct At<'p> {
    resolved: Resolved<'p>,
    _dir: Handle,
}

impl<'p> core::ops::Deref for At<'p> {
    type Target = Resolved<'p>;

    fn deref(&self) -> &Resolved<'p> {
        &self.resolved
    }
}

/// Resolve the guest path at `(ptr, len)`, copied into `buf`, under directory `fd`, which
/// needs the rights `needed`.
fn resolve<'p>(
    ctx: &WasiCtx,
    (guest, buf): (&Guest<'_>, &'p mut PathBuf),
    fd: u32,
    needed: u64,
    (ptr, len): (u32, u32),
    follow: bool,
) -> Result<At<'p>, Errno> {
    let dir = dir_handle(ctx, fd, needed)?;
    let path = guest.path(ptr, len, buf)?;
    resolve_in(dir, path, follow)
}

/// Resolve `path` under directory `dir`.
fn resolve_in(dir: Handle, path: &CStr, follow: bool) -> Result<At<'_>, Errno> {
    let resolved = path::resolve(dir.raw(), path, follow)?;
    Ok(At {
        resolved,
        _dir: dir,
    })
}

fn is_dir(resolved: &Resolved<'_>) -> Result<bool, Errno> {
    let st = host::lstat_at(resolved.dir(), &resolved.name)?;
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFDIR)
}

pub fn path_create_directory(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    ptr: u32,
    len: u32,
) -> Result<(), Errno> {
    let mut buf = PathBuf::default();
    let at = resolve(
        ctx,
        (guest, &mut buf),
        fd,
        rights::PATH_CREATE_DIRECTORY,
        (ptr, len),
        false,
    )?;
    host::mkdir_at(at.dir(), &at.name)
}

pub fn path_filestat_get(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    flags: u32,
    path: (u32, u32),
    out: u32,
) -> Result<(), Errno> {
    let follow = flags & LOOKUP_SYMLINK_FOLLOW != 0;
    // A path of several components: opened for its location only, in one call (the file is
    // not opened for reading: a FIFO or a device is not touched), then described.
    let dir = dir_handle(ctx, fd, rights::PATH_FILESTAT_GET)?;
    let mut buf = PathBuf::default();
    let name = guest.path(path.0, path.1, &mut buf)?;
    let mut space = MaybeUninit::uninit();
    if let Some(file) = path::open_directly(dir.raw(), name, host::O_PATH, follow) {
        let st = host::fstat_into(file.as_raw_fd(), &mut space)?;
        return guest.write_bytes(out, &encode_filestat(st));
    }
    // Described as it is first; only a symlink to follow needs resolving through.
    let at = resolve_in(dir, name, false)?;
    at.check_dir()?;
    let st = host::lstat_at_into(at.dir(), &at.name, &mut space)?;
    if follow && st.st_mode & libc::S_IFMT == libc::S_IFLNK {
        let through = path::resolve(at._dir.raw(), name, true)?;
        through.check_dir()?;
        let st = host::lstat_at_into(through.dir(), &through.name, &mut space)?;
        return guest.write_bytes(out, &encode_filestat(st));
    }
    guest.write_bytes(out, &encode_filestat(st))
}

pub fn path_filestat_set_times(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    flags: u32,
    path: (u32, u32),
    (atim, mtim, fst_flags): (u64, u64, u32),
) -> Result<(), Errno> {
    let times = timespecs(atim, mtim, fst_flags)?;
    let follow = flags & LOOKUP_SYMLINK_FOLLOW != 0;
    let mut buf = PathBuf::default();
    let at = resolve(
        ctx,
        (guest, &mut buf),
        fd,
        rights::PATH_FILESTAT_SET_TIMES,
        path,
        follow,
    )?;
    at.check_dir()?;
    host::utimens_at(at.dir(), &at.name, &times)
}

pub fn path_link(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    (old_fd, old_flags, old_ptr, old_len): (u32, u32, u32, u32),
    new_fd: u32,
    new_path: (u32, u32),
) -> Result<(), Errno> {
    let follow = old_flags & LOOKUP_SYMLINK_FOLLOW != 0;
    let old_path = (old_ptr, old_len);
    let mut old_buf = PathBuf::default();
    let old = resolve(
        ctx,
        (guest, &mut old_buf),
        old_fd,
        rights::PATH_LINK_SOURCE,
        old_path,
        follow,
    )?;
    let mut new_buf = PathBuf::default();
    let new = resolve(
        ctx,
        (guest, &mut new_buf),
        new_fd,
        rights::PATH_LINK_TARGET,
        new_path,
        false,
    )?;
    old.check_dir()?;
    if new.must_be_dir {
        return Err(missing_or_exists(&new));
    }
    host::link_at(old.dir(), &old.name, new.dir(), &new.name)
}

/// A trailing `/` on a name to be created: `EEXIST` if something is there, `ENOENT` if not.
fn missing_or_exists(resolved: &Resolved<'_>) -> Errno {
    match host::lstat_at(resolved.dir(), &resolved.name) {
        Ok(_) => Errno::Exist,
        Err(_) => Errno::Noent,
    }
}

pub fn path_readlink(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    path: (u32, u32),
    (buf, buf_len): (u32, u32),
    bufused: u32,
) -> Result<(), Errno> {
    let mut path_buf = PathBuf::default();
    let at = resolve(
        ctx,
        (guest, &mut path_buf),
        fd,
        rights::PATH_READLINK,
        path,
        false,
    )?;
    let target = host::readlink_at(at.dir(), &at.name)?;
    let n = target.len().min(buf_len as usize);
    guest.write_bytes(buf, &target[..n])?;
    guest.write_size(bufused, n)
}

pub fn path_remove_directory(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    ptr: u32,
    len: u32,
) -> Result<(), Errno> {
    let mut buf = PathBuf::default();
    let at = resolve(
        ctx,
        (guest, &mut buf),
        fd,
        rights::PATH_REMOVE_DIRECTORY,
        (ptr, len),
        false,
    )?;
    host::unlink_at(at.dir(), &at.name, true)
}

pub fn path_rename(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    (old_fd, old_ptr, old_len): (u32, u32, u32),
    (new_fd, new_ptr, new_len): (u32, u32, u32),
) -> Result<(), Errno> {
    let old_path = (old_ptr, old_len);
    let mut old_buf = PathBuf::default();
    let old = resolve(
        ctx,
        (guest, &mut old_buf),
        old_fd,
        rights::PATH_RENAME_SOURCE,
        old_path,
        false,
    )?;
    let new_path = (new_ptr, new_len);
    let mut new_buf = PathBuf::default();
    let new = resolve(
        ctx,
        (guest, &mut new_buf),
        new_fd,
        rights::PATH_RENAME_TARGET,
        new_path,
        false,
    )?;
    old.check_dir()?;
    if new.must_be_dir && !is_dir(&old)? {
        return Err(Errno::Notdir);
    }
    host::rename_at(old.dir(), &old.name, new.dir(), &new.name)
}

pub fn path_symlink(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    (target_ptr, target_len): (u32, u32),
    fd: u32,
    path: (u32, u32),
) -> Result<(), Errno> {
    let mut target_buf = PathBuf::default();
    let target = guest.path(target_ptr, target_len, &mut target_buf)?;
    let mut buf = PathBuf::default();
    let at = resolve(
        ctx,
        (guest, &mut buf),
        fd,
        rights::PATH_SYMLINK,
        path,
        false,
    )?;
    // A link out of the sandbox could never be followed here, but the host might follow it.
    if target.to_bytes().first() == Some(&b'/') {
        return Err(Errno::Notcapable);
    }
    if at.must_be_dir {
        return Err(missing_or_exists(&at));
    }
    host::symlink_at(target, at.dir(), &at.name)
}

pub fn path_unlink_file(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    ptr: u32,
    len: u32,
) -> Result<(), Errno> {
    let mut buf = PathBuf::default();
    let at = resolve(
        ctx,
        (guest, &mut buf),
        fd,
        rights::PATH_UNLINK_FILE,
        (ptr, len),
        false,
    )?;
    if at.must_be_dir {
        return Err(if is_dir(&at)? {
            Errno::Isdir
        } else {
            Errno::Notdir
        });
    }
    match host::unlink_at(at.dir(), &at.name, false) {
        Err(Errno::Perm) if is_dir(&at).unwrap_or(false) => Err(Errno::Isdir),
        other => other,
    }
}
