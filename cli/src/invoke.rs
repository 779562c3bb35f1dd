//! `run --invoke NAME ARGS`: instantiate the module in this process (through the embedding
//! API, with WASI and this command line's grants), call export NAME with ARGS parsed by its
//! parameter types, and print each result on a line of its own.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use wasmaot_compiler::Options;
use wasmaot_runtime::{Error, Linker, Module, Store, Trap, Val, ValType, ValTypes};
use wasmaot_wasi::grants::{parse_dir, parse_env, parse_size, Grants};
use wasmaot_wasi::WasiCtx;

use crate::cache;
use crate::cli_args::RunArgs;
use crate::compile_step::compile_object;
use crate::link::link_shared;
use crate::run::{cache_key, TempDir};

pub fn invoke(args: &RunArgs, wasm: &[u8], opts: &Options, name: &str) -> Result<ExitCode, String> {
    let input = args.input.display().to_string();
    let build = |path: &std::path::Path| {
        let object = compile_object(&args.input, wasm, opts, false)?;
        link_shared(&object, path)
    };
    let temp;
    let so = if args.no_cache {
        temp = TempDir::new()?;
        let so = temp.0.join("module.so");
        build(&so)?;
        so
    } else {
        let key = cache_key(args, opts, wasm, "so")?;
        let dir = cache::open()?;
        match cache::lookup(&dir, &key) {
            Some(so) => so,
            None => cache::insert(&dir, &key, build)?,
        }
    };
    // SAFETY: the file was linked from this compiler's object just now, or is a cache entry
    // whose digest matched, in a directory only this user can write.
    let module = unsafe { Module::load(&so) }.map_err(|e| format!("{input}: {e}"))?;
    let mut store = Store::new();
    if let Some(size) = &args.grants.max_memory {
        store.set_max_memory(Some(parse_size(size)?));
    }
    if let Some(size) = &args.grants.max_wasm_stack {
        let bytes = wasmaot_wasi::grants::parse_size_of("--max-wasm-stack", size)?;
        store.set_max_wasm_stack(Some(bytes as usize));
    }
    if let Some(text) = &args.grants.max_table_elements {
        let entries = text
            .parse()
            .map_err(|_| format!("--max-table-elements {text}: expected a whole number"))?;
        store.set_max_table_elements(Some(entries));
    }
    // The module was compiled with the checks these need (`with_limits`).
    if let Some(fuel) = &args.grants.fuel {
        store.set_fuel(wasmaot_wasi::grants::parse_fuel(fuel)?);
    }
    if let Some(timeout) = &args.grants.timeout {
        let timeout = wasmaot_wasi::grants::parse_duration(timeout)?;
        let handle = store.interrupt_handle();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            handle.expire_deadline();
        });
    }
    let mut linker = Linker::new();
    wasmaot_wasi::add_to_linker(&mut linker, context(args)?);
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| outcome_error(&input, e))?;
    let func = instance
        .get_func(&mut store, name)
        .ok_or_else(|| format!("{input}: exports no function `{name}`"))?;
    let ty = func.ty(&store);
    if ty.params.len() != args.args.len() {
        return Err(format!(
            "{input}: `{name}` takes {} arguments ({}), {} given",
            ty.params.len(),
            ValTypes(&ty.params),
            args.args.len()
        ));
    }
    let params = ty
        .params
        .iter()
        .zip(&args.args)
        .map(|(ty, text)| parse_value(*ty, text).map_err(|e| format!("{input}: {e}")))
        .collect::<Result<Vec<Val>, String>>()?;
    match func.call(&mut store, &params) {
        Ok(results) => {
            for result in results {
                println!("{}", show_value(result));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Trap(Trap::Exit(code))) => Ok(ExitCode::from(code as u8)),
        Err(e) => Err(outcome_error(&input, e)),
    }
}

/// The WASI context of the program: the module as `argv[0]` (its arguments are the export's),
/// and the grants of the command line.
fn context(args: &RunArgs) -> Result<WasiCtx, String> {
    let mut grants = Grants::default();
    for dir in &args.grants.dir {
        grants.dirs.push(parse_dir(dir, false)?);
    }
    for dir in &args.grants.dir_ro {
        grants.dirs.push(parse_dir(dir, true)?);
    }
    for entry in &args.grants.env {
        grants.env.push(parse_env(entry)?.to_string());
    }
    grants.inherit_env = args.grants.inherit_env;
    let argv0 = OsString::from(&args.input).as_bytes().to_vec();
    let host: Vec<_> = std::env::vars_os().collect();
    let host = host.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes()));
    let ctx = WasiCtx::new(vec![argv0], grants.environment(host));
    for dir in &grants.dirs {
        let flag = if dir.read_only { "--dir-ro" } else { "--dir" };
        ctx.grant_dir(dir.host.as_bytes(), &dir.guest, dir.read_only)
            .map_err(|e| format!("{flag} {}: {e}", dir.host))?;
    }
    Ok(ctx)
}

fn outcome_error(input: &str, error: Error) -> String {
    match error {
        Error::Trap(trap) => format!("{input}: wasm trap: {trap}"),
        other => format!("{input}: {other}"),
    }
}

/// An argument of type `ty`: integers signed or unsigned (as wide as the type), floats as
/// Rust reads them (`nan`, `inf`, `-0.0`), v128 as one 128-bit integer.
fn parse_value(ty: ValType, text: &str) -> Result<Val, String> {
    let bad = || format!("`{text}` is not a {}", ty);
    Ok(match ty {
        ValType::I32 => Val::I32(match text.parse::<i32>() {
            Ok(v) => v,
            Err(_) => text.parse::<u32>().map_err(|_| bad())? as i32,
        }),
        ValType::I64 => Val::I64(match text.parse::<i64>() {
            Ok(v) => v,
            Err(_) => text.parse::<u64>().map_err(|_| bad())? as i64,
        }),
        ValType::F32 => Val::F32(text.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(text.parse::<f64>().map_err(|_| bad())?.to_bits()),
        ValType::V128 => Val::V128(match text.strip_prefix("0x") {
            Some(hex) => u128::from_str_radix(hex, 16).map_err(|_| bad())?,
            None => text.parse::<u128>().map_err(|_| bad())?,
        }),
        ValType::FuncRef | ValType::ExternRef if text == "null" => Val::null_or_zero(ty),
        ValType::Ref(r) if r.nullable && text == "null" => Val::null_or_zero(ty),
        ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => {
            return Err(format!(
                "only `null` can be given as a {}, where the type allows it",
                ty
            ))
        }
    })
}

/// A result as text: integers signed, floats as Rust prints them, v128 in hex.
fn show_value(value: Val) -> String {
    match value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(bits).to_string(),
        Val::F64(bits) => f64::from_bits(bits).to_string(),
        Val::V128(bits) => format!("{bits:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse_by_type() {
        assert_eq!(parse_value(ValType::I32, "-1"), Ok(Val::I32(-1)));
        assert_eq!(parse_value(ValType::I32, "4294967295"), Ok(Val::I32(-1)));
        assert!(parse_value(ValType::I32, "4294967296").is_err());
        assert_eq!(
            parse_value(ValType::I64, "18446744073709551615"),
            Ok(Val::I64(-1))
        );
        assert_eq!(
            parse_value(ValType::F32, "1.5"),
            Ok(Val::F32(1.5f32.to_bits()))
        );
        assert!(
            matches!(parse_value(ValType::F64, "nan"), Ok(Val::F64(b)) if f64::from_bits(b).is_nan())
        );
        assert_eq!(parse_value(ValType::V128, "0x10"), Ok(Val::V128(16)));
        assert_eq!(
            parse_value(ValType::FuncRef, "null"),
            Ok(Val::FuncRef(None))
        );
        assert!(parse_value(ValType::I32, "x")
            .unwrap_err()
            .contains("is not a i32"));
    }

    #[test]
    fn results_print_as_wasm_values() {
        assert_eq!(show_value(Val::I32(-5)), "-5");
        assert_eq!(show_value(Val::F64(2.5f64.to_bits())), "2.5");
        assert_eq!(
            show_value(Val::V128(1)),
            "0x00000000000000000000000000000001"
        );
        assert_eq!(show_value(Val::ExternRef(None)), "null");
    }
}
