//! End-to-end exception handling: C with setjmp/longjmp (clang's wasm sjlj lowering, legacy
//! instructions), C++ with exceptions built both with the legacy instructions and with
//! `try_table`/`exnref`, and programs whose exception nobody catches. Outputs are those of the
//! native builds (see tests/fixtures/README.md).

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{build_to, fixture, op_offset, run_with, stdout, target_command};

fn build_and_run(name: &str) -> Output {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-eh-{}", std::process::id()));
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
fn an_uncaught_exception_ends_the_program_naming_the_tag_and_where_it_was_thrown() {
    use wasmparser::Operator;
    let out = build_and_run("uncaught_tag");
    assert_eq!(stdout(&out), expected("uncaught_tag"));
    // The throw in $inner (func 1), then the calls in $middle, $outer and $_start.
    let module = fixture("uncaught_tag.wasm");
    let throw = op_offset(&module, 1, 0, |op| matches!(op, Operator::Throw { .. }));
    let call = |func, callee| {
        op_offset(
            &module,
            func,
            0,
            |op| matches!(op, Operator::Call { function_index } if *function_index == callee),
        )
    };
    let (middle, outer, start) = (call(2, 1), call(3, 2), call(4, 3));
    assert_eq!(
        stderr(&out),
        format!(
            "uncaught wasm exception: my_error (7)\nwasm backtrace:\n  0: {throw:#x} - inner \
             (func 1)\n  1: {middle:#x} - middle (func 2)\n  2: {outer:#x} - outer (func 3)\n  \
             3: {start:#x} - _start (func 4)\n"
        )
    );
    assert_eq!(out.status.code(), Some(134));
}

#[test]
fn an_uncaught_cpp_exception_runs_cleanups_then_ends_the_program() {
    let out = build_and_run("uncaught");
    assert_eq!(stdout(&out), expected("uncaught"));
    let err = stderr(&out);
    assert!(err.starts_with("uncaught wasm exception: "), "{err}");
    // Last thrown by `work`, which caught it to run its cleanups and threw it on; then the
    // call in `main`.
    let frames: Vec<&str> = err.lines().skip(2).collect();
    assert!(err.contains("\nwasm backtrace:\n  0: 0x"), "{err}");
    assert!(frames[0].ends_with(" - work(int) (func 9)"), "{err}");
    assert!(frames[1].ends_with(" - main (func 8)"), "{err}");
    assert_eq!(out.status.code(), Some(134));
}
