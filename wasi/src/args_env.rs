//! `args_*` and `environ_*`: NUL-terminated strings, pointers to them at one address and their
//! bytes at another.

use crate::prelude::*;

use super::guest::Guest;
use super::{Errno, WasiCtx};

/// Write `strings`: one pointer each at `ptrs`, their bytes (each NUL-terminated) at `buf`.
fn write_strings(guest: &Guest<'_>, strings: &[Vec<u8>], ptrs: u32, buf: u32) -> Result<(), Errno> {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let slot = u32::try_from(i * 4)
            .ok()
            .and_then(|offset| ptrs.checked_add(offset))
            .ok_or(Errno::Fault)?;
        guest.write_u32(slot, at)?;
        let len = u32::try_from(s.len() + 1).map_err(|_| Errno::Fault)?;
        guest.write_bytes(at, s)?;
        let nul = at.checked_add(len - 1).ok_or(Errno::Fault)?;
        guest.write_bytes(nul, &[0])?;
        at = at.checked_add(len).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// Write how many `strings` there are, and how many bytes they take with their NULs.
fn write_sizes(guest: &Guest<'_>, strings: &[Vec<u8>], count: u32, size: u32) -> Result<(), Errno> {
    guest.write_size(count, strings.len())?;
    guest.write_size(size, strings.iter().map(|s| s.len() + 1).sum())
}

pub fn args_get(ctx: &WasiCtx, guest: &Guest<'_>, argv: u32, buf: u32) -> Result<(), Errno> {
    write_strings(guest, &ctx.args, argv, buf)
}

pub fn args_sizes_get(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    count: u32,
    size: u32,
) -> Result<(), Errno> {
    write_sizes(guest, &ctx.args, count, size)
}

pub fn environ_get(ctx: &WasiCtx, guest: &Guest<'_>, environ: u32, buf: u32) -> Result<(), Errno> {
    write_strings(guest, &ctx.env, environ, buf)
}

pub fn environ_sizes_get(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    count: u32,
    size: u32,
) -> Result<(), Errno> {
    write_sizes(guest, &ctx.env, count, size)
}
