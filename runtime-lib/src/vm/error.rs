//! The runtime's one error type.

use crate::prelude::*;

use core::fmt;

use super::trap::Trap;

/// Why an operation of the embedding API failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A compiled module could not be loaded (missing file, not a wasmaot object, ABI mismatch).
    Load(String),
    /// An import is missing or has the wrong type.
    Link(String),
    /// Resources for an instance could not be obtained (address space, memory).
    Resource(String),
    /// Instantiation or a call trapped.
    Trap(Trap),
    /// A value, argument or import does not have the type asked for.
    Type(String),
    /// A memory or table access outside its bounds.
    Access(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(m) => write!(f, "cannot load module: {m}"),
            Error::Link(m) => write!(f, "cannot link module: {m}"),
            Error::Resource(m) => write!(f, "out of resources: {m}"),
            Error::Trap(t) => write!(f, "wasm trap: {t}"),
            Error::Type(m) => write!(f, "type mismatch: {m}"),
            Error::Access(m) => write!(f, "out of bounds: {m}"),
        }
    }
}

impl core::error::Error for Error {}

impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Error::Trap(t)
    }
}
