//! The wasmaot engine in process: load a precompiled shared object, instantiate it with WASI
//! and the Sightglass markers, run `_start`. The only file of `bench` that uses the runtime's
//! embedding API, so that a change of that API is one file's change.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use wasmaot_runtime::metadata::ImportKind;
use wasmaot_runtime::wasi::{self, WasiCtx};
use wasmaot_runtime::{Error, Extern, Func, Instance, Module, Trap};

use super::one_run::{Outcome, Program, TRAP_STATUS};
use super::region_clock::{self, RegionClock};

/// A loaded module (the end of the compile phase).
pub struct Loaded(Module);

pub fn load(so: &Path) -> Result<Loaded, String> {
    Module::load(so).map(Loaded).map_err(|e| e.to_string())
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
        ctx.grant_dir(host, guest, false)
            .map_err(|e| format!("--dir {}: {e}", host.display()))?;
    }
    let ctx = Arc::new(ctx);
    let imports = imports(module, &ctx, clock)?;
    let started = Instant::now();
    let instance = Instance::new(module, &imports);
    let instantiate_s = started.elapsed().as_secs_f64();
    let instance = match instance {
        Err(Error::Trap(trap)) => return Ok(Outcome::finished(instantiate_s, 0.0, status(&trap))),
        other => other.map_err(|e| e.to_string())?,
    };
    let start = instance
        .get_func("_start")
        .ok_or("exports no `_start` function (not a WASI command)")?;
    let started = Instant::now();
    let result = start.call(&[]);
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

fn imports(
    module: &Module,
    ctx: &Arc<WasiCtx>,
    clock: &Arc<RegionClock>,
) -> Result<Vec<Extern>, String> {
    let meta = module.meta();
    let mut imports = Vec::new();
    for import in &meta.imports {
        let ImportKind::Func(ty) = &import.kind else {
            return Err(format!(
                "imports {}::{}, which is not a function",
                import.module, import.name
            ));
        };
        let ty = &meta.types[*ty as usize];
        let func = match (import.module.as_str(), import.name.as_str()) {
            (wasi::MODULE, name) => wasi::import(ctx, name, ty),
            (region_clock::MODULE, which @ (region_clock::START | region_clock::END))
                if ty.params.is_empty() && ty.results.is_empty() =>
            {
                let clock = clock.clone();
                let is_start = which == region_clock::START;
                Func::host(ty.clone(), move |_, _| {
                    if is_start {
                        clock.start()
                    } else {
                        clock.end()
                    }
                    Ok(Vec::new())
                })
            }
            (module, name) => {
                return Err(format!(
                    "unknown import {module}::{name} (only WASI and bench.start/bench.end)"
                ))
            }
        };
        imports.push(Extern::Func(func));
    }
    Ok(imports)
}
