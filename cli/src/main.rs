//! `wasmaot`: compile WebAssembly ahead of time into native executables, shared objects and
//! object files.

mod cache;
mod cli_args;
mod compile_step;
mod link;

use std::process::ExitCode;

use clap::Parser;

use cli_args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => link::build(&args),
        Command::Compile(args) => link::compile(&args),
        Command::Run(args) => cache::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
