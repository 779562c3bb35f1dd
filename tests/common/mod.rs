//! Helpers shared by the end-to-end test files: the `wasmaot` binary, fixtures, building and
//! running executables.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn wasmaot() -> Command {
    target_command(env!("CARGO_BIN_EXE_wasmaot"))
}

/// A command running `program`, a binary built for the target the tests are built for:
/// directly, or under `$WASMAOT_TEST_RUNNER` (an emulator such as `qemu-aarch64`) when the
/// tests run on another architecture (`.ci/aarch64`).
pub fn target_command(program: impl AsRef<OsStr>) -> Command {
    match std::env::var("WASMAOT_TEST_RUNNER") {
        Ok(runner) if !runner.trim().is_empty() => {
            let mut words = runner.split_whitespace();
            let mut command = Command::new(words.next().unwrap_or_default());
            command.args(words).arg(program);
            command
        }
        _ => Command::new(program),
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

/// Build fixture `name` into the executable `exe` with extra build flags.
pub fn build_to(exe: &Path, name: &str, flags: &[&str]) {
    build_module_to(exe, &fixture(&format!("{name}.wasm")), flags);
}

/// Build the module at `module` (binary or text) into the executable `exe` with extra flags.
pub fn build_module_to(exe: &Path, module: &Path, flags: &[&str]) {
    let name = module.display();
    let out = wasmaot()
        .arg("build")
        .arg(module)
        .arg("-o")
        .arg(exe)
        .args(flags)
        .output()
        .expect("wasmaot runs");
    assert!(
        out.status.success(),
        "build {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run `command` with `stdin` written to it and the host's `GREETING` set (programs must not
/// see it unless granted).
pub fn run_with(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = command
        .env("GREETING", "from the host")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("executable starts");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("executable finishes");
    writer.join().expect("stdin writer");
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
