//! The whole `wasm-v2` testsuite as one test target: one line per .wast file, failing if any
//! directive fails or is skipped. `cargo run --release -p spec-tests -- --suite v2` is the same
//! run with a summary; this makes it part of `cargo test`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let files = spec_tests::suite_files("v2").expect("known suite");
    let reports = spec_tests::run_files(&files);
    let mut bad = 0;
    for report in &reports {
        let ok = report.failed == 0 && report.skipped == 0;
        println!(
            "test {} ... {}",
            report.name,
            if ok { "ok" } else { "FAILED" }
        );
        for failure in &report.failures {
            println!("    {failure}");
        }
        if !ok {
            bad += 1;
        }
    }
    let passed: usize = reports.iter().map(|r| r.passed).sum();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    let skipped: usize = reports.iter().map(|r| r.skipped).sum();
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
