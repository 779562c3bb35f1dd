//! `build` and `compile`: compile, then link (`wasmaot_compiler::link`) with the system C
//! compiler (`cc`, or `$CC`).

use std::path::Path;
use std::process::ExitCode;

use wasmaot_compiler::wasmaot_abi::exe_config::{
    render_line, CONFIG_LEN_SYMBOL, CONFIG_SYMBOL, WASI_FUNCTIONS_SYMBOL, WASI_FUNCTION_PREFIX,
};
use wasmaot_compiler::wasmaot_abi::WASI_MODULE;

use wasmaot_compiler::link::{check_exe_options, ExeOptions, Linker};
use wasmaot_compiler::{host_triple, SUPPORTED_TARGETS};

use crate::cli_args::{BuildArgs, CompileArgs, Emit, GrantArgs};
use crate::compile_step::{compile_object, for_executable, options, read_wasm, with_limits};
use crate::runtimes;

pub fn build(args: &BuildArgs) -> Result<ExitCode, String> {
    refuse_overwriting_input(&args.input, &args.output)?;
    let wasm = read_wasm(&args.input)?;
    let config = exe_config(&args.grants)?;
    let target = args.target.as_deref();
    let options = with_limits(options(&args.codegen, target), &args.grants);
    let options = for_executable(options, &args.codegen);
    check_target(&options.target)?;
    let exe = ExeOptions {
        strip: args.strip,
        keep_debug: wasmaot_compiler::has_debug_lines(&wasm),
        static_link: args.static_link,
    };
    check_exe_options(&options.target, exe)?;
    let runtime = runtimes::library(&options.target)?;
    let linker = Linker::for_target(&options.target, args.linker.as_deref())?;
    let object = compile_object(&args.input, &wasm, &options, true)?;
    let source = exe_source(&config, &wasm);
    linker.link_executable(&object, &runtime, &source, &args.output, exe)?;
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
        let line = format!("{host}::{guest}");
        match render_line(key, Some(&line)) {
            Some(line) if !host.is_empty() && !guest.is_empty() => config.push_str(&line),
            _ => return Err(format!("--{key} {value}: expected HOST[::GUEST]")),
        }
    }
    for entry in &grants.env {
        let key = entry.split_once('=').map_or(entry.as_str(), |(key, _)| key);
        match render_line("env", Some(entry)) {
            Some(line) if !key.is_empty() && !entry.contains('\0') => config.push_str(&line),
            _ => return Err(format!("--env {entry}: expected KEY=VALUE or NAME")),
        }
    }
    if grants.inherit_env {
        config.push_str(&render_line("inherit-env", None).unwrap_or_default());
    }
    if let Some(size) = &grants.max_memory {
        let bytes = wasmaot_wasi::grants::parse_size(size)?;
        config.push_str(&render_line("max-memory", Some(&bytes.to_string())).unwrap_or_default());
    }
    if let Some(text) = &grants.timeout {
        let duration = wasmaot_wasi::grants::parse_duration(text)?;
        let line = render_line("timeout", Some(&format!("{}ms", duration.as_millis())));
        config.push_str(&line.unwrap_or_default());
    }
    if let Some(size) = &grants.max_wasm_stack {
        let bytes = wasmaot_wasi::grants::parse_size_of("--max-wasm-stack", size)?;
        let line = render_line("max-wasm-stack", Some(&bytes.to_string()));
        config.push_str(&line.unwrap_or_default());
    }
    if let Some(text) = &grants.max_table_elements {
        let entries: u64 = text
            .parse()
            .map_err(|_| format!("--max-table-elements {text}: expected a whole number"))?;
        let line = render_line("max-table-elements", Some(&entries.to_string()));
        config.push_str(&line.unwrap_or_default());
    }
    if let Some(text) = &grants.fuel {
        let fuel = wasmaot_wasi::grants::parse_fuel(text)?;
        config.push_str(&render_line("fuel", Some(&fuel.to_string())).unwrap_or_default());
    }
    Ok(config)
}

pub fn compile(args: &CompileArgs) -> Result<ExitCode, String> {
    let emit = args.emit.unwrap_or_else(|| match args.output.extension() {
        Some(ext) if ext == "o" || ext == "obj" => Emit::Obj,
        _ => Emit::So,
    });
    refuse_overwriting_input(&args.input, &args.output)?;
    let wasm = read_wasm(&args.input)?;
    let options = options(&args.codegen, args.target.as_deref());
    let linker = match emit {
        Emit::So => {
            check_target(&options.target)?;
            Some(Linker::for_target(&options.target, args.linker.as_deref())?)
        }
        Emit::Obj => None,
    };
    let object = compile_object(&args.input, &wasm, &options, false)?;
    match linker {
        None => write(&args.output, &object)?,
        Some(linker) => linker.link_shared(&object, &args.output)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `-o` naming the input (directly, through links or `..`) would destroy it.
fn refuse_overwriting_input(input: &Path, output: &Path) -> Result<(), String> {
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(input), Ok(output)) => input == output,
        _ => false,
    };
    if same {
        return Err(format!(
            "{}: the output would overwrite the input; choose another -o",
            output.display()
        ));
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Link an executable for this machine (`run`, `bench`) of `wasm`, compiled to `object`, with
/// the runtime carried inside this binary, the one `run`'s cache key names.
pub fn link_executable(
    object: &[u8],
    wasm: &[u8],
    config: &str,
    output: &Path,
) -> Result<(), String> {
    let runtime = runtimes::carried(host_triple())?;
    let source = exe_source(config, wasm);
    Linker::host().link_executable(object, runtime, &source, output, ExeOptions::default())
}

/// Refuse a target the compiler does not know before looking for its runtime or linker.
fn check_target(triple: &str) -> Result<(), String> {
    if SUPPORTED_TARGETS.contains(&triple) {
        return Ok(());
    }
    Err(format!(
        "unsupported target `{triple}` (supported: {})",
        SUPPORTED_TARGETS.join(", ")
    ))
}

/// C source defining the symbols the executable's entry reads beside the module: the
/// configuration, and the list of the WASI functions `wasm` imports that the runtime
/// implements (only those are linked in).
fn exe_source(config: &str, wasm: &[u8]) -> String {
    let bytes: String = config.bytes().map(|b| format!("{b},")).collect();
    let wasi: Vec<String> = wasmaot_compiler::imported_functions(wasm, WASI_MODULE)
        .into_iter()
        .filter(|name| wasmaot_wasi::FUNCTIONS.iter().any(|f| f.name == name))
        .map(|name| format!("{WASI_FUNCTION_PREFIX}{name}"))
        .collect();
    let declarations: String = wasi
        .iter()
        .map(|symbol| format!("extern const char {symbol};\n"))
        .collect();
    let pointers: String = wasi.iter().map(|symbol| format!("&{symbol}, ")).collect();
    format!(
        "const unsigned char {CONFIG_SYMBOL}[] = {{{bytes}0}};\n\
         const unsigned long long {CONFIG_LEN_SYMBOL} = {};\n\
         {declarations}\
         const void *const {WASI_FUNCTIONS_SYMBOL}[] = {{{pointers}0}};\n",
        config.len()
    )
}

/// Link a shared object for this machine (`run --invoke`, `bench`).
pub fn link_shared(object: &[u8], output: &Path) -> Result<(), String> {
    Linker::host().link_shared(object, output)
}
