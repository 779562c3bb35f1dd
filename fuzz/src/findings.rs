//! Findings on disk and the watchdog that turns a hang into one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Write the module of a finding and a note saying what it is; returns the module's path.
pub fn record(dir: &Path, name: &str, wasm: &[u8], note: &str) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("{name}.wasm"));
    if let Err(e) = std::fs::write(&path, wasm) {
        eprintln!("fuzz: cannot write {}: {e}", path.display());
    }
    let _ = std::fs::write(dir.join(format!("{name}.txt")), format!("{note}\n"));
    path
}

/// The case under way.
struct Case {
    name: String,
    wasm: Vec<u8>,
    started: Instant,
    limit: Duration,
}

/// Watches the case under way from another thread: one that runs past its time limit is
/// written down as a finding and the process exits with status 1 (a hung compile or call
/// cannot be interrupted from outside).
#[derive(Clone)]
pub struct Watchdog {
    case: Arc<Mutex<Option<Case>>>,
}

impl Watchdog {
    pub fn start(findings: PathBuf) -> Watchdog {
        let watchdog = Watchdog {
            case: Arc::new(Mutex::new(None)),
        };
        let case = Arc::clone(&watchdog.case);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let guard = case.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = guard.as_ref().filter(|c| c.started.elapsed() > c.limit) {
                let note = format!("{}: still running after {:?}", c.name, c.limit);
                let path = record(&findings, &format!("{}-timeout", c.name), &c.wasm, &note);
                eprintln!("fuzz: FINDING {note}; module in {}", path.display());
                std::process::exit(1);
            }
        });
        watchdog
    }

    /// A case named `name` begins; it may run for `limit`.
    pub fn begin(&self, name: String, wasm: &[u8], limit: Duration) {
        *self.case.lock().unwrap_or_else(|e| e.into_inner()) = Some(Case {
            name,
            wasm: wasm.to_vec(),
            started: Instant::now(),
            limit,
        });
    }

    /// The case has ended.
    pub fn end(&self) {
        *self.case.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
