//! Limits for untrusted code from the command line: `--timeout` and `--fuel` baked in by
//! `build`, given at run time through `WASMAOT_OPTS` (to code compiled to honour them) and by
//! `run`; the traps they end programs with, and malformed values.

mod common;

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use common::{build_module_to, target_command, wasmaot};

/// A WASI command that never ends (one loop, no calls).
const SPIN: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// The module, written once: tests run in parallel, and rewriting it while another test's
/// `wasmaot` reads it would hand that one an empty file.
fn spin_module() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = scratch("spin.wat");
        std::fs::write(&path, SPIN).expect("write module");
        path
    })
    .clone()
}

fn build(name: &str, flags: &[&str]) -> PathBuf {
    let exe = scratch(name);
    build_module_to(&exe, &spin_module(), flags);
    exe
}

fn run(exe: &PathBuf, opts: Option<&str>) -> (Output, Duration) {
    let mut command = target_command(exe);
    if let Some(opts) = opts {
        command.env("WASMAOT_OPTS", opts);
    }
    let start = Instant::now();
    let out = command.output().expect("runs");
    (out, start.elapsed())
}

fn first_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines().next().unwrap_or_default().to_string()
}

#[test]
fn a_built_in_timeout_stops_an_endless_loop() {
    let exe = build("timeout", &["--timeout", "200ms"]);
    let (out, took) = run(&exe, None);
    assert_eq!(out.status.code(), Some(134));
    assert!(first_line(&out).contains("deadline exceeded"), "{out:?}");
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // A later flag replaces the built-in one.
    let (out, took) = run(&exe, Some("--timeout 50ms"));
    assert_eq!(out.status.code(), Some(134));
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn a_run_time_timeout_needs_code_compiled_with_checks() {
    let plain = build("plain", &[]);
    let (out, _) = run(&plain, Some("--timeout 50ms"));
    assert_eq!(out.status.code(), Some(1));
    assert!(first_line(&out).contains("--interruptible"), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    let checked = build("checked", &["--interruptible"]);
    let (out, _) = run(&checked, Some("--timeout 50ms"));
    assert_eq!(out.status.code(), Some(134));
    assert!(first_line(&out).contains("deadline exceeded"), "{out:?}");
}

#[test]
fn fuel_stops_an_endless_loop_deterministically() {
    let exe = build("fuel", &["--fuel", "100000"]);
    let (out, _) = run(&exe, None);
    assert_eq!(out.status.code(), Some(134));
    assert!(first_line(&out).contains("fuel exhausted"), "{out:?}");
    let plain = build("plain-fuel", &[]);
    let (out, _) = run(&plain, Some("--fuel 10"));
    assert_eq!(out.status.code(), Some(1));
    assert!(first_line(&out).contains("--metered"), "{out:?}");
}

#[test]
fn run_takes_a_timeout() {
    let out = wasmaot()
        .args(["run", "--no-cache", "--timeout", "100ms"])
        .arg(spin_module())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(134));
    assert!(first_line(&out).contains("deadline exceeded"), "{out:?}");
}

#[test]
fn malformed_limits_are_one_line_errors() {
    for (flag, value, reason) in [
        ("--timeout", "12x", "expected a duration"),
        ("--timeout", "0s", "more than zero"),
        ("--timeout", "99999999999999999m", "too long"),
        ("--fuel", "99999999999999999999", "expected a whole number"),
        ("--fuel", "5k", "expected a whole number"),
        ("--max-memory", "12XB", "expected bytes"),
        ("--max-wasm-stack", "1T", "expected bytes"),
        ("--max-table-elements", "many", "expected a whole number"),
    ] {
        let out = wasmaot()
            .arg("build")
            .arg(spin_module())
            .arg("-o")
            .arg(scratch("never"))
            .args([flag, value])
            .output()
            .expect("wasmaot runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag} {value}: {err}");
        assert_eq!(err.lines().count(), 1, "{flag} {value}: {err}");
        assert!(err.contains(reason), "{flag} {value}: {err}");
    }
    let exe = build("opts", &["--interruptible"]);
    let (out, _) = run(&exe, Some("--timeout soon"));
    assert_eq!(out.status.code(), Some(1));
    assert!(first_line(&out).contains("expected a duration"), "{out:?}");
}
