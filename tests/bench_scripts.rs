//! The Python scripts of `benches/`: the examples in their documentation (doctests), run with
//! `python3 -m doctest`, so what the scripts report rests on tested rules (for `profile.py`,
//! which instructions count as stack traffic, copies or 32-bit address arithmetic; for
//! `run.py`, the name of the baseline column).

use std::path::Path;
use std::process::Command;

/// Runs `python3 -m doctest` on the script `name` of `benches/`, and fails with its report.
fn doctests_hold(name: &str) {
    let benches = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches");
    let output = Command::new("python3")
        .args(["-m", "doctest", name])
        .current_dir(&benches)
        .output()
        .expect("python3 runs (CI installs it)");
    assert!(
        output.status.success(),
        "doctests of benches/{name} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn profile_script_examples_hold() {
    doctests_hold("profile.py");
}

#[test]
fn run_script_examples_hold() {
    doctests_hold("run.py");
}
