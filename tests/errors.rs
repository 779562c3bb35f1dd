//! Bad input: every user error is one line on stderr naming the input and the reason, with exit
//! status 1, never a panic.

mod common;

use std::path::{Path, PathBuf};

use common::wasmaot;

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// Run `wasmaot build` on `bytes`; returns the stderr, after checking the error contract.
fn build_error(name: &str, bytes: &[u8]) -> String {
    let input = scratch(name);
    std::fs::write(&input, bytes).expect("write input");
    let out = wasmaot()
        .arg("build")
        .arg(&input)
        .arg("-o")
        .arg(scratch(&format!("{name}.exe")))
        .output()
        .expect("wasmaot runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{name}: one line expected, got {stderr}"
    );
    assert!(
        stderr.contains(&input.display().to_string()),
        "{name}: input not named: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    stderr
}

fn hello() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/hello.wasm"))
        .expect("fixture")
}

#[test]
fn empty_file() {
    build_error("empty.wasm", b"");
}

#[test]
fn bad_magic() {
    let err = build_error("magic.wasm", b"\0asx\x01\0\0\0");
    assert!(err.contains("magic"), "{err}");
}

#[test]
fn bad_version() {
    build_error("version.wasm", b"\0asm\x02\0\0\0");
}

#[test]
fn every_truncation_of_a_real_program() {
    let bytes = hello();
    for len in [
        9,
        10,
        11,
        20,
        64,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        build_error(&format!("truncated-{len}.wasm"), &bytes[..len]);
    }
}

#[test]
fn section_size_past_the_end() {
    // A type section that claims 100 bytes but has 3.
    build_error("section.wasm", b"\0asm\x01\0\0\0\x01\x64\x01\x60\x00");
}

#[test]
fn type_error_in_a_function() {
    let wasm = wat::parse_str("(module (func (result i32) (i64.const 1)))").expect("well-formed");
    let err = build_error("type.wasm", &wasm);
    assert!(err.contains("type mismatch"), "{err}");
}

/// `module` as bytes with the first occurrence of `pattern` replaced by `replacement`.
fn patched(module: &str, pattern: &[u8], replacement: &[u8]) -> Vec<u8> {
    let mut wasm = wat::parse_str(module).expect("well-formed");
    let at = wasm
        .windows(pattern.len())
        .position(|w| w == pattern)
        .expect("pattern present");
    wasm[at..at + pattern.len()].copy_from_slice(replacement);
    wasm
}

#[test]
fn simd_lane_index_out_of_range() {
    // i8x16.extract_lane_s (0xfd 0x15) of lane 16.
    let wasm = patched(
        "(module (func (param v128) (result i32) (i8x16.extract_lane_s 7 (local.get 0))))",
        &[0xfd, 0x15, 7],
        &[0xfd, 0x15, 16],
    );
    let err = build_error("lane.wasm", &wasm);
    assert!(err.contains("SIMD index out of bounds"), "{err}");
}

#[test]
fn simd_shuffle_mask_out_of_range() {
    // i8x16.shuffle (0xfd 0x0d) with a mask byte of 32.
    let wasm = patched(
        "(module (func (param v128 v128) (result v128)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (local.get 0) (local.get 1))))",
        &[14, 31],
        &[14, 32],
    );
    let err = build_error("shuffle.wasm", &wasm);
    assert!(err.contains("SIMD index out of bounds"), "{err}");
}

/// Run `wasmaot ARGS` on hello.wasm; returns the stderr after checking the error contract.
fn flag_error(args: &[&str]) -> String {
    // A file of its own per call: tests run in parallel, and one rewriting a shared file
    // would let another read it half-written.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let input = scratch(&format!("flags{n}.wasm"));
    std::fs::write(&input, hello()).expect("write");
    let out = wasmaot()
        .arg(args[0])
        .arg(&input)
        .args(&args[1..])
        .output()
        .expect("wasmaot runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Flags are checked by the argument parser, whose whole message (the reason first, then
    // usage or suggestions) is kept.
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn unknown_target_cpu() {
    let err = flag_error(&["build", "-o", "/tmp/never", "--target-cpu", "pentium9"]);
    assert!(err.contains("pentium9"), "{err}");
}

#[test]
fn target_cpu_that_does_not_fit_the_target() {
    let out = scratch("never.o");
    let out = out.to_str().expect("utf-8 path");
    // `native` is this machine's CPU: it fits only this machine's target.
    let other = if cfg!(target_arch = "aarch64") {
        "x86_64-unknown-linux-gnu"
    } else {
        "aarch64-unknown-linux-gnu"
    };
    for (target, cpu) in [
        ("aarch64-unknown-linux-gnu", "x86-64-v3"),
        (other, "native"),
    ] {
        let args = ["compile", "-o", out, "--target", target];
        let err = flag_error(&[&args[..], &["--target-cpu", cpu]].concat());
        assert!(err.contains(cpu), "{err}");
    }
}

#[test]
fn malformed_text_is_one_line_naming_the_place() {
    let err = build_error("text.wat", b"(module\n  (func (result i32) (i32.const)))");
    assert!(err.contains("2:"), "line of the error: {err}");
    build_error("binary-junk.wasm", b"\xff\xfe\x00junk");
}

#[test]
fn missing_input() {
    let out = wasmaot()
        .args(["build", "/nonexistent/x.wasm", "-o", "/tmp/never"])
        .output()
        .expect("wasmaot runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.wasm"));
}

#[test]
fn unwritable_output() {
    let input = scratch("ok.wasm");
    std::fs::write(&input, hello()).expect("write");
    let out = wasmaot()
        .arg("build")
        .arg(&input)
        .args(["-o", "/nonexistent-dir/app"])
        .output()
        .expect("wasmaot runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent-dir/app"), "{stderr}");
}

#[test]
fn bad_env_flag() {
    let input = scratch("ok2.wasm");
    std::fs::write(&input, hello()).expect("write");
    let out = wasmaot()
        .arg("build")
        .arg(&input)
        .args(["-o", "/tmp/never", "--env", "=VALUE"])
        .output()
        .expect("wasmaot runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("expected KEY=VALUE or NAME"), "{stderr}");
}

#[test]
fn inspect_rejects_type_errors_in_function_bodies() {
    let input = scratch("inspect-type.wasm");
    let wasm = wat::parse_str("(module (func (result i32) (i64.const 1)))").expect("well-formed");
    std::fs::write(&input, wasm).expect("write");
    let out = wasmaot()
        .arg("inspect")
        .arg(&input)
        .output()
        .expect("wasmaot runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("type mismatch"));
}

#[test]
fn inspect_rejects_invalid_modules() {
    let input = scratch("inspect-bad.wasm");
    std::fs::write(&input, b"\0asm\x01\0\0\0\x01\x64").expect("write");
    let out = wasmaot()
        .arg("inspect")
        .arg(&input)
        .output()
        .expect("wasmaot runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn executables_need_a_wasi_command() {
    let imports_env = wat::parse_str(
        r#"(module (import "env" "host_log" (func (param i32))) (func (export "_start")))"#,
    )
    .expect("well-formed");
    let err = build_error("env-import.wasm", &imports_env);
    assert!(err.contains("env::host_log"), "{err}");
    let library = wat::parse_str(r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#)
        .expect("well-formed");
    let err = build_error("library.wasm", &library);
    assert!(err.contains("_start"), "{err}");
}

#[test]
fn valid_modules_needing_unsupported_features_are_named_unsupported() {
    // Features this compiler does not support yet: each valid module is told apart from an
    // invalid one, with the feature and where it is first used.
    for (name, wat, feature) in [
        (
            "threads",
            "(module (memory 1 1 shared) (func (export \"_start\")))",
            "threads",
        ),
        (
            "gc",
            "(module (type (struct)) (func (export \"_start\")))",
            "gc",
        ),
        (
            "gc-instruction",
            "(module (func (export \"_start\") (drop (ref.i31 (i32.const 1)))))",
            "gc",
        ),
    ] {
        let wasm = wat::parse_str(wat).expect("well-formed");
        let err = build_error(&format!("{name}.wasm"), &wasm);
        assert!(
            err.contains(&format!("unsupported: {feature}"))
                && err.contains("(first used at offset 0x"),
            "{name}: {err}"
        );
        assert!(!err.contains("invalid"), "{name}: {err}");
    }
    // A module that is invalid whatever the features stays invalid.
    let wasm = wat::parse_str("(module (func (result i32) (i64.const 1)))").unwrap();
    assert!(build_error("still-invalid.wasm", &wasm).contains("invalid module"));
}

#[test]
fn i32_address_on_a_64_bit_memory() {
    let wasm =
        wat::parse_str("(module (memory i64 1) (func (result i32) (i32.load (i32.const 0))))")
            .expect("well-formed");
    let err = build_error("mem64-i32-address.wasm", &wasm);
    assert!(err.contains("type mismatch"), "{err}");
}

#[test]
fn memory_index_out_of_range() {
    let wasm = wat::parse_str("(module (memory 1) (func (result i32) (memory.size 1)))")
        .expect("well-formed");
    let err = build_error("memory-index.wasm", &wasm);
    assert!(err.contains("unknown memory 1"), "{err}");
}

#[test]
fn i64_length_on_a_32_bit_memory_copy_from_a_64_bit_one() {
    // memory.copy from a 64-bit memory into a 32-bit one takes an i32 length (the narrower
    // index type).
    let wasm = wat::parse_str(
        "(module (memory $a 1) (memory $b i64 1)
           (func (memory.copy $a $b (i32.const 0) (i64.const 0) (i64.const 1))))",
    )
    .expect("well-formed");
    let err = build_error("copy-length.wasm", &wasm);
    assert!(err.contains("type mismatch"), "{err}");
}

#[test]
fn wide_arithmetic_with_too_few_operands() {
    let wasm = wat::parse_str(
        "(module (func (result i64 i64) (i64.add128 (i64.const 1) (i64.const 2) (i64.const 3))))",
    )
    .expect("well-formed");
    let err = build_error("add128.wasm", &wasm);
    assert!(err.contains("type mismatch"), "{err}");
}

#[test]
fn page_size_other_than_1_or_65536() {
    // (pagesize 2) is not encodable in text: patch the page-size exponent of (pagesize 1).
    let wasm = patched(
        "(module (memory 1 (pagesize 1)))",
        &[0x08, 0x01, 0x00],
        &[0x08, 0x01, 0x01],
    );
    let err = build_error("page-size.wasm", &wasm);
    assert!(err.contains("page size"), "{err}");
}

#[test]
fn non_constant_operator_in_a_constant_expression() {
    let wasm = wat::parse_str("(module (global i32 (i32.div_u (i32.const 4) (i32.const 2))))")
        .expect("well-formed");
    let err = build_error("const-div.wasm", &wasm);
    assert!(err.contains("constant expression"), "{err}");
}

#[test]
fn wasi_command_with_a_64_bit_memory() {
    let wasm = wat::parse_str(
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
             (memory (export "memory") i64 1)
             (func (export "_start") (call 0 (i32.const 0))))"#,
    )
    .expect("well-formed");
    let err = build_error("wasi-mem64.wasm", &wasm);
    assert!(err.contains("64-bit"), "{err}");
}

/// Invalid uses of tail calls and typed function references: each refused with its reason.
#[test]
fn invalid_tail_calls_and_typed_references() {
    let cases = [
        (
            "local-before-set.wasm",
            "(module (type $t (func)) (func (local $f (ref $t)) (drop (local.get $f))))",
            "uninitialized local",
        ),
        (
            "return-call-result.wasm",
            "(module (func $f (result i64) (i64.const 1)) (func (result i32) (return_call $f)))",
            "type mismatch",
        ),
        (
            "call-ref-type.wasm",
            "(module (type $t (func)) (type $u (func (param i32)))
               (func (param (ref $u)) (call_ref $t (local.get 0))))",
            "type mismatch",
        ),
        (
            "null-into-non-null.wasm",
            "(module (type $t (func)) (global (ref $t) (ref.null $t)))",
            "type mismatch",
        ),
        (
            "table-without-init.wasm",
            "(module (type $t (func)) (table 1 (ref $t)))",
            "non-defaultable",
        ),
        // Valid with GC, which the validator knows for recursion groups: refused, not
        // miscompiled.
        (
            "gc-block-type.wasm",
            "(module (func (result i32) (block (result anyref) (ref.null any)) (ref.is_null)))",
            "unsupported: gc (heap types beyond func and extern)",
        ),
        (
            "gc-subtype.wasm",
            "(module (type $a (sub (func))) (type (sub $a (func))))",
            "unsupported: gc (type subtyping)",
        ),
    ];
    for (name, text, reason) in cases {
        let wasm = wat::parse_str(text).expect("well-formed");
        let err = build_error(name, &wasm);
        assert!(err.contains(reason), "{name}: {err}");
    }
}

/// Invalid uses of exception handling: each refused with its reason.
#[test]
fn invalid_exception_handling() {
    let cases = [
        (
            "unknown-tag.wasm",
            "(module (tag) (func (throw 3)))",
            "unknown tag",
        ),
        (
            "throw-args.wasm",
            "(module (tag $e (param i32)) (func (throw $e (i64.const 1))))",
            "type mismatch",
        ),
        (
            "catch-label-type.wasm",
            "(module (tag $e (param i32))
               (func (block $l (try_table (catch $e $l)))))",
            "type mismatch",
        ),
        (
            "tag-with-results.wasm",
            "(module (type $t (func (result i32))) (tag (type $t)))",
            "non-empty tag result type",
        ),
        (
            "rethrow-outside-catch.wasm",
            "(module (func (block (rethrow 0))))",
            "rethrow",
        ),
        (
            "throw-ref-of-i32.wasm",
            "(module (func (throw_ref (i32.const 0))))",
            "type mismatch",
        ),
    ];
    for (name, text, reason) in cases {
        let wasm = wat::parse_str(text).expect("well-formed");
        let err = build_error(name, &wasm);
        assert!(err.contains(reason), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
    }
}

#[test]
fn inspect_describes_a_valid_module_it_cannot_compile() {
    let input = scratch("inspect-threads.wasm");
    let wasm = wat::parse_str(r#"(module (memory 1 1 shared) (func (export "f")))"#).unwrap();
    std::fs::write(&input, wasm).expect("write");
    let out = wasmaot()
        .arg("inspect")
        .arg(&input)
        .output()
        .expect("wasmaot runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("valid WebAssembly, but it needs threads"),
        "{text}"
    );
    assert!(text.contains("uses: threads\n"), "{text}");
    assert!(text.contains("build: no (unsupported feature)"), "{text}");
}
