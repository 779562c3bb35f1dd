//! `cargo run --release -p bench-instantiate --bin bench-exceptions`: the cost of a wasm
//! exception thrown 10 frames below the `try_table` that catches it (allocation, the unwinder's
//! walk over the frames, the landing and the tag match), next to a plain return through the
//! same 10 frames, for scale. Both loops run inside wasm (one host call per round of 100,000
//! iterations), rounds interleaved; prints the median time per iteration of each and the
//! difference, the cost of the throw itself.

use std::time::Instant;

use wasmaot_runtime::{Instance, Store, TypedFunc};

const MODULE: &str = r#"
(module
  (tag $e (param i32))
  (func $down (param $n i32) (param $throw i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then
        (if (local.get $throw) (then (throw $e (local.get $n))))
        (i32.const 1))
      (else
        (i32.add (call $down (i32.sub (local.get $n) (i32.const 1)) (local.get $throw))
                 (i32.const 1)))))
  ;; `iterations` times: call 10 frames down; catch what is thrown there (or take the value).
  (func (export "run") (param $iterations i32) (param $throw i32) (result i32)
    (local $acc i32)
    (loop $next
      (block $caught (result i32)
        (try_table (catch $e $caught)
          (local.set $acc (i32.add (local.get $acc)
            (call $down (i32.const 9) (local.get $throw)))))
        (i32.const 0))
      (local.set $acc (i32.add (local.get $acc)))
      (local.tee $iterations (i32.sub (local.get $iterations) (i32.const 1)))
      (br_if $next))
    (local.get $acc)))
"#;

const ITERATIONS: i32 = 100_000;
const ROUNDS: usize = 15;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let module = bench_instantiate::load(MODULE);
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let run: TypedFunc<(i32, i32), i32> = instance
        .get_func(&mut store, "run")
        .expect("run export")
        .typed(&store)
        .expect("(i32, i32) -> i32");
    let mut time = |throw: i32| {
        let start = Instant::now();
        let acc = run.call(&mut store, (ITERATIONS, throw)).expect("runs");
        std::hint::black_box(acc);
        start.elapsed().as_nanos() as f64 / f64::from(ITERATIONS)
    };
    time(1);
    time(0);
    let (mut thrown, mut returned) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        thrown.push(time(1));
        returned.push(time(0));
    }
    let (thrown, returned) = (median(thrown), median(returned));
    println!("10 frames down and back, median of {ROUNDS} rounds of {ITERATIONS}:");
    println!("  throw and catch   {thrown:>8.1} ns");
    println!("  return            {returned:>8.1} ns");
    println!("  cost of the throw {:>8.1} ns", thrown - returned);
}
