//! End-to-end exception handling: C with setjmp/longjmp (clang's wasm sjlj lowering, legacy
//! instructions), C++ with exceptions built both with the legacy instructions and with
//! `try_table`/`exnref`, and programs whose exception nobody catches. Outputs are those of the
//! native builds (see tests/fixtures/README.md).

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{build_to, fixture, run_with, stdout, target_command};

fn build_and_run(name: &str) -> Output {
    let dir = std::env::temp_dir().join(format!("wasmaot-eh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let exe: PathBuf = dir.join(name);
    build_to(&exe, name, &[]);
    run_with(target_command(&exe), b"")
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("{name}.expected"))).expect("expected output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn setjmp_longjmp_runs_like_the_native_build() {
    let out = build_and_run("sjlj");
    assert_eq!(stdout(&out), expected("sjlj"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn cpp_exceptions_run_like_the_native_build() {
    let out = build_and_run("cpp_exceptions");
    assert_eq!(stdout(&out), expected("cpp_exceptions"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn cpp_exceptions_with_exnref_run_like_the_native_build() {
    let out = build_and_run("cpp_exceptions_exnref");
    assert_eq!(stdout(&out), expected("cpp_exceptions"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn an_uncaught_exception_ends_the_program_with_one_line_naming_the_tag() {
    let out = build_and_run("uncaught_tag");
    assert_eq!(stdout(&out), expected("uncaught_tag"));
    assert_eq!(stderr(&out), "uncaught wasm exception: my_error (7)\n");
    assert_eq!(out.status.code(), Some(134));
}

#[test]
fn an_uncaught_cpp_exception_runs_cleanups_then_ends_the_program() {
    let out = build_and_run("uncaught");
    assert_eq!(stdout(&out), expected("uncaught"));
    let err = stderr(&out);
    assert!(err.starts_with("uncaught wasm exception: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(out.status.code(), Some(134));
}
