//! The command line as users of other runtimes expect it: `run` arguments and its shorthand,
//! text-format input, `--env NAME`, `--invoke`, full parser messages, an output that would
//! overwrite its input refused, and a `run` cache that is private, holds no grants, and runs
//! nothing it has not checked.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture, stdout, target_command, wasmaot};

fn scratch(test: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run_in(cache: &Path, args: &[&str]) -> Output {
    wasmaot()
        .env("XDG_CACHE_HOME", cache)
        .env("GREETING", "from the host")
        .args(args)
        .output()
        .expect("wasmaot runs")
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(out)
}

/// The cached files, without their digests.
fn cached(cache: &Path) -> Vec<PathBuf> {
    let dir = cache.join("wasmaot");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_none())
        .collect();
    files.sort();
    files
}

#[test]
fn everything_after_the_module_goes_to_the_program_and_run_may_be_left_out() {
    let cache = scratch("args");
    let module = fixture("args_env.wasm");
    let module = module.to_str().expect("UTF-8 path");
    for args in [
        vec!["run", module, "one", "--two", "-3"],
        vec![module, "one", "--two", "-3"],
        vec!["run", module, "--", "one", "--two", "-3"],
    ] {
        let text = ok(&run_in(&cache, &args));
        assert!(text.starts_with("argc=4\n"), "{args:?}: {text}");
        assert!(
            text.contains("argv[1]=one\nargv[2]=--two\nargv[3]=-3\n"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn env_with_a_name_alone_passes_that_host_variable() {
    let cache = scratch("env");
    let module = fixture("args_env.wasm");
    let text = ok(&run_in(
        &cache,
        &[
            "run",
            "--env",
            "GREETING",
            "--env",
            "MISSING",
            module.to_str().unwrap(),
        ],
    ));
    assert!(text.contains("GREETING=from the host\n"), "{text}");
    assert!(
        text.contains("MISSING unset\n"),
        "a host variable not set stays unset: {text}"
    );
    let text = ok(&run_in(&cache, &["run", module.to_str().unwrap()]));
    assert!(
        text.contains("GREETING unset\n"),
        "not granted, not seen: {text}"
    );
}

/// Exits 1 if any environment entry the program sees contains `WASMAOT`, else 0.
const ENV_SCAN: &str = r#"(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 2)
  (data (i32.const 16) "WASMAOT")
  (func $at (param $p i32) (result i32) (local $i i32)
    (block $no (loop $next
      (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                         (i32.load8_u (i32.add (i32.const 16) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 7)))
      (return (i32.const 1))))
    (i32.const 0))
  (func (export "_start") (local $p i32) (local $end i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 32768)))
    (local.set $p (i32.const 32768))
    (local.set $end (i32.add (i32.const 32768) (i32.load (i32.const 4))))
    (block $done (loop $scan
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (if (call $at (local.get $p)) (then (call $exit (i32.const 1))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $scan)))
    (call $exit (i32.const 0))))"#;

#[test]
fn the_runtime_variables_are_not_the_programs() {
    let dir = scratch("hidden");
    let wat = dir.join("scan.wat");
    std::fs::write(&wat, ENV_SCAN).unwrap();
    let wat = wat.to_str().unwrap();
    let cache = dir.join("cache");
    let seen = |extra: &[&str]| {
        let mut args = vec!["run", "--inherit-env", "--dir", "."];
        args.extend(extra);
        args.push(wat);
        // The WASMAOT_ variables the tests were started with (cargo's, CI's) are left out:
        // the program must not see the ones set here.
        let mut command = wasmaot();
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("WASMAOT_") {
                command.env_remove(name);
            }
        }
        let out = command
            .env("XDG_CACHE_HOME", &cache)
            .env("WASMAOT_OPTS", "--env X=1")
            .args(&args)
            .output()
            .unwrap();
        out.status.code()
    };
    assert_eq!(
        seen(&[]),
        Some(0),
        "WASMAOT_OPTS and the run configuration are hidden"
    );
    assert_eq!(
        seen(&["--env", "MY_WASMAOT_THING=1"]),
        Some(1),
        "the scan finds one given"
    );
}

#[test]
fn text_format_modules_build_and_run() {
    let dir = scratch("wat");
    let wat = dir.join("exit.wat");
    std::fs::write(
        &wat,
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "_start") (call $exit (i32.const 42))))"#,
    )
    .unwrap();
    let exe = dir.join("exit");
    let out = wasmaot()
        .arg("build")
        .arg(&wat)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    ok(&out);
    let status = target_command(&exe).status().unwrap();
    assert_eq!(status.code(), Some(42));
    let out = run_in(&dir.join("cache"), &[wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(42));
}

#[test]
fn invoke_calls_an_export_with_typed_arguments() {
    let dir = scratch("invoke");
    let wat = dir.join("math.wat");
    std::fs::write(
        &wat,
        r#"(module
             (func (export "add") (param i32 i64) (result i64)
               (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
             (func (export "half") (param f64) (result f64 i32)
               (f64.div (local.get 0) (f64.const 2)) (i32.const 7))
             (func (export "boom") (unreachable)))"#,
    )
    .unwrap();
    let cache = dir.join("cache");
    let wat = wat.to_str().unwrap();
    assert_eq!(
        ok(&run_in(
            &cache,
            &["run", "--invoke", "add", wat, "-5", "12"]
        )),
        "7\n"
    );
    assert_eq!(
        ok(&run_in(&cache, &["run", "--invoke", "half", wat, "5"])),
        "2.5\n7\n"
    );
    let out = run_in(&cache, &["run", "--invoke", "boom", wat]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("wasm trap: unreachable"), "{stderr}");
    for (args, expected) in [
        (
            vec!["add", wat, "1"],
            "takes 2 arguments (i32 i64), 1 given",
        ),
        (vec!["add", wat, "x", "1"], "`x` is not a i32"),
        (vec!["nothing", wat], "exports no function `nothing`"),
    ] {
        let mut all = vec!["run", "--invoke"];
        all.extend(args);
        let out = run_in(&cache, &all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn parser_errors_keep_their_whole_message() {
    let out = wasmaot().args(["build", "app.wasm"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("--output <FILE>"),
        "the missing argument is named: {stderr}"
    );
    let out = wasmaot().args(["buidl", "app.wasm"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("similar subcommand exists: 'build'"),
        "{stderr}"
    );
    let out = wasmaot().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Commands:"));
    let help = stdout(&wasmaot().args(["run", "--help"]).output().unwrap());
    for needle in [
        "WASMAOT_OPTS",
        "XDG_CACHE_HOME",
        "CC",
        "--invoke",
        "--no-cache",
    ] {
        assert!(help.contains(needle), "help mentions {needle}: {help}");
    }
}

#[test]
fn an_output_that_is_the_input_is_refused() {
    let dir = scratch("overwrite");
    let input = dir.join("app.wasm");
    std::fs::copy(fixture("hello.wasm"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    for (command, output) in [
        ("build", input.clone()),
        ("compile", dir.join(".").join("app.wasm")),
    ] {
        let out = wasmaot()
            .arg(command)
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("would overwrite the input"), "{stderr}");
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn the_cache_is_private_holds_no_grants_and_runs_only_checked_files() {
    let dir = scratch("cache");
    let cache = dir.join("xdg");
    let module = fixture("args_env.wasm");
    let module = module.to_str().unwrap();
    let text = ok(&run_in(
        &cache,
        &["run", "--env", "GREETING=s3cr3t-value", module],
    ));
    assert!(text.contains("GREETING=s3cr3t-value\n"), "{text}");
    // Other grants reuse the same executable, which holds none of them.
    ok(&run_in(&cache, &["run", "--env", "OTHER=1", module]));
    let files = cached(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    let bytes = std::fs::read(&files[0]).unwrap();
    assert!(
        !bytes.windows(12).any(|w| w == b"s3cr3t-value"),
        "a grant was baked in"
    );
    let mode = std::fs::metadata(cache.join("wasmaot")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o700
    );
    // A replaced entry is rebuilt, never run.
    let marker = dir.join("planted");
    std::fs::write(
        &files[0],
        format!("#!/bin/sh\ntouch {}\n", marker.display()),
    )
    .unwrap();
    let text = ok(&run_in(&cache, &["run", module, "again"]));
    assert!(text.contains("argv[1]=again\n"), "{text}");
    assert!(!marker.exists(), "the planted file ran");
    std::fs::write(&files[0], b"").unwrap();
    assert!(ok(&run_in(&cache, &["run", module])).starts_with("argc=1\n"));
    // `cache dir` names it, `cache clear` empties it, `--no-cache` leaves nothing.
    let shown = ok(&run_in(&cache, &["cache", "dir"]));
    assert_eq!(Path::new(shown.trim()), cache.join("wasmaot"));
    ok(&run_in(&cache, &["cache", "clear"]));
    assert!(cached(&cache).is_empty());
    assert!(ok(&run_in(&cache, &["run", "--no-cache", module, "x"])).contains("argv[1]=x\n"));
    assert!(cached(&cache).is_empty());
}

#[test]
fn a_cache_directory_open_to_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("shared");
    let shared = dir.join("wasmaot");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run_in(&dir, &["run", fixture("hello.wasm").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a private directory"), "{stderr}");
    let out = wasmaot()
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .args(["run", fixture("hello.wasm").to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--no-cache"),
        "no shared fallback: {stderr}"
    );
}

#[test]
fn executables_name_wasm_functions_unless_stripped() {
    let dir = scratch("symbols");
    let wat = dir.join("named.wat");
    std::fs::write(
        &wat,
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func $compute_answer (result i32) (i32.const 42))
             (func $floor (result i32) (i32.const 0))
             (func (export "_start") (call $exit (i32.add (call $compute_answer) (call $floor)))))"#,
    )
    .unwrap();
    let symbols = |strip: bool| {
        let exe = dir.join(if strip { "stripped" } else { "named" });
        let mut build = wasmaot();
        build.arg("build").arg(&wat).arg("-o").arg(&exe);
        if strip {
            build.arg("--strip");
        }
        ok(&build.output().unwrap());
        assert_eq!(target_command(&exe).status().unwrap().code(), Some(42));
        let nm = std::process::Command::new("nm").arg(&exe).output().unwrap();
        String::from_utf8_lossy(&nm.stdout).into_owned()
    };
    let named = symbols(false);
    assert!(named.contains(" compute_answer.wasm1\n"), "{named}");
    // A function named like a C library function keeps its suffix: calls to `floor` must
    // never resolve to it.
    assert!(named.contains(" floor.wasm2\n"), "{named}");
    assert!(named.contains(" wasm_function.wasm3\n"), "{named}");
    assert!(!symbols(true).contains(".wasm"));
}

/// Exits with 0 if growing memory 0 by 64 pages (4 MiB) fails, 1 if it succeeds.
const GROW_4_MIB: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (func (export "_start")
    (call $exit (i32.ne (memory.grow (i32.const 64)) (i32.const -1)))))"#;

#[test]
fn max_memory_bounds_memory_grow() {
    let dir = scratch("max-memory");
    let wat = dir.join("grow.wat");
    std::fs::write(&wat, GROW_4_MIB).unwrap();
    let exe = |name: &str, flags: &[&str]| {
        let exe = dir.join(name);
        ok(&wasmaot()
            .arg("build")
            .arg(&wat)
            .arg("-o")
            .arg(&exe)
            .args(flags)
            .output()
            .unwrap());
        exe
    };
    let status = |exe: &Path, opts: Option<&str>| {
        let mut command = target_command(exe);
        if let Some(opts) = opts {
            command.env("WASMAOT_OPTS", opts);
        }
        command.status().unwrap().code()
    };
    let free = exe("free", &[]);
    assert_eq!(status(&free, None), Some(1), "grows without a limit");
    assert_eq!(
        status(&free, Some("--max-memory 1M")),
        Some(0),
        "limit at run time"
    );
    let limited = exe("limited", &["--max-memory", "2MiB"]);
    assert_eq!(status(&limited, None), Some(0), "limit baked in");
    assert_eq!(
        status(&limited, Some("--max-memory 8M")),
        Some(1),
        "raised at run time"
    );
    let cache = dir.join("cache");
    let out = run_in(
        &cache,
        &["run", "--max-memory", "512K", wat.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run_in(&cache, &["run", wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn malformed_sizes_are_one_line_errors() {
    let dir = scratch("bad-size");
    for size in ["12XB", "1.5G", "-1", "99999999999G"] {
        let out = wasmaot()
            .args(["build", fixture("hello.wasm").to_str().unwrap(), "-o"])
            .arg(dir.join("never"))
            .arg(format!("--max-memory={size}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{size}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!("--max-memory {size}")), "{stderr}");
    }
}

/// Whether the ELF executable at `path` names a program interpreter (the dynamic loader): a
/// `PT_INTERP` program header.
fn has_interpreter(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("executable");
    assert_eq!(
        &bytes[..5],
        b"\x7fELF\x02",
        "{}: not 64-bit ELF",
        path.display()
    );
    let word = |at: usize, len: usize| {
        let mut value = 0u64;
        for (i, b) in bytes[at..at + len].iter().enumerate() {
            value |= u64::from(*b) << (8 * i);
        }
        value as usize
    };
    let (phoff, phentsize, phnum) = (word(0x20, 8), word(0x36, 2), word(0x38, 2));
    (0..phnum).any(|i| word(phoff + i * phentsize, 4) == 3)
}

#[test]
fn static_executables_need_no_loader_and_behave_the_same() {
    let dir = scratch("static");
    let expected = std::fs::read_to_string(fixture("compute.expected")).unwrap();
    for static_link in [false, true] {
        let exe = dir.join(format!("compute-{static_link}"));
        let mut build = wasmaot();
        build
            .arg("build")
            .arg(fixture("compute.wasm"))
            .arg("-o")
            .arg(&exe);
        if static_link {
            build.arg("--static");
        }
        ok(&build.output().unwrap());
        assert_eq!(
            has_interpreter(&exe),
            !static_link,
            "--static {static_link}"
        );
        assert_eq!(ok(&target_command(&exe).output().unwrap()), expected);
    }
    // Traps are caught and reported in a static executable too, with their source lines.
    let exe = dir.join("trap");
    ok(&wasmaot()
        .arg("build")
        .arg(fixture("trap_dwarf.wasm"))
        .args(["--static", "-o"])
        .arg(&exe)
        .output()
        .unwrap());
    assert!(!has_interpreter(&exe));
    let out = target_command(&exe).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(134), "{stderr}");
    assert!(stderr.contains("integer divide by zero"), "{stderr}");
    assert!(stderr.contains("at trap_dwarf.c:7"), "{stderr}");
}

/// The runtime in executables is built without the Rust standard library, whose panic
/// machinery alone (a backtrace symbolizer: DWARF parsing, decompression, demangling) doubled
/// a hello world: the symbol table names none of it, and a stripped hello world stays small.
#[test]
fn executables_carry_no_standard_library() {
    let dir = scratch("small");
    let exe = dir.join("hello");
    let stripped = dir.join("hello-stripped");
    for (path, strip) in [(&exe, false), (&stripped, true)] {
        let mut build = wasmaot();
        build
            .arg("build")
            .arg(fixture("hello.wasm"))
            .arg("-o")
            .arg(path);
        if strip {
            build.arg("--strip");
        }
        ok(&build.output().unwrap());
        assert_eq!(
            ok(&target_command(path).output().unwrap()),
            "hello, world\n"
        );
    }
    let bytes = std::fs::read(&exe).unwrap();
    for name in [
        "3std9panicking",
        "backtrace_rs",
        "addr2line",
        "rustc_demangle",
    ] {
        let found = bytes.windows(name.len()).any(|w| w == name.as_bytes());
        assert!(!found, "the executable's symbols name {name}");
    }
    // 590 KB with the standard library; 255 KB without; 185 KB with only the WASI functions
    // it imports and no float formatting, ordered trees or sorting (x86-64). On aarch64 the
    // linker pads the file to align the writable segment to 64 KiB pages (a native hello
    // world is 67,600 bytes there; ours 206 KB, 38 KB of it padding).
    let bound = if cfg!(target_arch = "aarch64") {
        240_000
    } else {
        200_000
    };
    let size = std::fs::metadata(&stripped).unwrap().len();
    assert!(size < bound, "a stripped hello world is {size} bytes");
}

#[test]
fn executables_carry_only_the_wasi_functions_their_module_imports() {
    let dir = scratch("wasi-subset");
    let exe = dir.join("hello");
    ok(&wasmaot()
        .arg("build")
        .arg(fixture("hello.wasm"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap());
    let bytes = std::fs::read(&exe).unwrap();
    let names = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    // hello imports fd_close, fd_fdstat_get, fd_seek, fd_write (and proc_exit).
    for imported in ["fd_write", "fd_seek", "fd_close", "fd_fdstat_get"] {
        let symbol = format!("wasmaot_wasi_{imported}");
        assert!(names(&symbol), "{symbol} is not in the executable");
    }
    for other in [
        "path_open",
        "fd_read",
        "poll_oneoff",
        "sock_accept",
        "fd_readdir",
    ] {
        let symbol = format!("wasmaot_wasi_{other}");
        assert!(!names(&symbol), "{symbol} is in the executable");
    }
}

#[test]
fn an_executable_answers_enosys_for_a_wasi_function_the_runtime_does_not_know() {
    // A name the runtime does not implement links, and answers ENOSYS (52) when called, as
    // through the embedding API; a known one imported beside it works.
    let dir = scratch("wasi-unknown");
    let wat = dir.join("unknown.wat");
    std::fs::write(
        &wat,
        r#"(module
          (import "wasi_snapshot_preview1" "fd_frobnicate" (func $frob (param i32) (result i32)))
          (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (if (call $yield) (then (call $exit (i32.const 1))))
            (call $exit (call $frob (i32.const 0)))))"#,
    )
    .unwrap();
    let exe = dir.join("unknown");
    ok(&wasmaot()
        .arg("build")
        .arg(&wat)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap());
    assert_eq!(target_command(&exe).status().unwrap().code(), Some(52));
}

#[test]
fn static_is_refused_for_macos_in_one_line() {
    let dir = scratch("static-macos");
    let out = wasmaot()
        .arg("build")
        .arg(fixture("hello.wasm"))
        .arg("-o")
        .arg(dir.join("hello"))
        .args([
            "--target",
            "aarch64-apple-darwin",
            "--linker",
            "cc",
            "--static",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--static is not available for aarch64-apple-darwin"),
        "{stderr}"
    );
    assert!(!dir.join("hello").exists());
}
