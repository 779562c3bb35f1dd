//! The machine-readable reports: JSON (every run's raw times and the summary) and CSV (the
//! summary, one line per module, engine and phase).

use std::fmt::Write;

use super::summary::{EngineSummary, PhaseSummary, Report};

/// A JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON number (`null` for what JSON cannot hold).
fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:e}")
    } else {
        "null".to_string()
    }
}

fn optional(v: Option<f64>) -> String {
    v.map_or_else(|| "null".to_string(), number)
}

fn optional_string(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "null".to_string(), string)
}

pub fn json(report: &Report, runs: u32, warmup: u32) -> String {
    let mut results = Vec::new();
    let mut engines = Vec::new();
    for module in &report.modules {
        for engine in &module.engines {
            for phase in &engine.phases {
                results.push(json_result(&module.path, engine, phase));
            }
            engines.push(format!(
                "    {{\"module\": {}, \"engine\": {}, \"output_ok\": {}, \"error\": {}, \"mismatch\": {}, \"run_phase\": {}, \"run_ratio\": {}, \"run_ratio_low\": {}, \"run_ratio_high\": {}}}",
                string(&module.path),
                string(&engine.engine),
                engine.output_ok(),
                optional_string(&engine.error),
                optional_string(&engine.mismatch),
                engine.run.map_or_else(|| "null".to_string(), |p| string(p.name())),
                optional(engine.run_ratio.map(|r| r.value)),
                optional(engine.run_ratio.map(|r| r.low)),
                optional(engine.run_ratio.map(|r| r.high)),
            ));
        }
    }
    format!(
        "{{\n  \"baseline\": {},\n  \"runs\": {runs},\n  \"warmup\": {warmup},\n  \"results\": [\n{}\n  ],\n  \"engines\": [\n{}\n  ]\n}}\n",
        string(&report.baseline),
        results.join(",\n"),
        engines.join(",\n")
    )
}

fn json_result(module: &str, engine: &EngineSummary, phase: &PhaseSummary) -> String {
    let s = &phase.summary;
    let samples: Vec<String> = phase.samples.iter().map(|v| number(*v)).collect();
    format!(
        "    {{\"module\": {}, \"engine\": {}, \"phase\": {}, \"runs\": {}, \"median_s\": {}, \"min_s\": {}, \"max_s\": {}, \"ci_low_s\": {}, \"ci_high_s\": {}, \"ci_level\": {}, \"ratio\": {}, \"ratio_low\": {}, \"ratio_high\": {}, \"output_ok\": {}, \"warning\": {}, \"samples_s\": [{}]}}",
        string(module),
        string(&engine.engine),
        string(phase.phase.name()),
        s.runs,
        number(s.median),
        number(s.min),
        number(s.max),
        number(s.ci_low),
        number(s.ci_high),
        number(s.level),
        optional(phase.ratio.map(|r| r.value)),
        optional(phase.ratio.map(|r| r.low)),
        optional(phase.ratio.map(|r| r.high)),
        engine.output_ok(),
        optional_string(&phase.warning),
        samples.join(", ")
    )
}

/// A CSV field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn csv(report: &Report) -> String {
    let mut out = String::from(
        "module,engine,phase,runs,median_s,min_s,max_s,ci_low_s,ci_high_s,ratio,ratio_low,ratio_high,output_ok,note\n",
    );
    for module in &report.modules {
        for engine in &module.engines {
            let note = engine
                .error
                .as_ref()
                .or(engine.mismatch.as_ref())
                .cloned()
                .unwrap_or_default();
            let prefix = format!("{},{}", field(&module.path), field(&engine.engine));
            if engine.phases.is_empty() {
                let _ = writeln!(
                    out,
                    "{prefix},,,,,,,,,,,{},{}",
                    engine.output_ok(),
                    field(&note)
                );
            }
            for phase in &engine.phases {
                let s = &phase.summary;
                let ratio = |f: fn(&super::stats::Ratio) -> f64| {
                    phase
                        .ratio
                        .as_ref()
                        .map_or(String::new(), |r| f(r).to_string())
                };
                let _ = writeln!(
                    out,
                    "{prefix},{},{},{},{},{},{},{},{},{},{},{},{}",
                    phase.phase.name(),
                    s.runs,
                    s.median,
                    s.min,
                    s.max,
                    s.ci_low,
                    s.ci_high,
                    ratio(|r| r.value),
                    ratio(|r| r.low),
                    ratio(|r| r.high),
                    engine.output_ok(),
                    field(&note)
                );
            }
        }
    }
    out
}
