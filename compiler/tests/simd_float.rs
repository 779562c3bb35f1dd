//! SIMD float instructions (f32x4 and f64x2) through the real pipeline, for the host CPU and
//! the SSE2 baseline: arithmetic and its NaN results (canonical from canonical or no NaN
//! operands, arithmetic otherwise), min/max with NaN and ±0, pmin/pmax (operand bits kept),
//! rounding, abs/neg on bit patterns, sqrt, comparisons, and the conversions (trunc_sat with
//! NaN, infinities and out-of-range values, convert, demote, promote).

mod support;
use support::*;

const BINARY: &str = "add sub mul div min max pmin pmax eq ne lt le gt ge";
const UNARY: &str = "sqrt ceil floor trunc nearest abs neg";
const CONVERSIONS: &str = "
    i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u i32x4.trunc_sat_f64x2_s_zero
    i32x4.trunc_sat_f64x2_u_zero f32x4.convert_i32x4_s f32x4.convert_i32x4_u
    f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u f32x4.demote_f64x2_zero
    f64x2.promote_low_f32x4";

fn module() -> String {
    let mut funcs = String::new();
    for shape in ["f32x4", "f64x2"] {
        for op in BINARY.split_whitespace() {
            funcs += &format!("(func (export \"{shape}.{op}\") (param v128 v128) (result v128) ({shape}.{op} (local.get 0) (local.get 1)))\n");
        }
        for op in UNARY.split_whitespace() {
            funcs += &format!("(func (export \"{shape}.{op}\") (param v128) (result v128) ({shape}.{op} (local.get 0)))\n");
        }
    }
    for op in CONVERSIONS.split_whitespace() {
        funcs +=
            &format!("(func (export \"{op}\") (param v128) (result v128) ({op} (local.get 0)))\n");
    }
    format!("(module\n{funcs})")
}

/// Check `table` on the module compiled for the host CPU and for the baseline.
fn check(table: &str) {
    for (target, m) in simd_instances(&module()) {
        check_table(&m, target, table);
    }
}

#[test]
fn arithmetic() {
    check(
        "
f32x4.add f32x4(1.5 -2 3.4028235e38 0.1) f32x4(2.25 2 3.4028235e38 0.2) => f32x4(3.75 0 inf 0.3)
f32x4.sub f32x4(inf 1 -0 0) f32x4(inf -inf 0 0) => f32x4(nan:canonical inf -0 0)
f32x4.mul f32x4(0 -0 1e30 -3) f32x4(inf 5 1e10 0.5) => f32x4(nan:canonical -0 inf -1.5)
f32x4.div f32x4(0 1 -1 1) f32x4(0 0 0 3) => f32x4(nan:canonical inf -inf 0x3eaaaaab)
f64x2.add f64x2(0.1 -inf) f64x2(0.2 inf) => f64x2(0.30000000000000004 nan:canonical)
f64x2.sub f64x2(1e308 -0) f64x2(-1e308 -0) => f64x2(inf 0)
f64x2.mul f64x2(1e200 -0) f64x2(1e200 -5) => f64x2(inf 0)
f64x2.div f64x2(-1 0) f64x2(0 0) => f64x2(-inf nan:canonical)
",
    );
}

#[test]
fn nan_results_are_canonical_or_arithmetic() {
    check(
        "
;; Canonical NaN operands (either sign) give a canonical NaN; others an arithmetic (quiet) NaN.
f32x4.add f32x4(nan -nan 1 nan:0x200000) f32x4(1 1 nan 1) => f32x4(nan:canonical nan:canonical nan:canonical nan:arithmetic)
f32x4.add f32x4(nan:0x1 1 nan:0x300001 -nan:0x1234) f32x4(1 nan:0x1 2 3) => f32x4(nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic)
f32x4.div f32x4(inf -0 nan:0x1 1) f32x4(-inf 0 1 nan) => f32x4(nan:canonical nan:canonical nan:arithmetic nan:canonical)
f32x4.sqrt f32x4(-1 nan:0x1 -inf -nan) => f32x4(nan:canonical nan:arithmetic nan:canonical nan:canonical)
f64x2.mul f64x2(nan:0x1 -nan) f64x2(2 2) => f64x2(nan:arithmetic nan:canonical)
f64x2.sub f64x2(inf 1) f64x2(inf nan:0x4000000000001) => f64x2(nan:canonical nan:arithmetic)
f64x2.sqrt f64x2(-1 nan:0x1) => f64x2(nan:canonical nan:arithmetic)
",
    );
}

#[test]
fn min_max_with_nan_and_signed_zeros() {
    check(
        "
f32x4.min f32x4(nan 1 -0 0) f32x4(1 nan 0 -0) => f32x4(nan:canonical nan:canonical -0 -0)
f32x4.max f32x4(nan 1 -0 0) f32x4(1 nan 0 -0) => f32x4(nan:canonical nan:canonical 0 0)
f32x4.min f32x4(-inf 5 nan:0x200 -0) f32x4(5 inf 2 -0) => f32x4(-inf 5 nan:arithmetic -0)
f32x4.max f32x4(-inf 5 2 0) f32x4(5 inf nan:0x200 0) => f32x4(5 inf nan:arithmetic 0)
f64x2.min f64x2(-0 nan) f64x2(0 3) => f64x2(-0 nan:canonical)
f64x2.min f64x2(0 -1) f64x2(-0 -2) => f64x2(-0 -2)
f64x2.max f64x2(-0 3) f64x2(0 nan) => f64x2(0 nan:canonical)
f64x2.max f64x2(0 -inf) f64x2(-0 -1e308) => f64x2(0 -1e308)
;; pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a: an operand, bit for bit.
f32x4.pmin f32x4(nan:0x12345 1 -0 5) f32x4(1 nan:0x54321 0 2) => f32x4(nan:0x12345 1 -0 2)
f32x4.pmin f32x4(0 -nan:0x1 3 inf) f32x4(-0 2 -inf nan) => f32x4(0 -nan:0x1 -inf inf)
f32x4.pmax f32x4(nan:0x12345 1 -0 5) f32x4(1 nan:0x54321 0 7) => f32x4(nan:0x12345 1 -0 7)
f32x4.pmax f32x4(0 -inf 3 nan) f32x4(-0 -nan:0x1 inf 1) => f32x4(0 -inf inf nan)
f64x2.pmin f64x2(-0 nan:0x4) f64x2(0 1) => f64x2(-0 nan:0x4)
f64x2.pmin f64x2(0 7) f64x2(-0 -7) => f64x2(0 -7)
f64x2.pmax f64x2(0 3) f64x2(-0 nan:0x5) => f64x2(0 3)
f64x2.pmax f64x2(-0 nan) f64x2(0 1) => f64x2(-0 nan)
",
    );
}

#[test]
fn rounding() {
    check(
        "
f32x4.ceil f32x4(-0.5 1.1 -1.5 8388609) => f32x4(-0 2 -1 8388609)
f32x4.ceil f32x4(-0 inf -inf nan) => f32x4(-0 inf -inf nan:canonical)
f32x4.floor f32x4(-0.5 0.5 -1.5 -8388609) => f32x4(-1 0 -2 -8388609)
f32x4.trunc f32x4(-0.7 2.9 -2.9 1e30) => f32x4(-0 2 -2 1e30)
;; Ties to even; 0.49999997 is the largest f32 below 0.5.
f32x4.nearest f32x4(2.5 3.5 -0.5 -2.5) => f32x4(2 4 -0 -2)
f32x4.nearest f32x4(0.49999997 -1.5 8388607.5 -0.3) => f32x4(0 -2 8388608 -0)
f64x2.ceil f64x2(-0.2 4503599627370497) => f64x2(-0 4503599627370497)
f64x2.ceil f64x2(nan -inf) => f64x2(nan:canonical -inf)
f64x2.floor f64x2(-0.2 1e300) => f64x2(-1 1e300)
f64x2.trunc f64x2(-0.9 -4503599627370495.5) => f64x2(-0 -4503599627370495)
f64x2.nearest f64x2(0.5 1.5) => f64x2(0 2)
f64x2.nearest f64x2(-1.5 4503599627370495.5) => f64x2(-2 4503599627370496)
f64x2.nearest f64x2(0.49999999999999994 -0.5) => f64x2(0 -0)
",
    );
}

#[test]
fn abs_neg_sqrt_and_comparisons() {
    check(
        "
;; abs and neg only touch the sign bit, NaN payloads included.
f32x4.abs f32x4(-nan:0x1 -inf -0 -1.5) => f32x4(nan:0x1 inf 0 1.5)
f32x4.neg f32x4(nan:0x200000 0 -inf 1) => f32x4(-nan:0x200000 -0 inf -1)
f64x2.abs f64x2(-nan:0x1 -0) => f64x2(nan:0x1 0)
f64x2.neg f64x2(-nan:0x8000000000000 0) => f64x2(nan:0x8000000000000 -0)
f32x4.sqrt f32x4(4 2 -0 inf) => f32x4(2 0x3fb504f3 -0 inf)
f64x2.sqrt f64x2(2 0.25) => f64x2(1.4142135623730951 0.5)

f32x4.eq f32x4(nan 0 -0 1) f32x4(nan -0 0 2) => i32x4(0 -1 -1 0)
f32x4.ne f32x4(nan 0 -0 1) f32x4(nan -0 0 2) => i32x4(-1 0 0 -1)
f32x4.lt f32x4(nan 1 -inf 2) f32x4(1 nan inf 2) => i32x4(0 0 -1 0)
f32x4.le f32x4(nan 1 -inf 2) f32x4(1 nan inf 2) => i32x4(0 0 -1 -1)
f32x4.gt f32x4(inf nan 3 -0) f32x4(-inf 1 2 0) => i32x4(-1 0 -1 0)
f32x4.ge f32x4(inf nan 3 -0) f32x4(-inf 1 2 0) => i32x4(-1 0 -1 -1)
f64x2.eq f64x2(nan -0) f64x2(nan 0) => i64x2(0 -1)
f64x2.ne f64x2(nan -0) f64x2(nan 0) => i64x2(-1 0)
f64x2.lt f64x2(-inf nan) f64x2(-1e308 0) => i64x2(-1 0)
f64x2.le f64x2(1 nan) f64x2(1 nan) => i64x2(-1 0)
f64x2.gt f64x2(nan 2) f64x2(0 1) => i64x2(0 -1)
f64x2.ge f64x2(-0 nan) f64x2(0 nan) => i64x2(-1 0)
",
    );
}

#[test]
fn trunc_sat_with_nan_infinities_and_out_of_range() {
    check(
        "
i32x4.trunc_sat_f32x4_s f32x4(nan inf -inf 3e9) => i32x4(0 0x7fffffff 0x80000000 0x7fffffff)
i32x4.trunc_sat_f32x4_s f32x4(-2147483904 -2147483648 2147483520 -1.9) => i32x4(0x80000000 0x80000000 2147483520 -1)
i32x4.trunc_sat_f32x4_s f32x4(-nan 2147483648 -0.9 0.9) => i32x4(0 0x7fffffff 0 0)
i32x4.trunc_sat_f32x4_u f32x4(nan -1 4294967296 4294967040) => i32x4(0 0 0xffffffff 4294967040)
i32x4.trunc_sat_f32x4_u f32x4(-0.9 1.9 inf -inf) => i32x4(0 1 0xffffffff 0)
i32x4.trunc_sat_f32x4_u f32x4(2147483648 3e9 -nan 0x7f800001) => i32x4(0x80000000 3000000000 0 0)
i32x4.trunc_sat_f64x2_s_zero f64x2(nan 1e10) => i32x4(0 0x7fffffff 0 0)
i32x4.trunc_sat_f64x2_s_zero f64x2(-2147483648.9 -inf) => i32x4(0x80000000 0x80000000 0 0)
i32x4.trunc_sat_f64x2_s_zero f64x2(2147483647.9 -1.5) => i32x4(0x7fffffff -1 0 0)
i32x4.trunc_sat_f64x2_s_zero f64x2(-2147483649 2147483648) => i32x4(0x80000000 0x7fffffff 0 0)
i32x4.trunc_sat_f64x2_u_zero f64x2(4294967295.9 -0.9) => i32x4(0xffffffff 0 0 0)
i32x4.trunc_sat_f64x2_u_zero f64x2(nan 4294967296) => i32x4(0 0xffffffff 0 0)
i32x4.trunc_sat_f64x2_u_zero f64x2(-inf inf) => i32x4(0 0xffffffff 0 0)
i32x4.trunc_sat_f64x2_u_zero f64x2(-1 2147483648.5) => i32x4(0 0x80000000 0 0)
",
    );
}

#[test]
fn convert_demote_promote() {
    check(
        "
;; Rounding to nearest, ties to even: 2²⁴+1 and 2³¹+128 are ties, 2³¹+129 is not.
f32x4.convert_i32x4_s i32x4(0x80000000 -1 16777217 0x7fffffff) => f32x4(-2147483648 -1 16777216 2147483648)
f32x4.convert_i32x4_s i32x4(16777219 -16777219 0 100) => f32x4(16777220 -16777220 0 100)
f32x4.convert_i32x4_u i32x4(0xffffffff 0x80000000 16777217 0) => f32x4(4294967296 2147483648 16777216 0)
f32x4.convert_i32x4_u i32x4(0x80000081 0x80000080 0xffffff80 0xffffff7f) => f32x4(2147483904 2147483648 4294967296 4294967040)
f64x2.convert_low_i32x4_s i32x4(0x80000000 -1 5 6) => f64x2(-2147483648 -1)
f64x2.convert_low_i32x4_u i32x4(0xffffffff 0x80000000 5 6) => f64x2(4294967295 2147483648)
;; 1 + 2⁻²⁴ is a tie (to 1), one ulp more is not; the upper lanes are zero.
f32x4.demote_f64x2_zero f64x2(0x3ff0000010000000 0x3ff0000010000001) => f32x4(1 0x3f800001 0 0)
f32x4.demote_f64x2_zero f64x2(1e300 -1e-50) => f32x4(inf -0 0 0)
f32x4.demote_f64x2_zero f64x2(nan nan:0x1) => f32x4(nan:canonical nan:arithmetic 0 0)
f64x2.promote_low_f32x4 f32x4(0.1 -inf 1 2) => f64x2(0.10000000149011612 -inf)
f64x2.promote_low_f32x4 f32x4(1e-45 -0 1 2) => f64x2(0x36a0000000000000 -0)
f64x2.promote_low_f32x4 f32x4(-nan nan:0x1 0 0) => f64x2(nan:canonical nan:arithmetic)
",
    );
}
