//! `wasmaot`: compile WebAssembly ahead of time into native executables, shared objects and
//! object files.

mod bench;
mod cache;
mod cli_args;
mod compile_step;
mod inspect;
mod link;

use std::process::ExitCode;

use clap::Parser;

use cli_args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad command line");
            eprintln!("{first} (see wasmaot --help)");
            return ExitCode::from(1);
        }
    };
    let result = match cli.command {
        Command::Build(args) => link::build(&args),
        Command::Compile(args) => link::compile(&args),
        Command::Run(args) => cache::run(&args),
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
