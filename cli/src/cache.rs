//! `run`: build the program once per content, compiler version, flags and grants, keep the
//! executable in the user's cache directory, and exec it. Grants are baked into the cached
//! executable (relative directories stay relative to the working directory it runs in).

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

use crate::cli_args::RunArgs;
use crate::compile_step::{compile_object, options, read_wasm};
use crate::link::{exe_config, link_executable};

fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("wasmaot");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".cache").join("wasmaot");
    }
    std::env::temp_dir().join("wasmaot-cache")
}

pub fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let wasm = read_wasm(&args.input)?;
    let config = exe_config(&args.grants)?;
    let opts = options(&args.codegen, None);
    // `native` names different code on different machines: key on the features themselves.
    let cpu_features = wasmaot_compiler::cpu_features(&opts)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let mut hasher = Sha256::new();
    hasher.update(cpu_features.join(",").as_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(env!("WASMAOT_RUNTIME_HASH").as_bytes());
    hasher.update(format!("{opts:?}").as_bytes());
    hasher.update((config.len() as u64).to_le_bytes());
    hasher.update(config.as_bytes());
    hasher.update(&wasm);
    let key: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = cache_dir();
    let exe = dir.join(&key);
    if !exe.exists() {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let object = compile_object(&args.input, &wasm, &opts, true)?;
        let partial = dir.join(format!("{key}.{}.tmp", std::process::id()));
        link_executable(&object, &config, &partial)?;
        std::fs::rename(&partial, &exe).map_err(|e| format!("{}: {e}", exe.display()))?;
    }
    let error = Command::new(&exe).arg0(&args.input).args(&args.args).exec();
    Err(format!(
        "{}: cannot run the compiled program: {error}",
        args.input.display()
    ))
}
