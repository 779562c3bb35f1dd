//! `cargo run --release -p fuzz -- [--seconds N] [--seed S] [--target diff|compile|both]
//! [--cases N] [--findings DIR] [--replay FILE [--nan exact|any]]`: fuzz for N seconds (both
//! targets share them, two thirds to the differential one), print a report; exit status 1 on
//! any finding. `--replay` runs one module (binary or text) through the chosen target.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fuzz::engine::aot::Loader;
use fuzz::findings::Watchdog;
use fuzz::outcome::NanRule;
use fuzz::{check_caught, run_compile, run_diff, RunOptions};

#[derive(PartialEq)]
enum Target {
    Diff,
    Compile,
    Both,
}

struct Args {
    run: RunOptions,
    target: Target,
    replay: Option<PathBuf>,
    nan: NanRule,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        run: RunOptions {
            duration: Duration::from_secs(60),
            seed: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() << 20)
                .unwrap_or(0),
            max_cases: None,
            findings: PathBuf::from("fuzz-findings"),
            progress: true,
        },
        target: Target::Both,
        replay: None,
        nan: NanRule::AnyNan,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seconds" => {
                let s: f64 = value()?.parse().map_err(|e| format!("--seconds: {e}"))?;
                args.run.duration = Duration::try_from_secs_f64(s).map_err(|e| e.to_string())?;
            }
            "--seed" => args.run.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--cases" => {
                args.run.max_cases = Some(value()?.parse().map_err(|e| format!("--cases: {e}"))?)
            }
            "--findings" => args.run.findings = PathBuf::from(value()?),
            "--replay" => args.replay = Some(PathBuf::from(value()?)),
            "--quiet" => args.run.progress = false,
            "--target" => {
                args.target = match value()?.as_str() {
                    "diff" => Target::Diff,
                    "compile" => Target::Compile,
                    "both" => Target::Both,
                    other => return Err(format!("unknown target {other} (diff, compile, both)")),
                }
            }
            "--nan" => {
                args.nan = match value()?.as_str() {
                    "exact" => NanRule::Exact,
                    "any" => NanRule::AnyNan,
                    other => return Err(format!("--nan takes exact or any, not {other}")),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}; usage: fuzz [--seconds N] [--seed S] [--target diff|compile|both] [--cases N] [--findings DIR] [--replay FILE [--nan exact|any]]");
            return ExitCode::from(1);
        }
    };
    // Wasm code runs on this thread's stack: give it room for deep recursion.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(args))
        .expect("fuzz thread");
    worker.join().unwrap_or(ExitCode::from(1))
}

fn run(args: Args) -> ExitCode {
    if let Some(path) = &args.replay {
        return replay(path, &args);
    }
    let watchdog = Watchdog::start(args.run.findings.clone());
    println!("fuzz: seeds from {}", args.run.seed);
    let mut failed = false;
    if args.target != Target::Compile {
        let mut options = args.run.clone();
        if args.target == Target::Both {
            options.duration = args.run.duration * 2 / 3;
        }
        match run_diff(&options, &watchdog) {
            Ok(report) => {
                print!("{report}");
                failed |= !report.mismatches.is_empty();
            }
            Err(e) => {
                eprintln!("fuzz: {e}");
                return ExitCode::from(1);
            }
        }
    }
    if args.target != Target::Diff {
        let mut options = args.run.clone();
        if args.target == Target::Both {
            options.duration = args.run.duration / 3;
        }
        let report = run_compile(&options, &watchdog);
        print!("{report}");
        failed |= !report.findings.is_empty();
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn replay(path: &std::path::Path, args: &Args) -> ExitCode {
    let wasm = match wat::parse_file(path) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("fuzz: {}: {e}", path.display());
            return ExitCode::from(1);
        }
    };
    if args.target == Target::Compile {
        let end = fuzz::mutate::check_compile(args.run.seed, &wasm);
        println!("{}: {end:?}", path.display());
        return match end {
            fuzz::mutate::CompileEnd::Panicked(_) | fuzz::mutate::CompileEnd::ValidRefused(_) => {
                ExitCode::from(1)
            }
            _ => ExitCode::SUCCESS,
        };
    }
    let loader = match Loader::new() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return ExitCode::from(1);
        }
    };
    let verdict = check_caught(&loader, &wasm, args.nan, args.run.seed);
    println!(
        "{}: {} calls compared, traps {:?}, {:?}",
        path.display(),
        verdict.calls,
        verdict.traps,
        verdict.end
    );
    match verdict.end {
        Some(fuzz::diff::End::Mismatch(_)) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}
