//! The wasmi interpreter in process: translate (eagerly, so that the compile phase is the whole
//! translation), instantiate with WASI (`wasmi_wasi`) and the Sightglass markers, run `_start`.

use std::sync::Arc;
use std::time::Instant;

use wasmi::{CompilationMode, Config, Engine, Linker, Module, Store};
use wasmi_wasi::{ambient_authority, Dir, WasiCtx, WasiCtxBuilder};

use super::one_run::{Outcome, Program, TRAP_STATUS};
use super::region_clock::{self, RegionClock};

pub fn run(wasm: &[u8], program: &Program, clock: &Arc<RegionClock>) -> Result<Outcome, String> {
    let mut config = Config::default();
    config.compilation_mode(CompilationMode::Eager);
    let engine = Engine::new(&config);
    let started = Instant::now();
    let module = Module::new(&engine, wasm).map_err(|e| e.to_string())?;
    let compile_s = started.elapsed().as_secs_f64();

    let mut store = Store::new(&engine, wasi_context(program)?);
    let mut linker = Linker::<WasiCtx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| e.to_string())?;
    let (start_clock, end_clock) = (clock.clone(), clock.clone());
    linker
        .func_wrap(region_clock::MODULE, region_clock::START, move || {
            start_clock.start()
        })
        .and_then(|l| {
            l.func_wrap(region_clock::MODULE, region_clock::END, move || {
                end_clock.end()
            })
        })
        .map_err(|e| e.to_string())?;

    let started = Instant::now();
    let instance = linker.instantiate_and_start(&mut store, &module);
    let instantiate_s = started.elapsed().as_secs_f64();
    let instance = match instance {
        Ok(instance) => instance,
        Err(e) if e.as_trap_code().is_some() || e.i32_exit_status().is_some() => {
            let outcome = Outcome::finished(instantiate_s, 0.0, status(&e));
            return Ok(Outcome {
                compile_s,
                ..outcome
            });
        }
        Err(e) => return Err(e.to_string()),
    };
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .map_err(|_| "exports no `_start` function of type [] -> [] (not a WASI command)")?;
    let started = Instant::now();
    let result = start.call(&mut store, ());
    let execute_s = clock.execute_seconds(started.elapsed());
    let code = match result {
        Ok(()) => 0,
        Err(e) => status(&e),
    };
    let outcome = Outcome::finished(instantiate_s, execute_s, code);
    Ok(Outcome {
        compile_s,
        ..outcome
    })
}

fn wasi_context(program: &Program) -> Result<WasiCtx, String> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .inherit_stdio()
        .args(&program.args)
        .map_err(|e| format!("program arguments: {e}"))?;
    for (host, guest) in &program.dirs {
        let dir = Dir::open_ambient_dir(host, ambient_authority())
            .map_err(|e| format!("--dir {}: {e}", host.display()))?;
        builder
            .preopened_dir(dir, guest)
            .map_err(|e| format!("--dir {}: {e}", host.display()))?;
    }
    Ok(builder.build())
}

/// Exit status of a run that stopped with `error`: the program's own for `proc_exit`, else a
/// trap (reported on stderr, status as an executable's).
fn status(error: &wasmi::Error) -> i32 {
    match error.i32_exit_status() {
        Some(code) => code,
        None => {
            eprintln!("wasm trap: {error}");
            TRAP_STATUS
        }
    }
}
