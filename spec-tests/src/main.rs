//! `cargo run --release -p spec-tests -- --suite v2 [--target-cpu NAME] [--relaxed-simd
//! deterministic] [--bounds-checks explicit] [--instrumented] [FILTER]`: one line per .wast file, then `N passed, N failed, N skipped`.
//! Exit status 1 on any failure.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut suite = "v2".to_string();
    let mut filter = None;
    let mut target_cpu = wasmaot_compiler::TargetCpu::Native;
    let mut deterministic = false;
    let mut explicit_checks = false;
    let mut instrumented = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--suite" => match args.next() {
                Some(name) => suite = name,
                None => return usage("--suite needs a name"),
            },
            "--target-cpu" => match args.next().map(|n| n.parse()) {
                Some(Ok(cpu)) => target_cpu = cpu,
                Some(Err(e)) => return usage(&e),
                None => return usage("--target-cpu needs a name"),
            },
            "--relaxed-simd" => match args.next().as_deref() {
                Some("deterministic") => deterministic = true,
                Some("fast") => deterministic = false,
                _ => return usage("--relaxed-simd takes fast or deterministic"),
            },
            "--bounds-checks" => match args.next().as_deref() {
                Some("explicit") => explicit_checks = true,
                Some("guard") => explicit_checks = false,
                _ => return usage("--bounds-checks takes guard or explicit"),
            },
            "--instrumented" => instrumented = true,
            other if !other.starts_with('-') => filter = Some(other.to_string()),
            other => return usage(&format!("unknown flag {other}")),
        }
    }
    let Some(mut files) = spec_tests::suite_files(&suite) else {
        return usage(&format!(
            "unknown suite {suite} (known: v1, v2, v3, latest, {})",
            spec_tests::proposal_names().join(", ")
        ));
    };
    if let Some(filter) = &filter {
        files.retain(|(name, _)| name.contains(filter.as_str()));
    }
    let mut options = spec_tests::options_for(&suite, target_cpu, deterministic);
    if explicit_checks {
        options.bounds_checks = wasmaot_compiler::BoundsChecks::Explicit;
    }
    if instrumented {
        options.interrupt_checks = true;
        options.fuel = true;
    }
    let start = Instant::now();
    let reports = spec_tests::run_files(&files, &options);
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for report in &reports {
        println!(
            "{:<32} {:>5} passed {:>4} failed {:>4} skipped",
            report.name, report.passed, report.failed, report.skipped
        );
        for failure in &report.failures {
            println!("    {failure}");
        }
        passed += report.passed;
        failed += report.failed;
        skipped += report.skipped;
    }
    eprintln!(
        "suite {suite}: {} files in {:.1} s",
        reports.len(),
        start.elapsed().as_secs_f64()
    );
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 || skipped > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("spec-tests: {message}; usage: spec-tests [--suite v2] [--target-cpu NAME] [--relaxed-simd fast|deterministic] [--bounds-checks guard|explicit] [--instrumented] [FILTER]");
    ExitCode::from(1)
}
