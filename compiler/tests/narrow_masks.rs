//! Masks of values whose other bits are known to be zero are removed before the mid-end
//! (`narrow_masks.rs`): a byte loaded with `i32.load8_u` and carried around a loop in a local
//! is masked with 255 at every use, as clang emits for an `unsigned char`. The counts must be
//! the same at every optimisation level, and a mask must stay where one path makes the value
//! wider.

mod support;
use support::*;
use wasmaot_compiler::{OptLevel, Options};

/// `count`: how many of the `n` bytes at `p` are 44, through `c & 255` where `c` is the byte.
/// `count wide`: the same, but on odd addresses `c` is the byte plus 256, which the mask
/// clears. `fill` writes the bytes `i * 7 + i / 3` at 0..n.
const MODULE: &str = r#"(module
  (memory 1)
  (func (export "count") (param $p i32) (param $n i32) (result i32) (local $c i32) (local $k i32)
    (local.set $c (i32.load8_u (local.get $p)))
    (loop $next
      (if (i32.eq (i32.and (local.get $c) (i32.const 255)) (i32.const 44))
        (then (local.set $k (i32.add (local.get $k) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $p)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $k))
  (func (export "count wide") (param $p i32) (param $n i32) (result i32) (local $c i32) (local $k i32)
    (local.set $c (i32.load8_u (local.get $p)))
    (loop $next
      (if (i32.eq (i32.and (local.get $c) (i32.const 255)) (i32.const 44))
        (then (local.set $k (i32.add (local.get $k) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $c (select (i32.add (i32.load8_u (local.get $p)) (i32.const 256))
                            (i32.load8_u (local.get $p))
                            (i32.and (local.get $p) (i32.const 1))))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $k))
  (func (export "fill") (param $n i32) (local $i i32)
    (loop $next
      (i32.store8 (local.get $i)
        (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.div_u (local.get $i) (i32.const 3))))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (local.get $n))))))"#;

fn expected(p: u32, n: u32) -> i32 {
    (p..p + n)
        .filter(|&i| (i.wrapping_mul(7).wrapping_add(i / 3)) & 0xff == 44)
        .count() as i32
}

#[test]
fn bytes_carried_around_a_loop_compare_the_same_at_every_level() {
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        let options = Options {
            opt_level: level,
            ..Options::default()
        };
        let m = new_instance(&load_with(MODULE, &options), &[]).expect("instantiates");
        call(&m, "fill", &[i32(4096)]);
        // `count wide` differs from a count without the mask: 44s lie at odd addresses.
        assert!((1..4000).any(|i| i % 2 == 1 && expected(i, 1) == 1));
        for (p, n) in [(0, 1), (0, 4000), (17, 1000), (1001, 2000)] {
            let want = expected(p, n);
            assert!(want > 0 || n == 1, "the data has 44s");
            for name in ["count", "count wide"] {
                let got = call1(&m, name, &[i32(p as i32), i32(n as i32)]);
                assert_eq!(got, i32(want), "{name} at {level:?}, p {p}, n {n}");
            }
        }
    }
}
