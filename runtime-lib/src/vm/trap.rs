//! Traps as the host sees them: why a call into wasm did not return normally. How they are
//! raised and caught is the `vm` layer's business (`vm::traps`).

use std::fmt;

use wasmaot_abi::TrapKind;

/// Why a call into wasm did not return normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trap {
    /// A wasm trap, with the function it happened in when known.
    Wasm {
        /// What went wrong, in the spec's words.
        kind: TrapKind,
        /// The function it happened in (index in the module's function space), when known.
        func_index: Option<u32>,
        /// That function's name from the module's name section, when it has one.
        func_name: Option<String>,
    },
    /// The program asked to exit (WASI `proc_exit`).
    Exit(i32),
    /// A host function failed (returned this message as its error).
    Host(String),
}

impl Trap {
    /// The wasm trap kind, for a wasm trap.
    pub fn kind(&self) -> Option<TrapKind> {
        match self {
            Trap::Wasm { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// A wasm trap of `kind`, not yet attributed to a function.
    pub fn wasm(kind: TrapKind) -> Trap {
        Trap::Wasm {
            kind,
            func_index: None,
            func_name: None,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::Wasm {
                kind,
                func_index,
                func_name,
            } => {
                write!(f, "{kind}")?;
                match (func_name, func_index) {
                    (Some(name), Some(index)) => write!(f, " in function '{name}' (func {index})"),
                    (None, Some(index)) => write!(f, " in func {index}"),
                    _ => Ok(()),
                }
            }
            Trap::Exit(code) => write!(f, "exit with status {code}"),
            Trap::Host(message) => write!(f, "host function failed: {message}"),
        }
    }
}

impl std::error::Error for Trap {}
