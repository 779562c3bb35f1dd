//! Safe wrappers over the host calls WASI is built on. Every path-taking call here takes one
//! directory descriptor and one name without a `/` (see `path.rs`) and never follows a symlink
//! in that name, so the kernel never resolves anything the sandbox has not checked.

use crate::prelude::*;

use alloc::ffi::CString;
use core::ffi::CStr;
use core::mem::MaybeUninit;
use wasmaot_runtime::OsError;

use super::owned_fd::{OwnedFd, RawFd};

use crate::types::filetype;
use crate::Errno;

/// `ret`, or the host error when it is -1.
fn check<T: PartialEq + From<i8>>(ret: T) -> Result<T, Errno> {
    if ret == T::from(-1) {
        Err(Errno::last_host_error())
    } else {
        Ok(ret)
    }
}

/// Run `call` until it stops failing with `EINTR`.
pub fn retry<T: PartialEq + From<i8>>(mut call: impl FnMut() -> T) -> Result<T, Errno> {
    loop {
        match check(call()) {
            Err(Errno::Intr) => continue,
            other => return other,
        }
    }
}

/// A name as a C string (`EINVAL` if it contains NUL).
pub fn c_name(name: &[u8]) -> Result<CString, Errno> {
    CString::new(name).map_err(|_| Errno::Inval)
}

/// A path's bytes and the NUL after them (`with_nul`) as a C string: `EILSEQ` if the bytes
/// are not UTF-8 (WASI paths are strings), `EINVAL` if they hold a NUL or no NUL ends them.
/// The usual path, ASCII without NUL, is checked in one plain pass (no `memchr`, no second
/// scan for the NUL); any other is checked in full.
#[inline]
pub fn path_c_str(with_nul: &[u8]) -> Result<&CStr, Errno> {
    let (&last, bytes) = with_nul.split_last().ok_or(Errno::Inval)?;
    if last != 0 {
        return Err(Errno::Inval);
    }
    if !bytes.iter().all(|&b| (1..0x80).contains(&b)) {
        core::str::from_utf8(bytes).map_err(|_| Errno::Ilseq)?;
        if bytes.contains(&0) {
            return Err(Errno::Inval);
        }
    }
    // SAFETY: `with_nul` ends in a NUL and has no other (checked above).
    Ok(unsafe { CStr::from_bytes_with_nul_unchecked(with_nul) })
}

/// The tail of `text` from byte `at` on (at most its length), as a C string: no scan needed,
/// since the tail of a C string has its NUL and no other.
#[inline]
pub fn c_str_tail(text: &CStr, at: usize) -> &CStr {
    let tail = &text.to_bytes_with_nul()[at.min(text.count_bytes())..];
    // SAFETY: `tail` ends with `text`'s NUL, and `text` has no other.
    unsafe { CStr::from_bytes_with_nul_unchecked(tail) }
}

/// `f` given `bytes` as a C string (`EINVAL` if they contain NUL), made on the stack when
/// short (as most paths are) rather than allocated.
pub fn with_c_str<R>(bytes: &[u8], f: impl FnOnce(&CStr) -> R) -> Result<R, Errno> {
    let mut buffer = [0u8; 256];
    // Room for the bytes and the NUL after them.
    if bytes.len() < buffer.len() {
        buffer[..bytes.len()].copy_from_slice(bytes);
        let text = CStr::from_bytes_until_nul(&buffer).map_err(|_| Errno::Inval)?;
        if text.count_bytes() != bytes.len() {
            return Err(Errno::Inval);
        }
        return Ok(f(text));
    }
    Ok(f(&c_name(bytes)?))
}

/// `openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)`.
pub fn open_at(dir: RawFd, name: &CStr, flags: libc::c_int, mode: u32) -> Result<OwnedFd, Errno> {
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NOCTTY;
    // SAFETY: `name` is NUL-terminated; the call does not retain it.
    let fd = retry(|| unsafe { libc::openat(dir, name.as_ptr(), flags, mode as libc::c_uint) })?;
    // SAFETY: `openat` succeeded, so `fd` is a new descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Open a file only as a location (to resolve names from or to describe it), not for its
/// contents: `O_PATH` on Linux, which touches neither a FIFO nor a device; elsewhere a plain
/// read-only open.
#[cfg(target_os = "linux")]
pub const O_PATH: libc::c_int = libc::O_PATH;
#[cfg(not(target_os = "linux"))]
pub const O_PATH: libc::c_int = libc::O_RDONLY;

/// Open the directory `name` in `dir` only as a place to resolve further names from.
pub fn open_dir_at(dir: RawFd, name: &CStr) -> Result<OwnedFd, Errno> {
    open_at(dir, name, O_PATH | libc::O_DIRECTORY, 0)
}

/// Open the directory at `path` (which may have several components) below `dir`, as a place
/// to resolve further names from, confined as [`open_beneath`] says.
pub fn open_dir_beneath(dir: RawFd, path: &CStr) -> Option<Result<OwnedFd, Errno>> {
    open_beneath(dir, path, O_PATH | libc::O_DIRECTORY)
}

/// Open `path` (which may have several components) below `dir` with open `flags` (and
/// `O_CLOEXEC`, and `O_NOCTTY` unless `O_PATH`), the kernel resolving the whole path under the rule that it never
/// leaves `dir`: `openat2` with `RESOLVE_BENEATH` fails (`EXDEV`) on an absolute path or
/// symlink and on a `..` that would climb above `dir`, and fails (`EAGAIN`) if a rename
/// anywhere on the system raced with a `..` in the path, rather than risk an escape; "magic"
/// links such as `/proc/self/fd/N` are refused. A final symlink is followed (beneath `dir`
/// too) unless `flags` has `O_NOFOLLOW`. `None` when the host has no `openat2` (Linux before
/// 5.6, other systems, filters that forbid it), remembered after the first try.
pub fn open_beneath(dir: RawFd, path: &CStr, flags: libc::c_int) -> Option<Result<OwnedFd, Errno>> {
    #[cfg(target_os = "linux")]
    {
        use core::sync::atomic::{AtomicBool, Ordering};
        static MISSING: AtomicBool = AtomicBool::new(false);
        if MISSING.load(Ordering::Relaxed) {
            return None;
        }
        // SAFETY: `open_how` is plain old data; all zeroes is a valid value.
        let mut how: libc::open_how = unsafe { core::mem::zeroed() };
        // `openat2` refuses flags that do not apply, where `openat` ignores them: `O_PATH`
        // takes no `O_NOCTTY`.
        let tty = if flags & libc::O_PATH == 0 {
            libc::O_NOCTTY
        } else {
            0
        };
        how.flags = (flags | libc::O_CLOEXEC | tty) as u64;
        // A mode is only allowed (and needed) when a file may be created. `O_TMPFILE`
        // includes `O_DIRECTORY`'s bit, so it is tested whole: a directory opened for
        // resolving takes no mode.
        if flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE {
            how.mode = 0o666;
        }
        how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
        let size = core::mem::size_of::<libc::open_how>();
        // SAFETY: `path` is NUL-terminated and `how` is a valid `open_how` of `size` bytes;
        // the kernel retains neither.
        let ret = retry(|| unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir,
                path.as_ptr(),
                &how as *const _,
                size,
            )
        });
        match ret {
            // SAFETY: `openat2` succeeded, so the value is a new descriptor nobody else owns.
            Ok(fd) => Some(Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })),
            Err(Errno::Nosys | Errno::Perm) => {
                MISSING.store(true, Ordering::Relaxed);
                None
            }
            Err(error) => Some(Err(error)),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (dir, path, flags);
        None
    }
}

/// Open a granted host directory (the user named it, so symlinks in its path are followed).
pub fn open_granted_dir(path: &[u8]) -> Result<OwnedFd, OsError> {
    let path = CString::new(path).map_err(|_| OsError(libc::EINVAL))?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    // SAFETY: `path` is NUL-terminated.
    let fd = unsafe { libc::open(path.as_ptr(), flags) };
    if fd < 0 {
        return Err(OsError::last());
    }
    // SAFETY: `open` succeeded, so `fd` is a new descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// What `fd` is. On 64-bit Linux this is the `fstat` system call itself: glibc's `fstat` is
/// `newfstatat(fd, "", AT_EMPTY_PATH)`, which copies and looks up the empty name first (about
/// 20 ns a call in a C loop here; a guest's `stat` through three directories went from 1153
/// to 1090 ns). Both calls fill the kernel's `struct stat`, which is glibc's on these targets.
pub fn fstat(fd: RawFd) -> Result<libc::stat, Errno> {
    fstat_into(fd, &mut MaybeUninit::uninit()).copied()
}

/// [`fstat`] written into `space` and read in place: a `stat` is 144 bytes, which every move
/// of a returned value would copy (three times in a guest's `stat`).
#[inline]
pub fn fstat_into(fd: RawFd, space: &mut MaybeUninit<libc::stat>) -> Result<&libc::stat, Errno> {
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    // SAFETY: `space` is writable for a `stat`, the type the call fills.
    retry(|| unsafe { libc::syscall(libc::SYS_fstat, fd, space.as_mut_ptr()) })?;
    #[cfg(not(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )))]
    // SAFETY: `space` is writable for a `stat`, the type the call fills.
    retry(|| unsafe { libc::fstat(fd, space.as_mut_ptr()) })?;
    // SAFETY: the call succeeded, so it filled `space`.
    Ok(unsafe { space.assume_init_ref() })
}

/// `fstatat` of `name` itself (a symlink is described, not followed).
pub fn lstat_at(dir: RawFd, name: &CStr) -> Result<libc::stat, Errno> {
    lstat_at_into(dir, name, &mut MaybeUninit::uninit()).copied()
}

/// [`lstat_at`] written into `space` and read in place (see [`fstat_into`]).
#[inline]
pub fn lstat_at_into<'s>(
    dir: RawFd,
    name: &CStr,
    space: &'s mut MaybeUninit<libc::stat>,
) -> Result<&'s libc::stat, Errno> {
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: `name` is NUL-terminated and `space` writable for a `stat`, the type the call
    // fills.
    retry(|| unsafe { libc::fstatat(dir, name.as_ptr(), space.as_mut_ptr(), flags) })?;
    // SAFETY: the call succeeded, so it filled `space`.
    Ok(unsafe { space.assume_init_ref() })
}

/// The target of symlink `name` (`EINVAL` if it is not one).
pub fn readlink_at(dir: RawFd, name: &CStr) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: `buf` is writable for its length; `name` is NUL-terminated.
        let n = retry(|| unsafe {
            libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len())
        })? as usize;
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        if buf.len() >= 1 << 20 {
            return Err(Errno::Nametoolong);
        }
        buf.resize(buf.len() * 2, 0);
    }
}

pub fn mkdir_at(dir: RawFd, name: &CStr) -> Result<(), Errno> {
    // SAFETY: `name` is NUL-terminated.
    retry(|| unsafe { libc::mkdirat(dir, name.as_ptr(), 0o777) }).map(drop)
}

pub fn unlink_at(dir: RawFd, name: &CStr, remove_dir: bool) -> Result<(), Errno> {
    let flags = if remove_dir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: `name` is NUL-terminated.
    retry(|| unsafe { libc::unlinkat(dir, name.as_ptr(), flags) }).map(drop)
}

pub fn rename_at(old_dir: RawFd, old: &CStr, new_dir: RawFd, new: &CStr) -> Result<(), Errno> {
    // SAFETY: both names are NUL-terminated.
    retry(|| unsafe { libc::renameat(old_dir, old.as_ptr(), new_dir, new.as_ptr()) }).map(drop)
}

/// A hard link; a symlink named by `old` is linked itself, never followed.
pub fn link_at(old_dir: RawFd, old: &CStr, new_dir: RawFd, new: &CStr) -> Result<(), Errno> {
    // SAFETY: both names are NUL-terminated.
    retry(|| unsafe { libc::linkat(old_dir, old.as_ptr(), new_dir, new.as_ptr(), 0) }).map(drop)
}

pub fn symlink_at(target: &CStr, dir: RawFd, name: &CStr) -> Result<(), Errno> {
    // SAFETY: both strings are NUL-terminated.
    retry(|| unsafe { libc::symlinkat(target.as_ptr(), dir, name.as_ptr()) }).map(drop)
}

/// Set times of `name` itself (never through a symlink).
pub fn utimens_at(dir: RawFd, name: &CStr, times: &[libc::timespec; 2]) -> Result<(), Errno> {
    // SAFETY: `name` is NUL-terminated and `times` two valid timespecs.
    retry(|| unsafe {
        libc::utimensat(
            dir,
            name.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(drop)
}

pub fn futimens(fd: RawFd, times: &[libc::timespec; 2]) -> Result<(), Errno> {
    // SAFETY: `times` points at two valid timespecs.
    retry(|| unsafe { libc::futimens(fd, times.as_ptr()) }).map(drop)
}

pub fn lseek(fd: RawFd, offset: i64, whence: libc::c_int) -> Result<u64, Errno> {
    // SAFETY: plain call on a descriptor.
    retry(|| unsafe { libc::lseek(fd, offset as libc::off_t, whence) }).map(|at| at as u64)
}

pub fn ftruncate(fd: RawFd, size: u64) -> Result<(), Errno> {
    let size = libc::off_t::try_from(size).map_err(|_| Errno::Fbig)?;
    // SAFETY: plain call on a descriptor.
    retry(|| unsafe { libc::ftruncate(fd, size) }).map(drop)
}

pub fn fsync(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: plain call on a descriptor.
    retry(|| unsafe { libc::fsync(fd) }).map(drop)
}

pub fn fdatasync(fd: RawFd) -> Result<(), Errno> {
    #[cfg(target_os = "linux")]
    // SAFETY: plain call on a descriptor.
    return retry(|| unsafe { libc::fdatasync(fd) }).map(drop);
    #[cfg(not(target_os = "linux"))]
    return fsync(fd);
}

pub fn get_fl(fd: RawFd) -> Result<libc::c_int, Errno> {
    // SAFETY: F_GETFL takes no argument.
    retry(|| unsafe { libc::fcntl(fd, libc::F_GETFL) })
}

pub fn set_fl(fd: RawFd, flags: libc::c_int) -> Result<(), Errno> {
    // SAFETY: F_SETFL takes an int.
    retry(|| unsafe { libc::fcntl(fd, libc::F_SETFL, flags) }).map(drop)
}

/// Result of a call that returns an error number instead of setting `errno`.
fn check_returned(code: libc::c_int) -> Result<(), Errno> {
    match code {
        0 => Ok(()),
        code => Err(Errno::from_host(code)),
    }
}

pub fn fadvise(fd: RawFd, offset: u64, len: u64, advice: libc::c_int) -> Result<(), Errno> {
    let offset = libc::off_t::try_from(offset).map_err(|_| Errno::Inval)?;
    let len = libc::off_t::try_from(len).map_err(|_| Errno::Inval)?;
    #[cfg(target_os = "linux")]
    // SAFETY: plain call on a descriptor.
    return check_returned(unsafe { libc::posix_fadvise(fd, offset, len, advice) });
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, offset, len, advice);
        Ok(())
    }
}

pub fn fallocate(fd: RawFd, offset: u64, len: u64) -> Result<(), Errno> {
    let offset = libc::off_t::try_from(offset).map_err(|_| Errno::Inval)?;
    let len = libc::off_t::try_from(len).map_err(|_| Errno::Inval)?;
    offset.checked_add(len).ok_or(Errno::Fbig)?;
    #[cfg(target_os = "linux")]
    // SAFETY: plain call on a descriptor.
    return check_returned(unsafe { libc::posix_fallocate(fd, offset, len) });
    #[cfg(not(target_os = "linux"))]
    {
        let size = fstat(fd)?.st_size;
        if size < offset + len {
            ftruncate(fd, (offset + len) as u64)?;
        }
        Ok(())
    }
}

/// One entry of a host directory listing.
pub struct HostDirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: u8,
}

/// Every entry of directory `fd`, from the start, in the host's order.
pub fn read_dir(fd: RawFd) -> Result<Vec<HostDirEntry>, Errno> {
    // SAFETY: plain call; the duplicate is handed to (and closed by) the directory stream.
    let copy = retry(|| unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) })?;
    // SAFETY: `copy` is a descriptor we own; on success the stream owns it.
    let stream = unsafe { libc::fdopendir(copy) };
    if stream.is_null() {
        let error = Errno::last_host_error();
        // SAFETY: the stream did not take `copy`; it is still ours to close.
        unsafe { libc::close(copy) };
        return Err(error);
    }
    // SAFETY: `stream` is a valid directory stream; the duplicate shares the offset, so start over.
    unsafe { libc::rewinddir(stream) };
    let mut entries = Vec::new();
    loop {
        clear_errno();
        // SAFETY: `stream` is a valid directory stream.
        let entry = unsafe { libc::readdir(stream) };
        if entry.is_null() {
            let error = OsError::last().0;
            // SAFETY: the stream is valid and closed exactly once.
            unsafe { libc::closedir(stream) };
            return match error {
                0 => Ok(entries),
                code => Err(Errno::from_host(code)),
            };
        }
        // SAFETY: a non-null entry from readdir is valid until the next readdir call, and its
        // name is NUL-terminated.
        let (name, ino, d_type) = unsafe {
            let entry = &*entry;
            (
                CStr::from_ptr(entry.d_name.as_ptr()).to_bytes().to_vec(),
                entry.d_ino as u64,
                entry.d_type,
            )
        };
        let filetype = match d_type {
            libc::DT_REG => filetype::REGULAR_FILE,
            libc::DT_DIR => filetype::DIRECTORY,
            libc::DT_LNK => filetype::SYMBOLIC_LINK,
            libc::DT_CHR => filetype::CHARACTER_DEVICE,
            libc::DT_BLK => filetype::BLOCK_DEVICE,
            libc::DT_SOCK => filetype::SOCKET_STREAM,
            libc::DT_UNKNOWN => c_name(&name)
                .and_then(|n| lstat_at(fd, &n))
                .map_or(filetype::UNKNOWN, |st| filetype::of_mode(st.st_mode)),
            _ => filetype::UNKNOWN,
        };
        entries.push(HostDirEntry {
            name,
            ino,
            filetype,
        });
    }
}

/// Set this thread's `errno` to 0 (to tell the end of a directory from an error).
fn clear_errno() {
    // SAFETY: the errno location is this thread's own, valid for writes.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    unsafe {
        *libc::__errno_location() = 0
    };
    // SAFETY: as above.
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    unsafe {
        *libc::__error() = 0
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_strings_of_any_length_and_no_nul() {
        for len in [0, 1, 255, 256, 257, 4000] {
            let bytes = vec![b'x'; len];
            let made = with_c_str(&bytes, |c| c.to_bytes().to_vec());
            assert_eq!(made, Ok(bytes), "{len} bytes");
        }
        for bytes in [&b"a\0b"[..], b"\0", b"ab\0"] {
            assert_eq!(with_c_str(bytes, |_| ()), Err(Errno::Inval), "{bytes:?}");
        }
        let long = [vec![b'y'; 300], vec![0]].concat();
        assert_eq!(with_c_str(&long, |_| ()), Err(Errno::Inval));
    }

    #[test]
    fn c_strings_checked_in_place_and_their_tails() {
        assert_eq!(path_c_str(b"a/b\0"), Ok(c"a/b"));
        assert_eq!(path_c_str(b"\0"), Ok(c""));
        assert_eq!(path_c_str("é/ü\0".as_bytes()), Ok(c"é/ü"));
        for bad in [
            &b""[..],
            b"ab",
            b"a\0b\0",
            b"\0\0",
            b"ab\0c",
            "é\0b\0".as_bytes(),
        ] {
            assert_eq!(path_c_str(bad), Err(Errno::Inval), "{bad:?}");
        }
        assert_eq!(path_c_str(b"a\xffb\0"), Err(Errno::Ilseq));
        let long = [vec![b'z'; 70], vec![0]].concat();
        assert_eq!(path_c_str(&long).map(CStr::count_bytes), Ok(70));
        let inner = [vec![b'z'; 40], vec![0], vec![b'z'; 29], vec![0]].concat();
        assert_eq!(path_c_str(&inner), Err(Errno::Inval));
        assert_eq!(c_str_tail(c"a/b/name", 4), c"name");
        assert_eq!(c_str_tail(c"name", 0), c"name");
        assert_eq!(c_str_tail(c"name", 4), c"");
        assert_eq!(c_str_tail(c"name", 9), c"");
    }
}
