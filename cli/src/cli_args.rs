//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use wasmaot_compiler::TargetCpu;

/// Said after every `--help`: what the tool reads from its environment and keeps on disk.
const ENVIRONMENT_HELP: &str = "\
Modules may be binary (.wasm) or text (.wat). `wasmaot app.wasm ARGS` is short for
`wasmaot run app.wasm ARGS`.

Environment:
  CC              the C compiler used to link (default: cc)
  CC_<TRIPLE>     the C compiler used to link for a target, e.g. CC_aarch64_unknown_linux_gnu
                  (default for the other Linux target: aarch64-linux-gnu-gcc or
                  x86_64-linux-gnu-gcc)
  WASMAOT_RUNTIME_DIR
                  a directory of runtime libraries, DIR/TRIPLE/libwasmaot_runtime_exe.a, used
                  instead of the ones carried inside wasmaot (`wasmaot --version` lists those)
  WASMAOT_OPTS    read by built executables at run time: more grants, as flags
                  (--dir, --dir-ro, --env, --inherit-env), split on whitespace
  XDG_CACHE_HOME  where `run` keeps compiled programs ($XDG_CACHE_HOME/wasmaot, else
                  ~/.cache/wasmaot): a private directory (mode 0700), entries checked by
                  hash before they run; see `wasmaot cache`";

#[derive(Parser)]
#[command(
    name = "wasmaot",
    version,
    about = "Ahead-of-time WebAssembly compiler: .wasm to native code",
    after_help = ENVIRONMENT_HELP,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Compile a WASI program into a standalone native executable.
    #[command(after_help = ENVIRONMENT_HELP)]
    Build(BuildArgs),
    /// Compile a module into a shared object (for the embedding API) or an object file.
    #[command(after_help = ENVIRONMENT_HELP)]
    Compile(CompileArgs),
    /// Compile (cached by content) and run a WASI program: `wasmaot run app.wasm ARGS`
    /// (everything after the module goes to the program).
    #[command(after_help = ENVIRONMENT_HELP)]
    Run(RunArgs),
    /// Show or clear the cache of compiled programs `run` keeps.
    Cache(CacheArgs),
    /// Validate a module and print what it imports, exports and defines.
    Inspect(InspectArgs),
    /// Benchmark modules under wasmaot, wasmi, other runtimes and native builds:
    /// `wasmaot bench m.wasm --engine native=./m.native -- ARGS`.
    Bench(crate::bench::bench_args::BenchArgs),
    /// One in-process run for `bench` (internal).
    #[command(name = "bench-one", hide = true)]
    BenchOne(crate::bench::bench_args::BenchOneArgs),
}

#[derive(Args)]
pub struct InspectArgs {
    /// The WebAssembly module to describe (.wasm or .wat).
    pub input: PathBuf,
    /// The CPU level whose features to report (as for build).
    #[arg(long = "target-cpu", value_name = "NAME", value_parser = parse_target_cpu)]
    pub target_cpu: Option<TargetCpu>,
}

#[derive(Args, Clone)]
pub struct CodegenArgs {
    /// Optimisation: 0 (fast compile), 1 (speed and size), 2 (speed, with small functions
    /// inlined into their callers).
    #[arg(short = 'O', default_value = "2", value_parser = ["0", "1", "2"])]
    pub opt: String,
    /// Do not inline functions into their callers (at -O2), for comparison or debugging:
    /// every wasm call stays a machine call.
    #[arg(long = "no-inline")]
    pub no_inline: bool,
    /// Compile with N threads (default: one per core). The output does not depend on N.
    #[arg(
        short = 'j',
        long = "jobs",
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub jobs: usize,
    /// How memory accesses are kept in bounds.
    #[arg(long = "bounds-checks", value_enum, default_value_t = BoundsChecksArg::Guard)]
    pub bounds_checks: BoundsChecksArg,
    /// CPU features the code may use: native, baseline (alias x86-64, armv8-a), x86-64-v2,
    /// x86-64-v3, x86-64-v4. Default: native, or baseline with --target. The output refuses
    /// to start on a CPU lacking what it was compiled for.
    #[arg(long = "target-cpu", value_name = "NAME", value_parser = parse_target_cpu)]
    pub target_cpu: Option<TargetCpu>,
    /// Relaxed SIMD: the fastest result the CPU gives (fast), or the same result on every CPU
    /// and target (deterministic).
    #[arg(long = "relaxed-simd", value_enum, default_value_t = RelaxedSimdArg::Fast)]
    pub relaxed_simd: RelaxedSimdArg,
    /// Compile interruption checks (function entries, loop headers), so that a timeout given
    /// at run time (WASMAOT_OPTS, or the embedding API's interrupt handle) can stop the code.
    #[arg(long = "interruptible")]
    pub interruptible: bool,
    /// Compile fuel metering, so that fuel given at run time limits the code.
    #[arg(long = "metered")]
    pub metered: bool,
    /// Executables (build, run): let the kernel place the program's memory and its instance's
    /// context (the vmctx) anywhere. By default, on x86-64 Linux, the memory is reserved at
    /// 0x60000000 and every access takes its base as a constant, and the vmctx is mapped at
    /// 0x50000000, whose address the code takes as a constant too, which is faster; use this
    /// where something else maps memory there.
    #[arg(long = "any-memory-address")]
    pub any_memory_address: bool,
}

fn parse_target_cpu(name: &str) -> Result<TargetCpu, String> {
    name.parse()
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RelaxedSimdArg {
    /// The host's fastest instruction among the results the spec allows.
    Fast,
    /// One fixed result on every CPU and target.
    Deterministic,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum BoundsChecksArg {
    /// No checks: a 4 GiB reservation plus guard pages catch every out-of-bounds access.
    Guard,
    /// Compare every access with the memory size; memories reserve only what they use and
    /// move when they grow (for hosts short of address space).
    Explicit,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The WebAssembly module (a WASI command; .wasm or .wat).
    pub input: PathBuf,
    /// The executable to write (not the input).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Remove the symbol table (which names the wasm functions for debuggers and profilers).
    #[arg(long = "strip")]
    pub strip: bool,
    /// Link the C library in too: a fully static executable that needs nothing installed and
    /// runs on any Linux of its architecture (not for macOS targets).
    #[arg(long = "static")]
    pub static_link: bool,
    /// Build for another machine: x86_64-unknown-linux-gnu or aarch64-unknown-linux-gnu
    /// (default: this machine). Needs that target's runtime library (see README) and linker.
    #[arg(long = "target", value_name = "TRIPLE")]
    pub target: Option<String>,
    /// The C compiler that links (default: $CC_<triple>, else `cc` for this machine or
    /// `<arch>-linux-gnu-gcc` for another Linux target).
    #[arg(long = "linker", value_name = "CC")]
    pub linker: Option<String>,
    #[command(flatten)]
    pub grants: GrantArgs,
    #[command(flatten)]
    pub codegen: CodegenArgs,
}

/// What the program may reach. Executables also read these flags at run time from the
/// `WASMAOT_OPTS` environment variable.
#[derive(Args, Clone, Default)]
pub struct GrantArgs {
    /// Grant a host directory, seen by the program as GUEST (default: HOST) (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dir: Vec<String>,
    /// Grant a host directory read-only: nothing in it can be modified (repeatable).
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]")]
    pub dir_ro: Vec<String>,
    /// Give the program an environment variable, or with NAME alone the host's NAME at run
    /// time, if set (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE|NAME")]
    pub env: Vec<String>,
    /// Pass the host's environment to the program (`--env` entries override it).
    #[arg(long = "inherit-env")]
    pub inherit_env: bool,
    /// The most each linear memory may hold (bytes, or with K, M, G: KiB, MiB, GiB);
    /// `memory.grow` past it fails, as it may.
    #[arg(long = "max-memory", value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// Stop the program with "deadline exceeded" after DURATION (500ms, 2s, 1m): the code is
    /// compiled with interruption checks.
    #[arg(long = "timeout", value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Stop the program with "fuel exhausted" once it has run about N instructions: the code
    /// is compiled with fuel metering (deterministic, unlike --timeout).
    #[arg(long = "fuel", value_name = "N")]
    pub fuel: Option<String>,
    /// The most stack the program's wasm code may use (bytes, or with K, M, G); deeper
    /// recursion traps with "call stack exhausted". At most what the main thread has.
    #[arg(long = "max-wasm-stack", value_name = "SIZE")]
    pub max_wasm_stack: Option<String>,
    /// The most elements each table may hold; `table.grow` past it fails, as it may.
    #[arg(long = "max-table-elements", value_name = "N")]
    pub max_table_elements: Option<String>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Emit {
    /// A relocatable object file.
    Obj,
    /// A shared object for the embedding API.
    So,
}

#[derive(Args)]
pub struct CompileArgs {
    /// The WebAssembly module (.wasm or .wat).
    pub input: PathBuf,
    /// The shared object or object file to write (not the input).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// What to write (default: from the output's extension, `.o` for obj, else so).
    #[arg(long = "emit", value_enum)]
    pub emit: Option<Emit>,
    /// Target triple (default: this machine): x86_64-unknown-linux-gnu,
    /// aarch64-unknown-linux-gnu, and for `--emit obj` also x86_64-apple-darwin and
    /// aarch64-apple-darwin.
    #[arg(long = "target", value_name = "TRIPLE")]
    pub target: Option<String>,
    /// The C compiler that links a shared object (default: $CC_<triple>, else `cc` for this
    /// machine or `<arch>-linux-gnu-gcc` for another Linux target).
    #[arg(long = "linker", value_name = "CC")]
    pub linker: Option<String>,
    #[command(flatten)]
    pub codegen: CodegenArgs,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub grants: GrantArgs,
    #[command(flatten)]
    pub codegen: CodegenArgs,
    /// Call this export instead of `_start`, with ARGS as its parameters (numbers; floats may
    /// be `nan`, `inf`), and print its results one per line.
    #[arg(long = "invoke", value_name = "NAME")]
    pub invoke: Option<String>,
    /// Compile afresh into a private temporary directory, and keep nothing.
    #[arg(long = "no-cache")]
    pub no_cache: bool,
    /// The WebAssembly module (a WASI command; .wasm or .wat).
    pub input: PathBuf,
    /// Arguments for the program (or for the export with --invoke); flags after the module
    /// are the program's too.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

#[derive(Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
}

#[derive(Subcommand)]
pub enum CacheAction {
    /// Print the cache directory.
    Dir,
    /// Delete every cached program.
    Clear,
}
