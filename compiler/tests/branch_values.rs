//! Values a branch compared with a constant, passed on in place of the constant on the edge
//! where the two are equal (`branch_values.rs`): the results stay exact.

mod support;
use support::*;

/// `run(n, seed)`: an interpreter-like loop of `n` rounds carrying a flag (an i32 local) and
/// a count; each round, if the flag is 0 the loop goes on with 0 (a constant) for it, else it
/// is recomputed from the count (and may become 0); when the flag equals 7 it goes on with 7,
/// else with the count's low bits; the i64 sum of the flags seen is returned.
const MODULE: &str = r#"(module
  (func (export "run") (param $n i32) (param $seed i32) (result i64)
    (local $flag i32) (local $count i32) (local $sum i64) (local $other i32)
    (local.set $flag (local.get $seed))
    (block $done
      (loop $round
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $flag))))
        (if (local.get $flag)
          (then
            (local.set $flag (i32.rem_u (i32.mul (local.get $count) (i32.const 13))
                                        (i32.const 10)))))
        (local.set $other (i32.and (local.get $count) (i32.const 15)))
        (local.set $flag
          (if (result i32) (i32.eq (local.get $flag) (i32.const 7))
            (then (i32.const 7))
            (else (select (local.get $other) (local.get $flag)
                          (i32.and (local.get $count) (i32.const 1))))))
        (br $round)))
    (local.get $sum)))"#;

fn run(mut n: i32, seed: i32) -> i64 {
    let (mut flag, mut count, mut sum) = (seed as u32, 0u32, 0i64);
    while n != 0 {
        n -= 1;
        count = count.wrapping_add(1);
        sum = sum.wrapping_add(i64::from(flag));
        if flag != 0 {
            flag = count.wrapping_mul(13) % 10;
        }
        let other = count & 15;
        flag = if flag == 7 {
            7
        } else if count & 1 != 0 {
            other
        } else {
            flag
        };
    }
    sum
}

#[test]
fn flags_passed_on_in_place_of_their_constants_keep_their_values() {
    for (name, instance) in instances_both_checks(MODULE) {
        for (n, seed) in [(0, 0), (1, 5), (10, 0), (100, 7), (1000, 3), (77, -1)] {
            let got = call1(&instance, "run", &[i32(n), i32(seed)]).unwrap_i64();
            assert_eq!(got, run(n, seed), "{name}: run({n}, {seed})");
        }
    }
}
