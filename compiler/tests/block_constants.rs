//! Integer constants used in several blocks, across calls and loops (`block_constants.rs`:
//! each block makes its own copy unless it is in a loop that calls nothing): the results stay
//! exact.

mod support;
use support::*;

/// `g(a, b) = a * 31 + b`. `f(x, n)`: `acc = g(0x1234_5678_9abc, x)`; if `x` is odd,
/// `acc = g(acc, 0x7654_3210)` and then `acc ^= 0x1234_5678_9abc`; then `n` rounds of
/// `acc = g(acc, i) + 0x1234_5678_9abc` (a loop that calls) and `n` rounds of
/// `acc += (1 << (i & 31)) ^ 0x7654_3210` (a loop that calls nothing); returns `acc`.
const MODULE: &str = r#"(module
  (func $g (param $a i64) (param $b i32) (result i64)
    (i64.add (i64.mul (local.get $a) (i64.const 31)) (i64.extend_i32_s (local.get $b))))
  (func (export "f") (param $x i32) (param $n i32) (result i64)
    (local $acc i64) (local $i i32)
    (local.set $acc (call $g (i64.const 0x123456789abc) (local.get $x)))
    (if (i32.and (local.get $x) (i32.const 1))
      (then
        (local.set $acc (call $g (local.get $acc) (i32.const 0x76543210)))
        (local.set $acc (i64.xor (local.get $acc) (i64.const 0x123456789abc)))))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then
        (local.set $i (i32.const 0))
        (loop $calling
          (local.set $acc (i64.add (call $g (local.get $acc) (local.get $i))
                                   (i64.const 0x123456789abc)))
          (br_if $calling (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                    (local.get $n))))
        (local.set $i (i32.const 0))
        (loop $quiet
          (local.set $acc
            (i64.add (local.get $acc)
                     (i64.extend_i32_u
                       (i32.xor (i32.shl (i32.const 1) (local.get $i)) (i32.const 0x76543210)))))
          (br_if $quiet (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (local.get $n))))))
    (local.get $acc)))"#;

fn g(a: i64, b: i32) -> i64 {
    a.wrapping_mul(31).wrapping_add(i64::from(b))
}

fn f(x: i32, n: i32) -> i64 {
    let mut acc = g(0x1234_5678_9abc, x);
    if x & 1 != 0 {
        acc = g(acc, 0x7654_3210) ^ 0x1234_5678_9abc;
    }
    for i in 0..n.max(0) {
        acc = g(acc, i).wrapping_add(0x1234_5678_9abc);
    }
    for i in 0..n.max(0) {
        let bits = (1u32 << (i & 31)) ^ 0x7654_3210;
        acc = acc.wrapping_add(i64::from(bits));
    }
    acc
}

#[test]
fn constants_used_across_blocks_calls_and_loops_keep_their_values() {
    for (name, instance) in instances_both_checks(MODULE) {
        for (x, n) in [(0, 0), (1, 1), (2, 5), (7, 40), (-3, 100), (i32::MAX, 33)] {
            let got = call1(&instance, "f", &[i32(x), i32(n)]).unwrap_i64();
            assert_eq!(got, f(x, n), "{name}: f({x}, {n})");
        }
    }
}
