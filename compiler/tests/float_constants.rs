//! Float constants left in loops that call nothing are made once before the loop
//! (`hoist_float_constants` in `hoist.rs`), where the mid-end makes them again in every block
//! of the loop that needs them in a register.

mod support;
use support::*;
use wasmaot_compiler::{Options, TargetCpu};

/// `fold(x, n)`: `max(n, 1)` rounds of `x = 1.5 / (x - 1.0)` if `x` is negative, else
/// `x = 1.5 / (x + 1.0)`: the dividend 1.5, needed in a register, in two blocks of the loop.
/// `fold32`, the same in f32 with 1.25 for 1.5. `fold_calling`, `fold` with a call in the
/// loop: the constants stay where they are used.
const MODULE: &str = r#"(module
  (func $id (param f64) (result f64) (local.get 0))
  (func $fold (export "fold") (param $x f64) (param $n i32) (result f64)
    (loop $next
      (if (f64.lt (local.get $x) (f64.const 0))
        (then (local.set $x (f64.div (f64.const 1.5) (f64.sub (local.get $x) (f64.const 1)))))
        (else (local.set $x (f64.div (f64.const 1.5) (f64.add (local.get $x) (f64.const 1))))))
      (br_if $next (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                             (i32.const 0))))
    (local.get $x))
  (func $fold32 (export "fold32") (param $x f32) (param $n i32) (result f32)
    (loop $next
      (if (f32.lt (local.get $x) (f32.const 0))
        (then (local.set $x (f32.div (f32.const 1.25) (f32.sub (local.get $x) (f32.const 1)))))
        (else (local.set $x (f32.div (f32.const 1.25) (f32.add (local.get $x) (f32.const 1))))))
      (br_if $next (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                             (i32.const 0))))
    (local.get $x))
  (func $fold_calling (export "fold_calling") (param $x f64) (param $n i32) (result f64)
    (loop $next
      (if (f64.lt (local.get $x) (f64.const 0))
        (then (local.set $x (f64.div (f64.const 1.5) (f64.sub (local.get $x) (f64.const 1)))))
        (else (local.set $x (f64.div (f64.const 1.5) (f64.add (local.get $x) (f64.const 1))))))
      (local.set $x (call $id (local.get $x)))
      (br_if $next (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                             (i32.const 0))))
    (local.get $x)))"#;

fn fold(mut x: f64, n: i32) -> f64 {
    for _ in 0..n.max(1) {
        x = if x < 0.0 {
            1.5 / (x - 1.0)
        } else {
            1.5 / (x + 1.0)
        };
    }
    x
}

fn fold32(mut x: f32, n: i32) -> f32 {
    for _ in 0..n.max(1) {
        x = if x < 0.0 {
            1.25 / (x - 1.0)
        } else {
            1.25 / (x + 1.0)
        };
    }
    x
}

/// The machine code of the function whose symbol starts with `name`, compiled for x86-64
/// (where a float constant in a register is made from an immediate holding its bytes)
/// without inlining (which would take `fold_calling`'s call away).
fn code(name: &str) -> Vec<u8> {
    let options = Options {
        target: "x86_64-unknown-linux-gnu".to_string(),
        // A named level: `native` describes the machine running the test, which may be
        // another architecture (CI runs these tests on aarch64 under qemu).
        target_cpu: TargetCpu::X86_64V3,
        inline: false,
        ..Options::default()
    };
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let bytes = wasmaot_compiler::compile(&wasm, &options, &|| {}).expect("compiles");
    let file = object::File::parse(&*bytes).expect("an object");
    symbol_bytes(&file, |n| n.starts_with(&format!("{name}.wasm")))
}

fn occurrences(code: &[u8], bytes: &[u8]) -> usize {
    code.windows(bytes.len()).filter(|w| *w == bytes).count()
}

#[test]
fn a_constant_needed_in_a_register_in_a_loop_is_made_once_before_it() {
    assert_eq!(occurrences(&code("fold"), &1.5f64.to_le_bytes()), 1);
    assert_eq!(occurrences(&code("fold32"), &1.25f32.to_le_bytes()), 1);
}

#[test]
fn in_a_loop_that_calls_it_stays_in_each_block() {
    assert_eq!(occurrences(&code("fold_calling"), &1.5f64.to_le_bytes()), 2);
}

#[test]
fn the_constants_keep_their_values() {
    let inputs = [
        (0.0, 0),
        (1.0, 1),
        (-3.0, 2),
        (100.0, 7),
        (-0.0, 3),
        (-1e300, 5),
    ];
    for (name, instance) in instances_both_checks(MODULE) {
        for (x, n) in inputs {
            for export in ["fold", "fold_calling"] {
                assert_eq!(
                    call1(&instance, export, &[f64(x), i32(n)])
                        .unwrap_f64()
                        .to_bits(),
                    fold(x, n).to_bits(),
                    "{name}: {export}({x}, {n})"
                );
            }
            let x = x as f32;
            assert_eq!(
                call1(&instance, "fold32", &[f32(x), i32(n)])
                    .unwrap_f32()
                    .to_bits(),
                fold32(x, n).to_bits(),
                "{name}: fold32({x}, {n})"
            );
        }
    }
}
