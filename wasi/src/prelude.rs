//! What the standard library's prelude gives a `std` crate and this `no_std` one must import:
//! the `alloc` types every module uses.

pub use alloc::format;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;
