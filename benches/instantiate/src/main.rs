//! `cargo run --release -p bench-instantiate`: compile a small module once, load it as a
//! precompiled shared object, then instantiate it many times in-process and print the median
//! and tail of the instantiation time (each instance dropped before the next).

use std::time::Instant;

use wasmaot_runtime::{Instance, Store, Val};

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
    let module = bench_instantiate::load(SMALL);
    // Warm up, and check the instance works.
    for _ in 0..100 {
        let mut store = Store::new();
        let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
        let apply = instance.get_func(&mut store, "apply").expect("export");
        let result = apply
            .call(&mut store, &[Val::I32(1), Val::I32(9), Val::I32(4)])
            .expect("runs");
        assert_eq!(result, vec![Val::I32(5)]);
    }
    // One store per instance, as a host serving requests would: dropping the store gives the
    // memory reservation back to the pool.
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let mut store = Store::new();
        Instance::new(&mut store, &module, &[]).expect("instantiates");
        times.push(start.elapsed().as_nanos() as f64 / 1000.0);
        drop(store);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("instantiate small module ({iterations} times): median {:.2} us, p90 {:.2} us, p99 {:.2} us", at(0.5), at(0.9), at(0.99));
}
