//! The Python scripts of `benches/`: the examples in their documentation (doctests), run with
//! `python3 -m doctest`, so what the scripts report rests on tested rules (for `profile.py`,
//! which instructions count as stack traffic, copies or 32-bit address arithmetic).

use std::path::Path;
use std::process::Command;

#[test]
fn profile_script_examples_hold() {
    let benches = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches");
    let output = Command::new("python3")
        .args(["-m", "doctest", "profile.py"])
        .current_dir(&benches)
        .output()
        .expect("python3 runs (CI installs it)");
    assert!(
        output.status.success(),
        "doctests of benches/profile.py failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
