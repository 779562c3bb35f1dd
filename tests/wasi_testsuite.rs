//! The official WASI testsuite (the wasip1 tests vendored in `tests/wasi-testsuite`): each test
//! is built with `wasmaot build` and run as its JSON specification says — arguments, exactly
//! the given environment, its `root` directory (a fresh copy per test) preopened as `/`, and
//! the expected exit code and standard output. Every test must pass.

mod common;

use std::path::{Path, PathBuf};

use common::{target_command, wasmaot};

/// What one test expects (the upstream defaults: no arguments, environment or directory, exit 0).
#[derive(Default)]
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
}

fn spec(wasm: &Path) -> Spec {
    let Ok(text) = std::fs::read_to_string(wasm.with_extension("json")) else {
        return Spec::default();
    };
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON spec");
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().expect("string").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    Spec {
        args: strings(&json["args"]),
        env: json["env"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        root: json["root"].as_str().map(str::to_string),
        exit_code: json["exit_code"].as_i64().unwrap_or(0) as i32,
        stdout: json["stdout"].as_str().map(str::to_string),
    }
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/wasi-testsuite")
}

/// Copy directory `from` to `to`, recursively (the tests change their directory).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).expect("link");
            std::os::unix::fs::symlink(link, &target).expect("symlink");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Build and run one test; `Err` says how it failed.
fn run_test(wasm: &Path, scratch: &Path) -> Result<(), String> {
    let spec = spec(wasm);
    let name = wasm.file_stem().unwrap().to_string_lossy().into_owned();
    let work = scratch.join(&name);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let exe = work.join("test");
    let mut build = wasmaot();
    build.arg("build").arg(wasm).arg("-o").arg(&exe);
    for (key, value) in &spec.env {
        build.arg("--env").arg(format!("{key}={value}"));
    }
    if let Some(root) = &spec.root {
        let copy = work.join(root);
        copy_dir(&wasm.parent().unwrap().join(root), &copy);
        build.arg("--dir").arg(format!("{}::/", copy.display()));
    }
    let out = build.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut run = target_command(&exe);
    run.args(&spec.args).env_clear().current_dir(&work);
    // Under emulation the emulator (not the program, which sees only what it is granted)
    // needs to find the target's dynamic loader.
    if let Some(prefix) = std::env::var_os("QEMU_LD_PREFIX") {
        run.env("QEMU_LD_PREFIX", prefix);
    }
    let out = run.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(spec.exit_code) {
        return Err(format!(
            "exit {:?}, expected {}; stderr: {}",
            out.status.code(),
            spec.exit_code,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    if let Some(expected) = &spec.stdout {
        if *stdout != **expected {
            return Err(format!("stdout {stdout:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_wasip1_test_passes() {
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-wasi-testsuite-{}", std::process::id()));
    let mut tests: Vec<PathBuf> = ["assemblyscript", "c", "rust"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(suite_dir().join(dir))
                .expect("suite dir")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect::<Vec<_>>()
        })
        .collect();
    tests.sort();
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(wasm) = tests.get(i) else { break };
                let suite = wasm
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy();
                let label = format!("{suite}/{}", wasm.file_name().unwrap().to_string_lossy());
                let work = scratch.join(suite.as_ref());
                match run_test(wasm, &work) {
                    Ok(()) => println!("test {label} ... ok"),
                    Err(why) => {
                        println!("test {label} ... FAILED: {why}");
                        failures.lock().unwrap().push(label);
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&scratch);
    let failures = failures.into_inner().unwrap();
    println!("{} tests, {} failed", tests.len(), failures.len());
    assert!(failures.is_empty(), "failed: {failures:?}");
}
