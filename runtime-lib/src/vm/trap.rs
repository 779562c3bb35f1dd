//! Traps as the host sees them: why a call into wasm did not return normally. How they are
//! raised and caught is the `vm` layer's business (`vm::traps`).

use crate::prelude::*;

use core::fmt;

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
    /// An exception no wasm frame caught.
    Exception(UncaughtException),
    /// The program asked to exit (WASI `proc_exit`).
    Exit(i32),
    /// A host function failed: the message it returned as its error, and the wasm frames
    /// that called it, innermost first (the call of the import, its caller, ...; empty when
    /// the host called the function itself). Make one with [`Trap::host`].
    Host {
        /// What the host function said.
        message: String,
        /// Filled in by the runtime when the trap leaves the host function.
        backtrace: Vec<TrapFrame>,
    },
}

/// An exception that reached the host: its tag and the values it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncaughtException {
    /// The tag's export name in the module defining it, or `tag N` (its index there).
    pub tag: String,
    /// The values it carried, in the order of the tag's parameters.
    pub values: Vec<ExceptionValue>,
    /// The wasm frames active where it was thrown, innermost first: the `throw` (or
    /// `throw_ref`) that last threw it, then the calls.
    pub backtrace: Vec<TrapFrame>,
}

/// A value an uncaught exception carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionValue {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// Bit pattern.
    F32(u32),
    /// Bit pattern.
    F64(u64),
    /// A `v128`, lane 0 in the low bytes.
    V128(u128),
    /// A reference (function, external or exception); only whether it is null is kept.
    Ref {
        /// Whether it is null.
        null: bool,
    },
}

impl ExceptionValue {
    /// The value of type `ty` whose raw slot is `bits`.
    pub fn from_raw(ty: wasmaot_abi::metadata::ValType, bits: u128) -> ExceptionValue {
        use wasmaot_abi::metadata::ValType as T;
        match ty {
            T::I32 => ExceptionValue::I32(bits as u32 as i32),
            T::I64 => ExceptionValue::I64(bits as u64 as i64),
            T::F32 => ExceptionValue::F32(bits as u32),
            T::F64 => ExceptionValue::F64(bits as u64),
            T::V128 => ExceptionValue::V128(bits),
            T::FuncRef | T::ExternRef | T::Ref(_) => ExceptionValue::Ref {
                null: bits as u64 == 0,
            },
        }
    }
}

impl fmt::Display for ExceptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExceptionValue::I32(v) => write!(f, "{v}"),
            ExceptionValue::I64(v) => write!(f, "{v}"),
            ExceptionValue::F32(b) => write!(f, "{}", super::float_text::F32(*b)),
            ExceptionValue::F64(b) => write!(f, "{}", super::float_text::F64(*b)),
            ExceptionValue::V128(v) => write!(f, "0x{v:032x}"),
            ExceptionValue::Ref { null: true } => write!(f, "null"),
            ExceptionValue::Ref { null: false } => write!(f, "ref"),
        }
    }
}

impl fmt::Display for UncaughtException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uncaught wasm exception: {}", self.tag)?;
        if !self.values.is_empty() {
            let values: Vec<String> = self.values.iter().map(|v| v.to_string()).collect();
            write!(f, " ({})", values.join(", "))?;
        }
        Ok(())
    }
}

/// One wasm frame of a trap's backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapFrame {
    /// The function's index in its module's function space.
    pub func_index: u32,
    /// Its name-section name, when it has one.
    pub func_name: Option<String>,
    /// The wasm code offset (from the start of the module) of the instruction the frame is at:
    /// the one that trapped, in the innermost frame; the call, in the others. `None` when the
    /// compiler recorded none there.
    pub wasm_offset: Option<u32>,
    /// That instruction's source file and line, when the module has DWARF line information.
    pub source: Option<SourceLocation>,
}

/// A place in a source file, from a module's DWARF line information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    /// The file, as the compiler that produced the module named it.
    pub file: String,
    /// 1-based.
    pub line: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(offset) = self.wasm_offset {
            write!(f, "{offset:#x} - ")?;
        }
        match &self.func_name {
            Some(name) => write!(f, "{name} (func {})", self.func_index)?,
            None => write!(f, "func {}", self.func_index)?,
        }
        match &self.source {
            Some(source) => write!(f, " at {source}"),
            None => Ok(()),
        }
    }
}

impl Trap {
    /// The wasm frames active at the trap, innermost first (empty when not known).
    pub fn backtrace(&self) -> &[TrapFrame] {
        match self {
            Trap::Wasm { backtrace, .. } | Trap::Host { backtrace, .. } => backtrace,
            Trap::Exception(exception) => &exception.backtrace,
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

    /// A host function's failure with `message` (the runtime adds the backtrace).
    pub fn host(message: impl Into<String>) -> Trap {
        Trap::Host {
            message: message.into(),
            backtrace: Vec::new(),
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
            Trap::Exception(exception) => write!(f, "{exception}"),
            Trap::Exit(code) => write!(f, "exit with status {code}"),
            Trap::Host { message, .. } => write!(f, "host function failed: {message}"),
        }
    }
}

impl core::error::Error for Trap {}
