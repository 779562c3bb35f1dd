//! What the runtime's test files share: a module compiled from WAT and loaded as a shared
//! object, as an embedder loads one. Each test file uses part of it.
#![allow(dead_code)]

use wasmaot_compiler::Options;
use wasmaot_runtime::Module;

/// `wat` compiled, linked into `NAME.so` in a scratch directory of test file `test`, loaded.
pub fn module(test: &str, wat: &str, name: &str) -> Module {
    module_with(test, wat, name, &Options::default())
}

/// As [`module`], compiled with `options`.
pub fn module_with(test: &str, wat: &str, name: &str, options: &Options) -> Module {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, options, &|| {}).expect("compiles");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let so = dir.join(format!("{name}.so"));
    wasmaot_compiler::link::link_shared(&object, &so).expect("links");
    // SAFETY: the file was just linked from the compiler's object.
    unsafe { Module::load(&so) }.expect("loads")
}
