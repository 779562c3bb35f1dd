//! Hard conditions an executable must survive as a native program would: a closed pipe, a full
//! disk, a closed stdin, SIGINT in the middle of wasm code, a huge `memory.grow`, little
//! address space.
//! `tests/fixtures/writer.wat` writes 40 MB to stdout (or, given an argument, reads stdin) and
//! exits with the WASI errno of the first failure.

mod common;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{build_module_to, fixture, target_command, wasmaot};

fn build(source: &str, name: &str, flags: &[&str]) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let exe = dir.join(name);
    build_module_to(&exe, &fixture(source), flags);
    exe
}

/// WASI errno values the program exits with.
const ENOSPC: i32 = 51;
const EBADF: i32 = 8;

#[test]
fn a_closed_pipe_ends_the_program_with_sigpipe_as_a_native_one() {
    let exe = build("writer.wat", "writer", &[]);
    let mut child = target_command(&exe)
        .stdout(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let status = child.wait().expect("waits");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}");
}

#[test]
fn a_full_disk_is_enospc_to_the_program() {
    let exe = build("writer.wat", "writer-full", &[]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let status = target_command(&exe).stdout(full).status().expect("runs");
    assert_eq!(status.code(), Some(ENOSPC), "{status:?}");
}

#[test]
fn a_closed_stdin_is_ebadf_to_the_program() {
    let exe = build("writer.wat", "writer-stdin", &[]);
    let mut command = target_command(&exe);
    command.arg("read").stdin(Stdio::null());
    // SAFETY: `close` is async-signal-safe and touches only the child's descriptor 0.
    unsafe {
        command.pre_exec(|| {
            libc::close(0);
            Ok(())
        });
    }
    let status = command.status().expect("runs");
    assert_eq!(status.code(), Some(EBADF), "{status:?}");
}

#[test]
fn sigint_ends_the_program_during_wasm_code() {
    let spin = build("spin.wat", "spin-forever", &[]);
    let mut command = target_command(&spin);
    // SAFETY: `signal` is async-signal-safe; the child starts with SIGINT at its default,
    // whatever the test runner inherited.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("runs");
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: sends a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().expect("waits");
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
}

#[test]
fn a_huge_memory_grow_fails_cleanly() {
    let out = wasmaot()
        .args(["run", "--no-cache", "--invoke", "grow"])
        .arg(fixture("grow.wat"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "-1\n-1\n");
}

/// Run `exe` under `ulimit -v` of `kib` KiB of address space.
fn run_with_address_space(exe: &std::path::Path, kib: u64) -> std::process::Output {
    Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -v {kib} && exec \"$0\""),
            &exe.to_string_lossy(),
        ])
        .output()
        .expect("sh runs")
}

#[test]
fn explicit_bounds_checks_run_and_grow_memory_in_little_address_space() {
    if std::env::var_os("WASMAOT_TEST_RUNNER").is_some() {
        // User-mode emulation (`.ci/aarch64`) puts the emulator's own mappings under the
        // limit too.
        eprintln!("not run under emulation: the address-space limit applies to the emulator");
        return;
    }
    // Under 2 GB of address space a memory reserving 4 GiB and its guard cannot be made...
    let guarded = build("grow_moves.wat", "grow_moves_guard", &[]);
    let out = run_with_address_space(&guarded, 2_000_000);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reserving"),
        "{out:?}"
    );
    // ...while with explicit checks it reserves what it uses and moves as it grows to 256 MiB.
    let explicit = build(
        "grow_moves.wat",
        "grow_moves_explicit",
        &["--bounds-checks", "explicit"],
    );
    let out = run_with_address_space(&explicit, 2_000_000);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}
