//! Executables and shared objects for the other Linux architecture (`build --target`,
//! `compile --target`), run under user-mode emulation, and the one-line errors for a target
//! that cannot be built for: unknown, missing its runtime library, missing its linker.
//!
//! Running cross-built code needs the target's runtime carried by `wasmaot` (built when the
//! target's Rust standard library was installed), its C cross compiler and `qemu-<arch>`;
//! `.ci/run` installs them and sets `WASMAOT_REQUIRE_CROSS=1`, which turns their absence into
//! a failure. Without it, a machine lacking them says so and checks only the errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fixture, stdout, wasmaot};

/// The other Linux architecture: its triple, its ELF machine number and the emulator.
fn other() -> (&'static str, u16, &'static str) {
    if cfg!(target_arch = "aarch64") {
        ("x86_64-unknown-linux-gnu", 62, "qemu-x86_64")
    } else {
        ("aarch64-unknown-linux-gnu", 183, "qemu-aarch64")
    }
}

fn own_triple() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-gnu"
    } else {
        "x86_64-unknown-linux-gnu"
    }
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-cross-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn build(args: &[&str]) -> Output {
    wasmaot()
        .arg("build")
        .args(args)
        .output()
        .expect("wasmaot runs")
}

/// The error line of a failed command, after checking the error contract.
fn one_line_error(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    stderr
}

fn emulator_works(emulator: &str) -> bool {
    Command::new(emulator).arg("--version").output().is_ok()
}

/// Build `compute.wasm` into `exe` for the other architecture, with extra `flags`.
fn build_compute_for_other(exe: &Path, flags: &[&str]) -> Output {
    let module = fixture("compute.wasm");
    let mut args = vec![
        module.to_str().expect("UTF-8"),
        "-o",
        exe.to_str().expect("UTF-8"),
        "--target",
        other().0,
    ];
    args.extend_from_slice(flags);
    build(&args)
}

/// Whether cross-built code can be produced and run here; the reason when not.
fn cross_ready(exe: &Path) -> Result<(), String> {
    let (_, _, emulator) = other();
    let out = build_compute_for_other(exe, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(stderr.trim().to_string());
    }
    if !emulator_works(emulator) {
        return Err(format!("{emulator} is not installed"));
    }
    Ok(())
}

/// Run the cross test body, or say why it cannot run here (a failure under `.ci/run`).
fn when_ready(test: &str, body: impl FnOnce(&Path)) {
    let dir = scratch(test);
    let exe = dir.join("compute");
    match cross_ready(&exe) {
        Ok(()) => body(&dir),
        Err(why) if std::env::var_os("WASMAOT_REQUIRE_CROSS").is_some() => {
            panic!("cross-building for {} is required here: {why}", other().0)
        }
        Err(why) => eprintln!("{test}: not run on this machine: {why}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn elf_machine(path: &Path) -> u16 {
    let bytes = std::fs::read(path).expect("output exists");
    assert_eq!(&bytes[..4], b"\x7fELF", "{} is not ELF", path.display());
    u16::from_le_bytes([bytes[18], bytes[19]])
}

fn elf_type(path: &Path) -> u16 {
    let bytes = std::fs::read(path).expect("output exists");
    u16::from_le_bytes([bytes[16], bytes[17]])
}

fn emulate(exe: &Path, args: &[&str]) -> Output {
    let (_, _, emulator) = other();
    let mut command = Command::new(emulator);
    if std::env::var_os("QEMU_LD_PREFIX").is_none() {
        let prefix = match other().0 {
            "aarch64-unknown-linux-gnu" => "/usr/aarch64-linux-gnu",
            _ => "/usr/x86_64-linux-gnu",
        };
        command.env("QEMU_LD_PREFIX", prefix);
    }
    command.arg(exe).args(args).output().expect("emulator runs")
}

#[test]
fn an_executable_for_the_other_architecture_runs_as_the_native_build_does() {
    when_ready("compute", |dir| {
        let exe = dir.join("compute");
        assert_eq!(elf_machine(&exe), other().1);
        let out = emulate(&exe, &[]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected");
        assert_eq!(stdout(&out), expected);
    });
}

#[test]
fn a_cross_built_executable_reports_traps_and_exits_with_their_status() {
    when_ready("trap", |dir| {
        for (name, message) in [
            ("trap_div_zero", "integer divide by zero"),
            ("trap_oob_load", "out of bounds memory access"),
            ("trap_stack", "call stack exhausted"),
            ("trap_indirect_type", "indirect call type mismatch"),
        ] {
            let exe = dir.join(name);
            let module = fixture(&format!("{name}.wasm"));
            let out = build(&[
                module.to_str().expect("UTF-8"),
                "-o",
                exe.to_str().expect("UTF-8"),
                "--target",
                other().0,
            ]);
            assert!(out.status.success(), "{out:?}");
            let run = emulate(&exe, &[]);
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(134), "{name}: {stderr}");
            assert!(
                stderr.starts_with(&format!("wasm trap: {message}")),
                "{name}: {stderr}"
            );
            assert!(stderr.contains("wasm backtrace:"), "{name}: {stderr}");
        }
    });
}

#[test]
fn a_shared_object_for_the_other_architecture_is_linked_for_it() {
    when_ready("so", |dir| {
        let so = dir.join("m.so");
        let out = wasmaot()
            .args(["compile", "--target", other().0, "-o"])
            .arg(&so)
            .arg(fixture("compute.wasm"))
            .output()
            .expect("wasmaot runs");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(elf_machine(&so), other().1);
        assert_eq!(elf_type(&so), 3, "ET_DYN");
    });
}

#[test]
fn an_unknown_target_is_one_line() {
    let dir = scratch("unknown");
    let module = fixture("hello.wasm");
    for target in ["riscv64gc-unknown-linux-gnu", "nonsense"] {
        let out = build(&[
            module.to_str().expect("UTF-8"),
            "-o",
            dir.join("app").to_str().expect("UTF-8"),
            "--target",
            target,
        ]);
        let line = one_line_error(&out);
        assert!(
            line.contains(&format!("unsupported target `{target}`")),
            "{line}"
        );
        assert!(line.contains("aarch64-unknown-linux-gnu"), "{line}");
    }
}

#[test]
fn a_target_without_a_runtime_library_is_one_line() {
    let dir = scratch("no-runtime");
    let out = build(&[
        fixture("hello.wasm").to_str().expect("UTF-8"),
        "-o",
        dir.join("app").to_str().expect("UTF-8"),
        "--target",
        "x86_64-apple-darwin",
    ]);
    let line = one_line_error(&out);
    assert!(
        line.starts_with("error: no runtime library for x86_64-apple-darwin: "),
        "{line}"
    );
    assert!(line.contains("WASMAOT_RUNTIME_DIR"), "{line}");
    // Not "install the target": no runtime library builds for macOS yet.
    assert!(line.contains("macOS are not supported yet"), "{line}");
    assert!(!line.contains("rustup target add"), "{line}");
}

#[test]
fn a_missing_linker_is_one_line_naming_it() {
    let dir = scratch("no-linker");
    // The machine's own target: its runtime is always carried.
    let own = own_triple();
    for (command, output) in [("build", "app"), ("compile", "m.so")] {
        let out = wasmaot()
            .args([
                command,
                "--target",
                own,
                "--linker",
                "/nonexistent/cc",
                "-o",
            ])
            .arg(dir.join(output))
            .arg(fixture("hello.wasm"))
            .output()
            .expect("wasmaot runs");
        let line = one_line_error(&out);
        assert!(
            line.contains("cannot run the linker `/nonexistent/cc`"),
            "{line}"
        );
    }
}

#[test]
fn the_runtime_directory_overrides_the_carried_library() {
    // The machine's own target links; with a broken library in the directory it cannot.
    let dir = scratch("runtime-dir");
    let lib_dir = dir.join("runtimes").join(own_triple());
    std::fs::create_dir_all(&lib_dir).expect("dir");
    std::fs::write(lib_dir.join("libwasmaot_runtime_exe.a"), b"not an archive").expect("lib");
    let out = wasmaot()
        .env("WASMAOT_RUNTIME_DIR", dir.join("runtimes"))
        .args(["build", "--target", own_triple(), "-o"])
        .arg(dir.join("app"))
        .arg(fixture("hello.wasm"))
        .output()
        .expect("wasmaot runs");
    let line = one_line_error(&out);
    assert!(line.contains("linking failed"), "{line}");
    // `run` links the carried library, the one its cache key names.
    let run = wasmaot()
        .env("WASMAOT_RUNTIME_DIR", dir.join("runtimes"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .args(["run", "--no-cache"])
        .arg(fixture("hello.wasm"))
        .output()
        .expect("wasmaot runs");
    assert_eq!(stdout(&run), "hello, world\n", "{run:?}");
}

#[test]
fn a_static_executable_for_the_other_architecture_needs_no_loader() {
    when_ready("static", |dir| {
        let exe = dir.join("compute-static");
        let out = build_compute_for_other(&exe, &["--static"]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(elf_machine(&exe), other().1);
        // No loader prefix: nothing of the other architecture's C library is needed.
        let out = Command::new(other().2)
            .env_remove("QEMU_LD_PREFIX")
            .arg(&exe)
            .output()
            .expect("emulator runs");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let expected = std::fs::read_to_string(fixture("compute.expected")).expect("expected");
        assert_eq!(stdout(&out), expected);
    });
}
