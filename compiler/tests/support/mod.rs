//! Run WAT through the real pipeline: compile to an object, link a shared object with `cc`,
//! load it with the runtime's embedding API, instantiate. Every instance a test makes lives in
//! that test thread's store (`with_store`), so instances can import from each other.
#![allow(dead_code)]

use std::cell::RefCell;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmaot_compiler::{BoundsChecks, Options};
use wasmaot_runtime::{Error, Extern, Func, Instance, Memory, Module, Store, Trap, TrapKind, Val};

fn scratch_path(ext: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("wasmaot-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(format!("m{n}.{ext}"))
}

/// Compile `wat` with `options` and load it.
pub fn load_with(wat: &str, options: &Options) -> Module {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, options, &|| {}).expect("compiles");
    let obj = scratch_path("o");
    let so = scratch_path("so");
    std::fs::write(&obj, object).expect("write object");
    let status = Command::new("cc")
        .arg("-shared")
        .arg("-o")
        .arg(&so)
        .arg(&obj)
        .arg("-lm")
        .status()
        .expect("cc runs");
    assert!(status.success(), "linking the shared object failed");
    // SAFETY: the file was just written by the compiler and the system linker.
    unsafe { Module::load(&so) }.expect("loads")
}

pub fn load(wat: &str) -> Module {
    load_with(wat, &Options::default())
}

pub fn explicit_checks() -> Options {
    Options {
        bounds_checks: BoundsChecks::Explicit,
        ..Options::default()
    }
}

thread_local! {
    /// The store of the running test.
    static STORE: RefCell<Store> = RefCell::new(Store::new());
}

/// Run `f` with the test thread's store.
pub fn with_store<R>(f: impl FnOnce(&mut Store) -> R) -> R {
    STORE.with(|s| f(&mut s.borrow_mut()))
}

/// Instantiate `module` with `imports` in the test's store.
pub fn new_instance(module: &Module, imports: &[Extern]) -> Result<Instance, Error> {
    with_store(|s| Instance::new(s, module, imports))
}

pub fn instance(wat: &str) -> Instance {
    new_instance(&load(wat), &[]).expect("instantiates")
}

pub fn instance_with(wat: &str, imports: &[Extern]) -> Instance {
    new_instance(&load(wat), imports).expect("instantiates")
}

/// The exported function `name` of `instance`.
pub fn func(instance: &Instance, name: &str) -> Func {
    with_store(|s| instance.get_func(s, name)).unwrap_or_else(|| panic!("export {name}"))
}

/// The exported memory `name` of `instance`.
pub fn memory(instance: &Instance, name: &str) -> Memory {
    with_store(|s| instance.get_memory(s, name)).unwrap_or_else(|| panic!("export {name}"))
}

/// The export `name` of `instance`.
pub fn export(instance: &Instance, name: &str) -> Extern {
    with_store(|s| instance.get_export(s, name)).unwrap_or_else(|| panic!("export {name}"))
}

/// Call `func` in the test's store.
pub fn call_func(func: Func, args: &[Val]) -> Result<Vec<Val>, Error> {
    with_store(|s| func.call(s, args))
}

/// Call export `name`; panics on a trap.
pub fn call(instance: &Instance, name: &str, args: &[Val]) -> Vec<Val> {
    call_func(func(instance, name), args).unwrap_or_else(|e| panic!("{name}{args:?} failed: {e}"))
}

pub fn call1(instance: &Instance, name: &str, args: &[Val]) -> Val {
    let results = call(instance, name, args);
    assert_eq!(results.len(), 1, "{name} returns one value");
    results[0]
}

/// Call export `name` and expect it to trap with `kind`.
pub fn trap(instance: &Instance, name: &str, args: &[Val]) -> TrapKind {
    match call_func(func(instance, name), args) {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => kind,
        other => panic!("{name}{args:?}: expected a trap, got {other:?}"),
    }
}

pub fn i32(v: i32) -> Val {
    Val::I32(v)
}
pub fn i64(v: i64) -> Val {
    Val::I64(v)
}
pub fn f32(v: f32) -> Val {
    Val::F32(v.to_bits())
}
pub fn f64(v: f64) -> Val {
    Val::F64(v.to_bits())
}
