//! What differs between processor architectures, one file each, as `sys` holds what differs
//! between operating systems: reading the interrupted code's registers from a signal frame,
//! the assembly entry and exit exceptions need, and CPU feature detection.

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(target_arch = "aarch64")]
pub use aarch64::*;
#[cfg(target_arch = "x86_64")]
pub use x86_64::*;

/// The registers a trap needs from the interrupted code: program counter, frame pointer and
/// stack pointer.
pub struct Registers {
    pub pc: usize,
    pub fp: usize,
    pub sp: usize,
}
