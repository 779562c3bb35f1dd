//! End-to-end: build real executables from the C fixtures and check they behave like the
//! native programs: output, exit status, stdin, arguments, environment, traps.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::{build_to, fixture, line_of, op_offset, run_with, stdout, target_command, wasmaot};

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("wasmaot-e2e-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}

/// Build fixture `name` (with extra build flags) into an executable; returns its path.
fn build(name: &str, flags: &[&str]) -> PathBuf {
    let exe = scratch().join(format!(
        "{name}{}",
        flags.join("").replace(['=', '-', ' '], "_")
    ));
    build_to(&exe, name, flags);
    exe
}

fn run(exe: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut command = target_command(exe);
    command.args(args);
    run_with(command, stdin)
}

#[test]
fn hello_world() {
    let out = run(&build("hello", &[]), &[], b"");
    assert_eq!(stdout(&out), "hello, world\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

#[test]
fn arguments_environment_and_stdin_pass_through() {
    let exe = build("args_env", &["--env", "GREETING=hi there"]);
    let out = run(&exe, &["a", "b c", ""], b"abc\ndef\n");
    let text = stdout(&out);
    let expected_argv0 = format!("argv[0]={}\n", exe.display());
    assert!(
        text.starts_with(&format!(
            "argc=4\n{expected_argv0}argv[1]=a\nargv[2]=b c\nargv[3]=\n"
        )),
        "{text}"
    );
    assert!(text.contains("GREETING=hi there\n"), "{text}");
    assert!(text.contains("MISSING unset\n"), "{text}");
    assert!(text.contains("stdin bytes=8 lines=2\n"), "{text}");
    let sum: u32 = b"abc\ndef\n".iter().map(|b| u32::from(*b)).sum();
    assert!(text.contains(&format!("sum={sum}\n")), "{text}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "to stderr\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn host_environment_is_not_inherited() {
    let out = run(&build("args_env", &[]), &[], b"");
    assert!(stdout(&out).contains("GREETING unset\n"));
}

#[test]
fn exit_codes_pass_through() {
    let exe = build("exit_code", &[]);
    for code in [0, 1, 42, 255] {
        let out = run(&exe, &[&code.to_string()], b"");
        assert_eq!(out.status.code(), Some(code));
    }
    assert_eq!(run(&exe, &[], b"").status.code(), Some(3));
}

#[test]
fn computation_matches_the_native_build() {
    let out = run(&build("compute", &[]), &[], b"");
    let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected output");
    assert_eq!(stdout(&out), expected);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn musttail_interpreter_runs_millions_of_steps_in_a_small_stack() {
    // 24 million handler-to-handler tail calls; a 256 KiB stack holds only a few thousand
    // frames, so this passes only if the calls replace their frames.
    let exe = build("tailcall", &[]);
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -s 256 && exec $WASMAOT_TEST_RUNNER \"$0\""])
        .arg(&exe);
    let out = run_with(command, b"");
    let expected = std::fs::read_to_string(fixture("tailcall.expected")).expect("expected output");
    assert_eq!(stdout(&out), expected);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn large_stdin_is_copied_exactly() {
    let input: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let out = run(&build("stdin_cat", &[]), &[], &input);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout == input,
        "stdout differs from stdin ({} vs {} bytes)",
        out.stdout.len(),
        input.len()
    );
}

#[test]
fn clocks_and_randomness_work() {
    let out = run(&build("clock_random", &[]), &[], b"");
    assert_eq!(stdout(&out), "realtime ok\nmonotonic ok\nrandom ok\n");
}

fn assert_trap(name: &str, message: &str, function: &str) {
    let out = run(&build(name, &[]), &[], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(134), "{name}: {stderr}");
    assert_eq!(stdout(&out), "before\n", "{name}");
    let line = format!("wasm trap: {message} in function '{function}'");
    assert!(
        stderr.starts_with(&line),
        "{name}: expected `{line}`, got `{stderr}`"
    );
}

#[test]
fn trap_out_of_bounds_load() {
    assert_trap(
        "trap_oob_load",
        "out of bounds memory access",
        "do_oob_load",
    );
}

#[test]
fn trap_out_of_bounds_store() {
    assert_trap(
        "trap_oob_store",
        "out of bounds memory access",
        "do_oob_store",
    );
}

#[test]
fn trap_divide_by_zero() {
    assert_trap("trap_div_zero", "integer divide by zero", "do_div_zero");
}

#[test]
fn traps_print_a_backtrace_of_wasm_frames() {
    use wasmparser::Operator;
    let out = run(&build("trap_div_zero", &[]), &[], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Each frame at its wasm code offset: the division, then the call in main.
    let module = fixture("trap_div_zero.wasm");
    let div = op_offset(&module, 8, 0, |op| matches!(op, Operator::I32DivS));
    let call = op_offset(&module, 9, 0, |op| {
        matches!(op, Operator::Call { function_index: 8 })
    });
    assert!(
        stderr.contains(&format!(
            "\nwasm backtrace:\n  0: {div:#x} - do_div_zero (func 8)\n  1: {call:#x} - main (func 9)\n"
        )),
        "{stderr}"
    );
    assert!(stderr.contains(" - _start (func "), "{stderr}");
    // Recursion is one line per run of one frame: the innermost at the stack check (the
    // function's body), then the calls.
    let out = run(&build("trap_stack", &[]), &[], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // (63 more frames, or 127 when one level of the recursion is inlined: each machine
    // frame then holds two.)
    assert!(
        stderr.contains(" - do_recurse (func 8) (and 63 more frames of it)\n")
            || stderr.contains(" - do_recurse (func 8) (and 127 more frames of it)\n"),
        "{stderr}"
    );
}

#[test]
fn traps_in_a_program_with_dwarf_name_source_lines() {
    let out = run(&build("trap_dwarf", &[]), &[], b"");
    assert_eq!(stdout(&out), "before\n");
    assert_eq!(out.status.code(), Some(134));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let frames: Vec<&str> = stderr.lines().filter(|l| l.contains(": 0x")).collect();
    let expected = [
        ("divide", "/* the division */"),
        ("average", "/* the call to divide */"),
        ("main", "/* the call to average"),
    ];
    assert!(frames.len() > expected.len(), "{stderr}");
    for (i, (frame, (function, marker))) in frames.iter().zip(expected).enumerate() {
        let line = line_of("trap_dwarf.c", marker);
        assert!(
            frame.starts_with(&format!("  {i}: 0x"))
                && frame.contains(&format!(" - {function} (func "))
                && frame.ends_with(&format!(") at trap_dwarf.c:{line}")),
            "frame {i} should be {function} at line {line}:\n{stderr}"
        );
    }
}

#[test]
fn trap_signed_division_overflow() {
    assert_trap("trap_int_overflow", "integer overflow", "do_int_overflow");
}

#[test]
fn trap_unreachable() {
    assert_trap("trap_unreachable", "unreachable", "do_unreachable");
}

#[test]
fn trap_indirect_call_type_mismatch() {
    assert_trap(
        "trap_indirect_type",
        "indirect call type mismatch",
        "do_bad_indirect_call",
    );
}

#[test]
fn trap_null_table_entry() {
    assert_trap("trap_null_call", "uninitialized element", "do_null_call");
}

#[test]
fn trap_deep_recursion() {
    assert_trap("trap_stack", "call stack exhausted", "do_recurse");
}

#[test]
fn trap_nan_to_int() {
    assert_trap(
        "trap_float_nan",
        "invalid conversion to integer",
        "do_nan_to_int",
    );
}

#[test]
fn explicit_bounds_checks_trap_the_same_way() {
    let exe = build("trap_oob_load", &["--bounds-checks", "explicit"]);
    let out = run(&exe, &[], b"");
    assert_eq!(out.status.code(), Some(134));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("wasm trap: out of bounds memory access")
    );
    let out = run(
        &build("compute", &["--bounds-checks", "explicit", "-O1"]),
        &[],
        b"",
    );
    let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected output");
    assert_eq!(stdout(&out), expected);
}

/// Instructions of `exe`'s code whose memory operand has a displacement of 0x6000xxxx, the
/// fixed base of an executable's memory and an offset.
fn fixed_base_operands(exe: &Path) -> usize {
    disassemble(exe)
        .lines()
        .filter(|l| l.contains(" 0x6000") && l.contains("(%"))
        .count()
}

#[test]
fn an_executables_memory_accesses_take_its_fixed_base_as_displacement() {
    let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected output");
    // Its own path: another test builds `compute` with no flags too.
    let fixed = scratch().join("compute-fixed-base");
    build_to(&fixed, "compute", &[]);
    let anywhere = build("compute", &["--any-memory-address"]);
    for exe in [&fixed, &anywhere] {
        assert_eq!(stdout(&run(exe, &[], b"")), expected, "{}", exe.display());
    }
    if !(cfg!(target_arch = "x86_64") && cfg!(target_os = "linux")) {
        return; // only x86-64 Linux executables place their memory at a fixed address
    }
    // Loads and stores of the memory (the vmctx holds no such address) take the base as
    // part of their displacement: hundreds of them, and none with the flag.
    let operands = fixed_base_operands(&fixed);
    assert!(operands > 100, "{operands}");
    assert_eq!(fixed_base_operands(&anywhere), 0);

    // An access at a varying address takes the base as displacement; one at a constant
    // address (a C global) takes the base from the vmctx, loaded once, rather than putting
    // the constant in a register before every access (x86-64 has displacements only from a
    // register).
    let wat = scratch().join("walk.wat");
    std::fs::write(
        &wat,
        r#"(module
          (memory (export "memory") 1)
          (global $p (mut i32) (i32.const 64))
          (func $walk (param $n i32) (result i32) (local $sum i32)
            (loop $next
              (local.set $sum (i32.add (local.get $sum) (i32.load (global.get $p))))
              (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
              (global.set $p (i32.add (global.get $p) (i32.const 4)))
              (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (i32.add (local.get $sum) (i32.load (i32.const 16))))
          (func (export "_start") (drop (call $walk (i32.const 100)))))"#,
    )
    .expect("write wat");
    let exe = scratch().join("walk");
    common::build_module_to(&exe, &wat, &[]);
    assert_eq!(run(&exe, &[], b"").status.code(), Some(0));
    let walk = code_of(&disassemble(&exe), "walk.wasm0");
    assert!(walk.contains(" 0x60000000(%"), "{walk}");
    assert!(walk.contains(",0x10(%"), "{walk}");
    assert!(!walk.contains("$0x6000"), "{walk}");
}

/// A library that, preloaded into a program, maps a page at `address` before it starts.
fn library_taking(address: u64) -> PathBuf {
    let source = scratch().join(format!("take-{address:x}.c"));
    std::fs::write(
        &source,
        format!(
            "#include <sys/mman.h>\n\
             __attribute__((constructor)) static void take(void) {{\n\
               mmap((void *){address:#x}, 4096, PROT_READ,\n\
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);\n\
             }}\n"
        ),
    )
    .expect("write C");
    let library = scratch().join(format!("take-{address:x}.so"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let status = Command::new(cc)
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .status()
        .expect("cc runs");
    assert!(status.success());
    library
}

/// `hello` built as usual, then with `--any-memory-address`, run with a page at `address`
/// already mapped: the first stops with one line on stderr containing `message`, status 1;
/// the second runs.
fn hello_with_address_taken(address: u64, message: &str) {
    let library = library_taking(address);
    // Its own path: other tests build `hello` with no flags too.
    let exe = scratch().join(format!("hello-address-taken-{address:x}"));
    build_to(&exe, "hello", &[]);
    let out = Command::new(&exe)
        .env("LD_PRELOAD", &library)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
    // Built to let the kernel choose, it runs. (Its own path too: the tests for other
    // addresses build it at the same time.)
    let anywhere = scratch().join(format!("hello-anywhere-{address:x}"));
    build_to(&anywhere, "hello", &["--any-memory-address"]);
    let out = Command::new(&anywhere)
        .env("LD_PRELOAD", &library)
        .output()
        .expect("runs");
    assert_eq!(stdout(&out), "hello, world\n");
}

#[test]
fn an_executable_whose_memory_address_is_taken_stops_with_one_line() {
    if !(cfg!(target_arch = "x86_64") && cfg!(target_os = "linux")) {
        return; // only x86-64 Linux executables place their memory at a fixed address
    }
    // A page inside the memory's range.
    hello_with_address_taken(0x7000_0000, "memory 0 must start at 0x60000000");
}

#[test]
fn an_executable_whose_vmctx_address_is_taken_stops_with_one_line() {
    if !(cfg!(target_arch = "x86_64") && cfg!(target_os = "linux")) {
        return; // only x86-64 Linux executables place their vmctx at a fixed address
    }
    hello_with_address_taken(0x5000_0000, "vmctx must start at 0x50000000");
}

#[test]
fn an_executables_functions_take_the_vmctx_as_a_constant() {
    let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected output");
    let fixed = scratch().join("compute-fixed-vmctx");
    build_to(&fixed, "compute", &[]);
    let anywhere = scratch().join("compute-any-vmctx");
    build_to(&anywhere, "compute", &["--any-memory-address"]);
    for exe in [&fixed, &anywhere] {
        assert_eq!(stdout(&run(exe, &[], b"")), expected, "{}", exe.display());
    }
    if !(cfg!(target_arch = "x86_64") && cfg!(target_os = "linux")) {
        return; // only x86-64 Linux executables place their vmctx at a fixed address
    }
    // The address is made where it is used (a call's vmctx arguments, a global's load) in
    // place of a register holding the parameter; with the flag it appears nowhere.
    let constants = |exe: &Path| {
        disassemble(exe)
            .lines()
            .filter(|l| l.contains("$0x50000000,"))
            .count()
    };
    let made = constants(&fixed);
    assert!(made > 100, "{made}");
    assert_eq!(constants(&anywhere), 0);
}

#[test]
fn every_optimisation_level_gives_the_same_output() {
    let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected output");
    for flags in [&["-O0"][..], &["-O1"], &["-O2"], &["-O2", "--no-inline"]] {
        let out = run(&build("compute", flags), &[], b"");
        assert_eq!(stdout(&out), expected, "{flags:?}");
    }
}

#[test]
fn objects_do_not_depend_on_the_thread_count() {
    let write = |jobs: &str, extra: &[&str]| {
        let path = scratch().join(format!("compute-j{jobs}-{}.o", extra.len()));
        let out = wasmaot()
            .args(["compile", "--emit", "obj", "-j", jobs])
            .args(extra)
            .arg(fixture("compute.wasm"))
            .arg("-o")
            .arg(&path)
            .output()
            .expect("wasmaot runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(path).expect("object written")
    };
    let one = write("1", &[]);
    assert_eq!(&one[..4], b"\x7fELF");
    assert!(one == write("2", &[]), "-j1 and -j2 objects differ");
    // With inlining switched off too, and the switch changes the code.
    let plain = write("1", &["--no-inline"]);
    assert!(
        plain == write("2", &["--no-inline"]),
        "--no-inline: objects differ"
    );
    assert!(plain != one, "--no-inline changed nothing");
}

#[test]
fn run_compiles_once_and_passes_arguments() {
    let cache = scratch().join("cache");
    let go = || {
        wasmaot()
            .env("XDG_CACHE_HOME", &cache)
            .args(["run", "--env", "GREETING=cached"])
            .arg(fixture("args_env.wasm"))
            .args(["--", "one", "two"])
            .stdin(Stdio::null())
            .output()
            .expect("wasmaot runs")
    };
    let first = go();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = stdout(&first);
    assert!(text.starts_with("argc=3\n"), "{text}");
    assert!(
        text.contains("argv[1]=one\nargv[2]=two\n") && text.contains("GREETING=cached\n"),
        "{text}"
    );
    let entries = std::fs::read_dir(cache.join("wasmaot"))
        .expect("cache dir")
        .count();
    assert_eq!(entries, 2, "one cached executable and its digest");
    let second = go();
    assert_eq!(stdout(&second), text);
    assert_eq!(
        std::fs::read_dir(cache.join("wasmaot"))
            .expect("cache dir")
            .count(),
        2
    );
    let exit = wasmaot()
        .env("XDG_CACHE_HOME", &cache)
        .arg("run")
        .arg(fixture("exit_code.wasm"))
        .args(["--", "7"])
        .status()
        .expect("wasmaot runs");
    assert_eq!(exit.code(), Some(7));
}

/// The compare instructions in the machine code of function 0 of `wat`, compiled with
/// `--bounds-checks mode`.
fn compares_in_function_0(name: &str, wat: &str, mode: &str) -> usize {
    let code = function_0_code(&format!("{name}-{mode}"), wat, &["--bounds-checks", mode]);
    code.lines().filter(|l| l.contains("\tcmp")).count()
}

/// The machine code of function 0 of `wat`, compiled with extra `flags`.
fn function_0_code(name: &str, wat: &str, flags: &[&str]) -> String {
    let wasm_path = scratch().join(format!("{name}.wasm"));
    std::fs::write(&wasm_path, wat::parse_str(wat).expect("valid WAT")).expect("write wasm");
    let obj = scratch().join(format!("{name}.o"));
    let out = wasmaot()
        .args(["compile", "--emit", "obj"])
        .args(flags)
        .arg(&wasm_path)
        .arg("-o")
        .arg(&obj)
        .output()
        .expect("wasmaot runs");
    assert!(out.status.success(), "{out:?}");
    code_of(&disassemble(&obj), "wasm_function.wasm0")
}

/// `objdump -d` of the object or executable at `path`.
fn disassemble(path: &Path) -> String {
    let dis = objdump()
        .args(["-d", "--no-show-raw-insn"])
        .arg(path)
        .output()
        .expect("objdump runs");
    String::from_utf8_lossy(&dis.stdout).into_owned()
}

/// The instructions of function `symbol` in `disassembly`.
fn code_of(disassembly: &str, symbol: &str) -> String {
    disassembly
        .split(&format!("<{symbol}>:"))
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_else(|| panic!("{symbol} in the disassembly"))
        .to_string()
}

/// Compares of the stack pointer with a limit in `code` (x86-64 `cmp` with `%rsp`, aarch64
/// `subs`/`cmp` with `sp`).
fn stack_checks(code: &str) -> usize {
    code.lines()
        .filter(|l| {
            // Cranelift's check in the prologue compares the limit with the stack pointer; the
            // one after the prologue copies the stack pointer to a register first.
            (l.contains("\tcmp") && l.contains("%rsp"))
                || (l.contains("\tmov") && l.contains("%rsp,%r") && !l.contains("%rbp"))
                || ((l.contains("\tsubs") || l.contains("\tcmp")) && l.contains("sp,"))
                || (l.contains("\tmov") && l.ends_with(", sp") && !l.contains("x29"))
        })
        .count()
}

/// A function of `loads` loads from memory, all live at once (summed in reverse order), so
/// that its frame holds most of them; it calls function 1 first when `calls`, which calls
/// itself when `recursive`.
fn many_live_values(loads: u32, calls: bool) -> String {
    live_values_calling(loads, calls, false)
}

fn live_values_calling(loads: u32, calls: bool, recursive: bool) -> String {
    let locals = " i64".repeat(loads as usize);
    let mut body = String::new();
    if calls {
        body.push_str("(call 1)\n");
    }
    for i in 0..loads {
        body.push_str(&format!(
            "(local.set {} (i64.load offset={} (local.get 0)))\n",
            i + 1,
            8 * i
        ));
    }
    let sum = (1..=loads)
        .rev()
        .fold("(i64.const 0)".to_string(), |acc, i| {
            format!("(i64.add {acc} (local.get {i}))")
        });
    let callee = match recursive {
        true => "(func (param i32) (if (local.get 0) (then (call 1 (i32.sub (local.get 0) (i32.const 1))))))",
        false => "(func)",
    };
    let call = match recursive {
        true => "(call 1 (i32.const 3))\n",
        false => "(call 1)\n",
    };
    let body = body.replace("(call 1)\n", call);
    format!(
        "(module (memory 1) (func (param i32) (result i64) (local{locals}) {body} {sum}) {callee})"
    )
}

#[test]
fn functions_without_calls_and_with_small_frames_skip_the_stack_check() {
    // A leaf whose spills fit in a page: its caller's check covers it.
    let small_leaf = function_0_code("small_leaf", &many_live_values(48, false), &[]);
    assert!(
        small_leaf.contains("(%rsp)") || small_leaf.contains("[sp"),
        "no spills:\n{small_leaf}"
    );
    assert_eq!(stack_checks(&small_leaf), 0, "{small_leaf}");
    // The same calling a function that calls nothing (a call kept: the empty callee would
    // be inlined) is at height 1: its frame and its callee's fit in the margin too.
    let caller = function_0_code(
        "small_caller",
        &many_live_values(48, true),
        &["--no-inline"],
    );
    assert_eq!(stack_checks(&caller), 0, "{caller}");
    // Calling a recursive function, it goes without too: the recursive function checks,
    // after its frame, and so ends the run of unchecked frames.
    let caller = function_0_code(
        "recursion_caller",
        &live_values_calling(48, true, true),
        &["--no-inline"],
    );
    assert_eq!(stack_checks(&caller), 0, "{caller}");
    // With its call inlined, it is a leaf again.
    let inlined = function_0_code("inlined_caller", &many_live_values(48, true), &[]);
    assert_eq!(stack_checks(&inlined), 0, "{inlined}");
    // A leaf whose frame passes a page keeps its check.
    let large_leaf = function_0_code("large_leaf", &many_live_values(800, false), &[]);
    assert_eq!(stack_checks(&large_leaf), 1, "{large_leaf}");
}

#[test]
fn products_by_three_five_and_nine_are_shifts_and_adds_and_constant_bytes_are_immediates() {
    // x * 3 + 1, x * 5 and x * 72 (9 << 3): an `lea` or shifted `add` each, no multiply.
    let products = function_0_code(
        "products",
        r#"(module (func (param i64 i32) (result i64)
             (i64.add (i64.add (i64.mul (local.get 0) (i64.const 3)) (i64.const 1))
                      (i64.extend_i32_u (i32.add (i32.mul (i32.const 5) (local.get 1))
                                                 (i32.mul (local.get 1) (i32.const 72)))))))"#,
        &[],
    );
    let multiplies = products
        .lines()
        .filter(|l| {
            ["	imul", "	mul", "	madd", "	umull"]
                .iter()
                .any(|m| l.contains(m))
        })
        .count();
    assert_eq!(multiplies, 0, "{products}");
    // Any other factor stays a multiply.
    let by_seven = function_0_code(
        "by_seven",
        "(module (func (param i64) (result i64) (i64.mul (local.get 0) (i64.const 7))))",
        &[],
    );
    assert!(
        by_seven.contains("	imul") || by_seven.contains("	mul"),
        "{by_seven}"
    );
    // A constant byte is stored as an immediate on x86-64, not through a register.
    if cfg!(target_arch = "x86_64") {
        let store = function_0_code(
            "store_byte",
            "(module (memory 1) (func (param i32) (i32.store8 (local.get 0) (i32.const 1))))",
            &[],
        );
        assert!(store.contains("movb   $0x1,"), "{store}");
    }
}

#[test]
fn loaded_pointers_are_dereferenced_without_a_zero_extension() {
    // A chain of three loads, and a loaded pointer used both as an address and as a number.
    let chain = function_0_code(
        "pointer_chain",
        r#"(module (memory 1) (func (param i32) (result i32) (local i32)
             (local.set 1 (i32.load offset=8 (i32.load (i32.load (local.get 0)))))
             (i32.add (local.get 1) (i32.load offset=4 (local.get 1)))))"#,
        &[],
    );
    // x86-64 zero-extends with a 32-bit `mov` of a register to itself (`mov %eax,%eax`); a
    // 32-bit load already clears the upper half. aarch64 folds the extension into the address.
    let self_moves = chain
        .lines()
        .filter(|l| {
            let Some((_, operands)) = l.split_once("\tmov    ") else {
                return false;
            };
            let mut regs = operands.trim().split(',');
            let (a, b) = (regs.next(), regs.next());
            a == b && a.is_some_and(|r| r.starts_with("%e") || r.ends_with('d'))
        })
        .count();
    assert_eq!(self_moves, 0, "{chain}");
    if cfg!(target_arch = "x86_64") {
        // The four wasm loads, each indexing the memory base with a register.
        let loads = chain
            .lines()
            .filter(|l| l.contains("\tmov") && l.contains(",1),%"))
            .count();
        assert_eq!(loads, 4, "{chain}");
    }
}

#[test]
fn a_loaded_switch_index_is_not_zero_extended() {
    if !cfg!(target_arch = "x86_64") {
        return; // aarch64's jump tables take a 32-bit index as it is
    }
    // An interpreter's dispatch: the opcode byte at `pc` selects a case, each of which moves
    // `pc` on and goes back to the dispatch (which is copied into every case).
    let cases: String = (0..6).map(|i| format!("(block $c{i} ")).collect::<String>();
    let ends: String = (0..6)
        .rev()
        .map(|i| {
            format!(
                ") (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (i32.const {i})))
                 (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
                 (br $next)"
            )
        })
        .collect();
    let code = function_0_code(
        "switch_on_a_byte",
        &format!(
            r#"(module (memory 1)
                 (func (param $pc i32) (result i32) (local $acc i32)
                   (block $done
                     (loop $next
                       {cases}(block $end
                         (br_table $c0 $c1 $c2 $c3 $c4 $c5 $end
                           (i32.load8_u (local.get $pc))))
                       (br $done){ends}))
                   (local.get $acc)))"#
        ),
        &[],
    );
    let extensions = code
        .lines()
        .filter(|l| is_zero_extending_self_move(l))
        .count();
    let tables = code.lines().filter(|l| l.contains("\tjmp    *%")).count();
    assert!(tables >= 2, "the dispatch and its copies: {code}");
    assert_eq!(extensions, 0, "{code}");
}

/// Whether `line` of x86-64 disassembly zero-extends a 32-bit register in place
/// (`mov %eax,%eax`).
fn is_zero_extending_self_move(line: &str) -> bool {
    is_zero_extending_move(line)
        && line
            .split_once("\tmov    ")
            .and_then(|(_, operands)| operands.trim().split_once(','))
            .is_some_and(|(a, b)| a == b)
}

#[test]
fn a_table_lookup_by_a_masked_index_is_one_addressing_mode() {
    if !cfg!(target_arch = "x86_64") {
        return; // the scaled index with a displacement is x86-64's addressing mode
    }
    // Lua's dispatch: `disptab[op & 0x7f]`, whose load takes the memory's base, the masked
    // index scaled by 4 and the table's address as displacement (not `shl; lea` first).
    let code = function_0_code(
        "table_lookup",
        r#"(module (memory 1)
             (func (param i32 i32) (result i32)
               (i32.add (local.get 1)
                 (i32.load (i32.add (i32.shl (i32.and (local.get 0) (i32.const 127))
                                             (i32.const 2))
                                    (i32.const 1024))))))"#,
        &[],
    );
    assert!(code.contains("0x400(%"), "{code}");
    assert!(code.contains(",4),"), "{code}");
    let shifts = code.lines().filter(|l| l.contains("\tshl")).count();
    assert_eq!(shifts, 0, "{code}");
}

#[test]
fn a_table_lookup_by_a_scaled_byte_in_a_local_takes_the_table_as_displacement() {
    if !cfg!(target_arch = "x86_64") {
        return; // the index with a displacement is x86-64's addressing mode
    }
    // zlib's `extra_lbits[code]`: the byte, scaled, is kept in a local for several lookups.
    // The local's value reaches each address through a narrowing and a widening, which the
    // bounds on its bits follow, so each load takes its table's address as displacement
    // (not `lea` first).
    let code = function_0_code(
        "scaled_local",
        r#"(module (memory 1)
             (func (param i32) (result i32) (local $scaled i32)
               (local.set $scaled (i32.shl (i32.load8_u (local.get 0)) (i32.const 2)))
               (i32.add
                 (i32.load (i32.add (local.get $scaled) (i32.const 2048)))
                 (i32.load (i32.add (local.get $scaled) (i32.const 4096))))))"#,
        &[],
    );
    assert!(code.contains("0x800(%"), "{code}");
    assert!(code.contains("0x1000(%"), "{code}");
    let leas = code.lines().filter(|l| l.contains("\tlea")).count();
    assert!(leas <= 1, "{code}");
}

#[test]
fn unrolled_running_sums_keep_their_bytes_in_registers() {
    if !cfg!(target_arch = "x86_64") {
        return; // aarch64 has registers enough for every byte either way
    }
    // Adler-32's unrolled loop: `a += p[i]; b += a`. The optimiser alone places all the loads
    // first and the additions after them, with every byte live at once (74 stack-slot
    // instructions in this function).
    let steps: String = (0..24)
        .map(|i| {
            format!(
                "(local.set $a (i32.add (local.get $a) (i32.load8_u offset={i} (local.get $p))))
                 (local.set $b (i32.add (local.get $b) (local.get $a)))"
            )
        })
        .collect();
    let code = function_0_code(
        "running_sums",
        &format!(
            r#"(module (memory 1)
                 (func (param $p i32) (param $n i32) (result i32) (local $a i32) (local $b i32)
                   (loop $next
                     {steps}
                     (local.set $p (i32.add (local.get $p) (i32.const 24)))
                     (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                   (i32.xor (local.get $a) (local.get $b))))"#
        ),
        &[],
    );
    // No stack slot is used: no spill, and no callee-saved register to save.
    let stack = code.lines().filter(|l| l.contains("(%rsp)")).count();
    assert_eq!(stack, 0, "{code}");
}

/// Whether `line` of x86-64 disassembly moves a 32-bit register to a 32-bit register (which
/// zero-extends it), as `mov %edx,%edi`.
fn is_zero_extending_move(line: &str) -> bool {
    let Some((_, operands)) = line.split_once("\tmov    ") else {
        return false;
    };
    let is_32 = |r: &str| r.starts_with("%e") || (r.starts_with("%r") && r.ends_with('d'));
    let mut regs = operands.trim().split(',');
    matches!((regs.next(), regs.next()), (Some(a), Some(b)) if is_32(a) && is_32(b))
}

#[test]
fn a_pointer_advanced_by_a_loop_is_not_zero_extended_in_it() {
    if !cfg!(target_arch = "x86_64") {
        return; // i32 locals are kept wide on x86-64 only
    }
    let code = function_0_code(
        "pointer_loop",
        r#"(module (memory 1)
             (func (param $p i32) (param $n i32) (result i32) (local $sum i32)
               (block $end
                 (loop $next
                   (br_if $end (i32.eqz (local.get $n)))
                   (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
                   (local.set $p (i32.add (local.get $p) (i32.const 4)))
                   (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                   (br $next)))
               (local.get $sum)))"#,
        &[],
    );
    // The loop: from the target of the backward jump to the jump.
    let address = |line: &str| u64::from_str_radix(line.split(':').next()?.trim(), 16).ok();
    let lines: Vec<&str> = code.lines().collect();
    let (end, target) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| {
            let (_, rest) = l.split_once("\tjmp    ")?;
            let target = u64::from_str_radix(rest.split_whitespace().next()?, 16).ok()?;
            (target < address(l)?).then_some((i, target))
        })
        .unwrap_or_else(|| panic!("no loop in\n{code}"));
    let start = lines
        .iter()
        .position(|l| address(l) == Some(target))
        .expect("the loop's first instruction");
    let moves = lines[start..=end]
        .iter()
        .filter(|l| is_zero_extending_move(l))
        .count();
    assert_eq!(moves, 0, "{code}");
}

#[test]
fn call_indirect_through_a_table_of_fixed_size_compares_with_a_constant() {
    // Exported, so that the table is read (not the compiler's copy of a table nothing but
    // the module's segments writes).
    let call = |table: &str| {
        function_0_code(
            "fixed_table",
            &format!(
                r#"(module (type $t (func (result i32))) (table {table} funcref)
                     (export "t" (table 0))
                     (func (param i32) (result i32) (call_indirect (type $t) (local.get 0))))"#
            ),
            &[],
        )
    };
    let compares_with_3 = |code: &str| {
        code.lines()
            .any(|l| l.contains("\tcmp") && (l.contains("$0x3,") || l.contains("#0x3")))
    };
    let fixed = call("3 3");
    assert!(compares_with_3(&fixed), "{fixed}");
    // A table that may grow has its length read from memory.
    let growable = call("3 4");
    assert!(!compares_with_3(&growable), "{growable}");
}

/// A switch loop of five cases, each ending in a branch back to the loop.
const SWITCH_LOOP: &str = r#"(module (memory 1)
  (func (param $pc i32) (result i32) (local $acc i32) (local $op i32)
    (block $exit
      (loop $next
        (local.set $op (i32.load8_u (local.get $pc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (block $d (block $c (block $b (block $a
          (br_table $a $b $c $d $exit (local.get $op)))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1))) (br $next))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 2))) (br $next))
          (local.set $acc (i32.shl (local.get $acc) (i32.const 1))) (br $next))
        (local.set $acc (i32.xor (local.get $acc) (i32.const 9))) (br $next)))
    (local.get $acc)))"#;

/// Indirect jumps in `code` (x86-64 `jmp *`, aarch64 `br`).
fn indirect_jumps(code: &str) -> usize {
    code.lines()
        .filter(|l| l.contains("\tjmp    *") || l.contains("\tbr\t"))
        .count()
}

#[test]
fn switch_loops_get_a_dispatch_at_the_end_of_every_case() {
    let copied = function_0_code("switch_o2", SWITCH_LOOP, &[]);
    let plain = function_0_code("switch_o1", SWITCH_LOOP, &["-O1"]);
    assert_eq!(indirect_jumps(&plain), 1, "{plain}");
    // The one at the top of the loop and one for each of the four cases.
    assert_eq!(indirect_jumps(&copied), 5, "{copied}");
}

/// Eight loads of one index at distinct offsets, from a memory declared `memory`.
fn eight_loads(index_type: &str, memory: &str) -> String {
    let load = |offset: u32| format!("(i32.load offset={offset} (local.get 0))");
    let sum = (1..8).fold(load(0), |acc, i| format!("(i32.add {acc} {})", load(4 * i)));
    format!(r#"(module (memory {memory}) (func (param {index_type}) (result i32) {sum}))"#)
}

#[test]
fn guard_pages_remove_bounds_checks_from_machine_code() {
    // With guard pages no compare guards the loads; with explicit checks each gets its own.
    let wat = eight_loads("i32", "1");
    let guarded = compares_in_function_0("loads", &wat, "guard");
    let explicit = compares_in_function_0("loads", &wat, "explicit");
    // The one compare left with guard pages is the prologue's stack-limit check.
    assert!(guarded <= 1, "guard-page code has {guarded} compares");
    assert!(
        explicit >= guarded + 8,
        "explicit code has {explicit} compares"
    );
}

#[test]
fn memory64_loads_of_one_index_share_one_compare() {
    // A 64-bit index is compared with the length once; the guard region after the largest
    // length covers the eight offsets.
    let wat = eight_loads("i64", "i64 1");
    let guarded = compares_in_function_0("loads64", &wat, "guard");
    assert!(guarded <= 2, "memory64 code has {guarded} compares");
    let explicit = compares_in_function_0("loads64", &wat, "explicit");
    assert!(
        explicit >= 8,
        "explicit memory64 code has {explicit} compares"
    );
}

#[test]
fn memory64_stores_do_not_force_the_length_to_be_checked_again() {
    // Linear memory is its own alias region: a store to it leaves the length known, so the
    // loads and stores of one index keep sharing one compare.
    let wat = r#"(module (memory i64 1) (func (param i64)
      (i32.store offset=64 (local.get 0) (i32.load (local.get 0)))
      (i32.store offset=68 (local.get 0) (i32.load offset=4 (local.get 0)))
      (i32.store offset=72 (local.get 0) (i32.load offset=8 (local.get 0)))))"#;
    let guarded = compares_in_function_0("copy64", wat, "guard");
    assert!(guarded <= 2, "memory64 code has {guarded} compares");
}

#[test]
fn objects_for_every_supported_target() {
    // (triple, header check) — ELF e_machine at byte 18, Mach-O cputype at byte 4.
    type HeaderCheck = fn(&[u8]) -> bool;
    let targets: [(&str, HeaderCheck); 4] = [
        ("x86_64-unknown-linux-gnu", |o| {
            o.starts_with(b"\x7fELF") && o[18] == 0x3e
        }),
        ("aarch64-unknown-linux-gnu", |o| {
            o.starts_with(b"\x7fELF") && o[18] == 0xb7
        }),
        ("x86_64-apple-darwin", |o| {
            o.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) && o[4..8] == [7, 0, 0, 1]
        }),
        ("aarch64-apple-darwin", |o| {
            o.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) && o[4..8] == [12, 0, 0, 1]
        }),
    ];
    for (triple, header_ok) in targets {
        let path = scratch().join(format!("compute-{triple}.o"));
        let out = wasmaot()
            .args(["compile", "--emit", "obj", "--target", triple])
            .arg(fixture("compute.wasm"))
            .arg("-o")
            .arg(&path)
            .output()
            .expect("wasmaot runs");
        assert!(
            out.status.success(),
            "{triple}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let object = std::fs::read(&path).expect("object written");
        assert!(header_ok(&object), "{triple}: unexpected object header");
    }
    let out = wasmaot()
        .args([
            "compile",
            "--emit",
            "obj",
            "--target",
            "mips-unknown-linux-gnu",
        ])
        .arg(fixture("compute.wasm"))
        .args(["-o", "/tmp/never.o"])
        .output()
        .expect("wasmaot runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn elf_objects_carry_unwind_tables_for_every_function() {
    let obj = scratch().join("compute-unwind.o");
    let out = wasmaot()
        .args(["compile", "--emit", "obj"])
        .arg(fixture("compute.wasm"))
        .arg("-o")
        .arg(&obj)
        .output()
        .expect("wasmaot runs");
    assert!(out.status.success());
    let frames = objdump()
        .arg("--dwarf=frames")
        .arg(&obj)
        .output()
        .expect("objdump runs");
    let fdes = String::from_utf8_lossy(&frames.stdout)
        .matches(" FDE ")
        .count();
    let symbols = objdump()
        .arg("-t")
        .arg(&obj)
        .output()
        .expect("objdump runs");
    let functions = String::from_utf8_lossy(&symbols.stdout)
        .lines()
        .filter(|l| l.contains(".wasm") && l.contains(" F "))
        .count();
    assert!(functions > 10, "{functions} functions");
    assert!(fdes >= functions, "{fdes} FDEs for {functions} functions");
}

#[test]
fn inspect_describes_a_module() {
    let out = wasmaot()
        .arg("inspect")
        .arg(fixture("hello.wasm"))
        .output()
        .expect("wasmaot runs");
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(
            "(import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32 i32 i32 i32) (result i32)))\n"
        ),
        "{text}"
    );
    assert!(text.contains("(export \"_start\" (func "), "{text}");
    assert!(text.contains("(memory 2)\n"), "{text}");
    assert!(text.contains("(table 5 5 funcref)\n"), "{text}");
    assert!(text.contains("build: yes (a WASI command)\n"), "{text}");
}

#[test]
fn inspect_lists_memory64_page_sizes_extended_const_and_wide_arithmetic() {
    let wasm = wat::parse_str(
        r#"(module
             (import "env" "g" (global i32))
             (memory i64 1 2)
             (memory 3 (pagesize 1))
             (table i64 1 funcref)
             (global i32 (i32.add (global.get 0) (i32.const 1)))
             (func (param i64 i64) (result i64 i64)
               (i64.mul_wide_u (local.get 0) (local.get 1))))"#,
    )
    .expect("well-formed");
    let input = scratch().join("proposals.wasm");
    std::fs::write(&input, wasm).expect("write");
    let out = wasmaot()
        .arg("inspect")
        .arg(&input)
        .output()
        .expect("wasmaot runs");
    let text = stdout(&out);
    assert!(
        text.contains(
            "uses: multi-memory, memory64, custom-page-sizes, extended-const, wide-arithmetic\n"
        ),
        "{text}"
    );
    assert!(text.contains("(memory i64 1 2)\n"), "{text}");
    assert!(
        text.contains("build: no (imports env::g, but an executable can only import"),
        "{text}"
    );
    assert!(text.contains("(memory 3 (pagesize 1))\n"), "{text}");
    assert!(text.contains("(table i64 1 funcref)\n"), "{text}");
}

/// `objdump` for the code under test: `$OBJDUMP` (e.g. `aarch64-linux-gnu-objdump` when the
/// tests run under emulation), else the machine's own.
fn objdump() -> Command {
    Command::new(std::env::var("OBJDUMP").unwrap_or_else(|_| "objdump".to_string()))
}

#[test]
fn a_host_function_failing_prints_the_wasm_frames_that_called_it() {
    // `fd_write` imported with a type WASI does not give it: calling it fails in the host.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32)))
      (memory (export "memory") 1)
      (func $log (param i32) (call $fd_write (local.get 0)))
      (func $_start (export "_start") (call $log (i32.const 7))))"#;
    let wasm = scratch().join("host_failure.wasm");
    std::fs::write(&wasm, wat::parse_str(wat).expect("valid WAT")).expect("write wasm");
    let exe = scratch().join("host_failure");
    let out = wasmaot()
        .arg("build")
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("wasmaot runs");
    assert!(out.status.success(), "{out:?}");
    let out = run(&exe, &[], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WASI function fd_write is not supported"),
        "{stderr}"
    );
    let frames: Vec<&str> = stderr.lines().filter(|l| l.contains(": 0x")).collect();
    assert_eq!(frames.len(), 2, "{stderr}");
    assert!(frames[0].ends_with(" - log (func 1)"), "{stderr}");
    assert!(frames[1].ends_with(" - _start (func 2)"), "{stderr}");
}

#[test]
fn i32_arguments_on_the_stack_are_stored_whole_on_x86_64() {
    if !cfg!(target_arch = "x86_64") {
        return; // aarch64 loads a stack argument at the width it was stored
    }
    // Function 0 passes eight i32s to function 1: with the two vmctx, the last four go on
    // the stack. Stored in 4 bytes, they would be loaded in 8 by the callee, a load that
    // cannot take its bytes from the pending store.
    let args: String = (0..8)
        .map(|k| format!("(i32.add (local.get 0) (i32.const {k}))"))
        .collect();
    let wat = format!(
        "(module
           (func (param i32) (result i32) (call 1 {args}))
           (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
             (i32.add (local.get 0) (local.get 7))))"
    );
    let code = function_0_code("stack_arguments", &wat, &["--no-inline"]);
    // The registers stored to the stack (`mov %SOURCE,OFFSET(%rsp)`).
    let sources: Vec<&str> = code
        .lines()
        .filter(|l| l.contains("\tmov"))
        .filter_map(|l| l.split_whitespace().last())
        .filter(|operands| operands.starts_with('%') && operands.ends_with("(%rsp)"))
        .filter_map(|operands| operands.split(',').next())
        .collect();
    assert!(sources.len() >= 4, "{code}");
    for source in &sources {
        let wide = source.starts_with("%r") && !source.ends_with('d');
        assert!(wide, "a 32-bit store to the stack from {source}:\n{code}");
    }
}
