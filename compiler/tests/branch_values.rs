//! Values a branch compared with a constant, passed on in place of the constant on the edge
//! where the two are equal (`branch_values.rs`): the results stay exact.

mod support;
use support::*;

/// `run(n, seed)`: an interpreter-like loop of `n` rounds carrying a flag (an i32 local) and
/// a count. Each round adds the flag to an i64 sum; the next round's flag is 0 when the flag
/// is 0 (set before the test, as a C compiler writes it), else `$update(flag, count)`; then
/// it is 7 when that is 7, else the count's low bits on odd counts. Returns the sum.
const MODULE: &str = r#"(module
  (func $update (param $flag i32) (param $count i32) (result i32)
    (i32.rem_u (i32.mul (i32.add (local.get $count) (local.get $flag)) (i32.const 13))
               (i32.const 10)))
  (func (export "run") (param $n i32) (param $seed i32) (result i64)
    (local $flag i32) (local $next i32) (local $count i32) (local $sum i64)
    (local.set $flag (local.get $seed))
    (block $done
      (loop $round
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $flag))))
        (local.set $next (i32.const 0))
        (block $zero
          (br_if $zero (i32.eqz (local.get $flag)))
          (local.set $next (call $update (local.get $flag) (local.get $count))))
        (local.set $flag (local.get $next))
        (local.set $next (i32.const 7))
        (block $seven
          (br_if $seven (i32.eq (local.get $flag) (i32.const 7)))
          (local.set $next
            (select (i32.and (local.get $count) (i32.const 15)) (local.get $flag)
                    (i32.and (local.get $count) (i32.const 1)))))
        (local.set $flag (local.get $next))
        (br $round)))
    (local.get $sum)))"#;

fn update(flag: u32, count: u32) -> u32 {
    count.wrapping_add(flag).wrapping_mul(13) % 10
}

fn run(mut n: i32, seed: i32) -> i64 {
    let (mut flag, mut count, mut sum) = (seed as u32, 0u32, 0i64);
    while n != 0 {
        n -= 1;
        count = count.wrapping_add(1);
        sum = sum.wrapping_add(i64::from(flag));
        flag = if flag == 0 { 0 } else { update(flag, count) };
        flag = if flag == 7 {
            7
        } else if count & 1 != 0 {
            count & 15
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
