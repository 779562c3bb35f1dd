//! End-to-end SIMD: a C program built with `-msimd128 -mrelaxed-simd` (intrinsics and
//! auto-vectorised loops) gives the output a reference engine gave, for every CPU level this
//! machine can run; code built for features the CPU lacks refuses to start, with one line.

mod common;

use std::path::PathBuf;

use common::{build_to, fixture, run_with, stdout, target_command};

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-simd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

fn expected() -> String {
    // Written by V8 (node --experimental-wasm-relaxed-simd) running simd.wasm; the relaxed
    // operators in the program are given inputs on which every allowed result agrees.
    std::fs::read_to_string(fixture("simd.expected")).expect("expected output")
}

fn run_simd(flags: &[&str]) -> std::process::Output {
    let exe = scratch(&format!("simd{}", flags.join("").replace(['-', ' '], "_")));
    build_to(&exe, "simd", flags);
    run_with(target_command(&exe), b"")
}

#[test]
fn simd_program_matches_the_reference_on_this_cpu() {
    let out = run_simd(&[]);
    assert_eq!(stdout(&out), expected());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn simd_program_matches_the_reference_on_baseline_x86_64() {
    let out = run_simd(&["--target-cpu", "baseline"]);
    assert_eq!(stdout(&out), expected());
}

#[test]
fn simd_program_matches_the_reference_with_deterministic_relaxed_simd() {
    let out = run_simd(&["--relaxed-simd", "deterministic"]);
    assert_eq!(stdout(&out), expected());
}

#[cfg(target_arch = "x86_64")]
#[test]
fn code_for_missing_cpu_features_refuses_to_start() {
    let missing = !(is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512vl"));
    let out = run_simd(&["--target-cpu", "x86-64-v4"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if missing {
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(out.stdout.is_empty(), "no wasm code may run");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("lacks: avx512"), "{stderr}");
    } else {
        assert_eq!(stdout(&out), expected());
    }
}

/// x86-64 levels name x86 features; `inspect` describes code for this machine.
#[cfg(target_arch = "x86_64")]
#[test]
fn inspect_reports_simd_and_cpu_features() {
    let out = common::wasmaot()
        .arg("inspect")
        .arg(fixture("simd.wasm"))
        .args(["--target-cpu", "x86-64-v3"])
        .output()
        .expect("wasmaot runs");
    let text = stdout(&out);
    assert!(text.contains("uses: simd, relaxed-simd\n"), "{text}");
    assert!(
        text.contains("cpu features (--target-cpu x86-64-v3): sse3 ssse3"),
        "{text}"
    );
    assert!(text.contains(" avx2 "), "{text}");
}
