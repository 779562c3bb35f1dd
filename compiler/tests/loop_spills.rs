//! Loops that need more integer registers than there are, with values made before them kept
//! in stack slots (`loop_spills.rs`): the results stay exact whichever values are spilled,
//! read in every round, in some rounds, in a nested loop or only after the loop.

mod support;
use support::*;

/// How many parameters the loop reads in every round.
const EVERY: usize = 16;

/// `mix(p0..p15, q0, q1, q2, n, late)`: `max(n, 1)` rounds of mixing `acc` with each `p`,
/// with `q0 * q1` in the rounds where `acc` is odd, and a nested loop of three rounds adding
/// `q2`; then `acc ^ late`. The sums of a round are kept in locals too, so that more values
/// are live at once than registers.
fn module() -> String {
    let params: String = (0..EVERY).map(|k| format!("(param $p{k} i64) ")).collect();
    let mut round = String::new();
    for k in 0..EVERY {
        let op = if k % 2 == 0 { "i64.add" } else { "i64.xor" };
        round += &format!(
            "(local.set $acc ({op} (i64.rotl (local.get $acc) (i64.const {})) (local.get $p{k})))\n",
            k + 1
        );
    }
    format!(
        r#"(module
  (func (export "mix") {params}(param $q0 i64) (param $q1 i64) (param $q2 i64)
        (param $n i32) (param $late i64) (result i64)
    (local $acc i64) (local $j i32)
    (loop $round
      {round}
      (if (i64.ne (i64.and (local.get $acc) (i64.const 1)) (i64.const 0))
        (then (local.set $acc (i64.add (local.get $acc)
                                       (i64.mul (local.get $q0) (local.get $q1))))))
      (local.set $j (i32.const 3))
      (loop $inner
        (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 3)) (local.get $q2)))
        (br_if $inner (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (br_if $round (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                              (i32.const 0))))
    (i64.xor (local.get $acc) (local.get $late))))"#
    )
}

fn mix(p: &[i64; EVERY], q: [i64; 3], n: i32, late: i64) -> i64 {
    let mut acc: i64 = 0;
    for _ in 0..n.max(1) {
        for (k, &pk) in p.iter().enumerate() {
            let rotated = acc.rotate_left(k as u32 + 1);
            acc = match k % 2 {
                0 => rotated.wrapping_add(pk),
                _ => rotated ^ pk,
            };
        }
        if acc & 1 != 0 {
            acc = acc.wrapping_add(q[0].wrapping_mul(q[1]));
        }
        for _ in 0..3 {
            acc = acc.wrapping_mul(3).wrapping_add(q[2]);
        }
    }
    acc ^ late
}

#[test]
fn values_kept_in_stack_slots_across_a_crowded_loop_keep_their_values() {
    let wat = module();
    for (name, instance) in instances_both_checks(&wat) {
        for (seed, n) in [(1u64, 0), (7, 1), (42, 5), (0x9e37_79b9, 33), (u64::MAX, 2)] {
            let mut state = seed;
            let mut next = || {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                state as i64
            };
            let p: [i64; EVERY] = std::array::from_fn(|_| next());
            let q = [next(), next(), next()];
            let late = next();
            let mut args: Vec<_> = p.iter().map(|&v| i64(v)).collect();
            args.extend(q.iter().map(|&v| i64(v)));
            args.push(i32(n));
            args.push(i64(late));
            assert_eq!(
                call1(&instance, "mix", &args).unwrap_i64(),
                mix(&p, q, n, late),
                "{name}: seed {seed}, n {n}"
            );
        }
    }
}
