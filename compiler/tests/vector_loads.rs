//! Vector loads and stores typed by their lanes (`vector_loads.rs` in the compiler): a `v128`
//! loaded for float or integer lane arithmetic, or stored from it, keeps its bytes, with both
//! kinds of bounds checks. Covered: `c += a * b` over `f64x2` (the loads folded into the
//! arithmetic), one load used by two operators of one lane type, one used as two lane types,
//! one passed on as it is, a result stored without arithmetic, and accesses past the end of
//! memory still trapping before anything is written.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

const MODULE: &str = r#"
(module
  (memory (export "mem") 1)

  ;; Fills the doubles at [0, 8n) with i + 0.5 and those at [4096, 4096 + 8n) with 3 - i.
  (func $fill (param $n i32)
    (local $i i32)
    (loop $l
      (f64.store (i32.shl (local.get $i) (i32.const 3))
        (f64.add (f64.convert_i32_u (local.get $i)) (f64.const 0.5)))
      (f64.store offset=4096 (i32.shl (local.get $i) (i32.const 3))
        (f64.sub (f64.const 3) (f64.convert_i32_u (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; c[j] += a * b[j] two doubles at a time (b at 0, c at 4096), then the sum of c.
  (func (export "axpy") (param $a f64) (param $n i32) (result f64)
    (local $j i32) (local $s f64)
    (call $fill (local.get $n))
    (loop $l
      (v128.store offset=4096 (local.get $j)
        (f64x2.add (v128.load offset=4096 (local.get $j))
          (f64x2.mul (f64x2.splat (local.get $a)) (v128.load (local.get $j)))))
      (br_if $l (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16)))
                          (i32.shl (local.get $n) (i32.const 3)))))
    (local.set $j (i32.const 0))
    (loop $m
      (local.set $s (f64.add (local.get $s) (f64.load offset=4096 (local.get $j))))
      (br_if $m (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8)))
                          (i32.shl (local.get $n) (i32.const 3)))))
    (local.get $s))

  ;; One load, two f32x4 operators: (v * v + v) at p, lanes summed.
  (func (export "square_plus") (param $p i32) (result f32)
    (local $v v128)
    (local.set $v (f32x4.add (f32x4.mul (local.tee $v (v128.load (local.get $p))) (local.get $v))
                             (local.get $v)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; One load as two lane types: the i32x4 sum of lanes 0 and 1 of v + v, plus lane 0 of
  ;; the f32x4 v + v, truncated.
  (func (export "mixed") (param $p i32) (result i32)
    (local $v v128)
    (local.set $v (v128.load (local.get $p)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (i32x4.add (local.get $v) (local.get $v)))
               (i32x4.extract_lane 1 (i32x4.add (local.get $v) (local.get $v))))
      (i32.trunc_f32_s (f32x4.extract_lane 0 (f32x4.add (local.get $v) (local.get $v))))))

  ;; A load passed on as it is, and a copy through an i32x4 operator.
  (func (export "load") (param $p i32) (result v128) (v128.load (local.get $p)))
  (func (export "negate_into") (param $dst i32) (param $src i32)
    (v128.store (local.get $dst) (i32x4.neg (v128.load (local.get $src)))))
  (func (export "i32") (param $p i32) (result i32) (i32.load (local.get $p)))
  (func (export "f32_store") (param $p i32) (param $x f32) (f32.store (local.get $p) (local.get $x)))
  (func (export "i32_store") (param $p i32) (param $x i32) (i32.store (local.get $p) (local.get $x)))
)
"#;

/// What `axpy` returns: the sum over j < n of (3 - j) + a * (j + 0.5), pairwise as the
/// module adds them.
fn axpy(a: f64, n: u32) -> f64 {
    (0..n)
        .map(|j| (3.0 - f64::from(j)) + a * (f64::from(j) + 0.5))
        .fold(0.0, |s, c| s + c)
}

#[test]
fn lane_arithmetic_on_loaded_vectors_keeps_its_values() {
    for (label, m) in instances_both_checks(MODULE) {
        for (a, n) in [(2.0, 2), (-0.25, 64), (1e10, 512)] {
            let got = call1(&m, "axpy", &[f64(a), i32(n as i32)]);
            assert_eq!(got, f64(axpy(a, n)), "{label}: axpy({a}, {n})");
        }
        for (k, x) in [1.5f32, -2.0, 0.25, 100.0].iter().enumerate() {
            call(&m, "f32_store", &[i32(8192 + 4 * k as i32), f32(*x)]);
        }
        let want: f32 = [1.5f32, -2.0, 0.25, 100.0].iter().map(|v| v * v + v).sum();
        assert_eq!(call1(&m, "square_plus", &[i32(8192)]), f32(want), "{label}");
        for (k, x) in [7, -3, 9, 11].iter().enumerate() {
            call(&m, "i32_store", &[i32(12288 + 4 * k as i32), i32(*x)]);
        }
        let bits = f32::from_bits(7);
        let want = 14 + (-6) + (bits + bits) as i32;
        assert_eq!(call1(&m, "mixed", &[i32(12288)]), i32(want), "{label}");
        assert_eq!(
            call1(&m, "load", &[i32(12288)]),
            i32x4([7, -3, 9, 11]),
            "{label}"
        );
        call(&m, "negate_into", &[i32(12289), i32(12288)]);
        assert_eq!(
            call1(&m, "load", &[i32(12289)]),
            i32x4([-7, 3, -9, -11]),
            "{label}"
        );
    }
}

#[test]
fn vector_accesses_past_the_end_trap_before_writing() {
    for (label, m) in instances_both_checks(MODULE) {
        call(&m, "i32_store", &[i32(65532), i32(5)]);
        assert_eq!(
            trap(&m, "square_plus", &[i32(65530)]),
            TrapKind::OutOfBoundsMemory,
            "{label}"
        );
        assert_eq!(
            trap(&m, "negate_into", &[i32(65521), i32(0)]),
            TrapKind::OutOfBoundsMemory,
            "{label}"
        );
        assert_eq!(call1(&m, "i32", &[i32(65532)]), i32(5), "{label}");
    }
}
