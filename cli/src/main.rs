//! `wasmaot`: compile WebAssembly ahead of time into native executables, shared objects and
//! object files.

mod bench;
mod cache;
mod cli_args;
mod compile_step;
mod inspect;
mod invoke;
mod link;
mod run;
mod runtimes;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use cli_args::{CacheAction, Cli, Command};

fn main() -> ExitCode {
    let version = format!(
        "{}\nexecutables for: {}",
        env!("CARGO_PKG_VERSION"),
        runtimes::embedded_targets().collect::<Vec<_>>().join(", ")
    );
    let parsed = Cli::command()
        .long_version(&*version.leak())
        .try_get_matches_from(with_run_shorthand(std::env::args_os().collect()))
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // Clap's whole message: what is wrong, the usage line, suggestions for typos.
            let _ = e.print();
            return ExitCode::from(1);
        }
    };
    let result = match cli.command {
        Command::Build(args) => link::build(&args),
        Command::Compile(args) => link::compile(&args),
        Command::Run(args) => run::run(&args),
        Command::Cache(args) => match args.action {
            CacheAction::Dir => cache::print_dir(),
            CacheAction::Clear => cache::clear(),
        },
        Command::Inspect(args) => inspect::inspect(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::BenchOne(args) => bench::bench_one(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// `wasmaot app.wasm ARGS` means `wasmaot run app.wasm ARGS`: a first argument that is neither
/// a flag nor a subcommand (nor a typo of one: it must name a module) gets `run` put before it.
fn with_run_shorthand(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    let is_subcommand = Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == first)
        || first == "help";
    let names_module = first.ends_with(".wasm") || first.ends_with(".wat");
    if !first.starts_with('-') && !is_subcommand && names_module {
        args.insert(1, OsString::from("run"));
    }
    args
}
