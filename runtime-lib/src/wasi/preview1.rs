//! The preview1 functions this runtime implements, with their wasm signatures.

use std::sync::atomic::{AtomicBool, Ordering};

use wasmaot_abi::metadata::ValType::{self, I32, I64};

use super::guest::Guest;
use super::{Errno, WasiCtx};
use crate::func::Caller;
use crate::traps::Trap;

/// A WASI function: takes raw arguments, returns the errno.
pub type WasiFn = fn(&WasiCtx, &mut Caller<'_>, &[u64]) -> Result<u16, Trap>;

type Entry = (&'static [ValType], &'static [ValType], WasiFn);

const ERRNO: &[ValType] = &[I32];

/// Signature and implementation of `name`.
pub fn lookup(name: &str) -> Option<Entry> {
    let entry: Entry = match name {
        "args_get" => (&[I32, I32], ERRNO, |c, k, a| errno(args_get(c, k, a))),
        "args_sizes_get" => (&[I32, I32], ERRNO, |c, k, a| errno(args_sizes_get(c, k, a))),
        "environ_get" => (&[I32, I32], ERRNO, |c, k, a| errno(environ_get(c, k, a))),
        "environ_sizes_get" => (&[I32, I32], ERRNO, |c, k, a| {
            errno(environ_sizes_get(c, k, a))
        }),
        "clock_res_get" => (&[I32, I32], ERRNO, |_, k, a| errno(clock_res_get(k, a))),
        "clock_time_get" => (&[I32, I64, I32], ERRNO, |_, k, a| {
            errno(clock_time_get(k, a))
        }),
        "random_get" => (&[I32, I32], ERRNO, |_, k, a| errno(random_get(k, a))),
        "fd_write" => (&[I32, I32, I32, I32], ERRNO, |_, k, a| {
            errno(fd_write(k, a))
        }),
        "fd_read" => (&[I32, I32, I32, I32], ERRNO, |_, k, a| errno(fd_read(k, a))),
        "fd_close" => (&[I32], ERRNO, |_, _, a| errno(fd_close(a))),
        "fd_seek" => (&[I32, I64, I32, I32], ERRNO, |_, k, a| errno(fd_seek(k, a))),
        "fd_fdstat_get" => (&[I32, I32], ERRNO, |_, k, a| errno(fd_fdstat_get(k, a))),
        "fd_prestat_get" => (&[I32, I32], ERRNO, |_, _, a| {
            errno(stdio_fd(a[0]).and(Err(Errno::Badf)))
        }),
        "fd_prestat_dir_name" => (&[I32, I32, I32], ERRNO, |_, _, a| {
            errno(stdio_fd(a[0]).and(Err(Errno::Badf)))
        }),
        "sched_yield" => (&[], ERRNO, |_, _, _| errno(Ok(()))),
        "proc_exit" => (&[I32], &[], |_, _, a| Err(Trap::Exit(a[0] as u32 as i32))),
        _ => return None,
    };
    Some(entry)
}

fn errno(result: Result<(), Errno>) -> Result<u16, Trap> {
    Ok(match result {
        Ok(()) => Errno::Success as u16,
        Err(e) => e as u16,
    })
}

fn arg_u32(args: &[u64], i: usize) -> u32 {
    args[i] as u32
}

/// Write a list of NUL-terminated strings: pointers at `ptrs`, bytes at `buf`.
fn write_strings(
    caller: &Caller<'_>,
    strings: &[Vec<u8>],
    ptrs: u32,
    buf: u32,
) -> Result<(), Errno> {
    let guest = Guest::of(caller)?;
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        guest.write_u32(ptrs.checked_add(4 * i as u32).ok_or(Errno::Fault)?, at)?;
        let len = s.len() as u32 + 1;
        let target = guest.bytes(at, len)?;
        target[..s.len()].copy_from_slice(s);
        target[s.len()] = 0;
        at = at.checked_add(len).ok_or(Errno::Fault)?;
    }
    Ok(())
}

fn write_sizes(
    caller: &Caller<'_>,
    strings: &[Vec<u8>],
    count_ptr: u32,
    size_ptr: u32,
) -> Result<(), Errno> {
    let guest = Guest::of(caller)?;
    guest.write_u32(count_ptr, strings.len() as u32)?;
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    guest.write_u32(size_ptr, size as u32)
}

fn args_get(ctx: &WasiCtx, caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    write_strings(caller, &ctx.args, arg_u32(a, 0), arg_u32(a, 1))
}

fn args_sizes_get(ctx: &WasiCtx, caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    write_sizes(caller, &ctx.args, arg_u32(a, 0), arg_u32(a, 1))
}

fn environ_get(ctx: &WasiCtx, caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    write_strings(caller, &ctx.env, arg_u32(a, 0), arg_u32(a, 1))
}

fn environ_sizes_get(ctx: &WasiCtx, caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    write_sizes(caller, &ctx.env, arg_u32(a, 0), arg_u32(a, 1))
}

fn host_clock(id: u32) -> Result<libc::clockid_t, Errno> {
    Ok(match id {
        0 => libc::CLOCK_REALTIME,
        1 => libc::CLOCK_MONOTONIC,
        2 => libc::CLOCK_PROCESS_CPUTIME_ID,
        3 => libc::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(Errno::Inval),
    })
}

fn clock_res_get(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    let clock = host_clock(arg_u32(a, 0))?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    if unsafe { libc::clock_getres(clock, &mut ts) } != 0 {
        return Err(Errno::last_host_error());
    }
    let ns = ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
    Guest::of(caller)?.write_u64(arg_u32(a, 1), ns)
}

fn clock_time_get(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    let clock = host_clock(arg_u32(a, 0))?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::last_host_error());
    }
    let ns = (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64);
    Guest::of(caller)?.write_u64(arg_u32(a, 2), ns)
}

fn random_get(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    let buf = Guest::of(caller)?.bytes(arg_u32(a, 0), arg_u32(a, 1))?;
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: `rest` is a valid writable buffer of the given length.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = Errno::last_host_error();
            if e != Errno::Intr {
                return Err(e);
            }
            continue;
        }
        filled += n as usize;
    }
    Ok(())
}

/// Stdio descriptors the program has closed (closing them never closes the host's).
static CLOSED: [AtomicBool; 3] = [const { AtomicBool::new(false) }; 3];

/// The host descriptor for guest `fd`: only stdio exists until directories are granted.
fn stdio_fd(fd: u64) -> Result<i32, Errno> {
    match fd {
        0..=2 if !CLOSED[fd as usize].load(Ordering::Relaxed) => Ok(fd as i32),
        _ => Err(Errno::Badf),
    }
}

fn fd_close(a: &[u64]) -> Result<(), Errno> {
    let fd = stdio_fd(a[0])?;
    CLOSED[fd as usize].store(true, Ordering::Relaxed);
    Ok(())
}

/// Run `io` over the guest's iovecs at `a[1..3]`, and store the byte count at `a[3]`.
fn transfer(
    caller: &mut Caller<'_>,
    a: &[u64],
    io: impl Fn(i32, &[libc::iovec]) -> isize,
) -> Result<(), Errno> {
    let fd = stdio_fd(a[0])?;
    let guest = Guest::of(caller)?;
    let mut iovecs = Vec::new();
    for (ptr, len) in guest.iovecs(arg_u32(a, 1), arg_u32(a, 2))? {
        let bytes = guest.bytes(ptr, len)?;
        iovecs.push(libc::iovec {
            iov_base: bytes.as_mut_ptr().cast(),
            iov_len: bytes.len(),
        });
    }
    let n = loop {
        let n = io(fd, &iovecs);
        if n >= 0 {
            break n;
        }
        let e = Errno::last_host_error();
        if e != Errno::Intr {
            return Err(e);
        }
    };
    guest.write_u32(arg_u32(a, 3), n as u32)
}

fn fd_write(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    // SAFETY: the iovecs point into checked guest memory.
    transfer(caller, a, |fd, iov| unsafe {
        libc::writev(fd, iov.as_ptr(), iov.len() as i32)
    })
}

fn fd_read(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    // SAFETY: the iovecs point into checked guest memory.
    transfer(caller, a, |fd, iov| unsafe {
        libc::readv(fd, iov.as_ptr(), iov.len() as i32)
    })
}

fn fd_seek(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    let fd = stdio_fd(a[0])?;
    let whence = match arg_u32(a, 2) {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        2 => libc::SEEK_END,
        _ => return Err(Errno::Inval),
    };
    // SAFETY: lseek on a descriptor we own the right to use.
    let at = unsafe { libc::lseek(fd, a[1] as i64, whence) };
    if at < 0 {
        return Err(Errno::last_host_error());
    }
    Guest::of(caller)?.write_u64(arg_u32(a, 3), at as u64)
}

const RIGHTS_FD_SEEK: u64 = 1 << 2;
const RIGHTS_FD_TELL: u64 = 1 << 5;
const RIGHTS_ALL: u64 = (1 << 30) - 1;

fn fd_fdstat_get(caller: &mut Caller<'_>, a: &[u64]) -> Result<(), Errno> {
    let fd = stdio_fd(a[0])?;
    // SAFETY: `st` is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(Errno::last_host_error());
    }
    let (filetype, rights) = match st.st_mode & libc::S_IFMT {
        libc::S_IFCHR => (2u8, RIGHTS_ALL & !(RIGHTS_FD_SEEK | RIGHTS_FD_TELL)),
        libc::S_IFREG => (4, RIGHTS_ALL),
        libc::S_IFDIR => (3, RIGHTS_ALL),
        libc::S_IFSOCK => (6, RIGHTS_ALL & !(RIGHTS_FD_SEEK | RIGHTS_FD_TELL)),
        _ => (0, RIGHTS_ALL & !(RIGHTS_FD_SEEK | RIGHTS_FD_TELL)),
    };
    let mut stat = [0u8; 24];
    stat[0] = filetype;
    stat[8..16].copy_from_slice(&rights.to_le_bytes());
    stat[16..24].copy_from_slice(&rights.to_le_bytes());
    Guest::of(caller)?
        .bytes(arg_u32(a, 1), 24)?
        .copy_from_slice(&stat);
    Ok(())
}
