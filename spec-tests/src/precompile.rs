//! Turn module bytes into a loaded precompiled module: compile, link a shared object with `cc`,
//! load it through the embedding API — the same path as `wasmaot compile m.wasm -o m.so`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmaot_compiler::Options;
use wasmaot_runtime::Module;

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaot-spec-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Compile `wasm`; `Err` carries the compiler's reason (for assert_invalid/malformed).
pub fn compile(wasm: &[u8], options: &Options) -> Result<Vec<u8>, String> {
    wasmaot_compiler::compile(wasm, options, &|| {}).map_err(|e| e.to_string())
}

/// Link `object` into a shared object and load it.
pub fn load(object: &[u8]) -> Result<Module, String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = scratch_dir();
    let so = dir.join(format!("m{n}.so"));
    wasmaot_compiler::link::link_shared(object, &so)?;
    // SAFETY: the file was just linked from the compiler's object.
    let module = unsafe { Module::load(&so) }.map_err(|e| e.to_string());
    // The loaded library stays mapped; the files are not needed any more.
    let _ = std::fs::remove_file(&so);
    module
}
