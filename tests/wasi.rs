//! WASI end to end: C fixtures exercising each preview1 family run as executables with a granted
//! temporary directory, their output compared with the native build's; the escape suite (every
//! way out of a grant refused, the host tree outside unchanged); grants from `WASMAOT_OPTS`,
//! `--inherit-env` and `wasmaot run`.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{build_to, fixture, run_with, stdout, target_command, wasmaot};

fn expected(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A fresh directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-wasi-{}", std::process::id()))
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Build fixture `name` into `dir` with extra build flags; returns the executable.
fn build(dir: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let exe = dir.join(format!("{name}.exe"));
    build_to(&exe, name, flags);
    exe
}

fn assert_success(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run fixture `name` with a fresh directory granted as `.`, and compare with the native output.
fn matches_native(name: &str, stdin: &[u8]) {
    let dir = scratch(name);
    let sandbox = dir.join("sandbox");
    std::fs::create_dir(&sandbox).expect("sandbox");
    let grant = format!("{}::.", sandbox.display());
    let exe = build(&dir, name, &["--dir", &grant]);
    let out = run_with(target_command(&exe), stdin);
    assert_success(&out, name);
    assert_eq!(
        stdout(&out),
        expected(&format!("{name}.expected")),
        "{name}"
    );
}

#[test]
fn files_behave_like_the_native_build() {
    matches_native("wasi_files", b"");
}

#[test]
fn directories_and_links_behave_like_the_native_build() {
    matches_native("wasi_dirs", b"");
}

#[test]
fn clocks_poll_and_stdin_behave_like_the_native_build() {
    matches_native("wasi_poll", b"line one\nline two\n");
}

#[test]
fn raw_calls_return_the_specified_errno() {
    let dir = scratch("raw");
    std::fs::create_dir(dir.join("sandbox")).expect("sandbox");
    let grant = format!("{}::.", dir.join("sandbox").display());
    let exe = build(&dir, "wasi_raw", &["--dir", &grant, "--env", "A=1"]);
    let mut command = target_command(&exe);
    command.args(["x", "y"]);
    let out = run_with(command, b"");
    assert_success(&out, "wasi_raw");
    assert_eq!(stdout(&out), expected("wasi_raw.expected"));
}

/// Every entry below `root`: path, type, permissions, modification time, and a hash of the
/// contents of files or the target of symlinks.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("stat");
        let what = if meta.file_type().is_symlink() {
            format!("link to {:?}", std::fs::read_link(&path).expect("readlink"))
        } else if meta.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read_dir") {
                pending.push(entry.expect("entry").path());
            }
            "directory".to_string()
        } else {
            format!("file {:016x}", fnv1a(&std::fs::read(&path).expect("read")))
        };
        let mode = meta.permissions().mode();
        let mtime = (meta.mtime(), meta.mtime_nsec());
        entries.insert(path, format!("{what} mode {mode:o} mtime {mtime:?}"));
    }
    entries
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// The tree the escape suite runs in: `sandbox` (granted read-write), `ro` (granted read-only)
/// and `outside` (not granted), with symlinks from the sandbox pointing out in every way.
fn escape_tree(root: &Path) {
    let fs_write = |path: &str, text: &str| std::fs::write(root.join(path), text).expect("write");
    for dir in ["outside/dir", "sandbox/sub", "ro/rosub"] {
        std::fs::create_dir_all(root.join(dir)).expect("mkdir");
    }
    fs_write("outside/secret.txt", "OUTSIDE SECRET\n");
    fs_write("outside/dir/x.txt", "x\n");
    fs_write("sandbox/file.txt", "inside\n");
    fs_write("sandbox/sub/inner.txt", "inner\n");
    fs_write("ro/data.txt", "read only\n");
    let sandbox = root.join("sandbox");
    symlink(root.join("outside/secret.txt"), sandbox.join("abs_file"));
    symlink(root.join("outside"), sandbox.join("abs_dir"));
    symlink("../outside/secret.txt", sandbox.join("rel_file"));
    symlink("../outside", sandbox.join("rel_dir"));
    symlink("../../outside/secret.txt", sandbox.join("sub/rel_up2"));
    symlink("chain2", sandbox.join("chain1"));
    symlink("sub/chain3", sandbox.join("chain2"));
    symlink("../rel_dir", sandbox.join("sub/chain3"));
    symlink("..", sandbox.join("dotdot"));
    symlink("loop2", sandbox.join("loop1"));
    symlink("loop1", sandbox.join("loop2"));
    symlink("sub/inner.txt", sandbox.join("inside_link"));
    symlink("../outside/created.txt", sandbox.join("dangling_out"));
}

#[test]
fn escape_attempts_are_refused_and_leave_the_host_unchanged() {
    let root = scratch("escape");
    escape_tree(&root);
    let dir = format!("{}::.", root.join("sandbox").display());
    let ro = format!("{}::ro", root.join("ro").display());
    let exe = build(&root, "wasi_escape", &["--dir", &dir, "--dir-ro", &ro]);
    let outside = snapshot(&root.join("outside"));
    let read_only = snapshot(&root.join("ro"));
    let names = |dir: &Path| -> Vec<_> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        names
    };
    let top = names(&root);
    let out = run_with(target_command(&exe), b"");
    assert_success(&out, "wasi_escape");
    assert_eq!(stdout(&out), expected("wasi_escape.expected"));
    assert!(
        snapshot(&root.join("outside")) == outside,
        "the directory outside the grant changed"
    );
    assert!(
        snapshot(&root.join("ro")) == read_only,
        "the read-only grant changed"
    );
    assert_eq!(names(&root), top, "the grant's parent changed");
    // What the program was allowed to do happened inside the grant.
    assert!(std::fs::symlink_metadata(root.join("sandbox/made_rel")).is_ok());
}

#[test]
fn without_a_grant_no_path_can_be_reached() {
    let root = scratch("nogrant");
    escape_tree(&root);
    let exe = build(&root, "wasi_escape", &[]);
    let before = snapshot(&root);
    let out = target_command(&exe)
        .arg("nogrant")
        .current_dir(root.join("sandbox"))
        .stdin(std::fs::File::open(&root).expect("open the directory"))
        .output()
        .expect("runs");
    assert_success(&out, "wasi_escape nogrant");
    assert_eq!(stdout(&out), expected("wasi_escape_nogrant.expected"));
    assert!(snapshot(&root) == before, "the host tree changed");
}

#[test]
fn a_tree_changing_underneath_never_lets_a_path_out() {
    let root = scratch("race");
    let outside = root.join("outside");
    let race = root.join("sandbox/race");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::create_dir_all(race.join("target")).expect("mkdir");
    std::fs::write(outside.join("secret.txt"), "OUTSIDE SECRET\n").expect("write");
    std::fs::write(race.join("target/secret.txt"), "INSIDE\n").expect("write");
    let grant = format!("{}::.", root.join("sandbox").display());
    let exe = build(&root, "wasi_race", &["--dir", &grant]);
    let before = snapshot(&outside);
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let (race, outside) = (race.clone(), outside.clone());
        std::thread::spawn(move || {
            let (target, hold) = (race.join("target"), race.join("hold"));
            let links = [PathBuf::from("../../outside"), outside];
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                std::fs::rename(&target, &hold).expect("move the directory away");
                let link = &links[(swaps % 2) as usize];
                std::os::unix::fs::symlink(link, &target).expect("symlink out");
                std::fs::remove_file(&target).expect("remove the symlink");
                std::fs::rename(&hold, &target).expect("move the directory back");
                swaps += 1;
            }
            swaps
        })
    };
    let out = run_with(target_command(&exe), b"");
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().expect("swapper");
    assert_success(&out, "wasi_race");
    assert_eq!(stdout(&out), "escapes: 0\n");
    assert!(swaps > 0);
    assert!(
        snapshot(&outside) == before,
        "the directory outside changed"
    );
}

#[test]
fn sockets_given_as_stdin_can_be_used() {
    let dir = scratch("sock");
    let exe = build(&dir, "wasi_sock", &[]);
    // A connected stream.
    let (mut ours, theirs) = UnixStream::pair().expect("socketpair");
    let child = target_command(&exe)
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    ours.write_all(b"ping pong").expect("send");
    ours.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let mut reply = String::new();
    ours.read_to_string(&mut reply).expect("reply");
    let out = child.wait_with_output().expect("finishes");
    assert_eq!(reply, "got: ping pong");
    assert_eq!(stdout(&out), expected("wasi_sock.expected"));
    // A listening socket to accept from.
    let path = dir.join("listen.sock");
    let listener = UnixListener::bind(&path).expect("bind");
    let child = target_command(&exe)
        .arg("accept")
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(listener)))
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut conn = UnixStream::connect(&path).expect("connect");
    conn.write_all(b"hello").expect("send");
    conn.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let mut reply = String::new();
    conn.read_to_string(&mut reply).expect("reply");
    let out = child.wait_with_output().expect("finishes");
    assert_eq!(reply, "got: hello");
    assert_eq!(stdout(&out), expected("wasi_sock_accept.expected"));
}

#[test]
fn wasmaot_opts_grants_directories_and_leaves_argv_alone() {
    let dir = scratch("opts");
    let sandbox = dir.join("sandbox");
    std::fs::create_dir(&sandbox).expect("sandbox");
    let exe = build(&dir, "wasi_files", &[]);
    let mut command = target_command(&exe);
    command.env("WASMAOT_OPTS", format!("--dir {}::.", sandbox.display()));
    let out = run_with(command, b"");
    assert_success(&out, "wasi_files with WASMAOT_OPTS");
    assert_eq!(stdout(&out), expected("wasi_files.expected"));

    let args_env = build(&dir, "args_env", &[]);
    let mut command = target_command(&args_env);
    command
        .args(["--dir", "/", "--env=X=1"])
        .env("WASMAOT_OPTS", "--env GREETING=from-opts   --env=OTHER=2");
    let text = stdout(&run_with(command, b""));
    assert!(
        text.contains("argc=4\n") && text.contains("argv[1]=--dir\nargv[2]=/\nargv[3]=--env=X=1\n"),
        "{text}"
    );
    assert!(text.contains("GREETING=from-opts\n"), "{text}");

    let mut command = target_command(&args_env);
    command.env("WASMAOT_OPTS", "--mount /");
    let out = run_with(command, b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WASMAOT_OPTS: unknown option `--mount`") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn inherit_env_passes_the_host_environment() {
    let dir = scratch("inherit");
    let exe = build(&dir, "args_env", &["--inherit-env"]);
    let text = stdout(&run_with(target_command(&exe), b""));
    assert!(text.contains("GREETING=from the host\n"), "{text}");

    let exe = build(
        &dir,
        "args_env",
        &["--inherit-env", "--env", "GREETING=given"],
    );
    let text = stdout(&run_with(target_command(&exe), b""));
    assert!(text.contains("GREETING=given\n"), "{text}");

    let exe = build(&dir, "args_env", &[]);
    let text = stdout(&run_with(target_command(&exe), b""));
    assert!(text.contains("GREETING unset\n"), "{text}");
    let mut command = target_command(&exe);
    command.env("WASMAOT_OPTS", "--inherit-env");
    let text = stdout(&run_with(command, b""));
    assert!(text.contains("GREETING=from the host\n"), "{text}");
}

#[test]
fn run_gives_grants_at_run_time_to_one_cached_executable() {
    let dir = scratch("run");
    let cache = dir.join("cache");
    let go = |sandbox: &Path| {
        std::fs::create_dir_all(sandbox).expect("sandbox");
        let mut command = wasmaot();
        command
            .env("XDG_CACHE_HOME", &cache)
            .arg("run")
            .arg("--dir")
            .arg(format!("{}::.", sandbox.display()))
            .arg(fixture("wasi_files.wasm"));
        run_with(command, b"")
    };
    let out = go(&dir.join("first"));
    assert_success(&out, "wasmaot run");
    assert_eq!(stdout(&out), expected("wasi_files.expected"));
    assert!(
        dir.join("first/large.bin").exists(),
        "files land in the grant"
    );
    let out = go(&dir.join("second"));
    assert_eq!(stdout(&out), expected("wasi_files.expected"));
    let cached = std::fs::read_dir(cache.join("wasmaot"))
        .expect("cache dir")
        .count();
    assert_eq!(
        cached, 2,
        "one executable (and its digest) whatever the grants"
    );
}

#[test]
fn bad_grants_are_one_line_errors() {
    let dir = scratch("bad");
    let exe = build(&dir, "hello", &["--dir", "/nonexistent/wasmaot-test::data"]);
    let out = run_with(target_command(&exe), b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--dir /nonexistent/wasmaot-test: No such file or directory")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    for flags in [["--dir", "::guest"], ["--dir-ro", ""], ["--env", "=NONAME"]] {
        let out = wasmaot()
            .arg("build")
            .arg(fixture("hello.wasm"))
            .arg("-o")
            .arg(dir.join("never"))
            .args(flags)
            .output()
            .expect("wasmaot runs");
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }
}
