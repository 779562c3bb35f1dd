//! WASI preview1 (`wasi_snapshot_preview1`) for programs: arguments, environment, clocks,
//! randomness, stdio, exit. A function this runtime does not provide yet is still importable:
//! it answers `ENOSYS`, never a pretend success.

mod errno;
mod guest;
mod preview1;

use std::sync::Arc;

use wasmaot_abi::metadata::{FuncType, ValType};

use crate::func::Func;
use crate::traps::Trap;
use crate::values::Val;

pub use errno::Errno;

/// The module name WASI preview1 functions are imported from.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// What a WASI program is given.
#[derive(Debug, Clone, Default)]
pub struct WasiCtx {
    /// Arguments, `argv[0]` first.
    pub args: Vec<Vec<u8>>,
    /// `KEY=VALUE` entries.
    pub env: Vec<Vec<u8>>,
}

/// The host function for import `name` of type `ty`.
pub fn import(ctx: &Arc<WasiCtx>, name: &str, ty: &FuncType) -> Func {
    match preview1::lookup(name) {
        Some((params, results, f)) if ty.params == params && ty.results == results => {
            let ctx = ctx.clone();
            let returns = !results.is_empty();
            Func::host(ty.clone(), move |caller, args| {
                let raw: Vec<u64> = args.iter().map(|a| a.to_raw()).collect();
                let code = f(&ctx, caller, &raw)?;
                Ok(if returns {
                    vec![Val::I32(i32::from(code))]
                } else {
                    Vec::new()
                })
            })
        }
        _ => unsupported(name, ty),
    }
}

/// A function this runtime does not implement: `ENOSYS` when the type allows an errno, a trap
/// naming it otherwise.
fn unsupported(name: &str, ty: &FuncType) -> Func {
    let name = name.to_string();
    let returns_errno = ty.results == [ValType::I32];
    Func::host(ty.clone(), move |_, _| {
        if returns_errno {
            Ok(vec![Val::I32(Errno::Nosys as i32)])
        } else {
            Err(Trap::Host(format!("WASI function {name} is not supported")))
        }
    })
}
