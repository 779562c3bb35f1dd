//! Every module in `fuzz/regressions/` through both engines, as the differential target
//! compares them: all exports called with the argument sets, outcomes and final state alike.
//!
//! A file whose comments contain `;; wasmi differs: TEXT` records a known wasmi bug (wasmtime
//! agreeing with wasmaot): the comparison must find the mismatch, and its description must
//! contain TEXT, which pins what wasmaot does. When wasmi is fixed the test fails and the
//! marker goes. `;; nan: exact` compares NaN bits exactly.

use std::path::PathBuf;

use fuzz::diff::End;
use fuzz::engine::aot::Loader;
use fuzz::outcome::NanRule;

fn check(path: &PathBuf, loader: &Loader) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let wasm = wat::parse_str(&text).map_err(|e| e.to_string())?;
    let rule = if text.contains(";; nan: exact") {
        NanRule::Exact
    } else {
        NanRule::AnyNan
    };
    let known = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(";; wasmi differs: "));
    let verdict = fuzz::check_caught(loader, &wasm, rule, 0);
    match (verdict.end, known) {
        (Some(End::Agreed), None) => Ok(()),
        (Some(End::Mismatch(why)), Some(expected)) if why.contains(expected) => Ok(()),
        (end, _) => Err(format!("{end:?}")),
    }
}

#[test]
fn regressions_agree() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("regressions directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let loader = Loader::new().expect("scratch directory");
    let failures: Vec<String> = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || {
                files
                    .iter()
                    .filter_map(|f| {
                        check(f, &loader)
                            .err()
                            .map(|e| format!("{}: {e}", f.display()))
                    })
                    .collect()
            })
            .expect("thread")
            .join()
            .expect("no panic")
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
