//! `wasmaot bench`: a tiny module under the built-in engines and fake external engines (shell
//! scripts), checking the JSON report, output mismatch detection, failures reported in their
//! rows, and that `bench.start`/`bench.end` bound the execute phase.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::wasmaot;
use serde_json::Value;

/// A WASI command that spins `outer` iterations, then (when `marked`) spins `inner` between
/// `bench.start` and `bench.end`, and prints `42`.
fn module(marked: bool, outer: u32, inner: u32) -> Vec<u8> {
    let (imports, region) = if marked {
        (
            r#"(import "bench" "start" (func $start)) (import "bench" "end" (func $end))"#,
            format!("(call $start) (i32.store (i32.const 104) (call $spin (i32.const {inner}))) (call $end)"),
        )
    } else {
        ("", String::new())
    };
    let text = format!(
        r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          {imports}
          (memory (export "memory") 1)
          (data (i32.const 16) "42\n")
          (func $spin (param $n i32) (result i32) (local $acc i32)
            (loop $l
              (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
              (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $l))
            (local.get $acc))
          (func (export "_start")
            (i32.store (i32.const 100) (call $spin (i32.const {outer})))
            {region}
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 3))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#
    );
    wat::parse_str(text).expect("valid WAT")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-bench-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// An executable shell script `name` in `dir` with `body`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

fn bench(dir: &Path, args: &[&str]) -> (Output, Value) {
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let out = wasmaot()
        .arg("bench")
        .arg("--json")
        .arg(&json)
        .args(args)
        .output()
        .expect("wasmaot runs");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|_| {
        panic!(
            "no JSON report; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out,
        serde_json::from_str(&text).expect("the report is JSON"),
    )
}

/// The `engines` entry of `module` (file name) and `engine`.
fn engine<'a>(report: &'a Value, module: &str, engine: &str) -> &'a Value {
    report["engines"]
        .as_array()
        .expect("engines")
        .iter()
        .find(|e| {
            e["engine"] == engine && e["module"].as_str().is_some_and(|m| m.ends_with(module))
        })
        .unwrap_or_else(|| panic!("no entry for {module} / {engine}"))
}

/// The median of `phase` for `module` under `engine`.
fn median(report: &Value, module: &str, engine: &str, phase: &str) -> f64 {
    statistic(report, module, engine, phase, "median_s")
}

/// `field` (such as `median_s` or `min_s`) of `phase` for `module` under `engine`.
fn statistic(report: &Value, module: &str, engine: &str, phase: &str, field: &str) -> f64 {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| {
            r["engine"] == engine
                && r["phase"] == phase
                && r["module"].as_str().is_some_and(|m| m.ends_with(module))
        })
        .and_then(|r| r[field].as_f64())
        .unwrap_or_else(|| panic!("no {phase} {field} for {module} / {engine}"))
}

#[test]
fn builtin_and_external_engines_report_fields_and_mismatches() {
    let dir = scratch("engines");
    let wasm = dir.join("tiny.wasm");
    std::fs::write(&wasm, module(false, 1000, 0)).expect("module written");
    let same = script(&dir, "same.sh", "printf '42\\n'");
    let other = script(&dir, "other.sh", "printf '43\\n'");
    let fails = script(&dir, "fails.sh", "echo 'cannot load' >&2; exit 3");
    let hangs = script(&dir, "hangs.sh", "sleep 30");
    let engines = [
        "wasmaot".to_string(),
        "wasmaot-exe".to_string(),
        "wasmi".to_string(),
        format!("same={} {{wasm}}", same.display()),
        format!("other={}", other.display()),
        format!("fails={}", fails.display()),
        format!("hangs={}", hangs.display()),
        "missing=/no/such/runtime {wasm}".to_string(),
    ];
    let mut args = vec!["--runs", "3", "--warmup", "1", "--timeout", "2"];
    for e in &engines {
        args.extend(["--engine", e.as_str()]);
    }
    args.push(wasm.to_str().expect("UTF-8 path"));
    let (out, report) = bench(&dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a mismatch or failure gives status 1\n{stdout}"
    );
    assert_eq!(report["baseline"], "wasmaot");
    assert_eq!(report["runs"], 3);

    for name in ["wasmaot", "wasmaot-exe", "wasmi", "same"] {
        let e = engine(&report, "tiny.wasm", name);
        assert_eq!(e["output_ok"], true, "{name}: {e}");
    }
    let e = engine(&report, "tiny.wasm", "other");
    assert_eq!(e["output_ok"], false);
    let mismatch = e["mismatch"].as_str().expect("mismatch explained");
    assert!(
        mismatch.contains("`43`") && mismatch.contains("`42`"),
        "{mismatch}"
    );
    let e = engine(&report, "tiny.wasm", "fails");
    let mismatch = e["mismatch"].as_str().expect("status mismatch explained");
    assert!(
        mismatch.contains("exit status 3") && mismatch.contains("cannot load"),
        "{mismatch}"
    );
    let e = engine(&report, "tiny.wasm", "hangs");
    assert!(
        e["error"]
            .as_str()
            .expect("timeout reported")
            .contains("timed out"),
        "{e}"
    );
    let e = engine(&report, "tiny.wasm", "missing");
    assert!(
        e["error"]
            .as_str()
            .expect("missing command reported")
            .contains("command not found"),
        "{e}"
    );
    for name in ["other", "fails", "hangs", "missing"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(name) && (l.contains("MISMATCH") || l.contains("FAILED"))),
            "{name} row not marked:\n{stdout}"
        );
    }

    // Every summary line carries the documented fields, consistently.
    let results = report["results"].as_array().expect("results");
    let phases = |engine: &str| -> Vec<&str> {
        results
            .iter()
            .filter(|r| r["engine"] == engine)
            .filter_map(|r| r["phase"].as_str())
            .collect()
    };
    assert_eq!(
        phases("wasmaot"),
        ["compile", "instantiate", "execute", "total"]
    );
    assert_eq!(
        phases("wasmi"),
        ["compile", "instantiate", "execute", "total"]
    );
    assert_eq!(phases("same"), ["total"]);
    assert!(phases("hangs").is_empty());
    for r in results {
        for field in [
            "module",
            "engine",
            "phase",
            "runs",
            "median_s",
            "min_s",
            "max_s",
            "ci_low_s",
            "ci_high_s",
            "output_ok",
        ] {
            assert!(!r[field].is_null(), "{field} missing in {r}");
        }
        let samples: Vec<f64> = r["samples_s"]
            .as_array()
            .expect("raw times")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(samples.len(), 3, "{r}");
        let (min, max, median) = (
            r["min_s"].as_f64().unwrap_or(-1.0),
            r["max_s"].as_f64().unwrap_or(-1.0),
            r["median_s"].as_f64().unwrap_or(-1.0),
        );
        assert!(samples.iter().all(|s| *s >= min && *s <= max), "{r}");
        assert!(min <= median && median <= max && min > 0.0, "{r}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_markers_bound_the_execute_phase() {
    let dir = scratch("markers");
    // Both spin 20M iterations outside any region; `marked` spins 1000 more inside one.
    std::fs::write(dir.join("marked.wasm"), module(true, 20_000_000, 1000))
        .expect("module written");
    std::fs::write(dir.join("plain.wasm"), module(false, 20_000_000, 0)).expect("module written");
    let (out, report) = bench(
        &dir,
        &[
            "--runs",
            "5",
            "--engine",
            "wasmaot",
            "--engine",
            "wasmi",
            "--engine",
            "wasmaot-exe",
            dir.join("marked.wasm").to_str().expect("UTF-8"),
            dir.join("plain.wasm").to_str().expect("UTF-8"),
        ],
    );
    for engine_name in ["wasmaot", "wasmi"] {
        // The region is microseconds long: a process descheduled inside it (the tests of this
        // file run at once, on a loaded machine) can stretch one sample by milliseconds, so the
        // fastest sample stands for it; the whole run is long enough for its median.
        let marked = statistic(&report, "marked.wasm", engine_name, "execute", "min_s");
        let plain = median(&report, "plain.wasm", engine_name, "execute");
        assert!(
            marked * 20.0 < plain,
            "{engine_name}: marked region {marked} s, whole run {plain} s"
        );
        assert_eq!(
            engine(&report, "marked.wasm", engine_name)["output_ok"],
            true
        );
    }
    // An executable cannot import the markers: that row fails, the others stand.
    let e = engine(&report, "marked.wasm", "wasmaot-exe");
    assert!(
        e["error"]
            .as_str()
            .expect("reported")
            .contains("bench::start"),
        "{e}"
    );
    assert_eq!(
        engine(&report, "plain.wasm", "wasmaot-exe")["output_ok"],
        true
    );
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_command_lines_are_one_line_errors() {
    let dir = scratch("errors");
    let wasm = dir.join("tiny.wasm");
    std::fs::write(&wasm, module(false, 10, 0)).expect("module written");
    let cases: [&[&str]; 5] = [
        &["--engine", "nosuch"],
        &["--engine", "x='unterminated"],
        &["--engine", "wasmi", "--engine", "wasmi"],
        &["--engine", "wasmi", "--baseline", "native"],
        &["--engine", "wasmi", "--timeout", "0"],
    ];
    for case in cases {
        let out = wasmaot()
            .arg("bench")
            .args(case)
            .arg(&wasm)
            .output()
            .expect("wasmaot runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{case:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{case:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{case:?}: {stderr}");
    }
    let out = wasmaot()
        .args(["bench", "--engine", "wasmi"])
        .arg(dir.join("absent.wasm"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.wasm"));
    let _ = std::fs::remove_dir_all(&dir);
}
