//! One run of an in-process engine, in a process of its own (`wasmaot bench-one`), so that the
//! program's stdout and exit status can be captured and compared like any runtime's. The phase
//! times, taken inside this process, go to a report file the parent reads.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use super::bench_args::BenchOneArgs;
use super::region_clock::RegionClock;
use super::{engine_wasmaot, engine_wasmi};
use crate::compile_step::{compile_object, options, read_wasm};
use crate::link::link_shared;

/// Exit status of a program that trapped (as a `wasmaot build` executable's, and wasmtime's).
pub const TRAP_STATUS: i32 = 134;

/// What the program is given.
pub struct Program {
    /// `argv`, the module's file name first.
    pub args: Vec<String>,
    /// Granted directories: host path, guest name.
    pub dirs: Vec<(PathBuf, String)>,
}

/// Phase times of one run, and the program's exit status.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub compile_s: f64,
    pub instantiate_s: f64,
    pub execute_s: f64,
    pub status: i32,
}

impl Outcome {
    /// An outcome whose compile time the caller fills in.
    pub fn finished(instantiate_s: f64, execute_s: f64, status: i32) -> Outcome {
        Outcome {
            compile_s: 0.0,
            instantiate_s,
            execute_s,
            status,
        }
    }
}

/// `HOST[::GUEST]` (GUEST defaults to HOST).
pub fn parse_dir(flag: &str) -> Result<(PathBuf, String), String> {
    let (host, guest) = flag.split_once("::").unwrap_or((flag, flag));
    if host.is_empty() || guest.is_empty() {
        return Err(format!("--dir {flag}: expected HOST[::GUEST]"));
    }
    Ok((PathBuf::from(host), guest.to_string()))
}

pub fn bench_one(args: &BenchOneArgs) -> Result<ExitCode, String> {
    let name = args.module.file_name().map_or_else(
        || args.module.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let program = Program {
        args: std::iter::once(name)
            .chain(args.args.iter().cloned())
            .collect(),
        dirs: args
            .dirs
            .iter()
            .map(|d| parse_dir(d))
            .collect::<Result<_, _>>()?,
    };
    let clock = Arc::new(RegionClock::default());
    let result = match args.engine.as_str() {
        "wasmaot" => run_wasmaot(args, &program, &clock),
        "wasmi" => read_wasm(&args.module).and_then(|w| engine_wasmi::run(&w, &program, &clock)),
        other => Err(format!("no in-process engine `{other}`")),
    };
    let (report, code) = match &result {
        Ok(o) => (
            format!(
                "compile {}\ninstantiate {}\nexecute {}\nstatus {}\n",
                o.compile_s, o.instantiate_s, o.execute_s, o.status
            ),
            o.status,
        ),
        Err(e) => (format!("error {}\n", e.replace('\n', " ")), 1),
    };
    std::fs::write(&args.report, report).map_err(|e| format!("{}: {e}", args.report.display()))?;
    Ok(ExitCode::from(code as u8))
}

/// Compile (to an object, linked into a shared object beside the report, then loaded), then
/// instantiate and execute.
fn run_wasmaot(
    args: &BenchOneArgs,
    program: &Program,
    clock: &Arc<RegionClock>,
) -> Result<Outcome, String> {
    let wasm = read_wasm(&args.module)?;
    let started = Instant::now();
    let object = compile_object(&args.module, &wasm, &options(&args.codegen, None), false)?;
    let so = args.report.with_extension("so");
    link_shared(&object, &so)?;
    let loaded = engine_wasmaot::load(&so);
    let compile_s = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&so);
    let outcome = engine_wasmaot::run(&loaded?, program, clock)?;
    Ok(Outcome {
        compile_s,
        ..outcome
    })
}

/// Read what a `bench-one` process reported: its outcome, or the error it met.
pub fn read_report(path: &Path) -> Result<Outcome, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|_| "the engine process reported nothing".to_string())?;
    if let Some(error) = text.strip_prefix("error ") {
        return Err(error.trim().to_string());
    }
    let mut fields = [None; 4];
    for line in text.lines() {
        let (key, value) = line.split_once(' ').ok_or("malformed report")?;
        let slot = ["compile", "instantiate", "execute", "status"]
            .iter()
            .position(|k| *k == key)
            .ok_or("malformed report")?;
        fields[slot] = Some(value.parse::<f64>().map_err(|_| "malformed report")?);
    }
    match fields {
        [Some(compile_s), Some(instantiate_s), Some(execute_s), Some(status)] => Ok(Outcome {
            compile_s,
            instantiate_s,
            execute_s,
            status: status as i32,
        }),
        _ => Err("incomplete report".to_string()),
    }
}
