//! The Cranelift target ISA for a compilation: target triple, optimisation level, CPU features.

use std::str::FromStr;

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use target_lexicon::Triple;

use crate::error::{CompileError, Result};

/// Optimisation level, as on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// No optimisation: fastest compile.
    O0,
    /// Optimise for speed and size.
    O1,
    /// Optimise for speed.
    #[default]
    O2,
}

/// Targets the compiler writes objects for.
pub const SUPPORTED_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

/// The triple of the machine running the compiler, among the supported ones.
pub fn host_triple() -> &'static str {
    match (std::env::consts::ARCH, std::env::consts::OS) {
        ("aarch64", "macos") => "aarch64-apple-darwin",
        ("x86_64", "macos") => "x86_64-apple-darwin",
        ("aarch64", _) => "aarch64-unknown-linux-gnu",
        _ => "x86_64-unknown-linux-gnu",
    }
}

pub fn target_isa(triple: &str, opt: OptLevel) -> Result<OwnedTargetIsa> {
    if !SUPPORTED_TARGETS.contains(&triple) {
        return Err(CompileError::Config(format!(
            "unsupported target `{triple}` (supported: {})",
            SUPPORTED_TARGETS.join(", ")
        )));
    }
    let parsed = Triple::from_str(triple).map_err(|e| CompileError::Config(e.to_string()))?;
    let mut flags = settings::builder();
    let opt_level = match opt {
        OptLevel::O0 => "none",
        OptLevel::O1 => "speed_and_size",
        OptLevel::O2 => "speed",
    };
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags
            .set(name, value)
            .map_err(|e| CompileError::Config(format!("cranelift setting {name}: {e}")))
    };
    set(&mut flags, "opt_level", opt_level)?;
    set(&mut flags, "is_pic", "true")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    set(&mut flags, "preserve_frame_pointers", "false")?;
    let mut isa =
        cranelift_codegen::isa::lookup(parsed).map_err(|e| CompileError::Config(e.to_string()))?;
    if triple.starts_with("x86_64") {
        // x86-64-v2: every x86-64 machine of the last decade; gives native rounding and popcnt.
        for feature in [
            "has_sse3",
            "has_ssse3",
            "has_sse41",
            "has_sse42",
            "has_popcnt",
        ] {
            isa.enable(feature)
                .map_err(|e| CompileError::Config(format!("{feature}: {e}")))?;
        }
    }
    isa.finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Config(e.to_string()))
}
