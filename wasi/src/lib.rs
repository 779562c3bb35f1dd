//! WASI preview1 (`wasi_snapshot_preview1`) over the host OS, with a capability sandbox: the
//! program reaches no file at all unless a directory is granted, and every path resolves inside
//! the granted directory it starts from (see `path.rs`).
//!
//! Built on the runtime's public API only: each WASI function is a host function
//! ([`wasmaot_runtime::Func::new`]) that reads and writes the caller's memory through
//! [`wasmaot_runtime::Caller`]. Give an instance WASI with [`add_to_linker`].

#![no_std]
#![warn(missing_docs)]
// Only the host calls (`sys`) use `unsafe`.
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod prelude;

mod args_env;
mod clock;
mod errno;
mod fd_io;
mod fd_stat;
mod fd_table;
pub mod grants;
mod guest;
mod path;
mod path_open;
mod path_ops;
mod poll;
mod preview1;
mod proc;
mod readdir;
mod rights;
mod sock;
#[allow(unsafe_code)]
mod sys;
mod types;

use alloc::sync::Arc;

use prelude::*;
use spin::{Mutex, MutexGuard};

use wasmaot_abi::metadata::{FuncType, ValType};

use wasmaot_runtime::{Func, Linker, OsError, StoreInner, Trap, Val};

pub use errno::Errno;
use fd_table::{FdEntry, FdTable, HostFile};
use guest::Guest;
pub use preview1::{Function, ALL as FUNCTIONS};

/// The module name WASI preview1 functions are imported from.
pub const MODULE: &str = wasmaot_abi::WASI_MODULE;

/// What a WASI program is given: arguments, environment, and its descriptors (stdio plus the
/// granted directories).
pub struct WasiCtx {
    /// Arguments, `argv[0]` first.
    pub args: Vec<Vec<u8>>,
    /// `KEY=VALUE` entries.
    pub env: Vec<Vec<u8>>,
    fds: Mutex<FdTable>,
}

impl Default for WasiCtx {
    fn default() -> WasiCtx {
        WasiCtx::new(Vec::new(), Vec::new())
    }
}

impl WasiCtx {
    /// A context with the process's stdio and no directory.
    pub fn new(args: Vec<Vec<u8>>, env: Vec<Vec<u8>>) -> WasiCtx {
        WasiCtx {
            args,
            env,
            fds: Mutex::new(FdTable::with_stdio()),
        }
    }

    /// Grant host directory `host` to the program as `guest` (the next descriptor from 3 on,
    /// which is where programs look for granted directories). `host` is the directory's path
    /// (relative to the working directory unless absolute).
    pub fn grant_dir(&self, host: &[u8], guest: &str, read_only: bool) -> Result<u32, OsError> {
        let fd = sys::fs::open_granted_dir(host)?;
        let (mut base, mut inheriting) = fd_table::max_rights(-1, types::filetype::DIRECTORY);
        if read_only {
            base &= !rights::MUTATING;
            inheriting &= !rights::MUTATING;
        }
        let mut entry = FdEntry::new(fd_table::Handle {
            file: Arc::new(HostFile::Owned(fd)),
            filetype: types::filetype::DIRECTORY,
            flags: 0,
            base,
            inheriting,
            read_only,
        });
        entry.preopen = Some(guest.as_bytes().to_vec());
        self.table()
            .insert_from(3, entry)
            .map_err(|_| OsError(libc::EMFILE))
    }

    /// A copy of descriptor `fd`'s handle, if it has the rights `needed`.
    fn handle(&self, fd: u32, needed: u64) -> Result<fd_table::Handle, Errno> {
        self.table().handle(fd, needed)
    }

    /// The descriptor table. A panic while it was held cannot leave it inconsistent (every
    /// update is one map operation); the lock does not outlive the panic.
    fn table(&self) -> MutexGuard<'_, FdTable> {
        self.fds.lock()
    }
}

/// The host function for import `name` of type `ty`, from `functions`.
fn import(
    store: &mut StoreInner,
    ctx: &Arc<WasiCtx>,
    functions: &[&'static Function],
    name: &str,
    ty: &FuncType,
) -> Func {
    let exit = name == "proc_exit" && ty.params == [ValType::I32] && ty.results.is_empty();
    let function = preview1::lookup(functions, name)
        .filter(|f| ty.params == f.params && ty.results == [ValType::I32]);
    // Every preview1 function takes and returns numbers only, so `new_numeric` always makes
    // one here; the slots are 64 bits wide at most.
    let made = match function {
        _ if exit => Func::new_numeric(store, ty.clone(), |_, values| {
            Err(Trap::Exit(values[0] as u32 as i32))
        }),
        Some(function) => {
            let (ctx, call) = (ctx.clone(), function.call);
            Func::new_numeric(store, ty.clone(), move |caller, values| {
                let guest = Guest::of(caller);
                let code = match call(&ctx, &guest, &preview1::Args(values)) {
                    Ok(()) => Errno::Success,
                    Err(errno) => errno,
                };
                values[0] = u128::from(code as u16);
                Ok(())
            })
        }
        None => None,
    };
    made.unwrap_or_else(|| unsupported(store, name, ty))
}

/// A function this runtime does not know (or imported with another type): `ENOSYS` when the
/// type allows an errno, a trap naming it otherwise.
fn unsupported(store: &mut StoreInner, name: &str, ty: &FuncType) -> Func {
    let name = name.to_string();
    let returns_errno = ty.results == [ValType::I32];
    Func::new(store, ty.clone(), move |_, _, results| {
        if returns_errno {
            results[0] = Val::I32(Errno::Nosys as i32);
            Ok(())
        } else {
            Err(Trap::host(format!("WASI function {name} is not supported")))
        }
    })
}

/// Give every instance made with `linker` WASI preview1 with `ctx`: each function imported
/// from [`MODULE`] resolves to the implementation of that name (or, for a name or type this
/// runtime does not know, to one answering `ENOSYS`). Instances linked with one context share
/// its descriptors; give each instance its own linker and context to keep them apart.
pub fn add_to_linker(linker: &mut Linker, ctx: WasiCtx) {
    add_functions_to_linker(linker, ctx, preview1::ALL);
}

/// As [`add_to_linker`], with only `functions` (and `proc_exit`) implemented: any other name
/// gets what an unknown one gets. Executables link the functions their module imports so
/// (see [`wasmaot_abi::exe_config::WASI_FUNCTIONS_SYMBOL`]), which lets the linker leave out
/// the rest.
pub fn add_functions_to_linker(
    linker: &mut Linker,
    ctx: WasiCtx,
    functions: &'static [&'static Function],
) {
    let ctx = Arc::new(ctx);
    linker.resolve_with(MODULE, move |store, name, ty| {
        Some(import(store, &ctx, functions, name, ty))
    });
}
