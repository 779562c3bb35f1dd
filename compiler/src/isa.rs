//! The Cranelift target ISA for a compilation: target triple, optimisation level, CPU features.

use std::fmt;
use std::str::FromStr;

use cranelift_codegen::isa::{self, OwnedTargetIsa};
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

/// Which CPU features the generated code may use (`--target-cpu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetCpu {
    /// Everything the CPU running the compiler has (the target must be this machine).
    Native,
    /// The target's baseline: SSE2 on x86-64, ARMv8.0-A with NEON on aarch64.
    Baseline,
    /// x86-64-v2: SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B.
    X86_64V2,
    /// x86-64-v3: v2 plus AVX, AVX2, BMI1, BMI2, FMA, LZCNT.
    X86_64V3,
    /// x86-64-v4: v3 plus AVX-512 F, DQ and VL.
    X86_64V4,
}

/// The names `--target-cpu` accepts.
pub const TARGET_CPU_NAMES: &[&str] = &[
    "native",
    "baseline",
    "x86-64",
    "x86-64-v2",
    "x86-64-v3",
    "x86-64-v4",
    "armv8-a",
];

impl FromStr for TargetCpu {
    type Err = String;

    fn from_str(name: &str) -> Result<TargetCpu, String> {
        Ok(match name {
            "native" => TargetCpu::Native,
            "baseline" | "x86-64" | "armv8-a" => TargetCpu::Baseline,
            "x86-64-v2" => TargetCpu::X86_64V2,
            "x86-64-v3" => TargetCpu::X86_64V3,
            "x86-64-v4" => TargetCpu::X86_64V4,
            _ => {
                return Err(format!(
                    "unknown target CPU `{name}` (known: {})",
                    TARGET_CPU_NAMES.join(", ")
                ))
            }
        })
    }
}

impl fmt::Display for TargetCpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetCpu::Native => "native",
            TargetCpu::Baseline => "baseline",
            TargetCpu::X86_64V2 => "x86-64-v2",
            TargetCpu::X86_64V3 => "x86-64-v3",
            TargetCpu::X86_64V4 => "x86-64-v4",
        })
    }
}

/// Cranelift's x86-64 feature settings each microarchitecture level adds to the one below.
const X86_64_V2: &[&str] = &[
    "has_sse3",
    "has_ssse3",
    "has_sse41",
    "has_sse42",
    "has_popcnt",
    "has_cmpxchg16b",
];
const X86_64_V3: &[&str] = &[
    "has_avx",
    "has_avx2",
    "has_bmi1",
    "has_bmi2",
    "has_fma",
    "has_lzcnt",
];
const X86_64_V4: &[&str] = &["has_avx512f", "has_avx512dq", "has_avx512vl"];

/// The feature settings of an x86-64 level, its own and those of the levels below.
fn x86_64_level(cpu: TargetCpu) -> Vec<&'static str> {
    let levels: &[&[&str]] = match cpu {
        TargetCpu::X86_64V2 => &[X86_64_V2],
        TargetCpu::X86_64V3 => &[X86_64_V2, X86_64_V3],
        TargetCpu::X86_64V4 => &[X86_64_V2, X86_64_V3, X86_64_V4],
        TargetCpu::Native | TargetCpu::Baseline => &[],
    };
    levels.concat()
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

fn config_error(e: impl fmt::Display) -> CompileError {
    CompileError::Config(e.to_string())
}

pub fn target_isa(triple: &str, opt: OptLevel, cpu: TargetCpu) -> Result<OwnedTargetIsa> {
    if !SUPPORTED_TARGETS.contains(&triple) {
        return Err(CompileError::Config(format!(
            "unsupported target `{triple}` (supported: {})",
            SUPPORTED_TARGETS.join(", ")
        )));
    }
    let parsed = Triple::from_str(triple).map_err(config_error)?;
    let x86 = triple.starts_with("x86_64");
    let isa = match cpu {
        TargetCpu::Native => {
            if triple != host_triple() {
                return Err(CompileError::Config(format!(
                    "--target-cpu native describes this machine, not `{triple}`: name a CPU level"
                )));
            }
            cranelift_native::builder_with_options(true).map_err(config_error)?
        }
        TargetCpu::Baseline => isa::lookup(parsed).map_err(config_error)?,
        level if x86 => {
            let mut builder = isa::lookup(parsed).map_err(config_error)?;
            for feature in x86_64_level(level) {
                builder
                    .enable(feature)
                    .map_err(|e| CompileError::Config(format!("{feature}: {e}")))?;
            }
            builder
        }
        level => {
            return Err(CompileError::Config(format!(
                "--target-cpu {level} is an x86-64 level; `{triple}` takes native or baseline"
            )))
        }
    };
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
    // Cranelift's tail calls (`return_call`, which wasm functions may use) rely on every frame
    // having a frame pointer.
    set(&mut flags, "preserve_frame_pointers", "true")?;
    isa.finish(settings::Flags::new(flags))
        .map_err(config_error)
}

/// The CPU features (Cranelift setting names) `isa` lets generated code use.
pub fn cpu_features(isa: &dyn isa::TargetIsa) -> Vec<String> {
    isa.isa_flags()
        .iter()
        .filter(|v| v.name.starts_with("has_") && v.as_bool() == Some(true))
        .map(|v| v.name.to_string())
        .collect()
}

/// How many integer registers the register allocator has for values on `isa`'s machine: on
/// x86-64, 16 less the stack and frame pointers; on aarch64, x0-x15 and x19-x28 (x16-x18
/// are scratch and platform registers, x29 and x30 the frame pointer and link register).
pub fn integer_registers(isa: &dyn isa::TargetIsa) -> usize {
    match isa.triple().architecture {
        target_lexicon::Architecture::Aarch64(_) => 26,
        _ => 14,
    }
}
