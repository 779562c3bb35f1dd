//! Fuzzing wasmaot: a differential target that runs wasm-smith modules through wasmaot and
//! the wasmi interpreter and compares everything observable, and a compile-only target that
//! feeds the compiler mutated and truncated modules. Every case is a function of its seed.
//!
//! ```text
//! seed -> swarm (features, limits) -> wasm-smith module -> wasmaot | wasmi -> compare
//! seed -> wasm-smith module -> mutations -> compiler: Ok or Err, never a panic or a hang
//! ```

#![deny(unsafe_code)]

pub mod args;
pub mod diff;
pub mod engine;
pub mod findings;
pub mod generate;
pub mod mutate;
pub mod outcome;
pub mod report;
pub mod rng;
pub mod swarm;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diff::{check_module, End, Verdict};
use engine::aot::Loader;
use findings::{record, Watchdog};
use mutate::{check_compile, mutated_module, panic_message, CompileEnd};
use outcome::NanRule;
use report::{CompileReport, DiffReport};
use swarm::Features;

/// The longest one differential case may take (compile, link, load, every call in both
/// engines) before it counts as a hang.
pub const DIFF_CASE_LIMIT: Duration = Duration::from_secs(120);
/// The longest one compile-only case may take.
pub const COMPILE_CASE_LIMIT: Duration = Duration::from_secs(20);
/// At most this many findings of one run are written to disk.
const MAX_RECORDED: usize = 20;

/// How long to fuzz, from which seed, and where findings go.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub duration: Duration,
    /// Case `i` uses seed `seed + i`.
    pub seed: u64,
    /// Stop after this many cases even if time is left.
    pub max_cases: Option<u64>,
    pub findings: PathBuf,
    /// A progress line every few seconds on stderr.
    pub progress: bool,
}

/// The module of differential seed `seed` and the verdict on it; `None` when wasm-smith made
/// no module of the seed. A panic in either engine or the harness is a mismatch.
pub fn diff_seed(loader: &Loader, seed: u64, watchdog: &Watchdog) -> Option<(Vec<u8>, Verdict)> {
    let generated = catch_unwind(|| generate::generate(seed, 1, Features::DIFFERENTIAL, true));
    let generated = generated.ok()?.ok()?;
    let rule = if generated.swarm.canonicalize_nans {
        NanRule::Exact
    } else {
        NanRule::AnyNan
    };
    watchdog.begin(format!("diff-{seed}"), &generated.wasm, DIFF_CASE_LIMIT);
    let verdict = check_caught(loader, &generated.wasm, rule, seed);
    watchdog.end();
    Some((generated.wasm, verdict))
}

/// [`check_module`], a panic turned into a mismatch.
pub fn check_caught(loader: &Loader, wasm: &[u8], rule: NanRule, seed: u64) -> Verdict {
    catch_unwind(AssertUnwindSafe(|| check_module(loader, wasm, rule, seed))).unwrap_or_else(
        |panic| Verdict {
            end: Some(End::Mismatch(format!("panic: {}", panic_message(&panic)))),
            ..Verdict::default()
        },
    )
}

/// Run the differential target.
pub fn run_diff(options: &RunOptions, watchdog: &Watchdog) -> Result<DiffReport, String> {
    let loader = Loader::new()?;
    let mut report = DiffReport::default();
    let start = Instant::now();
    let mut last_progress = start;
    for seed in options.seed.. {
        if start.elapsed() >= options.duration
            || options.max_cases.is_some_and(|n| report.modules >= n)
        {
            break;
        }
        report.modules += 1;
        let Some((wasm, verdict)) = diff_seed(&loader, seed, watchdog) else {
            report.not_generated += 1;
            continue;
        };
        report.calls += verdict.calls;
        for (trap, n) in &verdict.traps {
            *report.traps.entry(*trap).or_default() += n;
        }
        match verdict.end {
            Some(End::Agreed) => report.agreed += 1,
            Some(End::Skipped(why)) => *report.skipped.entry(why).or_default() += 1,
            Some(End::Mismatch(why)) => {
                if report.mismatches.len() < MAX_RECORDED {
                    let note = format!("diff seed {seed}: {why}");
                    let path = record(&options.findings, &format!("diff-{seed}"), &wasm, &note);
                    eprintln!("fuzz: MISMATCH {note}; module in {}", path.display());
                }
                report.mismatches.push((seed, why));
            }
            None => {}
        }
        if options.progress && last_progress.elapsed() >= Duration::from_secs(10) {
            last_progress = Instant::now();
            eprintln!(
                "fuzz: diff {} modules, {} calls, {} mismatches, {:.0} s",
                report.modules,
                report.calls,
                report.mismatches.len(),
                start.elapsed().as_secs_f64()
            );
        }
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Run the compile-only target.
pub fn run_compile(options: &RunOptions, watchdog: &Watchdog) -> CompileReport {
    let mut report = CompileReport::default();
    let start = Instant::now();
    for seed in options.seed.. {
        if start.elapsed() >= options.duration
            || options.max_cases.is_some_and(|n| report.cases >= n)
        {
            break;
        }
        report.cases += 1;
        let Some(wasm) = mutated_module(seed) else {
            report.not_generated += 1;
            continue;
        };
        watchdog.begin(format!("compile-{seed}"), &wasm, COMPILE_CASE_LIMIT);
        let end = check_compile(seed, &wasm);
        watchdog.end();
        let why = match end {
            CompileEnd::Compiled => {
                report.compiled += 1;
                continue;
            }
            CompileEnd::Refused => {
                report.refused += 1;
                continue;
            }
            CompileEnd::NotGenerated => {
                report.not_generated += 1;
                continue;
            }
            CompileEnd::ValidRefused(e) => format!("refuses a valid module: {e}"),
            CompileEnd::Panicked(e) => format!("panic: {e}"),
        };
        if report.findings.len() < MAX_RECORDED {
            let note = format!("compile seed {seed}: {why}");
            let path = record(&options.findings, &format!("compile-{seed}"), &wasm, &note);
            eprintln!("fuzz: FINDING {note}; module in {}", path.display());
        }
        report.findings.push((seed, why));
    }
    report.elapsed = start.elapsed();
    report
}
