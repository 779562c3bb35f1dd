//! Read a module and compile it to object bytes, with a progress bar on a terminal when there
//! is a lot to compile.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use wasmaot_compiler::wasmaot_abi::ModuleMeta;
use wasmaot_compiler::{BoundsChecks, OptLevel, Options, TargetCpu, DEFAULT_GUARD_SIZE};

use crate::cli_args::{BoundsChecksArg, CodegenArgs, GrantArgs, RelaxedSimdArg};

/// Functions above which compiling is slow enough to show progress.
const PROGRESS_THRESHOLD: usize = 1000;

/// The compiler options of a command line. Code for this machine may use all its CPU
/// features unless told otherwise; code for a named target, only that target's baseline.
pub fn options(codegen: &CodegenArgs, target: Option<&str>) -> Options {
    let mut options = Options {
        opt_level: match codegen.opt.as_str() {
            "0" => OptLevel::O0,
            "1" => OptLevel::O1,
            _ => OptLevel::O2,
        },
        jobs: codegen.jobs,
        bounds_checks: match codegen.bounds_checks {
            BoundsChecksArg::Guard => BoundsChecks::GuardPages {
                guard: DEFAULT_GUARD_SIZE,
            },
            BoundsChecksArg::Explicit => BoundsChecks::Explicit,
        },
        relaxed_simd_deterministic: codegen.relaxed_simd == RelaxedSimdArg::Deterministic,
        interrupt_checks: codegen.interruptible,
        fuel: codegen.metered,
        inline: !codegen.no_inline,
        target_cpu: codegen.target_cpu.unwrap_or(match target {
            Some(_) => TargetCpu::Baseline,
            None => TargetCpu::Native,
        }),
        ..Options::default()
    };
    if let Some(target) = target {
        options.target = target.to_string();
    }
    options
}

/// `options` for an executable (the one instance of its module in its process): memory 0 at
/// a fixed address where the target gains from it, unless `codegen` says otherwise.
pub fn for_executable(mut options: Options, codegen: &CodegenArgs) -> Options {
    options.executable = true;
    if !codegen.any_memory_address {
        options.fixed_memory_base = wasmaot_compiler::executable_memory_base(&options.target);
        options.fixed_vmctx = wasmaot_compiler::executable_vmctx_address(&options.target);
    }
    options
}

/// `options` with the checks the limits of `grants` need: interruption checks for a timeout,
/// metering for fuel.
pub fn with_limits(mut options: Options, grants: &GrantArgs) -> Options {
    options.interrupt_checks |= grants.timeout.is_some();
    options.fuel |= grants.fuel.is_some();
    options
}

/// The module in `input`: binary, or the text format (turned into binary here), told apart
/// by the binary magic.
pub fn read_wasm(input: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        format!(
            "{}: not a WebAssembly module (neither binary nor UTF-8 text)",
            input.display()
        )
    })?;
    wat::parse_str(text).map_err(|e| {
        // One line: `input:LINE:COLUMN: message`, from the error's multi-line rendering.
        let shown = e.to_string();
        let message = shown.lines().next().unwrap_or("invalid text format");
        let place = shown
            .lines()
            .find_map(|l| l.trim().strip_prefix("--> "))
            .and_then(|at| {
                at.rsplitn(3, ':')
                    .collect::<Vec<_>>()
                    .get(..2)
                    .map(|p| format!(":{}:{}", p[1], p[0]))
            })
            .unwrap_or_default();
        format!("{}{place}: {message}", input.display())
    })
}

/// Compile `wasm` (read from `input`, named in errors) into an object, parsing it once. With
/// `command`, also check that it is a WASI command (what an executable can run).
pub fn compile_object(
    input: &Path,
    wasm: &[u8],
    options: &Options,
    command: bool,
) -> Result<Vec<u8>, String> {
    let name = |e: wasmaot_compiler::CompileError| format!("{}: {e}", input.display());
    let parsed = wasmaot_compiler::parse(wasm, options).map_err(name)?;
    // Reported after compiling: an invalid module is invalid before it is the wrong kind.
    let kind = match command {
        true => check_command(input, &parsed.meta),
        false => Ok(()),
    };
    let functions = parsed.functions.len();
    let bar = if functions >= PROGRESS_THRESHOLD && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(functions as u64);
        let style = ProgressStyle::with_template("compiling {bar:40} {pos}/{len} functions")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = wasmaot_compiler::compile_parsed(parsed, options, &|| bar.inc(1));
    bar.finish_and_clear();
    let object = result.map_err(|e| name(e.explained(wasm)))?;
    kind.map(|()| object)
}

/// An executable runs a WASI command: it may import only WASI functions and must export
/// `_start`.
pub fn check_command(input: &Path, meta: &ModuleMeta) -> Result<(), String> {
    use wasmaot_compiler::wasmaot_abi::metadata::{ExternKind, ImportKind};
    use wasmaot_compiler::wasmaot_abi::WASI_MODULE;
    if let Some(import) = meta
        .imports
        .iter()
        .find(|i| i.module != WASI_MODULE || !matches!(i.kind, ImportKind::Func(_)))
    {
        return Err(format!(
            "{}: imports {}::{}, but an executable can only import {WASI_MODULE} functions",
            input.display(),
            import.module,
            import.name
        ));
    }
    // WASI preview1 is defined for 32-bit pointers into memory 0; a wasm64 program's WASI
    // calls would pass 64-bit ones that no preview1 signature takes.
    if !meta.imports.is_empty() && meta.memories.first().is_some_and(|m| m.memory64) {
        return Err(format!(
            "{}: memory 0 is 64-bit (memory64), but WASI preview1 takes 32-bit pointers: a WASI command needs a 32-bit memory",
            input.display()
        ));
    }
    if !meta
        .exports
        .iter()
        .any(|e| e.name == "_start" && e.kind == ExternKind::Func)
    {
        return Err(format!(
            "{}: exports no `_start` function: not a WASI command (use `wasmaot compile` for libraries)",
            input.display()
        ));
    }
    Ok(())
}
