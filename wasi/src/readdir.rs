//! `fd_readdir`: directory entries as `dirent` records packed into the guest's buffer. The
//! cookie of an entry is its index in a listing read when a pass starts (cookie 0), so a
//! program can stop and resume anywhere, and the buffer filling up (a truncated last record)
//! tells it to call again from the last whole entry's `d_next`. The `..` entry may be listed;
//! resolving it from the directory's descriptor is refused like any other way up (`path.rs`).

use crate::prelude::*;

use super::guest::Guest;
use super::rights;
use super::sys::fs as host;
use super::types::{encode_dirent, filetype};
use super::{Errno, WasiCtx};

pub fn fd_readdir(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> Result<(), Errno> {
    let mut table = ctx.table();
    let entry = table.get_mut(fd)?;
    if entry.handle.filetype != filetype::DIRECTORY {
        return Err(Errno::Notdir);
    }
    entry.handle.require(rights::FD_READDIR)?;
    if cookie == 0 || entry.listing.is_none() {
        entry.listing = Some(host::read_dir(entry.handle.raw())?);
    }
    let listing = entry.listing.as_deref().unwrap_or_default();
    let limit = buf_len as usize;
    let mut out = Vec::with_capacity(limit.min(1 << 16));
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (index, dirent) in listing.iter().enumerate().skip(start) {
        if out.len() >= limit {
            break;
        }
        let name_len = u32::try_from(dirent.name.len()).map_err(|_| Errno::Nametoolong)?;
        let next = index as u64 + 1;
        out.extend_from_slice(&encode_dirent(next, dirent.ino, name_len, dirent.filetype));
        out.extend_from_slice(&dirent.name);
    }
    out.truncate(limit);
    guest.write_bytes(buf, &out)?;
    guest.write_size(bufused, out.len())
}
