//! `cargo run --release -p bench-instantiate --bin bench-memory64`: the cost of a load from a
//! 64-bit memory (explicit bounds check: one compare of the index with the length) against the
//! same load from a 32-bit memory (no check: the guard region catches strays), in two
//! load-heavy loops over a 1 MiB array of i32, run many times: `strided`, four loads of one
//! index at offsets 0, 4, 8, 12 (they share one check), and `scattered`, four loads of four
//! different indices (one check each). The modules run side by side, rounds interleaved;
//! prints the median time per load and the median of each round's ratio to the 32-bit memory.
//! The 32-bit memory compiled with `--bounds-checks explicit` is shown too, for scale.

use std::time::Instant;

use wasmaot_compiler::{BoundsChecks, Options};
use wasmaot_runtime::{Instance, Module, Store};

/// The loops over `t` addresses (`i32` or `i64`) in a memory declared `memory`. Each pass
/// makes 2^18 loads.
fn module(t: &str, memory: &str) -> String {
    format!(
        r#"
(module
  (memory {memory})
  (func (export "strided") (param $passes i32) (result i32)
    (local $acc i32) (local $at {t})
    (block $done
      (loop $pass
        (br_if $done (i32.eqz (local.get $passes)))
        (local.set $at ({t}.const 0))
        (loop $next
          ;; Four loads, two chains of adds: the loads, not the adds, set the pace.
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32.load (local.get $at)) (i32.load offset=4 (local.get $at)))))
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32.load offset=8 (local.get $at)) (i32.load offset=12 (local.get $at)))))
          (local.set $at ({t}.add (local.get $at) ({t}.const 16)))
          (br_if $next ({t}.lt_u (local.get $at) ({t}.const 1048576))))
        (local.set $passes (i32.sub (local.get $passes) (i32.const 1)))
        (br $pass)))
    (local.get $acc))
  (func (export "scattered") (param $passes i32) (result i32)
    (local $acc i32) (local $at {t})
    (block $done
      (loop $pass
        (br_if $done (i32.eqz (local.get $passes)))
        (local.set $at ({t}.const 0))
        (loop $next
          ;; One quarter of the array each: four indices, four checks.
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32.load (local.get $at))
                     (i32.load ({t}.xor (local.get $at) ({t}.const 0x40000))))))
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32.load ({t}.xor (local.get $at) ({t}.const 0x80000)))
                     (i32.load ({t}.xor (local.get $at) ({t}.const 0xc0000))))))
          (local.set $at ({t}.add (local.get $at) ({t}.const 4)))
          (br_if $next ({t}.lt_u (local.get $at) ({t}.const 0x40000))))
        (local.set $passes (i32.sub (local.get $passes) (i32.const 1)))
        (br $pass)))
    (local.get $acc)))
"#
    )
}

const PASSES: i32 = 200;
const LOADS_PER_PASS: f64 = (1 << 18) as f64;
const ROUNDS: usize = 11;
const LOOPS: [&str; 2] = ["strided", "scattered"];

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

struct Variant {
    name: &'static str,
    instance: Instance,
    /// Nanoseconds per load, per loop of [`LOOPS`], one sample per round.
    samples: [Vec<f64>; 2],
}

fn variant(store: &mut Store, name: &'static str, module: &Module) -> Variant {
    let instance = Instance::new(store, module, &[]).expect("instantiates");
    Variant {
        name,
        instance,
        samples: Default::default(),
    }
}

fn main() {
    let explicit = Options {
        bounds_checks: BoundsChecks::Explicit,
        ..Options::default()
    };
    let m32 = bench_instantiate::load(&module("i32", "16"));
    let m64 = bench_instantiate::load(&module("i64", "i64 16"));
    let m32_explicit = bench_instantiate::load_with(&module("i32", "16"), &explicit);
    let mut store = Store::new();
    let mut variants = [
        variant(&mut store, "32-bit memory (guard pages)", &m32),
        variant(&mut store, "64-bit memory", &m64),
        variant(&mut store, "32-bit memory (explicit checks)", &m32_explicit),
    ];
    let mut expected = [None; 2];
    for _ in 0..ROUNDS {
        for (l, name) in LOOPS.iter().enumerate() {
            for v in variants.iter_mut() {
                let run = v.instance.get_func(&mut store, name).expect("export");
                let run = run.typed::<i32, i32>(&store).expect("(i32) -> i32");
                let start = Instant::now();
                let result = run.call(&mut store, PASSES).expect("runs");
                let ns = start.elapsed().as_nanos() as f64 / (f64::from(PASSES) * LOADS_PER_PASS);
                v.samples[l].push(ns);
                assert_eq!(*expected[l].get_or_insert(result), result, "same sum");
            }
        }
    }
    // Each round runs every variant back to back, so a round's ratio compares runs made under
    // the same machine load; the median of those ratios is steadier than a ratio of medians.
    println!(
        "| loop | memory | ns per load (median of {ROUNDS}) | vs 32-bit (median of round ratios) |"
    );
    println!("| --- | --- | ---: | ---: |");
    for (l, name) in LOOPS.iter().enumerate() {
        let base = variants[0].samples[l].clone();
        for v in &variants {
            let ratios = v.samples[l].iter().zip(&base).map(|(a, b)| a / b).collect();
            let ns = median(v.samples[l].clone());
            println!("| {name} | {} | {ns:.3} | {:.2}x |", v.name, median(ratios));
        }
    }
}
