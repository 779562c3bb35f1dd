//! The compiler's one error type.

use std::fmt;

/// Why a module could not be compiled. Messages name the reason; the caller names the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The bytes are not a well-formed, valid WebAssembly module (wasmparser's verdict).
    Invalid { message: String, offset: u64 },
    /// The module is valid but uses something this compiler does not support yet.
    Unsupported { feature: String, offset: u64 },
    /// Cranelift rejected the code generated for a function (a compiler bug).
    Codegen { func_index: u32, message: String },
    /// The target or the options are not usable.
    Config(String),
    /// Writing the object failed.
    Emit(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Invalid { message, offset } => {
                write!(f, "invalid module: {message} (at offset {offset:#x})")
            }
            CompileError::Unsupported { feature, offset } => {
                write!(f, "unsupported: {feature} (at offset {offset:#x})")
            }
            CompileError::Codegen {
                func_index,
                message,
            } => {
                write!(
                    f,
                    "code generation failed in function {func_index}: {message}"
                )
            }
            CompileError::Config(message) => write!(f, "bad configuration: {message}"),
            CompileError::Emit(message) => write!(f, "writing the object failed: {message}"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        // Some messages span lines (e.g. byte dumps); errors are one line.
        let message = e.message();
        let message = message.split(" - expected").next().unwrap_or(message);
        CompileError::Invalid {
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            offset: e.offset(),
        }
    }
}

impl CompileError {
    pub(crate) fn unsupported(feature: impl Into<String>, offset: u64) -> CompileError {
        CompileError::Unsupported {
            feature: feature.into(),
            offset,
        }
    }
}

pub type Result<T, E = CompileError> = std::result::Result<T, E>;
