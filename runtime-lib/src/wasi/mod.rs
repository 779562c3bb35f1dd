//! WASI preview1 (`wasi_snapshot_preview1`) over the host OS, with a capability sandbox: the
//! program reaches no file at all unless a directory is granted, and every path resolves inside
//! the granted directory it starts from (see `path.rs`).

mod args_env;
mod clock;
mod errno;
mod fd_io;
mod fd_stat;
mod fd_table;
pub mod grants;
mod guest;
mod host;
mod path;
mod path_open;
mod path_ops;
mod poll;
mod preview1;
mod proc;
mod readdir;
mod rights;
mod sock;
mod types;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use wasmaot_abi::metadata::{FuncType, ValType};

use crate::func::Func;
use crate::linker::Linker;
use crate::store::StoreInner;
use crate::vm::trap::Trap;

pub use errno::Errno;
use fd_table::{FdEntry, FdTable, HostFile};
use guest::Guest;

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
    /// which is where programs look for granted directories).
    pub fn grant_dir(&self, host: &Path, guest: &str, read_only: bool) -> std::io::Result<u32> {
        let fd = host::open_granted_dir(host)?;
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
            .map_err(|_| std::io::Error::from_raw_os_error(libc::EMFILE))
    }

    /// A copy of descriptor `fd`'s handle, if it has the rights `needed`.
    fn handle(&self, fd: u32, needed: u64) -> Result<fd_table::Handle, Errno> {
        self.table().handle(fd, needed)
    }

    /// The descriptor table. A panic while it was held cannot leave it inconsistent (every
    /// update is one map operation), so a poisoned lock is taken over.
    fn table(&self) -> MutexGuard<'_, FdTable> {
        self.fds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The host function for import `name` of type `ty`, working on raw value slots: WASI calls
/// are frequent, and their arguments are plain numbers.
fn import(store: &mut StoreInner, ctx: &Arc<WasiCtx>, name: &str, ty: &FuncType) -> Func {
    if name == "proc_exit" && ty.params == [ValType::I32] && ty.results.is_empty() {
        let exit = |_: *mut u8, values: &mut [u128]| Err(Trap::Exit(values[0] as u32 as i32));
        return Func::from_raw_host(store, ty.clone(), Box::new(exit));
    }
    match preview1::lookup(name) {
        Some((params, f)) if ty.params == params && ty.results == [ValType::I32] => {
            let ctx = ctx.clone();
            let count = params.len();
            let call = move |caller_vmctx: *mut u8, values: &mut [u128]| {
                let raw: Vec<u64> = values[..count].iter().map(|v| *v as u64).collect();
                let guest = Guest::of(caller_vmctx);
                let code = match f(&ctx, &guest, &preview1::Args(&raw)) {
                    Ok(()) => Errno::Success,
                    Err(errno) => errno,
                };
                values[0] = u128::from(code as u16);
                Ok(())
            };
            Func::from_raw_host(store, ty.clone(), Box::new(call))
        }
        _ => unsupported(store, name, ty),
    }
}

/// A function this runtime does not know (or imported with another type): `ENOSYS` when the
/// type allows an errno, a trap naming it otherwise.
fn unsupported(store: &mut StoreInner, name: &str, ty: &FuncType) -> Func {
    let name = name.to_string();
    let returns_errno = ty.results == [ValType::I32];
    let call = move |_: *mut u8, values: &mut [u128]| {
        if returns_errno {
            values[0] = Errno::Nosys as u128;
            Ok(())
        } else {
            Err(Trap::Host(format!("WASI function {name} is not supported")))
        }
    };
    Func::from_raw_host(store, ty.clone(), Box::new(call))
}

/// Give every instance made with `linker` WASI preview1 with `ctx`: each function imported
/// from [`MODULE`] resolves to the implementation of that name (or, for a name or type this
/// runtime does not know, to one answering `ENOSYS`). Instances linked with one context share
/// its descriptors; give each instance its own linker and context to keep them apart.
pub fn add_to_linker(linker: &mut Linker, ctx: WasiCtx) {
    let ctx = Arc::new(ctx);
    linker.resolve_module(
        MODULE,
        Box::new(move |store, name, ty| Some(import(store, &ctx, name, ty))),
    );
}
