//! The fixed slice of fuzzing CI runs: the fuzzer binary for a bounded time from a fixed
//! seed, both targets; any finding fails the test (the report and the seeds are in its
//! output, the modules in the findings directory).

use std::process::Command;

#[test]
fn fixed_slice_has_no_findings() {
    let findings = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-fuzz-slice-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_fuzz"))
        .args([
            "--seconds",
            "90",
            "--seed",
            "1000000",
            "--quiet",
            "--findings",
        ])
        .arg(&findings)
        .output()
        .expect("runs the fuzzer");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "findings (modules in {}):\n{stdout}\n{stderr}",
        findings.display()
    );
    println!("{stdout}");
}
