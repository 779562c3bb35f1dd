//! Prepare every module for every engine, then run them: warm-up runs, then measured rounds in
//! which each engine runs once in turn (so drift hits all alike), comparing every run's output
//! with the reference engine's.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::engines::{find_on_path, Engine, EngineKind};
use super::measurements::{Cell, Phase, Reference, RunRecord};
use super::{one_run, process_run};
use crate::cli_args::GrantArgs;
use crate::compile_step::{compile_object, for_executable, options, read_wasm};
use crate::link::{exe_config, link_executable};

/// Everything the runs need besides the engines.
pub struct Plan<'a> {
    /// Absolute paths of the modules.
    pub modules: &'a [PathBuf],
    pub engines: &'a [Engine],
    pub runs: u32,
    pub warmup: u32,
    pub timeout: Duration,
    /// Extra `--dir` grants for the built-in engines.
    pub dirs: &'a [String],
    /// Code generation flags for the wasmaot engines, as given on the command line.
    pub codegen: &'a crate::cli_args::CodegenArgs,
    pub codegen_flags: Vec<String>,
    pub args: &'a [String],
    /// Where executables, shared objects and reports go.
    pub scratch: &'a Path,
}

/// How one engine runs one module.
struct Invocation {
    argv: Vec<OsString>,
    cwd: PathBuf,
    /// The report an in-process engine writes.
    report: Option<PathBuf>,
}

/// Run the plan; cells are indexed `[module][engine]`.
pub fn run(plan: &Plan) -> Vec<Vec<Cell>> {
    let per_module = plan.engines.len() as u64 * u64::from(plan.warmup + plan.runs);
    let bar = progress(per_module * plan.modules.len() as u64);
    let mut results = Vec::new();
    for (m, module) in plan.modules.iter().enumerate() {
        let mut cells: Vec<Cell> = plan.engines.iter().map(|_| Cell::default()).collect();
        let invocations: Vec<Option<Invocation>> = plan
            .engines
            .iter()
            .zip(cells.iter_mut())
            .enumerate()
            .map(|(e, (engine, cell))| {
                bar.set_message(format!(
                    "{} (preparing {})",
                    display_name(module),
                    engine.name
                ));
                prepare(plan, m, e, engine)
                    .map_err(|error| cell.error = Some(error))
                    .ok()
            })
            .collect();
        let mut reference: Option<Reference> = None;
        for round in 0..plan.warmup + plan.runs {
            for (e, engine) in plan.engines.iter().enumerate() {
                bar.set_message(format!("{} ({})", display_name(module), engine.name));
                bar.inc(1);
                let cell = &mut cells[e];
                let Some(invocation) = invocations[e].as_ref().filter(|_| cell.error.is_none())
                else {
                    continue;
                };
                match run_once(invocation, plan.timeout) {
                    Err(error) => cell.error = Some(error),
                    Ok(record) => {
                        let reference = reference.get_or_insert_with(|| Reference {
                            engine: engine.name.clone(),
                            status: record.status,
                            stdout: record.stdout.clone(),
                        });
                        if cell.mismatch.is_none() {
                            cell.mismatch = reference.compare(&record);
                        }
                        if round >= plan.warmup {
                            for phase in Phase::ALL {
                                if let Some(t) = record.times[phase.index()] {
                                    cell.samples[phase.index()].push(t);
                                }
                            }
                        }
                    }
                }
            }
        }
        results.push(cells);
    }
    bar.finish_and_clear();
    results
}

fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {elapsed}  {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

pub fn display_name(module: &Path) -> String {
    module.file_stem().map_or_else(
        || module.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// The module's directory, absolute (modules are made absolute before planning).
fn module_dir(module: &Path) -> PathBuf {
    module
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

fn prepare(plan: &Plan, m: usize, e: usize, engine: &Engine) -> Result<Invocation, String> {
    let module = &plan.modules[m];
    let dir = module_dir(module);
    let mut argv: Vec<OsString> = Vec::new();
    let mut report = None;
    match &engine.kind {
        EngineKind::Wasmaot | EngineKind::Wasmi => {
            let path = plan.scratch.join(format!("m{m}-e{e}.report"));
            let own =
                std::env::current_exe().map_err(|e| format!("cannot find wasmaot itself: {e}"))?;
            argv.extend([
                own.into(),
                "bench-one".into(),
                "--engine".into(),
                engine.name.clone().into(),
            ]);
            argv.extend(["--report".into(), path.clone().into_os_string()]);
            let grants =
                std::iter::once(format!("{}::.", dir.display())).chain(plan.dirs.iter().cloned());
            for grant in grants {
                argv.extend(["--dir".into(), grant.into()]);
            }
            argv.extend(plan.codegen_flags.iter().map(OsString::from));
            argv.extend([module.clone().into_os_string(), "--".into()]);
            report = Some(path);
        }
        EngineKind::WasmaotExe => {
            let exe = plan.scratch.join(format!("m{m}.exe"));
            build_executable(plan, module, &dir, &exe)?;
            argv.push(exe.into_os_string());
        }
        EngineKind::Command(words) => {
            let name = display_name(module);
            for (i, word) in words.iter().enumerate() {
                let word = word
                    .replace("{wasm}", &module.display().to_string())
                    .replace("{name}", &name)
                    .replace("{dir}", &dir.display().to_string());
                if i == 0 {
                    let program =
                        find_on_path(&word).ok_or_else(|| format!("command not found: {word}"))?;
                    argv.push(absolute(&program).into_os_string());
                } else {
                    argv.push(word.into());
                }
            }
        }
    }
    argv.extend(plan.args.iter().map(OsString::from));
    Ok(Invocation {
        argv,
        cwd: dir,
        report,
    })
}

/// `wasmaot build` with the module's directory granted as `.` (and the extra grants).
fn build_executable(plan: &Plan, module: &Path, dir: &Path, exe: &Path) -> Result<(), String> {
    let wasm = read_wasm(module)?;
    let grants = GrantArgs {
        dir: std::iter::once(format!("{}::.", dir.display()))
            .chain(plan.dirs.iter().cloned())
            .collect(),
        ..GrantArgs::default()
    };
    let config = exe_config(&grants)?;
    let options = for_executable(options(plan.codegen, None), plan.codegen);
    let object = compile_object(module, &wasm, &options, true)?;
    link_executable(&object, &wasm, &config, exe)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn run_once(invocation: &Invocation, timeout: Duration) -> Result<RunRecord, String> {
    if let Some(report) = &invocation.report {
        let _ = std::fs::remove_file(report);
    }
    let finished = process_run::run(&invocation.argv, &invocation.cwd, timeout)?;
    let mut times = [None; 4];
    times[Phase::Total.index()] = Some(finished.wall_s);
    let mut status = finished.status;
    if let Some(report) = &invocation.report {
        let outcome = one_run::read_report(report).map_err(|error| {
            if finished.stderr.is_empty() {
                format!("{error} (exit status {})", finished.status)
            } else {
                format!("{error}: {}", process_run::first_line(&finished.stderr))
            }
        })?;
        times[Phase::Compile.index()] = Some(outcome.compile_s);
        times[Phase::Instantiate.index()] = Some(outcome.instantiate_s);
        times[Phase::Execute.index()] = Some(outcome.execute_s);
        status = outcome.status;
    }
    Ok(RunRecord {
        times,
        status,
        stdout: finished.stdout,
        stderr: finished.stderr,
    })
}
