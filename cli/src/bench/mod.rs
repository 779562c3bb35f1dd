//! `wasmaot bench`: run modules under several engines (wasmaot in process and as an executable,
//! the wasmi interpreter, runtime CLIs, native builds), time each phase, compare outputs, and
//! report medians with confidence intervals and ratios to a baseline.

pub mod bench_args;
mod engine_wasmaot;
mod engine_wasmi;
mod engines;
mod measurements;
mod one_run;
mod process_run;
mod region_clock;
mod report_files;
mod report_table;
mod schedule;
mod stats;
mod summary;
mod svg;
mod units;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bench_args::BenchArgs;
pub use one_run::bench_one;

use crate::cli_args::{BoundsChecksArg, CodegenArgs, RelaxedSimdArg};
use wasmaot_compiler::link::Scratch;

pub fn bench(args: &BenchArgs) -> Result<ExitCode, String> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(format!(
            "--timeout {}: expected a positive number of seconds",
            args.timeout
        ));
    }
    for dir in &args.dirs {
        one_run::parse_dir(dir)?;
    }
    let modules = args
        .modules
        .iter()
        .map(|m| {
            if !m.is_file() {
                return Err(format!("{}: no such module file", m.display()));
            }
            std::path::absolute(m).map_err(|e| format!("{}: {e}", m.display()))
        })
        .collect::<Result<Vec<PathBuf>, String>>()?;
    let scratch = Scratch::new()?;
    let node_runner = scratch.path().join("node-wasi.mjs");
    std::fs::write(&node_runner, engines::NODE_RUNNER)
        .map_err(|e| format!("{}: {e}", node_runner.display()))?;
    let (engines, found) = engines::resolve(&args.engines, &node_runner)?;
    if !found.is_empty() {
        eprintln!("{found}");
    }
    let names: Vec<String> = engines.iter().map(|e| e.name.clone()).collect();
    let baseline = baseline(args.baseline.as_deref(), &names)?;

    let plan = schedule::Plan {
        modules: &modules,
        engines: &engines,
        runs: args.runs,
        warmup: args.warmup,
        timeout: Duration::from_secs_f64(args.timeout),
        dirs: &args.dirs,
        codegen: &args.codegen,
        codegen_flags: codegen_flags(&args.codegen),
        args: &args.args,
        scratch: scratch.path(),
    };
    let cells = schedule::run(&plan);
    let paths: Vec<String> = args
        .modules
        .iter()
        .map(|m| m.display().to_string())
        .collect();
    let report = summary::build(&paths, &names, cells, baseline);

    print!("{}", report_table::render(&report, args.markdown));
    let files = [
        (
            &args.json,
            report_files::json(&report, args.runs, args.warmup),
        ),
        (&args.csv, report_files::csv(&report)),
        (&args.svg, svg::render(&report)),
    ];
    for (path, text) in files {
        if let Some(path) = path {
            write(path, &text)?;
        }
    }
    let all_ok = report
        .modules
        .iter()
        .flat_map(|m| &m.engines)
        .all(|e| e.output_ok());
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The engine ratios are given against: as asked, else `native`, else `wasmaot`, else the first.
fn baseline(asked: Option<&str>, names: &[String]) -> Result<usize, String> {
    let find = |name: &str| names.iter().position(|n| n == name);
    match asked {
        Some(name) => find(name).ok_or_else(|| {
            format!(
                "--baseline {name}: not one of the engines ({})",
                names.join(", ")
            )
        }),
        None => Ok(find("native").or_else(|| find("wasmaot")).unwrap_or(0)),
    }
}

/// The code generation flags, for the `bench-one` processes.
fn codegen_flags(codegen: &CodegenArgs) -> Vec<String> {
    let mut flags = vec![format!("-O{}", codegen.opt), format!("-j{}", codegen.jobs)];
    flags.push(format!(
        "--bounds-checks={}",
        match codegen.bounds_checks {
            BoundsChecksArg::Guard => "guard",
            BoundsChecksArg::Explicit => "explicit",
        }
    ));
    flags.push(format!(
        "--relaxed-simd={}",
        match codegen.relaxed_simd {
            RelaxedSimdArg::Fast => "fast",
            RelaxedSimdArg::Deterministic => "deterministic",
        }
    ));
    if let Some(cpu) = codegen.target_cpu {
        flags.push(format!("--target-cpu={cpu}"));
    }
    flags
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
