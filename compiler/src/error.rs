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
                write!(
                    f,
                    "unsupported: {feature} (first used at offset {offset:#x})"
                )
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
    /// This error, told apart: a module the validator refused only because a proposal is
    /// switched off is valid, and needs something this compiler does not support (yet).
    /// `wasm` is the module the error is about.
    pub fn explained(self, wasm: &[u8]) -> CompileError {
        let CompileError::Invalid { message, offset } = self else {
            return self;
        };
        if !crate::module::valid_with_every_feature(wasm) {
            return CompileError::Invalid { message, offset };
        }
        CompileError::Unsupported {
            feature: feature_named(&message).to_string(),
            offset,
        }
    }

    pub(crate) fn unsupported(feature: impl Into<String>, offset: u64) -> CompileError {
        CompileError::Unsupported {
            feature: feature.into(),
            offset,
        }
    }
}

/// The feature a validator message says is switched off ("threads must be enabled for shared
/// memories": threads), or the whole message if it names none in a known way.
fn feature_named(message: &str) -> &str {
    if message.contains("encoded as a component") {
        return "components";
    }
    if let Some((_, rest)) = message.split_once("without the ") {
        if let Some((feature, _)) = rest.split_once(" feature") {
            return feature;
        }
    }
    [
        " support is not enabled",
        " proposal not enabled",
        " proposal must be enabled",
        " must be enabled",
        " required for",
    ]
    .iter()
    .find_map(|tail| message.split_once(tail).map(|(head, _)| head.trim()))
    .filter(|head| !head.is_empty())
    .unwrap_or(message)
}

pub type Result<T, E = CompileError> = std::result::Result<T, E>;
