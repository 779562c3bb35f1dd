//! Wide arithmetic through the real pipeline: `i64.add128` and `i64.sub128` with carries and
//! borrows across the halves, `i64.mul_wide_s` and `i64.mul_wide_u` at the signed and unsigned
//! edges, checked against Rust's i128/u128 arithmetic.

mod support;
use support::*;

const MODULE: &str = r#"
(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_wide_s") (param i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "mul_wide_u") (param i64 i64) (result i64 i64)
    (i64.mul_wide_u (local.get 0) (local.get 1)))
  ;; Results used by further arithmetic, not only returned.
  (func (export "add128_high_plus_one") (param i64 i64) (result i64)
    (i64.add128 (local.get 0) (i64.const 0) (local.get 1) (i64.const 0))
    (i64.add (i64.const 1))
    (return)))
"#;

fn halves(v: u128) -> [wasmaot_runtime::Val; 2] {
    [i64(v as u64 as i64), i64((v >> 64) as u64 as i64)]
}

const EDGES: [u64; 9] = [
    0,
    1,
    2,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0x8000_0000_0000_0001,
    0xffff_ffff_ffff_fffe,
    0xffff_ffff_ffff_ffff,
    0x1234_5678_9abc_def0,
];

fn wide(lo: u64, hi: u64) -> u128 {
    u128::from(hi) << 64 | u128::from(lo)
}

#[test]
fn add128_and_sub128_carry_and_borrow_across_halves() {
    let m = instance(MODULE);
    for &a_lo in &EDGES {
        for &b_lo in &EDGES {
            for (a_hi, b_hi) in [(0, 0), (u64::MAX, 1), (5, u64::MAX), (1 << 63, 1 << 63)] {
                let (a, b) = (wide(a_lo, a_hi), wide(b_lo, b_hi));
                let args = [halves(a), halves(b)].concat();
                let sum = call(&m, "add128", &args);
                assert_eq!(sum, halves(a.wrapping_add(b)), "{a:#x} + {b:#x}");
                let difference = call(&m, "sub128", &args);
                assert_eq!(difference, halves(a.wrapping_sub(b)), "{a:#x} - {b:#x}");
            }
        }
    }
    // The low halves' carry reaches the high half.
    let carry = call(&m, "add128", &[i64(-1), i64(0), i64(1), i64(0)]);
    assert_eq!(carry, vec![i64(0), i64(1)]);
    let borrow = call(&m, "sub128", &[i64(0), i64(0), i64(1), i64(0)]);
    assert_eq!(borrow, vec![i64(-1), i64(-1)]);
    assert_eq!(
        call1(&m, "add128_high_plus_one", &[i64(-1), i64(-1)]),
        i64(2)
    );
}

#[test]
fn mul_wide_signed_and_unsigned_at_the_edges() {
    let m = instance(MODULE);
    for &a in &EDGES {
        for &b in &EDGES {
            let args = [i64(a as i64), i64(b as i64)];
            let unsigned = u128::from(a) * u128::from(b);
            assert_eq!(
                call(&m, "mul_wide_u", &args),
                halves(unsigned),
                "{a:#x} *u {b:#x}"
            );
            let signed = i128::from(a as i64) * i128::from(b as i64);
            let signed = signed as u128;
            assert_eq!(
                call(&m, "mul_wide_s", &args),
                halves(signed),
                "{a:#x} *s {b:#x}"
            );
        }
    }
    // -1 * -1: unsigned is (2^64-1)^2, signed is 1.
    let minus_one = [i64(-1), i64(-1)];
    assert_eq!(call(&m, "mul_wide_s", &minus_one), vec![i64(1), i64(0)]);
    assert_eq!(call(&m, "mul_wide_u", &minus_one), vec![i64(1), i64(-2)]);
    // i64::MIN squared: 2^126, the largest signed product.
    let min = [i64(i64::MIN), i64(i64::MIN)];
    assert_eq!(call(&m, "mul_wide_s", &min), vec![i64(0), i64(1 << 62)]);
}
