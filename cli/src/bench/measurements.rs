//! What a benchmark run gathers: per module and engine, each phase's samples, and whether the
//! engine failed or printed something else than the reference.

/// A timed phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// AOT compile, link and load (wasmaot); translation (wasmi).
    Compile,
    /// Instantiation, including the module's start function.
    Instantiate,
    /// `_start`, or the region between `bench.start` and `bench.end` when the module has them.
    Execute,
    /// Wall time of the process, from spawn to exit.
    Total,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Compile,
        Phase::Instantiate,
        Phase::Execute,
        Phase::Total,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Compile => "compile",
            Phase::Instantiate => "instantiate",
            Phase::Execute => "execute",
            Phase::Total => "total",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One run's times (`None` for a phase the engine does not time) and what the program did.
pub struct RunRecord {
    pub times: [Option<f64>; 4],
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// One module under one engine.
#[derive(Default)]
pub struct Cell {
    /// Measured samples per phase, indexed by [`Phase::index`].
    pub samples: [Vec<f64>; 4],
    /// Why the engine could not run the module (then the samples are not used).
    pub error: Option<String>,
    /// How its output differed from the reference engine's.
    pub mismatch: Option<String>,
}

/// The stdout and exit status every engine's output is compared with.
pub struct Reference {
    pub engine: String,
    pub status: i32,
    pub stdout: Vec<u8>,
}

impl Reference {
    /// `None` if `run` did what the reference did, else what differs, in one line.
    pub fn compare(&self, run: &RunRecord) -> Option<String> {
        if run.status != self.status {
            let why = if run.stderr.is_empty() {
                String::new()
            } else {
                format!(": {}", super::process_run::first_line(&run.stderr))
            };
            return Some(format!(
                "exit status {} where {} gave {}{why}",
                run.status, self.engine, self.status
            ));
        }
        if run.stdout != self.stdout {
            let ours = String::from_utf8_lossy(&run.stdout);
            let theirs = String::from_utf8_lossy(&self.stdout);
            let mut ours_lines = ours.lines();
            let mut theirs_lines = theirs.lines();
            let mut line = 1;
            loop {
                match (ours_lines.next(), theirs_lines.next()) {
                    (Some(a), Some(b)) if a == b => line += 1,
                    (None, None) => {
                        return Some(format!(
                            "stdout differs from {} in line endings",
                            self.engine
                        ))
                    }
                    (a, b) => {
                        let shown = |l: Option<&str>| {
                            l.map_or("end of output".to_string(), |l| format!("`{}`", clip(l)))
                        };
                        return Some(format!(
                            "stdout differs from {} at line {line}: {} instead of {}",
                            self.engine,
                            shown(a),
                            shown(b)
                        ));
                    }
                }
            }
        }
        None
    }
}

fn clip(line: &str) -> String {
    if line.chars().count() > 60 {
        format!("{}...", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}
