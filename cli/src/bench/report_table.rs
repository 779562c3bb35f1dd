//! The table on the terminal (aligned columns) or in Markdown: one row per module and engine,
//! each phase's median with the half-width of its 95% interval, the ratio to the baseline, and
//! notes for failures, output mismatches and unreliable figures.

use std::fmt::Write;

use super::measurements::Phase;
use super::stats;
use super::summary::{EngineSummary, Report};
use super::units::{seconds, significant, times};

/// The report as text; `markdown` for a Markdown table.
pub fn render(report: &Report, markdown: bool) -> String {
    let mut header: Vec<String> = ["module", "engine"].map(String::from).to_vec();
    header.extend(Phase::ALL.iter().map(|p| p.name().to_string()));
    header.push(format!("vs {}", report.baseline));
    header.push("output".to_string());
    let mut rows = vec![header];
    let mut notes = Vec::new();
    let mut short = None;
    let (mut figures, mut unreliable) = (0, 0);
    for module in &report.modules {
        for engine in &module.engines {
            rows.push(row(&module.name, engine));
            if let Some(error) = &engine.error {
                notes.push(format!(
                    "{} / {}: cannot run: {error}",
                    module.name, engine.engine
                ));
            }
            if let Some(mismatch) = &engine.mismatch {
                notes.push(format!(
                    "{} / {}: OUTPUT MISMATCH: {mismatch}",
                    module.name, engine.engine
                ));
            }
            for phase in &engine.phases {
                figures += 1;
                if phase.summary.level < stats::CONFIDENCE {
                    short = Some(phase.summary.clone());
                } else if phase.warning.is_some() {
                    unreliable += 1;
                }
            }
        }
    }
    let mut out = if markdown {
        markdown_table(&rows)
    } else {
        aligned_table(&rows)
    };
    out.push('\n');
    for line in geometric_means(report) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "times: median ±half-width of its 95% interval; vs {}: ratio of execute times where both engines time it, else of total (whole run) times, with its 95% interval",
        report.baseline
    );
    if unreliable > 0 {
        let _ = writeln!(
            out,
            "warning: {unreliable} of {figures} figures are unreliable (marked ?): their 95% interval is wider than {:.0}% of the median; the machine is noisy, or use more --runs (the JSON report has each one's spread)",
            stats::UNRELIABLE_WIDTH * 100.0
        );
    }
    if let Some(warning) = short.as_ref().and_then(stats::spread_warning) {
        let _ = writeln!(out, "{warning} (use more --runs)");
    }
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
    out
}

fn row(module: &str, engine: &EngineSummary) -> Vec<String> {
    let mut cells = vec![module.to_string(), engine.engine.clone()];
    for phase in Phase::ALL {
        cells.push(match engine.phase(phase) {
            Some(p) => {
                let s = &p.summary;
                let half = (s.median - s.ci_low).max(s.ci_high - s.median);
                let pct = if s.median > 0.0 {
                    half / s.median * 100.0
                } else {
                    0.0
                };
                let mark = if p.warning.is_some() { " ?" } else { "" };
                format!("{} ±{pct:.0}%{mark}", seconds(s.median))
            }
            None => "-".to_string(),
        });
    }
    cells.push(match engine.run_ratio {
        Some(r) => format!(
            "{} [{}-{}] {}",
            times(r.value),
            significant(r.low),
            significant(r.high),
            engine.run.map_or("", Phase::name)
        ),
        None => "-".to_string(),
    });
    cells.push(
        if engine.error.is_some() {
            "FAILED"
        } else if engine.mismatch.is_some() {
            "MISMATCH"
        } else {
            "ok"
        }
        .to_string(),
    );
    cells
}

/// Per engine, the geometric mean of its run-time ratios over the modules it ran correctly.
fn geometric_means(report: &Report) -> Vec<String> {
    let mut parts = Vec::new();
    for (i, name) in report.engines.iter().enumerate() {
        let ratios: Vec<f64> = report
            .modules
            .iter()
            .filter_map(|m| m.engines.get(i))
            .filter(|e| e.output_ok())
            .filter_map(|e| e.run_ratio.map(|r| r.value))
            .collect();
        if let Some(mean) = stats::geometric_mean(&ratios) {
            parts.push(format!("{name} {} ({} modules)", times(mean), ratios.len()));
        }
    }
    if parts.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "geometric mean vs {}: {}",
        report.baseline,
        parts.join(", ")
    )]
}

fn aligned_table(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                let pad = " ".repeat(w - cell.chars().count());
                if c < 2 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "{}", rule.join("  "));
        }
    }
    out
}

fn markdown_table(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let _ = writeln!(out, "| {} |", row.join(" | "));
        if i == 0 {
            let align: Vec<&str> = (0..row.len())
                .map(|c| if c < 2 { "---" } else { "---:" })
                .collect();
            let _ = writeln!(out, "| {} |", align.join(" | "));
        }
    }
    out
}
