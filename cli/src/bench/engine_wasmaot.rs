//! The wasmaot engine in process: load a precompiled shared object, instantiate it with WASI
//! and the Sightglass markers, run `_start`. The only file of `bench` that uses the runtime's
//! embedding API, so that a change of that API is one file's change.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use wasmaot_runtime::{Error, Func, FuncType, Linker, Module, Store, Trap};
use wasmaot_wasi::{self as wasi, WasiCtx};

use super::one_run::{Outcome, Program, TRAP_STATUS};
use super::region_clock::{self, RegionClock};

/// A loaded module (the end of the compile phase).
pub struct Loaded(Module);

/// Load the shared object `so`, which this process has just linked from the compiler's output.
pub fn load(so: &Path) -> Result<Loaded, String> {
    // SAFETY: `so` was written by this process from the compiler's object (see `one_run`).
    unsafe { Module::load(so) }
        .map(Loaded)
        .map_err(|e| e.to_string())
}

/// Instantiate and run; returns the instantiate time and the execute outcome.
pub fn run(
    loaded: &Loaded,
    program: &Program,
    clock: &Arc<RegionClock>,
) -> Result<Outcome, String> {
    let module = &loaded.0;
    let ctx = WasiCtx::new(
        program.args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        Vec::new(),
    );
    for (host, guest) in &program.dirs {
        ctx.grant_dir(host.as_os_str().as_bytes(), guest, false)
            .map_err(|e| format!("--dir {}: {e}", host.display()))?;
    }
    check_imports(module)?;
    let mut store = Store::new();
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, ctx);
    for (name, is_start) in [(region_clock::START, true), (region_clock::END, false)] {
        let clock = clock.clone();
        let nothing = FuncType {
            params: Vec::new(),
            results: Vec::new(),
        };
        let marker = Func::new(&mut store, nothing, move |_, _, _| {
            if is_start {
                clock.start()
            } else {
                clock.end()
            }
            Ok(())
        });
        linker.define(region_clock::MODULE, name, marker);
    }
    let started = Instant::now();
    let instance = linker.instantiate(&mut store, module);
    let instantiate_s = started.elapsed().as_secs_f64();
    let instance = match instance {
        Err(Error::Trap(trap)) => return Ok(Outcome::finished(instantiate_s, 0.0, status(&trap))),
        other => other.map_err(|e| e.to_string())?,
    };
    let start = instance
        .get_func(&mut store, "_start")
        .ok_or("exports no `_start` function (not a WASI command)")?;
    let started = Instant::now();
    let result = start.call(&mut store, &[]);
    let execute_s = clock.execute_seconds(started.elapsed());
    let code = match result {
        Ok(_) => 0,
        Err(Error::Trap(trap)) => status(&trap),
        Err(e) => return Err(e.to_string()),
    };
    Ok(Outcome::finished(instantiate_s, execute_s, code))
}

/// The exit status a trap gives, as an executable would (reported on stderr).
fn status(trap: &Trap) -> i32 {
    match trap {
        Trap::Exit(code) => *code,
        trap => {
            eprintln!("wasm trap: {trap}");
            TRAP_STATUS
        }
    }
}

/// Only WASI functions and the markers (of type `[] -> []`) can be imported.
fn check_imports(module: &Module) -> Result<(), String> {
    let meta = module.meta();
    for import in &meta.imports {
        let marker = import.module == region_clock::MODULE
            && (import.name == region_clock::START || import.name == region_clock::END);
        let fits = match &import.kind {
            wasmaot_runtime::metadata::ImportKind::Func(ty) => {
                let ty = &meta.types[*ty as usize];
                import.module == wasi::MODULE
                    || (marker && ty.params.is_empty() && ty.results.is_empty())
            }
            _ => false,
        };
        if !fits {
            return Err(format!(
                "unknown import {}::{} (only WASI and bench.start/bench.end)",
                import.module, import.name
            ));
        }
    }
    Ok(())
}
