//! The runtime's one error type.

use std::fmt;

use crate::traps::Trap;

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
    /// A call was made with arguments that do not match the function's type.
    Type(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(m) => write!(f, "cannot load module: {m}"),
            Error::Link(m) => write!(f, "cannot link module: {m}"),
            Error::Resource(m) => write!(f, "out of resources: {m}"),
            Error::Trap(t) => write!(f, "wasm trap: {t}"),
            Error::Type(m) => write!(f, "type mismatch: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Error::Trap(t)
    }
}
