//! Loop-invariant values moved out of their loops after the mid-end (`hoist.rs`): a hash
//! chain walk in the shape of zlib's `longest_match`, whose `limit` is computed before the
//! loop and compared at its end, past a `continue`, gives the same results at every
//! optimisation level.

mod support;
use support::*;
use wasmaot_compiler::{OptLevel, Options};

/// `walk(cur, start, dist, chain)`: follows `cur = prev[cur & 1023]` (16-bit entries at 0)
/// while `cur > limit` (`start - dist`, or 0 if `start <= dist`), `chain` lasts and the byte
/// at `cur` is not 255 (an exit from the loop's header, as `longest_match`'s), counting
/// the visited `cur` whose byte is below 64. Returns `hits * 65536 + cur`.
const MODULE: &str = r#"(module
  (memory 1)
  (func (export "walk") (param $cur i32) (param $start i32) (param $dist i32) (param $chain i32)
        (result i32) (local $limit i32) (local $hits i32)
    (local.set $limit (select (i32.const 0) (i32.sub (local.get $start) (local.get $dist))
                              (i32.le_u (local.get $start) (local.get $dist))))
    (block $done
      (loop $next
        (br_if $done (i32.eq (i32.load8_u (local.get $cur)) (i32.const 255)))
        (block $continue
          (br_if $continue (i32.ge_u (i32.load8_u (local.get $cur)) (i32.const 64)))
          (local.set $hits (i32.add (local.get $hits) (i32.const 1))))
        (local.set $cur (i32.load16_u
          (i32.shl (i32.and (local.get $cur) (i32.const 1023)) (i32.const 1))))
        (br_if $done (i32.le_u (local.get $cur) (local.get $limit)))
        (br_if $next (local.tee $chain (i32.sub (local.get $chain) (i32.const 1))))))
    (i32.add (i32.mul (local.get $hits) (i32.const 65536)) (local.get $cur)))
  (func (export "fill") (local $i i32)
    (loop $next
      (i32.store8 (local.get $i) (i32.mul (local.get $i) (i32.const 37)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 65536))))))"#;

fn byte(i: u32) -> u32 {
    i.wrapping_mul(37) & 0xff
}

fn walk(mut cur: u32, start: u32, dist: u32, mut chain: u32) -> u32 {
    let limit = start.saturating_sub(dist);
    let mut hits = 0u32;
    loop {
        if byte(cur) == 255 {
            break;
        }
        if byte(cur) < 64 {
            hits += 1;
        }
        let at = (cur & 1023) << 1;
        cur = byte(at) | byte(at + 1) << 8;
        if cur <= limit {
            break;
        }
        chain = chain.wrapping_sub(1);
        if chain == 0 {
            break;
        }
    }
    hits.wrapping_mul(65536).wrapping_add(cur)
}

#[test]
fn a_chain_walk_with_a_limit_computed_before_its_loop_is_exact_at_every_level() {
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        let options = Options {
            opt_level: level,
            ..Options::default()
        };
        let m = new_instance(&load_with(MODULE, &options), &[]).expect("instantiates");
        call(&m, "fill", &[]);
        let mut visits = 0;
        for (cur, start, dist, chain) in [
            (3, 0, 0, 1),
            (1234, 40000, 32506, 4096),
            (77, 70000, 100, 100_000),
            (65535, 5, 9, 1000),
            (500, 60000, 10000, 300),
        ] {
            let want = walk(cur, start, dist, chain);
            visits += want >> 16;
            let args = [cur, start, dist, chain].map(|v| i32(v as i32));
            let got = call1(&m, "walk", &args);
            assert_eq!(
                got,
                i32(want as i32),
                "{level:?}: walk{:?}",
                (cur, start, dist, chain)
            );
        }
        assert!(visits > 0, "some visited bytes are below 64");
    }
}
