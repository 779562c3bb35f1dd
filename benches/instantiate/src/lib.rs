//! What the runtime benchmarks share: compiling WAT into a precompiled module and loading it
//! the way `wasmaot compile m.wasm -o m.so` and the embedding API do.

use wasmaot_runtime::Module;

/// Compile `wat`, link it into a shared object, load it.
pub fn load(wat: &str) -> Module {
    load_with(wat, &Default::default())
}

/// [`load`] with the given compiler options.
pub fn load_with(wat: &str, options: &wasmaot_compiler::Options) -> Module {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, options, &|| {}).expect("compiles");
    let dir = std::env::temp_dir().join(format!("wasmaot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let so = dir.join("module.so");
    wasmaot_compiler::link::link_shared(&object, &so).expect("links");
    // SAFETY: the file was just linked from the compiler's object.
    let module = unsafe { Module::load(&so) }.expect("loads");
    let _ = std::fs::remove_dir_all(&dir);
    module
}
