//! `run`: build the program once per content, compiler and flags (cached, see `cache.rs`) and
//! run it with the grants of this command line, given at run time through
//! [`RUN_CONFIG_VAR`] rather than baked into the cached file. `--invoke` calls one export
//! in-process instead (`invoke.rs`); `--no-cache` builds into a private temporary directory
//! and keeps nothing.

use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};
use wasmaot_compiler::wasmaot_abi::exe_config::RUN_CONFIG_VAR;
use wasmaot_compiler::Options;

use crate::cache;
use crate::cli_args::RunArgs;
use crate::compile_step::{compile_object, for_executable, options, read_wasm, with_limits};
use crate::link::{exe_config, link_executable};

pub fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let wasm = read_wasm(&args.input)?;
    let opts = with_limits(options(&args.codegen, None), &args.grants);
    if let Some(name) = &args.invoke {
        return crate::invoke::invoke(args, &wasm, &opts, name);
    }
    let opts = for_executable(opts, &args.codegen);
    let config = exe_config(&args.grants)?;
    let build = |path: &Path| {
        let object = compile_object(&args.input, &wasm, &opts, true)?;
        link_executable(&object, &wasm, "", path)
    };
    if args.no_cache {
        let dir = TempDir::new()?;
        let exe = dir.0.join("program");
        build(&exe)?;
        let status = program(&exe, args, &config)
            .status()
            .map_err(|e| cannot_run(args, e))?;
        return Ok(exit_code(status));
    }
    let key = cache_key(args, &opts, &wasm, "exe")?;
    let dir = cache::open()?;
    let exe = match cache::lookup(&dir, &key) {
        Some(exe) => exe,
        None => cache::insert(&dir, &key, build)?,
    };
    let error = program(&exe, args, &config).exec();
    Err(cannot_run(args, error))
}

/// The command running `exe` as the program, named after the module, with its arguments and
/// the grants in its environment.
fn program(exe: &Path, args: &RunArgs, config: &str) -> Command {
    let mut command = Command::new(exe);
    command
        .arg0(&args.input)
        .args(&args.args)
        .env(RUN_CONFIG_VAR, config);
    command
}

fn cannot_run(args: &RunArgs, error: std::io::Error) -> String {
    format!(
        "{}: cannot run the compiled program: {error}",
        args.input.display()
    )
}

/// The exit status of a finished child as ours (a signal as 128 + its number, as shells do).
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1);
    ExitCode::from(code as u8)
}

/// The cache key of the module compiled with `opts` into an artifact of `kind`: what decides
/// the machine code (the CPU features `native` stands for, the compiler (its sources and
/// locked dependencies) and runtime, the options, the module), never grants.
pub fn cache_key(
    args: &RunArgs,
    opts: &Options,
    wasm: &[u8],
    kind: &str,
) -> Result<String, String> {
    let cpu_features = wasmaot_compiler::cpu_features(opts)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update(cpu_features.join(",").as_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(env!("WASMAOT_RUNTIME_HASH").as_bytes());
    hasher.update(env!("WASMAOT_COMPILER_HASH").as_bytes());
    hasher.update(format!("{opts:?}").as_bytes());
    hasher.update(wasm);
    Ok(cache::hex(&hasher.finalize()))
}

/// A private (0700) temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Result<TempDir, String> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = base.join(format!("wasmaot-{}-{nanos}-{attempt}", std::process::id()));
            // `create` fails if the name exists: nobody else's directory is ever used.
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("{}: {e}", dir.display())),
            }
        }
        Err(format!(
            "{}: cannot make a private directory",
            base.display()
        ))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    /// The cache key covers the compiler: its sources and locked dependencies are hashed at
    /// build time apart from the runtime's.
    #[test]
    fn the_cache_key_names_the_compiler_and_the_runtime_separately() {
        let compiler = env!("WASMAOT_COMPILER_HASH");
        let runtime = env!("WASMAOT_RUNTIME_HASH");
        for hash in [compiler, runtime] {
            assert_eq!(hash.len(), 16, "{hash}");
            assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
        }
        assert_ne!(compiler, runtime);
    }
}
