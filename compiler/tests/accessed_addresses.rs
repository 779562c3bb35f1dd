//! An i32 address that an access has used without trapping lies below the runtime's limit for
//! 32-bit memories (4 GiB less 64 KiB), so adding less than 64 KiB to it later in the same
//! block cannot wrap around: the sum joins the next access's offset, also when it is kept in
//! a local (`table_lookups.rs`). The same values as before with both kinds of bounds checks;
//! sums that may wrap, with no such access before them in their block, still wrap.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

/// `fill` writes the double `i` at every address `8 * i` of the page; the others read and
/// write pairs of them, as clang's unrolled loops do.
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "fill") (local $i i32)
    (loop $next
      (f64.store (i32.shl (local.get $i) (i32.const 3)) (f64.convert_i32_u (local.get $i)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 8192)))))
  ;; c[j] += a * b[j] for j < n, two elements a round, the second through p + 8 (teed for its
  ;; load and its store) and q + 8.
  (func (export "axpy") (param $c i32) (param $b i32) (param $n i32) (param $a f64)
    (local $next i32)
    (loop $round
      (f64.store (local.get $c)
        (f64.add (f64.mul (local.get $a) (f64.load (local.get $b))) (f64.load (local.get $c))))
      (f64.store (local.tee $next (i32.add (local.get $c) (i32.const 8)))
        (f64.add (f64.mul (local.get $a) (f64.load (i32.add (local.get $b) (i32.const 8))))
                 (f64.load (local.get $next))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $round (local.tee $n (i32.sub (local.get $n) (i32.const 2))))))
  ;; The word at p, then the one at p + k through a sum: k below 64 KiB, and at 64 KiB.
  (func (export "then 8") (param $p i32) (result i64)
    (i64.add (i64.load (local.get $p)) (i64.load (i32.add (local.get $p) (i32.const 8)))))
  (func (export "then 64K") (param $p i32) (result i64)
    (i64.add (i64.load (local.get $p)) (i64.load (i32.add (local.get $p) (i32.const 65536)))))
  ;; A sum with no access at p before it in its block: it may wrap around.
  (func (export "wrapping") (param $p i32) (result i64)
    (i64.load (i32.add (local.get $p) (i32.const 16))))
  ;; An access at p in a branch taken only when `touch` is set: no help after it.
  (func (export "access in a branch") (param $p i32) (param $touch i32) (result i64)
    (local $sum i64)
    (if (local.get $touch) (then (local.set $sum (i64.load (local.get $p)))))
    (i64.add (local.get $sum) (i64.load (i32.add (local.get $p) (i32.const 16)))))
  ;; A sum kept in a local before any access at p.
  (func (export "local first") (param $p i32) (result i64) (local $q i32)
    (local.set $q (i32.add (local.get $p) (i32.const 16)))
    (i64.load (local.get $q)))
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages))))"#;

fn instances() -> Vec<(&'static str, wasmaot_runtime::Instance)> {
    let made = instances_both_checks(MODULE);
    for (_, m) in &made {
        call(m, "fill", &[]);
    }
    made
}

#[test]
fn pairs_through_sums_read_and_write_their_elements() {
    // c = the elements from 1000, b = those from 3000; afterwards c[j] = 1000 + j +
    // 0.5 * (3000 + j) for j < 10, and element 1010 is as `fill` left it.
    let element = |j: i64| match j {
        0..=9 => 1000.0 + j as f64 + 0.5 * (3000.0 + j as f64),
        _ => 1000.0 + j as f64,
    };
    let bits = |j: i64| element(j).to_bits() as i64;
    for (checks, m) in instances() {
        call(&m, "axpy", &[i32(8000), i32(24000), i32(10), f64(0.5)]);
        for j in 0..=10 {
            assert_eq!(
                call1(&m, "then 8", &[i32(8000 + 8 * j as i32)]),
                i64(bits(j).wrapping_add(bits(j + 1))),
                "elements {j} and {}, {checks}",
                j + 1
            );
        }
    }
}

#[test]
fn sums_that_may_wrap_still_wrap() {
    let at = |i: i64| (i as f64).to_bits() as i64;
    for (checks, m) in instances() {
        // p + 16 wraps around to 8, where `fill` put the double 1.
        for name in ["wrapping", "local first"] {
            assert_eq!(call1(&m, name, &[i32(-8)]), i64(at(1)), "{name}, {checks}");
        }
        let branch = |p: i32, touch: i32| call1(&m, "access in a branch", &[i32(p), i32(touch)]);
        assert_eq!(branch(-8, 0), i64(at(1)), "{checks}");
        assert_eq!(
            trap(&m, "access in a branch", &[i32(-8), i32(1)]),
            TrapKind::OutOfBoundsMemory,
            "{checks}"
        );
        assert_eq!(branch(0, 1), i64(at(0).wrapping_add(at(2))), "{checks}");
        // After an access at p, the sum does not wrap: p itself was past the end.
        for name in ["then 8", "then 64K"] {
            assert_eq!(
                trap(&m, name, &[i32(-8)]),
                TrapKind::OutOfBoundsMemory,
                "{checks}"
            );
        }
        // At the end of the page: both words in it, or the second past the end.
        let last = 65536 - 16;
        assert_eq!(
            call1(&m, "then 8", &[i32(last)]),
            i64(at(8190).wrapping_add(at(8191))),
            "{checks}"
        );
        assert_eq!(
            trap(&m, "then 8", &[i32(last + 8)]),
            TrapKind::OutOfBoundsMemory,
            "{checks}"
        );
        assert_eq!(
            trap(&m, "then 64K", &[i32(0)]),
            TrapKind::OutOfBoundsMemory,
            "{checks}"
        );
    }
}

/// What the sums rely on: a 32-bit memory stops growing 64 KiB short of 4 GiB.
#[test]
fn a_32_bit_memory_grows_to_4_gib_less_one_page() {
    for (checks, m) in instances_both_checks(MODULE) {
        let grow = |pages: i32| call1(&m, "grow", &[i32(pages)]);
        assert_eq!(grow(65535), i32(-1), "to 65536 pages, {checks}");
        assert_eq!(grow(65534), i32(1), "to 65535 pages, {checks}");
        assert_eq!(grow(1), i32(-1), "{checks}");
        assert_eq!(grow(0), i32(65535), "{checks}");
    }
}

/// Memories of 1-byte pages may hold 2^32 - 1 bytes: an access there says less, and a sum after
/// it may still wrap around.
#[test]
fn after_an_access_to_a_memory_of_small_pages_sums_still_wrap() {
    let wat = r#"(module (memory 0 (pagesize 1))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "then 16") (param $p i32) (result i64)
        (i64.store (i32.const 0) (i64.const 77))
        (i64.add (i64.load (local.get $p)) (i64.load (i32.add (local.get $p) (i32.const 16))))))"#;
    let m = instance(wat);
    assert_eq!(call1(&m, "grow", &[i32(-2)]), i32(0));
    // p = 2^32 - 16: its word is in bounds, and p + 16 wraps around to 0.
    assert_eq!(call1(&m, "then 16", &[i32(-16)]), i64(77));
}
