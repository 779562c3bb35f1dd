//! Every preview1 function that returns an errno: its name, its wasm parameter types, and the
//! call into the implementation with the raw arguments unpacked. (`proc_exit`, which returns
//! nothing, is in `mod.rs`.)

use wasmaot_abi::metadata::ValType::{self, I32, I64};

use super::fd_io::Transfer::{Read, ReadAt, Write, WriteAt};
use super::guest::Guest;
use super::{args_env, clock, fd_io, fd_stat, path_open, path_ops, poll, proc, readdir, sock};
use super::{Errno, WasiCtx};

/// The raw arguments of one call: the host function's value slots (numbers, zero-extended).
pub struct Args<'a>(pub &'a [u128]);

impl Args<'_> {
    /// Argument `i` as an i32 (pointers, lengths, descriptors, flags).
    pub fn u32(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0) as u32
    }

    /// Argument `i` as an i64.
    pub fn u64(&self, i: usize) -> u64 {
        self.0.get(i).copied().unwrap_or(0) as u64
    }
}

/// An implementation: context, the caller's memory, the arguments.
pub type WasiFn = fn(&WasiCtx, &Guest<'_>, &Args<'_>) -> Result<(), Errno>;

/// One preview1 function that returns an errno.
pub struct Function {
    /// Its import name.
    pub name: &'static str,
    /// Its wasm parameter types (its one result is an i32 errno).
    pub params: &'static [ValType],
    /// The call into the implementation.
    pub(crate) call: WasiFn,
}

/// Every function: a static of its own each (in `each`), and their list [`ALL`].
///
/// With the `exe` feature each static is also a linker symbol, `wasmaot_wasi_` and its name
/// ([`wasmaot_abi::exe_config::WASI_FUNCTION_PREFIX`]): an executable's build lists the ones its
/// module imports (`wasmaot_abi::exe_config::WASI_FUNCTIONS_SYMBOL`), and the linker leaves out
/// the code of the others.
macro_rules! functions {
    ($($name:ident($($param:ident),*) = $call:expr;)*) => {
        /// Each function as a static.
        #[allow(non_upper_case_globals)]
        // SAFETY: the symbol names are this crate's own (a prefix no other item uses); the
        // executable's entry reads them as the `Function`s they are.
        #[allow(unsafe_code)]
        pub mod each {
            use super::*;
            $(
                #[cfg_attr(feature = "exe", export_name = concat!("wasmaot_wasi_", stringify!($name)))]
                pub static $name: Function = Function {
                    name: stringify!($name),
                    params: &[$($param),*],
                    call: $call,
                };
            )*
        }

        /// Every function, by name.
        pub static ALL: &[&Function] = &[$(&each::$name),*];
    };
}

const _: () = assert!(wasmaot_abi::exe_config::same_name(
    wasmaot_abi::exe_config::WASI_FUNCTION_PREFIX,
    "wasmaot_wasi_"
));

functions! {
    args_get(I32, I32) = |c, g, a| {
        args_env::args_get(c, g, a.u32(0), a.u32(1))
    };
    args_sizes_get(I32, I32) = |c, g, a| {
        args_env::args_sizes_get(c, g, a.u32(0), a.u32(1))
    };
    environ_get(I32, I32) = |c, g, a| {
        args_env::environ_get(c, g, a.u32(0), a.u32(1))
    };
    environ_sizes_get(I32, I32) = |c, g, a| {
        args_env::environ_sizes_get(c, g, a.u32(0), a.u32(1))
    };
    clock_res_get(I32, I32) = |_, g, a| {
        clock::clock_res_get(g, a.u32(0), a.u32(1))
    };
    clock_time_get(I32, I64, I32) = |_, g, a| {
        clock::clock_time_get(g, a.u32(0), a.u64(1), a.u32(2))
    };
    fd_advise(I32, I64, I64, I32) = |c, _, a| {
        fd_io::fd_advise(c, a.u32(0), a.u64(1), a.u64(2), a.u32(3))
    };
    fd_allocate(I32, I64, I64) = |c, _, a| {
        fd_io::fd_allocate(c, a.u32(0), a.u64(1), a.u64(2))
    };
    fd_close(I32) = |c, _, a| fd_io::fd_close(c, a.u32(0));
    fd_datasync(I32) = |c, _, a| {
        fd_io::fd_datasync(c, a.u32(0))
    };
    fd_fdstat_get(I32, I32) = |c, g, a| {
        fd_stat::fd_fdstat_get(c, g, a.u32(0), a.u32(1))
    };
    fd_fdstat_set_flags(I32, I32) = |c, _, a| {
        fd_stat::fd_fdstat_set_flags(c, a.u32(0), a.u32(1))
    };
    fd_fdstat_set_rights(I32, I64, I64) = |c, _, a| {
        fd_stat::fd_fdstat_set_rights(c, a.u32(0), a.u64(1), a.u64(2))
    };
    fd_filestat_get(I32, I32) = |c, g, a| {
        fd_stat::fd_filestat_get(c, g, a.u32(0), a.u32(1))
    };
    fd_filestat_set_size(I32, I64) = |c, _, a| {
        fd_stat::fd_filestat_set_size(c, a.u32(0), a.u64(1))
    };
    fd_filestat_set_times(I32, I64, I64, I32) = |c, _, a| {
        fd_stat::fd_filestat_set_times(c, a.u32(0), a.u64(1), a.u64(2), a.u32(3))
    };
    fd_pread(I32, I32, I32, I64, I32) = |c, g, a| {
        fd_io::fd_transfer(
            c,
            g,
            a.u32(0),
            a.u32(1),
            a.u32(2),
            ReadAt(a.u64(3)),
            a.u32(4),
        )
    };
    fd_prestat_get(I32, I32) = |c, g, a| {
        fd_stat::fd_prestat_get(c, g, a.u32(0), a.u32(1))
    };
    fd_prestat_dir_name(I32, I32, I32) = |c, g, a| {
        fd_stat::fd_prestat_dir_name(c, g, a.u32(0), a.u32(1), a.u32(2))
    };
    fd_pwrite(I32, I32, I32, I64, I32) = |c, g, a| {
        fd_io::fd_transfer(
            c,
            g,
            a.u32(0),
            a.u32(1),
            a.u32(2),
            WriteAt(a.u64(3)),
            a.u32(4),
        )
    };
    fd_read(I32, I32, I32, I32) = |c, g, a| {
        fd_io::fd_transfer(c, g, a.u32(0), a.u32(1), a.u32(2), Read, a.u32(3))
    };
    fd_readdir(I32, I32, I32, I64, I32) = |c, g, a| {
        readdir::fd_readdir(c, g, a.u32(0), a.u32(1), a.u32(2), a.u64(3), a.u32(4))
    };
    fd_renumber(I32, I32) = |c, _, a| {
        fd_io::fd_renumber(c, a.u32(0), a.u32(1))
    };
    fd_seek(I32, I64, I32, I32) = |c, g, a| {
        fd_io::fd_seek(c, g, a.u32(0), a.u64(1), a.u32(2), a.u32(3))
    };
    fd_sync(I32) = |c, _, a| fd_io::fd_sync(c, a.u32(0));
    fd_tell(I32, I32) = |c, g, a| {
        fd_io::fd_tell(c, g, a.u32(0), a.u32(1))
    };
    fd_write(I32, I32, I32, I32) = |c, g, a| {
        fd_io::fd_transfer(c, g, a.u32(0), a.u32(1), a.u32(2), Write, a.u32(3))
    };
    path_create_directory(I32, I32, I32) = |c, g, a| {
        path_ops::path_create_directory(c, g, a.u32(0), a.u32(1), a.u32(2))
    };
    path_filestat_get(I32, I32, I32, I32, I32) = |c, g, a| {
            let path = (a.u32(2), a.u32(3));
            path_ops::path_filestat_get(c, g, a.u32(0), a.u32(1), path, a.u32(4))
        };
    path_filestat_set_times(I32, I32, I32, I32, I64, I64, I32) = |c, g, a| {
            let path = (a.u32(2), a.u32(3));
            let times = (a.u64(4), a.u64(5), a.u32(6));
            path_ops::path_filestat_set_times(c, g, a.u32(0), a.u32(1), path, times)
        };
    path_link(I32, I32, I32, I32, I32, I32, I32) = |c, g, a| {
            let old = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
            path_ops::path_link(c, g, old, a.u32(4), (a.u32(5), a.u32(6)))
        };
    path_open(I32, I32, I32, I32, I32, I64, I64, I32, I32) = |c, g, a| {
            let request = path_open::Request {
                dirflags: a.u32(1),
                oflags: a.u32(4),
                base: a.u64(5),
                inheriting: a.u64(6),
                fdflags: a.u32(7),
            };
            path_open::path_open(c, g, a.u32(0), (a.u32(2), a.u32(3)), request, a.u32(8))
        };
    path_readlink(I32, I32, I32, I32, I32, I32) = |c, g, a| {
            let buf = (a.u32(3), a.u32(4));
            path_ops::path_readlink(c, g, a.u32(0), (a.u32(1), a.u32(2)), buf, a.u32(5))
        };
    path_remove_directory(I32, I32, I32) = |c, g, a| {
        path_ops::path_remove_directory(c, g, a.u32(0), a.u32(1), a.u32(2))
    };
    path_rename(I32, I32, I32, I32, I32, I32) = |c, g, a| {
        let old = (a.u32(0), a.u32(1), a.u32(2));
        path_ops::path_rename(c, g, old, (a.u32(3), a.u32(4), a.u32(5)))
    };
    path_symlink(I32, I32, I32, I32, I32) = |c, g, a| {
        path_ops::path_symlink(c, g, (a.u32(0), a.u32(1)), a.u32(2), (a.u32(3), a.u32(4)))
    };
    path_unlink_file(I32, I32, I32) = |c, g, a| {
        path_ops::path_unlink_file(c, g, a.u32(0), a.u32(1), a.u32(2))
    };
    poll_oneoff(I32, I32, I32, I32) = |c, g, a| {
        poll::poll_oneoff(c, g, a.u32(0), a.u32(1), a.u32(2), a.u32(3))
    };
    proc_raise(I32) = |_, _, _| Err(Errno::Nosys);
    random_get(I32, I32) = |_, g, a| {
        proc::random_get(g, a.u32(0), a.u32(1))
    };
    sched_yield() = |_, _, _| proc::sched_yield();
    sock_accept(I32, I32, I32) = |c, g, a| {
        sock::sock_accept(c, g, a.u32(0), a.u32(1), a.u32(2))
    };
    sock_recv(I32, I32, I32, I32, I32, I32) = |c, g, a| {
        let out = (a.u32(4), a.u32(5));
        sock::sock_recv(c, g, a.u32(0), (a.u32(1), a.u32(2)), a.u32(3), out)
    };
    sock_send(I32, I32, I32, I32, I32) = |c, g, a| {
        sock::sock_send(c, g, a.u32(0), (a.u32(1), a.u32(2)), a.u32(3), a.u32(4))
    };
    sock_shutdown(I32, I32) = |c, _, a| {
        sock::sock_shutdown(c, a.u32(0), a.u32(1))
    };
}

/// The function named `name` among `functions`.
pub fn lookup(functions: &[&'static Function], name: &str) -> Option<&'static Function> {
    functions.iter().copied().find(|f| f.name == name)
}
