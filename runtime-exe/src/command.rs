//! The life of a `wasmaot build` executable: load the module linked into it, give it WASI with
//! the grants baked in at build time and those in `WASMAOT_OPTS`, run `_start`, and turn the
//! outcome into an exit status (134 for a trap, as an abort would).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use wasmaot_abi::exe_config::RUN_CONFIG_VAR;
use wasmaot_abi::symbols::ModuleDescriptor;

use wasmaot_runtime::{Error, Linker, Module, Store, Trap};
use wasmaot_wasi::grants::{self, Grants};
use wasmaot_wasi::{self as wasi, WasiCtx};

use crate::host::{self, Stderr};

/// Exit status of a program that trapped.
pub const TRAP_EXIT_STATUS: i32 = 134;

/// The program's WASI context and memory limit: arguments `args` from the command line; grants
/// from the configuration baked in at build time, then from `WASMAOT_OPTS`.
pub fn context(config: &[u8], args: Vec<Vec<u8>>) -> Result<(WasiCtx, Limits), String> {
    let mut grants = Grants::default();
    grants.add_config(config)?;
    let host_env = host::environment();
    let var = |name: &str| {
        host_env
            .iter()
            .find(|(k, _)| *k == name.as_bytes())
            .map(|(_, v)| *v)
    };
    if let Some(extra) = var(RUN_CONFIG_VAR) {
        grants
            .add_config(extra)
            .map_err(|e| format!("{RUN_CONFIG_VAR}: {e}"))?;
    }
    if let Some(opts) = var(grants::OPTS_VAR) {
        let opts =
            core::str::from_utf8(opts).map_err(|_| format!("{}: not UTF-8", grants::OPTS_VAR))?;
        grants.add_flags(opts)?;
    }
    // The runtime's own variables are not the program's.
    let own = |k: &[u8]| k == grants::OPTS_VAR.as_bytes() || k == RUN_CONFIG_VAR.as_bytes();
    let program_env = grants.environment(host_env.iter().filter(|(k, _)| !own(k)).copied());
    let ctx = WasiCtx::new(args, program_env);
    for dir in &grants.dirs {
        let flag = if dir.read_only { "--dir-ro" } else { "--dir" };
        ctx.grant_dir(dir.host.as_bytes(), &dir.guest, dir.read_only)
            .map_err(|e| format!("{flag} {}: {e}", dir.host))?;
    }
    let limits = Limits {
        max_memory: grants.max_memory,
        timeout: grants.timeout,
        fuel: grants.fuel,
        max_wasm_stack: grants.max_wasm_stack,
        max_table_elements: grants.max_table_elements,
    };
    Ok((ctx, limits))
}

/// The limits the program runs under.
pub struct Limits {
    pub max_memory: Option<u64>,
    pub timeout: Option<core::time::Duration>,
    pub fuel: Option<u64>,
    pub max_wasm_stack: Option<u64>,
    pub max_table_elements: Option<u64>,
}

/// Apply `limits` to `store`, for `module`: a timeout or fuel the module was not compiled to
/// honour is an error, not silently ignored. The timeout's timer starts now.
pub fn apply_limits(store: &mut Store, module: &Module, limits: &Limits) -> Result<(), Error> {
    store.set_max_memory(limits.max_memory);
    store.set_max_wasm_stack(limits.max_wasm_stack.map(|b| b as usize));
    store.set_max_table_elements(limits.max_table_elements);
    let checks = module.meta().instrumentation;
    if let Some(fuel) = limits.fuel {
        if !checks.fuel {
            return Err(Error::Link(
                "--fuel: the code was compiled without fuel metering (build with --fuel or --metered)"
                    .to_string(),
            ));
        }
        store.set_fuel(fuel);
    }
    if let Some(timeout) = limits.timeout {
        if !checks.interrupt_checks {
            return Err(Error::Link(
                "--timeout: the code was compiled without interruption checks (build with --timeout or --interruptible)"
                    .to_string(),
            ));
        }
        let handle = store.interrupt_handle();
        host::after(timeout, Box::new(move || handle.expire_deadline()))
            .map_err(|e| Error::Resource(format!("--timeout: cannot start its timer: {e}")))?;
    }
    Ok(())
}

/// Run the program, with the WASI functions `wasi` (those its module imports); returns the
/// process exit status.
///
/// # Safety
/// `descriptor` must be the module descriptor the compiler wrote, linked into this executable.
pub unsafe fn main(
    descriptor: *const ModuleDescriptor,
    config: &[u8],
    wasi: &'static [&'static wasi::Function],
    args: Vec<Vec<u8>>,
) -> i32 {
    let program = args.first().map_or_else(
        || "wasm program".to_string(),
        |a| String::from_utf8_lossy(a).into_owned(),
    );
    let (ctx, limits) = match context(config, args) {
        Ok(setup) => setup,
        Err(message) => {
            let _ = writeln!(Stderr, "{program}: {message}");
            return 1;
        }
    };
    // SAFETY: per the contract.
    let outcome = unsafe { run(descriptor, ctx, wasi, &limits) };
    match outcome {
        Ok(()) => 0,
        Err(Error::Trap(Trap::Exit(code))) => code,
        Err(Error::Trap(trap)) => {
            // The trap on one line, then the wasm frames that led to it, innermost first.
            // A run of one function (recursion) is one line.
            let mut report = match &trap {
                Trap::Exception(exception) => format!("{exception}\n"),
                _ => format!("wasm trap: {trap}\n"),
            };
            let frames = trap.backtrace();
            if !frames.is_empty() {
                report.push_str("wasm backtrace:\n");
            }
            let mut i = 0;
            while i < frames.len() {
                let run = frames[i..].iter().take_while(|f| **f == frames[i]).count();
                report.push_str(&format!("  {i}: {}", frames[i]));
                if run > 1 {
                    report.push_str(&format!(" (and {} more frames of it)", run - 1));
                }
                report.push('\n');
                i += run;
            }
            host::write_stderr(report.as_bytes());
            TRAP_EXIT_STATUS
        }
        Err(error) => {
            let _ = writeln!(Stderr, "{program}: {error}");
            1
        }
    }
}

/// # Safety
/// As [`main`].
unsafe fn run(
    descriptor: *const ModuleDescriptor,
    ctx: WasiCtx,
    functions: &'static [&'static wasi::Function],
    limits: &Limits,
) -> Result<(), Error> {
    // SAFETY: per the contract.
    let module = unsafe { Module::from_descriptor(descriptor, None)? };
    if let Some(import) = module
        .meta()
        .imports
        .iter()
        .find(|i| i.module != wasi::MODULE)
    {
        return Err(Error::Link(format!(
            "unknown import {}::{} (only {} functions can be imported)",
            import.module,
            import.name,
            wasi::MODULE
        )));
    }
    let mut store = Store::new();
    apply_limits(&mut store, &module, limits)?;
    let mut linker = Linker::new();
    wasi::add_functions_to_linker(&mut linker, ctx, functions);
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_func(&mut store, "_start").ok_or_else(|| {
        Error::Link("the module exports no `_start` function (not a WASI command)".to_string())
    })?;
    let outcome = start.call(&mut store, &[]);
    // The process ends next, and what these hold (the memory's mapping, the program's open
    // files, the heap) goes with it: taking it apart first is only work.
    core::mem::forget((store, linker, instance, module));
    outcome.map(|_| ())
}
