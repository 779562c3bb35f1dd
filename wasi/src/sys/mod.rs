//! The host calls WASI is built on, as safe functions: the only `unsafe` code of this crate.
//! Guest memory reaches the host only as [`io::HostIovecs`] or cell slices, which can only be
//! made from memory the guest's bounds checks let through.

pub mod cells;
pub mod fs;
pub mod io;
pub mod net;
pub mod owned_fd;
