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

/// Module offset of the `nth` (from 0) operator of function `func_index` (imports counted)
/// of the module at `module` that `pick` accepts: where a trap's backtrace frame must point.
pub fn op_offset(
    module: &Path,
    func_index: u32,
    nth: usize,
    pick: impl Fn(&wasmparser::Operator<'_>) -> bool,
) -> u32 {
    use wasmparser::{Parser, Payload, TypeRef};
    let wasm = std::fs::read(module).expect("module readable");
    let mut imported = 0;
    let mut defined = 0;
    for payload in Parser::new(0).parse_all(&wasm) {
        match payload.expect("module parses") {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.expect("import").ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                if imported + defined == func_index {
                    let mut reader = body.get_operators_reader().expect("operators");
                    let mut seen = 0;
                    while !reader.eof() {
                        let offset = reader.original_position();
                        if pick(&reader.read().expect("operator")) {
                            if seen == nth {
                                return offset as u32;
                            }
                            seen += 1;
                        }
                    }
                    panic!("function {func_index} has no such operator");
                }
                defined += 1;
            }
            _ => {}
        }
    }
    panic!("no function {func_index} in {}", module.display());
}

/// The 1-based number of the line of fixture source `name` that contains `marker`.
pub fn line_of(name: &str, marker: &str) -> u32 {
    let source = std::fs::read_to_string(fixture(name)).expect("fixture source");
    let at = source
        .lines()
        .position(|line| line.contains(marker))
        .unwrap_or_else(|| panic!("no {marker:?} in {name}"));
    at as u32 + 1
}
