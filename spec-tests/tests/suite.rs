//! The conformance suites as one test target, one line per .wast file and configuration,
//! failing if any directive fails or is skipped. `cargo run --release -p spec-tests -- --suite
//! NAME` is the same run of one suite with a summary; this makes them part of `cargo test`.
//!
//! Every suite runs with the code this machine's CPU allows (`native`); the SIMD suites run
//! again for the x86-64 baseline (SSE2 only: other instruction sequences and the `pshufb`
//! fallback) and with deterministic relaxed SIMD; the suites about memories run again with
//! explicit bounds checks (`--bounds-checks explicit`), the other code path of every access.

use std::process::ExitCode;

use wasmaot_compiler::{BoundsChecks, TargetCpu};

/// (suite, CPU, deterministic relaxed SIMD)
const RUNS: &[(&str, TargetCpu, bool)] = &[
    ("v2", TargetCpu::Native, false),
    ("simd", TargetCpu::Native, false),
    ("relaxed-simd", TargetCpu::Native, false),
    ("multi-memory", TargetCpu::Native, false),
    ("memory64", TargetCpu::Native, false),
    ("custom-page-sizes", TargetCpu::Native, false),
    ("extended-const", TargetCpu::Native, false),
    ("wide-arithmetic", TargetCpu::Native, false),
    ("tail-call", TargetCpu::Native, false),
    ("function-references", TargetCpu::Native, false),
    ("exceptions", TargetCpu::Native, false),
    ("legacy-exceptions", TargetCpu::Native, false),
    ("v3", TargetCpu::Native, false),
    ("simd", TargetCpu::Baseline, false),
    ("relaxed-simd", TargetCpu::Baseline, false),
    ("relaxed-simd", TargetCpu::Native, true),
];

/// Files left out, each because it needs a proposal not supported yet (the README lists them):
/// (suite, file, why).
const NOT_SUPPORTED: &[(&str, &str, &str)] = &[
    (
        "v3",
        "ref_null.wast",
        "needs GC: its modules use the heap types any, eq, struct, array, i31 and none",
    ),
    (
        "v3",
        "type-rec.wast",
        "needs GC: its recursion groups define struct types",
    ),
];

/// Suites run a second time with explicit bounds checks.
const EXPLICIT_CHECK_RUNS: &[&str] = &["memory64", "custom-page-sizes", "multi-memory"];

/// Suites run again with interruption checks and fuel metering compiled in (fuel unlimited):
/// the checks must change nothing else.
const INSTRUMENTED_RUNS: &[&str] = &["v2", "exceptions", "legacy-exceptions", "tail-call"];

fn main() -> ExitCode {
    let (mut passed, mut failed, mut skipped, mut bad) = (0, 0, 0, 0);
    let default_checks = wasmaot_compiler::Options::default().bounds_checks;
    let explicit = EXPLICIT_CHECK_RUNS.iter().map(|&suite| {
        (
            suite,
            TargetCpu::Native,
            false,
            BoundsChecks::Explicit,
            false,
        )
    });
    let instrumented = INSTRUMENTED_RUNS
        .iter()
        .map(|&suite| (suite, TargetCpu::Native, false, default_checks, true));
    let runs = RUNS
        .iter()
        .map(|&(suite, cpu, deterministic)| (suite, cpu, deterministic, default_checks, false))
        .chain(explicit)
        .chain(instrumented);
    for (suite, cpu, deterministic, bounds_checks, checks) in runs {
        let mut files = spec_tests::suite_files(suite).expect("known suite");
        files.retain(|(name, _)| {
            let left_out = NOT_SUPPORTED
                .iter()
                .find(|(s, f, _)| *s == suite && f == name);
            if let Some((_, _, why)) = left_out {
                println!("test {suite}: {name} ... left out ({why})");
            }
            left_out.is_none()
        });
        let options = wasmaot_compiler::Options {
            bounds_checks,
            interrupt_checks: checks,
            fuel: checks,
            ..spec_tests::options_for(suite, cpu, deterministic)
        };
        let label = format!(
            "{suite} ({cpu}{}{}{})",
            if deterministic { ", deterministic" } else { "" },
            if checks {
                ", interruption checks and fuel"
            } else {
                ""
            },
            if bounds_checks == BoundsChecks::Explicit {
                ", explicit bounds checks"
            } else {
                ""
            }
        );
        for report in spec_tests::run_files(&files, &options) {
            let ok = report.failed == 0 && report.skipped == 0;
            println!(
                "test {label}: {} ... {}",
                report.name,
                if ok { "ok" } else { "FAILED" }
            );
            for failure in &report.failures {
                println!("    {failure}");
            }
            passed += report.passed;
            failed += report.failed;
            skipped += report.skipped;
            bad += usize::from(!ok);
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
