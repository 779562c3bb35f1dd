//! From samples to the figures every report shows: per module, engine and phase the summary
//! statistics, and ratios to the baseline engine.

use super::measurements::{Cell, Phase};
use super::stats::{self, Ratio, Summary};

pub struct Report {
    pub baseline: String,
    pub engines: Vec<String>,
    pub modules: Vec<ModuleSummary>,
}

pub struct ModuleSummary {
    /// The module's path as given.
    pub path: String,
    /// Its file stem.
    pub name: String,
    pub engines: Vec<EngineSummary>,
}

pub struct EngineSummary {
    pub engine: String,
    /// The phases the engine timed, in [`Phase::ALL`] order.
    pub phases: Vec<PhaseSummary>,
    /// The phase compared with the baseline: execute where both time it, else the total.
    pub run: Option<Phase>,
    /// `run` against the baseline's `run`.
    pub run_ratio: Option<Ratio>,
    pub error: Option<String>,
    pub mismatch: Option<String>,
}

pub struct PhaseSummary {
    pub phase: Phase,
    pub samples: Vec<f64>,
    pub summary: Summary,
    /// Against the baseline's same phase.
    pub ratio: Option<Ratio>,
    pub warning: Option<String>,
}

impl EngineSummary {
    pub fn output_ok(&self) -> bool {
        self.error.is_none() && self.mismatch.is_none()
    }

    pub fn phase(&self, phase: Phase) -> Option<&PhaseSummary> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// The summary of the phase compared across engines.
    pub fn run_summary(&self) -> Option<&PhaseSummary> {
        self.run.and_then(|p| self.phase(p))
    }
}

/// `cells[module][engine]`; `baseline` indexes `engines`.
pub fn build(
    paths: &[String],
    engines: &[String],
    cells: Vec<Vec<Cell>>,
    baseline: usize,
) -> Report {
    let modules = paths
        .iter()
        .zip(cells)
        .map(|(path, row)| {
            let mut summaries: Vec<EngineSummary> = engines
                .iter()
                .zip(row)
                .map(|(name, cell)| engine_summary(name, cell))
                .collect();
            add_ratios(&mut summaries, baseline);
            let name = std::path::Path::new(path)
                .file_stem()
                .map_or_else(|| path.clone(), |s| s.to_string_lossy().into_owned());
            ModuleSummary {
                path: path.clone(),
                name,
                engines: summaries,
            }
        })
        .collect();
    Report {
        baseline: engines.get(baseline).cloned().unwrap_or_default(),
        engines: engines.to_vec(),
        modules,
    }
}

fn engine_summary(name: &str, cell: Cell) -> EngineSummary {
    let phases: Vec<PhaseSummary> = if cell.error.is_some() {
        Vec::new()
    } else {
        Phase::ALL
            .iter()
            .zip(cell.samples)
            .filter_map(|(phase, samples)| {
                let summary = stats::summarize(&samples)?;
                Some(PhaseSummary {
                    phase: *phase,
                    warning: stats::spread_warning(&summary),
                    samples,
                    summary,
                    ratio: None,
                })
            })
            .collect()
    };
    EngineSummary {
        engine: name.to_string(),
        phases,
        run: None,
        run_ratio: None,
        error: cell.error,
        mismatch: cell.mismatch,
    }
}

fn add_ratios(summaries: &mut [EngineSummary], baseline: usize) {
    let Some(base) = summaries.get(baseline) else {
        return;
    };
    let bases: Vec<Option<Summary>> = Phase::ALL
        .iter()
        .map(|p| base.phase(*p).map(|s| s.summary.clone()))
        .collect();
    for engine in summaries.iter_mut() {
        for phase in &mut engine.phases {
            phase.ratio = bases[phase.phase.index()]
                .as_ref()
                .and_then(|b| stats::ratio(&phase.summary, b));
        }
        // Like with like: execute where both time it, else the whole run.
        engine.run = [Phase::Execute, Phase::Total]
            .into_iter()
            .find(|p| engine.phase(*p).is_some() && bases[p.index()].is_some());
        engine.run_ratio = engine.run_summary().and_then(|p| p.ratio);
    }
}
