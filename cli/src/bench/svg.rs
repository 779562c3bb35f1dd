//! The chart: per module, one bar per engine for its run time relative to the baseline, on a
//! log scale with the baseline at 1x, 95% intervals as whiskers, readable without the table.

use std::fmt::Write;

use super::measurements::Phase;
use super::summary::Report;
use super::units::times;

const WIDTH: f64 = 960.0;
const LABEL_X: f64 = 170.0;
const PLOT_LEFT: f64 = 180.0;
const PLOT_RIGHT: f64 = 880.0;
const BAR: f64 = 14.0;
const GAP: f64 = 14.0;
const TOP: f64 = 92.0;
const COLOURS: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The log-scale range: whole decades around every ratio, its interval and 1x.
fn range(report: &Report) -> (f64, f64) {
    let mut low = 1.0f64;
    let mut high = 1.0f64;
    for engine in report.modules.iter().flat_map(|m| &m.engines) {
        if let Some(r) = engine.run_ratio {
            low = low.min(r.low.max(1e-6));
            high = high.max(r.high.min(1e6));
        }
    }
    (
        10f64.powf(low.log10().floor()),
        10f64.powf(high.log10().ceil().max(low.log10().floor() + 1.0)),
    )
}

pub fn render(report: &Report) -> String {
    let engines = &report.engines;
    let group = engines.len() as f64 * BAR + GAP;
    let height = TOP + group * report.modules.len() as f64 + 40.0;
    let (low, high) = range(report);
    let x = |r: f64| {
        let r = r.clamp(low, high);
        PLOT_LEFT
            + (r.log10() - low.log10()) / (high.log10() - low.log10()) * (PLOT_RIGHT - PLOT_LEFT)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Run time relative to {} (log scale; left of the 1x line is faster)</text>",
        LABEL_X - 150.0,
        escape(&report.baseline)
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"40\" fill=\"#555\">execute time where both the engine and the baseline time it, else the whole run's wall time (marked *); whiskers: 95% interval of the ratio</text>",
        LABEL_X - 150.0
    );
    // Legend.
    let mut lx = LABEL_X - 150.0;
    for (i, name) in engines.iter().enumerate() {
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"52\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            COLOURS[i % COLOURS.len()]
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"62\">{}</text>",
            lx + 16.0,
            escape(name)
        );
        lx += 16.0 + 8.0 * name.chars().count() as f64 + 18.0;
    }
    // Grid: 1, 2, 5 times each decade.
    let bottom = height - 30.0;
    let mut decade = low;
    while decade < high * 1.001 {
        for step in [1.0, 2.0, 5.0] {
            let r = decade * step;
            if r > high * 1.001 {
                break;
            }
            let gx = x(r);
            let (stroke, w) = if (r - 1.0).abs() < 1e-9 {
                ("#000", 1.5)
            } else {
                ("#ddd", 1.0)
            };
            let _ = writeln!(out, "<line x1=\"{gx:.1}\" y1=\"{}\" x2=\"{gx:.1}\" y2=\"{bottom}\" stroke=\"{stroke}\" stroke-width=\"{w}\"/>", TOP - 8.0);
            let _ = writeln!(
                out,
                "<text x=\"{gx:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                bottom + 14.0,
                tick_label(r)
            );
        }
        decade *= 10.0;
    }
    for (m, module) in report.modules.iter().enumerate() {
        let y0 = TOP + m as f64 * group;
        let _ = writeln!(
            out,
            "<text x=\"{LABEL_X}\" y=\"{:.1}\" text-anchor=\"end\" font-weight=\"bold\">{}</text>",
            y0 + engines.len() as f64 * BAR / 2.0 + 4.0,
            escape(&module.name)
        );
        for (e, engine) in module.engines.iter().enumerate() {
            let y = y0 + e as f64 * BAR;
            let colour = COLOURS[e % COLOURS.len()];
            let Some(r) = engine.run_ratio.filter(|_| engine.error.is_none()) else {
                let why = if engine.error.is_some() {
                    "failed"
                } else {
                    "no figure"
                };
                let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\" font-size=\"10\">{} {why}</text>", x(1.0) + 4.0, y + BAR - 3.0, escape(&engine.engine));
                continue;
            };
            let (a, b) = (x(1.0).min(x(r.value)), x(1.0).max(x(r.value)));
            let _ = writeln!(out, "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{} on {}: {} ({}-{})</title></rect>", y + 1.0, (b - a).max(1.0), BAR - 2.0, escape(&engine.engine), escape(&module.name), times(r.value), times(r.low), times(r.high));
            let wy = y + BAR / 2.0;
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{wy:.1}\" x2=\"{:.1}\" y2=\"{wy:.1}\" stroke=\"#333\"/>",
                x(r.low),
                x(r.high)
            );
            let total = if engine.run == Some(Phase::Total) {
                "*"
            } else {
                ""
            };
            let mark = if engine.mismatch.is_some() {
                " output MISMATCH"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}{total}{mark}</text>",
                b.max(x(r.high)) + 4.0,
                y + BAR - 3.0,
                times(r.value)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn tick_label(r: f64) -> String {
    if r >= 1.0 {
        format!("{r:.0}x")
    } else {
        format!("{}x", format!("{r:.6}").trim_end_matches('0'))
    }
}
