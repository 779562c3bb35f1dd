//! `build` and `compile`: compile, then link with the system C compiler (`cc`, or `$CC`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::cli_args::{BuildArgs, CompileArgs, Emit, GrantArgs};
use crate::compile_step::{check_command, compile_object, options, read_wasm};

/// The runtime's static library, carried inside this binary.
static RUNTIME_LIB: &[u8] = include_bytes!(env!("WASMAOT_RUNTIME_LIB"));

/// System libraries the Rust runtime library needs.
const SYSTEM_LIBS: &[&str] = &[
    "-Wl,--as-needed",
    "-static-libgcc",
    "-lpthread",
    "-ldl",
    "-lm",
];

pub fn build(args: &BuildArgs) -> Result<ExitCode, String> {
    let wasm = read_wasm(&args.input)?;
    let config = exe_config(&args.grants)?;
    let object = compile_object(&args.input, &wasm, &options(&args.codegen, None))?;
    check_command(&args.input, &wasm)?;
    link_executable(&object, &config, &args.output)?;
    Ok(ExitCode::SUCCESS)
}

/// Validate the grants and render the executable's configuration text: one grant per line,
/// `dir HOST::GUEST`, `dir-ro HOST::GUEST`, `env KEY=VALUE`, `inherit-env` (the runtime's
/// `wasi::grants` reads it). Directories keep their order: `--dir` ones, then `--dir-ro` ones.
pub fn exe_config(grants: &GrantArgs) -> Result<String, String> {
    let mut config = String::new();
    let dirs = grants.dir.iter().map(|d| ("dir", d));
    for (key, value) in dirs.chain(grants.dir_ro.iter().map(|d| ("dir-ro", d))) {
        let (host, guest) = value.split_once("::").unwrap_or((value, value));
        if host.is_empty() || guest.is_empty() || value.contains('\n') {
            return Err(format!("--{key} {value}: expected HOST[::GUEST]"));
        }
        config.push_str(&format!("{key} {host}::{guest}\n"));
    }
    for entry in &grants.env {
        match entry.split_once('=') {
            Some((key, _)) if !key.is_empty() && !entry.contains('\n') => {
                config.push_str(&format!("env {entry}\n"));
            }
            _ => return Err(format!("--env {entry}: expected KEY=VALUE")),
        }
    }
    if grants.inherit_env {
        config.push_str("inherit-env\n");
    }
    Ok(config)
}

pub fn compile(args: &CompileArgs) -> Result<ExitCode, String> {
    let emit = args.emit.unwrap_or_else(|| match args.output.extension() {
        Some(ext) if ext == "o" || ext == "obj" => Emit::Obj,
        _ => Emit::So,
    });
    if emit == Emit::So && args.target.is_some() {
        return Err("--target is only for --emit obj (shared objects are for this machine)".into());
    }
    let wasm = read_wasm(&args.input)?;
    let object = compile_object(
        &args.input,
        &wasm,
        &options(&args.codegen, args.target.as_deref()),
    )?;
    match emit {
        Emit::Obj => write(&args.output, &object)?,
        Emit::So => link_shared(&object, &args.output)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// A scratch directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Result<Scratch, String> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let dir = base.join(format!("wasmaot-{}-{attempt}", std::process::id()));
            if std::fs::create_dir(&dir).is_ok() {
                return Ok(Scratch(dir));
            }
        }
        Err(format!(
            "cannot create a scratch directory in {}",
            base.display()
        ))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn linker() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_string())
}

fn run_linker(command: &mut Command, output: &Path) -> Result<(), String> {
    let result = command.output().map_err(|e| {
        format!(
            "cannot run the linker `{}`: {e} (install a C compiler, or set CC)",
            linker()
        )
    })?;
    if !result.status.success() {
        let stderr = String::from_utf8_lossy(&result.stderr);
        let first = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!("{}: linking failed: {first}", output.display()));
    }
    Ok(())
}

pub fn link_executable(object: &[u8], config: &str, output: &Path) -> Result<(), String> {
    let scratch = Scratch::new()?;
    let obj = scratch.0.join("module.o");
    let lib = scratch.0.join("libwasmaot_runtime.a");
    let config_c = scratch.0.join("config.c");
    write(&obj, object)?;
    write(&lib, RUNTIME_LIB)?;
    write(&config_c, config_source(config).as_bytes())?;
    let mut command = Command::new(linker());
    command
        .arg("-o")
        .arg(output)
        .arg(&obj)
        .arg(&config_c)
        .arg(&lib)
        .args(SYSTEM_LIBS)
        .args(["-Wl,--gc-sections", "-s"]);
    run_linker(&mut command, output)
}

/// C source defining the configuration symbols the runtime reads.
fn config_source(config: &str) -> String {
    let bytes: Vec<String> = config.bytes().map(|b| b.to_string()).collect();
    format!(
        "const unsigned char wasmaot_exe_config[] = {{{}0}};\nconst unsigned long long wasmaot_exe_config_len = {};\n",
        bytes.iter().map(|b| format!("{b},")).collect::<String>(),
        config.len()
    )
}

pub fn link_shared(object: &[u8], output: &Path) -> Result<(), String> {
    let scratch = Scratch::new()?;
    let obj = scratch.0.join("module.o");
    write(&obj, object)?;
    let mut command = Command::new(linker());
    // -lm: code for CPUs without SSE4.1 or FMA calls the C library's rounding and fma.
    command
        .arg("-shared")
        .arg("-o")
        .arg(output)
        .arg(&obj)
        .arg("-lm");
    run_linker(&mut command, output)
}
