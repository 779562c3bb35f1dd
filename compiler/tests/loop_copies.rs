//! Loops that call nothing in a function that calls, reading values the function keeps across
//! its calls (`loop_copies.rs`): the results stay exact with the loops reading copies of them.

mod support;
use support::*;

/// `mix(v, tmp, n)` over `n` i64 values at `v`, with `n` more of room at `tmp`: for `n` over
/// 1, itself on each half of `v` first (so `v`, `tmp` and `n` live across calls); then two
/// loops that call nothing, each reading `v` or `tmp` three times a round: the first sets
/// `tmp[i]` to `v[i] * 3`, plus `v[n - 1 - i]`, plus `v[i * 7 % n]`; the second sets `v[i]`
/// to `tmp[i] ^ i` and sums `tmp[n - 1 - i] * tmp[i * 5 % n]`, which it returns.
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (func $mix (export "mix") (param $v i32) (param $tmp i32) (param $n i32) (result i64)
    (local $i i32) (local $half i32) (local $sum i64)
    (if (i32.gt_u (local.get $n) (i32.const 1))
      (then
        (local.set $half (i32.shr_u (local.get $n) (i32.const 1)))
        (drop (call $mix (local.get $v) (local.get $tmp) (local.get $half)))
        (drop (call $mix (i32.add (local.get $v) (i32.shl (local.get $half) (i32.const 3)))
                         (local.get $tmp)
                         (i32.sub (local.get $n) (local.get $half))))))
    (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))
    (local.set $i (i32.const 0))
    (loop $fill
      (i64.store
        (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 3)))
        (i64.add
          (i64.add
            (i64.mul (i64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))
                     (i64.const 3))
            (i64.load (i32.add (local.get $v)
                               (i32.shl (i32.sub (i32.sub (local.get $n) (i32.const 1))
                                                 (local.get $i))
                                        (i32.const 3)))))
          (i64.load (i32.add (local.get $v)
                             (i32.shl (i32.rem_u (i32.mul (local.get $i) (i32.const 7))
                                                 (local.get $n))
                                      (i32.const 3))))))
      (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $back
      (i64.store
        (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))
        (i64.xor (i64.load (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 3))))
                 (i64.extend_i32_u (local.get $i))))
      (local.set $sum
        (i64.add
          (local.get $sum)
          (i64.mul
            (i64.load (i32.add (local.get $tmp)
                               (i32.shl (i32.sub (i32.sub (local.get $n) (i32.const 1))
                                                 (local.get $i))
                                        (i32.const 3))))
            (i64.load (i32.add (local.get $tmp)
                               (i32.shl (i32.rem_u (i32.mul (local.get $i) (i32.const 5))
                                                   (local.get $n))
                                        (i32.const 3)))))))
      (br_if $back (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (local.get $n))))
    (local.get $sum)))"#;

fn mix(v: &mut [i64]) -> i64 {
    let n = v.len();
    if n > 1 {
        let half = n / 2;
        mix(&mut v[..half]);
        mix(&mut v[half..]);
    }
    let tmp: Vec<i64> = (0..n)
        .map(|i| {
            v[i].wrapping_mul(3)
                .wrapping_add(v[n - 1 - i])
                .wrapping_add(v[i * 7 % n])
        })
        .collect();
    let mut sum = 0i64;
    for i in 0..n {
        v[i] = tmp[i] ^ i as i64;
        sum = sum.wrapping_add(tmp[n - 1 - i].wrapping_mul(tmp[i * 5 % n]));
    }
    sum
}

#[test]
fn loops_reading_copies_of_values_kept_across_calls_keep_their_results() {
    for (name, instance) in instances_both_checks(MODULE) {
        let memory = memory(&instance, "memory");
        for (n, at, room) in [
            (0usize, 0u32, 8u32),
            (1, 8, 64),
            (7, 16, 4096),
            (100, 1024, 8),
        ] {
            let mut values: Vec<i64> = (0..n as i64)
                .map(|k| k.wrapping_mul(0x9e37_79b9_7f4a_7c15_u64 as i64) ^ (k << 7))
                .collect();
            let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            let tmp = at + n as u32 * 8 + room;
            with_store(|st| memory.write(st, at as usize, &bytes)).expect("in memory");
            let args = [i32(at as i32), i32(tmp as i32), i32(n as i32)];
            let sum = call1(&instance, "mix", &args).unwrap_i64();
            assert_eq!(sum, mix(&mut values), "{name}: n {n}");
            let mut after = vec![0u8; n * 8];
            with_store(|st| memory.read(st, at as usize, &mut after)).expect("in memory");
            let after: Vec<i64> = after
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                .collect();
            assert_eq!(after, values, "{name}: n {n}");
        }
    }
}
