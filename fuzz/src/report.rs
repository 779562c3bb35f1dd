//! Counts gathered while fuzzing, printed at the end.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::outcome::Trap;

/// What a run of the differential target counted.
#[derive(Debug, Default)]
pub struct DiffReport {
    pub modules: u64,
    pub elapsed: Duration,
    pub calls: u64,
    /// Modules compared to the end (all calls and the final state).
    pub agreed: u64,
    pub skipped: BTreeMap<&'static str, u64>,
    pub not_generated: u64,
    pub traps: BTreeMap<Trap, u64>,
    /// Seeds and what differed.
    pub mismatches: Vec<(u64, String)>,
}

/// What a run of the compile-only target counted.
#[derive(Debug, Default)]
pub struct CompileReport {
    pub cases: u64,
    pub elapsed: Duration,
    pub compiled: u64,
    pub refused: u64,
    pub not_generated: u64,
    /// Seeds and what went wrong (a panic, or a valid module refused).
    pub findings: Vec<(u64, String)>,
}

fn per_second(n: u64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}

impl fmt::Display for DiffReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "diff: {} modules in {:.1} s ({:.1} modules/s), {} calls compared, {} modules agreed to the end, {} mismatches",
            self.modules,
            self.elapsed.as_secs_f64(),
            per_second(self.modules, self.elapsed),
            self.calls,
            self.agreed,
            self.mismatches.len()
        )?;
        for (why, n) in &self.skipped {
            writeln!(f, "  skipped ({why}): {n}")?;
        }
        if self.not_generated > 0 {
            writeln!(
                f,
                "  seeds wasm-smith made no module of: {}",
                self.not_generated
            )?;
        }
        for (trap, n) in &self.traps {
            writeln!(f, "  trap {:<32} {n:>7}", trap.message())?;
        }
        for (seed, why) in &self.mismatches {
            writeln!(f, "  MISMATCH seed {seed}: {why}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "compile: {} modules in {:.1} s ({:.1} modules/s): {} compiled, {} refused, {} findings",
            self.cases,
            self.elapsed.as_secs_f64(),
            per_second(self.cases, self.elapsed),
            self.compiled,
            self.refused,
            self.findings.len()
        )?;
        if self.not_generated > 0 {
            writeln!(
                f,
                "  seeds wasm-smith made no module of: {}",
                self.not_generated
            )?;
        }
        for (seed, why) in &self.findings {
            writeln!(f, "  FINDING seed {seed}: {why}")?;
        }
        Ok(())
    }
}
