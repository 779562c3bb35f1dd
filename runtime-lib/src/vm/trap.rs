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
        /// The wasm frames active at the trap, innermost first (that function, its caller,
        /// ...), for traps raised by faults in compiled code; empty for others.
        backtrace: Vec<TrapFrame>,
    },
    /// The program asked to exit (WASI `proc_exit`).
    Exit(i32),
    /// A host function failed (returned this message as its error).
    Host(String),
}

/// One wasm frame of a trap's backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapFrame {
    /// The function's index in its module's function space.
    pub func_index: u32,
    /// Its name-section name, when it has one.
    pub func_name: Option<String>,
}

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.func_name {
            Some(name) => write!(f, "{name} (func {})", self.func_index),
            None => write!(f, "func {}", self.func_index),
        }
    }
}

impl Trap {
    /// The wasm frames active at the trap, innermost first (empty when not known).
    pub fn backtrace(&self) -> &[TrapFrame] {
        match self {
            Trap::Wasm { backtrace, .. } => backtrace,
            _ => &[],
        }
    }

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
            backtrace: Vec::new(),
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
                ..
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
