//! Run one command as a process: wall time from spawn to exit, stdout and stderr captured, and
//! a watchdog that kills it when it outlives the timeout.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a process ended.
pub struct Finished {
    pub wall_s: f64,
    /// Its exit status, or 128 + the signal that ended it (as a shell reports it).
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run `argv` in `cwd` with no stdin; an error if it cannot start or outlives `timeout`.
pub fn run(argv: &[OsString], cwd: &Path, timeout: Duration) -> Result<Finished, String> {
    let (program, rest) = argv.split_first().ok_or("empty command")?;
    let mut command = Command::new(program);
    command
        .args(rest)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own, so that a timeout kills whatever it started too.
        .process_group(0);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", program.to_string_lossy()))?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let (cancel, cancelled) = mpsc::channel::<()>();
    let pid = child.id() as libc::pid_t;
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(timeout) {
            // SAFETY: kill(2) on the child's process group: the child leads it and is not
            // reaped before `wait` returns, which is before this thread is told; no memory is
            // involved.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            return true;
        }
        false
    });
    let status = child.wait();
    let wall_s = started.elapsed().as_secs_f64();
    let _ = cancel.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    let stdout = stdout
        .map(|t| t.join().unwrap_or_default())
        .unwrap_or_default();
    let stderr = stderr
        .map(|t| t.join().unwrap_or_default())
        .unwrap_or_default();
    if timed_out {
        return Err(format!("timed out after {} s", timeout.as_secs_f64()));
    }
    let status = status.map_err(|e| format!("waiting for `{}`: {e}", program.to_string_lossy()))?;
    let status = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1);
    Ok(Finished {
        wall_s,
        status,
        stdout,
        stderr,
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// The first non-empty line of a process's stderr, for a one-line report.
pub fn first_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message on stderr")
        .to_string()
}
