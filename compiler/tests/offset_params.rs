//! A loop carrying a pointer and the pointer plus a constant (`offset_params.rs`: the second
//! is made from the first in the loop instead of being carried): the results stay exact.

mod support;
use support::*;

/// `run(at, n)`: an interpreter-like fetch loop over the `n` words at `at`, carrying `pc`
/// (the next word's address) and `next` (`pc + 4`) as two locals: each round reads the word
/// at `pc`, moves on (`pc = next`, `next = next + 4`), calls `$step` with the word and the
/// sum so far (so both live across a call), and every word whose low bit is set skips a
/// word (`pc = next`, `next = next + 4` once more, if any is left); returns the sum.
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (func $step (param $word i32) (param $sum i64) (result i64)
    (i64.add (i64.mul (local.get $sum) (i64.const 3)) (i64.extend_i32_u (local.get $word))))
  (func (export "run") (param $at i32) (param $n i32) (result i64)
    (local $pc i32) (local $next i32) (local $end i32) (local $word i32) (local $sum i64)
    (local.set $pc (local.get $at))
    (local.set $next (i32.add (local.get $at) (i32.const 4)))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $pc) (local.get $end)))
        (local.set $word (i32.load (local.get $pc)))
        (local.set $pc (local.get $next))
        (local.set $next (i32.add (local.get $next) (i32.const 4)))
        (local.set $sum (call $step (local.get $word) (local.get $sum)))
        (if (i32.and (i32.and (local.get $word) (i32.const 1))
                     (i32.lt_u (local.get $pc) (local.get $end)))
          (then
            (local.set $pc (local.get $next))
            (local.set $next (i32.add (local.get $next) (i32.const 4)))))
        (br $round)))
    (local.get $sum)))"#;

fn run(words: &[u32]) -> i64 {
    let (mut k, mut sum) = (0usize, 0i64);
    while k < words.len() {
        let word = words[k];
        k += 1;
        sum = sum.wrapping_mul(3).wrapping_add(i64::from(word));
        if word & 1 != 0 && k < words.len() {
            k += 1;
        }
    }
    sum
}

#[test]
fn a_pointer_and_its_successor_carried_round_a_loop_keep_their_values() {
    for (name, instance) in instances_both_checks(MODULE) {
        let memory = memory(&instance, "memory");
        for (n, at) in [(0usize, 0u32), (1, 4), (7, 64), (100, 1000), (1000, 60_000)] {
            let words: Vec<u32> = (0..n as u32)
                .map(|k| k.wrapping_mul(0x9e37_79b9) ^ (k >> 3))
                .collect();
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            with_store(|st| memory.write(st, at as usize, &bytes)).expect("in memory");
            let got = call1(&instance, "run", &[i32(at as i32), i32(n as i32)]).unwrap_i64();
            assert_eq!(got, run(&words), "{name}: n {n} at {at}");
        }
    }
}
