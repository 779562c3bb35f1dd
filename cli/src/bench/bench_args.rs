//! The command lines of `wasmaot bench` and of its hidden one-run helper.

use std::path::PathBuf;

use clap::Args;

use crate::cli_args::CodegenArgs;

#[derive(Args)]
pub struct BenchArgs {
    /// Modules to run: WASI commands, including Sightglass benchmarks (`bench.start`/`bench.end`).
    #[arg(required = true, value_name = "MODULE.wasm")]
    pub modules: Vec<PathBuf>,
    /// An engine: `wasmaot` (in process), `wasmaot-exe` (standalone executable), `wasmi`, or
    /// NAME=COMMAND run as a process, with `{wasm}`, `{name}` (file stem) and `{dir}` replaced
    /// (repeatable). Default: the built-in ones and every known runtime found on PATH.
    #[arg(long = "engine", value_name = "NAME[=COMMAND]")]
    pub engines: Vec<String>,
    /// Measured runs per module and engine, interleaved across engines.
    #[arg(long = "runs", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Unmeasured runs per module and engine before the measured ones.
    #[arg(long = "warmup", default_value_t = 1)]
    pub warmup: u32,
    /// The engine ratios are given against (default: `native` if given, else `wasmaot`).
    #[arg(long = "baseline", value_name = "ENGINE")]
    pub baseline: Option<String>,
    /// Seconds a single run may take before it is stopped and reported.
    #[arg(long = "timeout", default_value_t = 600.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Grant another directory, HOST[::GUEST], to the built-in engines (the module's own
    /// directory is always granted as `.`) (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,
    /// Write every run's times and the summary as JSON.
    #[arg(long = "json", value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the summary as CSV, one line per module, engine and phase.
    #[arg(long = "csv", value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Print the table as Markdown.
    #[arg(long = "markdown")]
    pub markdown: bool,
    /// Draw run time per module and engine relative to the baseline (log scale) as SVG.
    #[arg(long = "svg", value_name = "FILE")]
    pub svg: Option<PathBuf>,
    #[command(flatten)]
    pub codegen: CodegenArgs,
    /// Arguments for every module (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// One in-process run, in a process of its own so that the program's output can be captured:
/// `wasmaot bench-one --engine wasmaot|wasmi --report FILE MODULE -- ARGS`.
#[derive(Args)]
pub struct BenchOneArgs {
    pub module: PathBuf,
    #[arg(long = "engine")]
    pub engine: String,
    /// Where to write the phase times.
    #[arg(long = "report")]
    pub report: PathBuf,
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,
    #[command(flatten)]
    pub codegen: CodegenArgs,
    #[arg(last = true)]
    pub args: Vec<String>,
}
