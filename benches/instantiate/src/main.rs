//! `cargo run --release -p bench-instantiate`: compile a small module once, load it as a
//! precompiled shared object, then instantiate it many times in-process and print the median
//! and tail of the instantiation time (each instance dropped before the next).

use std::process::Command;
use std::time::Instant;

use wasmaot_runtime::{Instance, Module, Val};

/// A small but complete module: a memory with a data segment, a table filled by an element
/// segment, globals, and exports.
const SMALL: &str = r#"
(module
  (memory (export "memory") 1 16)
  (data (i32.const 16) "hello, instance")
  (table 4 funcref)
  (elem (i32.const 0) $add $sub)
  (global $counter (mut i32) (i32.const 7))
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "apply") (param i32 i32 i32) (result i32)
    (call_indirect (param i32 i32) (result i32) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter)))
"#;

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let module = load();
    // Warm up, and check the instance works.
    for _ in 0..100 {
        let instance = Instance::new(&module, &[]).expect("instantiates");
        let apply = instance.get_func("apply").expect("export");
        let result = apply
            .call(&[Val::I32(1), Val::I32(9), Val::I32(4)])
            .expect("runs");
        assert_eq!(result, vec![Val::I32(5)]);
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let instance = Instance::new(&module, &[]).expect("instantiates");
        times.push(start.elapsed().as_nanos() as f64 / 1000.0);
        drop(instance);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("instantiate small module ({iterations} times): median {:.2} us, p90 {:.2} us, p99 {:.2} us", at(0.5), at(0.9), at(0.99));
}

fn load() -> Module {
    let wasm = wat::parse_str(SMALL).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {}).expect("compiles");
    let dir = std::env::temp_dir().join(format!("wasmaot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let (obj, so) = (dir.join("small.o"), dir.join("small.so"));
    std::fs::write(&obj, object).expect("write object");
    let status = Command::new("cc")
        .arg("-shared")
        .arg("-o")
        .arg(&so)
        .arg(&obj)
        .status()
        .expect("cc runs");
    assert!(status.success(), "linking failed");
    let module = Module::load(&so).expect("loads");
    let _ = std::fs::remove_dir_all(&dir);
    module
}
