//! Relaxed SIMD through the real pipeline: every relaxed operator, for the host CPU and the SSE2
//! baseline, with and without `relaxed_simd_deterministic`. By default each lane must be one of
//! the results the relaxed-simd proposal allows (its overview and test suite; `a|b` in the
//! tables); deterministic, it must be the deterministic profile's (the first alternative).
//!
//! A NaN the spec leaves to `fmin`/`fmax`/arithmetic is matched as `nan:canonical` of either
//! sign: the option fixes the relaxed choice, not the sign of NaN results.

mod support;
use support::*;
use wasmaot_compiler::Options;
use wasmaot_runtime::Instance;

const UNARY: &str = "i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u
    i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero";
const BINARY: &str = "i8x16.relaxed_swizzle f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min
    f64x2.relaxed_max i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s";
const TERNARY: &str =
    "f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd
    i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect
    i64x2.relaxed_laneselect i32x4.relaxed_dot_i8x16_i7x16_add_s";

fn module() -> String {
    let mut funcs = String::new();
    for (ops, arity) in [(UNARY, 1), (BINARY, 2), (TERNARY, 3)] {
        let params = vec!["v128"; arity].join(" ");
        let args: Vec<String> = (0..arity).map(|i| format!("(local.get {i})")).collect();
        let args = args.join(" ");
        for op in ops.split_whitespace() {
            funcs +=
                &format!("(func (export \"{op}\") (param {params}) (result v128) ({op} {args}))\n");
        }
    }
    format!("(module\n{funcs})")
}

/// The module for the host CPU and the baseline, each with relaxed operators fast and
/// deterministic: a label, the instance, and whether it is deterministic.
fn configurations() -> Vec<(String, Instance, bool)> {
    let mut all = Vec::new();
    for (target, options) in simd_targets() {
        for deterministic in [false, true] {
            let options = Options {
                relaxed_simd_deterministic: deterministic,
                ..options.clone()
            };
            let m = new_instance(&load_with(&module(), &options), &[]).expect("instantiates");
            let label = format!("{target}, deterministic: {deterministic}");
            all.push((label, m, deterministic));
        }
    }
    all
}

/// Check `table` in every configuration, deterministic ones against first alternatives only.
fn check(table: &str) {
    for (label, m, deterministic) in configurations() {
        check_table_with(&m, &label, table, deterministic);
    }
}

#[test]
fn relaxed_swizzle() {
    // Indices below 16 select, those of 128 and more give 0, others give 0 (deterministic) or
    // the lane of the index modulo 16.
    check(
        "
i8x16.relaxed_swizzle i8x16(0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f)
  i8x16(0 15 16 17 31 127 128 255 0x8f 0x70 5 0x40 0x81 3 200 0x1f)
  => i8x16(0x10 0x1f 0|0x10 0|0x11 0|0x1f 0|0x1f 0 0 0 0|0x10 0x15 0|0x10 0 0x13 0 0|0x1f)
",
    );
}

#[test]
fn relaxed_trunc() {
    // NaN gives 0 (saturating, deterministic) or INT32_MIN / UINT32_MAX; out-of-range values
    // saturate, or give INT32_MIN above the signed range and UINT32_MAX below zero.
    check(
        "
i32x4.relaxed_trunc_f32x4_s f32x4(-2147483648 -2147483904 2.9 2147483904) => i32x4(0x80000000 0x80000000 2 0x7fffffff|0x80000000)
i32x4.relaxed_trunc_f32x4_s f32x4(nan -nan inf -inf) => i32x4(0|0x80000000 0|0x80000000 0x7fffffff|0x80000000 0x80000000)
i32x4.relaxed_trunc_f32x4_s f32x4(-1.9 0.5 nan:0x444444 2147483520) => i32x4(-1 0 0|0x80000000 2147483520)
i32x4.relaxed_trunc_f32x4_u f32x4(0 -1 4294967040 4294967296) => i32x4(0 0|0xffffffff 4294967040 0xffffffff)
i32x4.relaxed_trunc_f32x4_u f32x4(nan -nan -0.9 inf) => i32x4(0|0xffffffff 0|0xffffffff 0 0xffffffff)
i32x4.relaxed_trunc_f32x4_u f32x4(-inf 1.9 2147483648 -nan:0x444444) => i32x4(0|0xffffffff 1 0x80000000 0|0xffffffff)
i32x4.relaxed_trunc_f64x2_s_zero f64x2(-2147483904 2147483904) => i32x4(0x80000000 0x7fffffff|0x80000000 0 0)
i32x4.relaxed_trunc_f64x2_s_zero f64x2(nan -nan) => i32x4(0|0x80000000 0|0x80000000 0 0)
i32x4.relaxed_trunc_f64x2_s_zero f64x2(-2147483648.9 2147483647.9) => i32x4(0x80000000 0x7fffffff 0 0)
i32x4.relaxed_trunc_f64x2_u_zero f64x2(-1 4294967296) => i32x4(0|0xffffffff 0xffffffff 0 0)
i32x4.relaxed_trunc_f64x2_u_zero f64x2(nan 4294967295.9) => i32x4(0|0xffffffff 0xffffffff 0 0)
",
    );
}

#[test]
fn relaxed_madd_and_nmadd() {
    // (1 + 2⁻²³)(1 - 2⁻²³) = 1 - 2⁻⁴⁶ rounds to 1 unless fused (deterministic); 1e30² overflows
    // to infinity unless fused, and infinity minus infinity is NaN.
    check(
        "
f32x4.relaxed_madd f32x4(0x3f800001 2 nan 1e30) f32x4(0x3f7ffffe 3 1 1e30) f32x4(-1 0.5 1 -inf)
  => f32x4(0xa8800000|0 6.5 nan:canonical -inf|nan:canonical)
f32x4.relaxed_nmadd f32x4(0x3f800001 2 nan 1e30) f32x4(0x3f7ffffe 3 1 1e30) f32x4(1 0.5 1 inf)
  => f32x4(0x28800000|0 -5.5 nan:canonical inf|nan:canonical)
f64x2.relaxed_madd f64x2(0x3ff0000000000001 1e200) f64x2(0x3feffffffffffffe 1e200) f64x2(-1 -inf)
  => f64x2(0xb970000000000000|0 -inf|nan:canonical)
f64x2.relaxed_nmadd f64x2(0x3ff0000000000001 1e200) f64x2(0x3feffffffffffffe 1e200) f64x2(1 inf)
  => f64x2(0x3970000000000000|0 inf|nan:canonical)
f64x2.relaxed_madd f64x2(2 -3) f64x2(4 5) f64x2(1 -1) => f64x2(9 -16)
",
    );
}

#[test]
fn relaxed_laneselect() {
    // A mask lane of all ones or all zeros selects; a mixed one selects bitwise (deterministic)
    // or by its top bit, for i16x8 also by the top bit of each byte.
    check(
        "
i8x16.relaxed_laneselect i8x16(0 1 0x12 0x12 0x55 0x55 0 1 2 3 4 5 6 7 8 9)
  i8x16(0x10 0x11 0x34 0x34 0xaa 0xaa 0x20 0x21 0x22 0x23 0x24 0x25 0x26 0x27 0x28 0x29)
  i8x16(0xff 0 0xf0 0x0f 0x80 0x7f 0xff 0 0xff 0 0xff 0 0xff 0 0xff 0)
  => i8x16(0 0x11 0x14|0x12 0x32|0x34 0x2a|0x55 0xd5|0xaa 0 0x21 2 0x23 4 0x25 6 0x27 8 0x29)
i16x8.relaxed_laneselect i16x8(0 1 0x1234 0x1234 0x1234 5 6 7) i16x8(8 9 0x5678 0x5678 0x5678 13 14 15)
  i16x8(0xffff 0 0xff00 0x00ff 0x0080 0 0xffff 0)
  => i16x8(0 9 0x1278|0x1234 0x5634|0x5678 0x5678|0x5634 13 6 15)
i32x4.relaxed_laneselect i32x4(0 1 0x12341234 0x12341234) i32x4(4 5 0x56785678 0x56785678)
  i32x4(0xffffffff 0 0xffff0000 0x0000ffff)
  => i32x4(0 5 0x12345678|0x12341234 0x56781234|0x56785678)
i64x2.relaxed_laneselect i64x2(0x1234123412341234 0x1234123412341234) i64x2(0x5678567856785678 0x5678567856785678)
  i64x2(0xffffffff00000000 0x00000000ffffffff)
  => i64x2(0x1234123456785678|0x1234123412341234 0x5678567812341234|0x5678567856785678)
i64x2.relaxed_laneselect i64x2(1 2) i64x2(3 4) i64x2(-1 0) => i64x2(1 4)
",
    );
}

#[test]
fn relaxed_min_max() {
    // With a NaN operand: fmin/fmax's NaN (deterministic) or either operand; with zeros of
    // opposite signs: -0 for min and +0 for max (deterministic) or either operand.
    check(
        "
f32x4.relaxed_min f32x4(-nan 1 0 -0) f32x4(1 nan -0 0) => f32x4(nan:canonical|1 nan:canonical|1 -0|0 -0|0)
f32x4.relaxed_max f32x4(-nan 1 0 -0) f32x4(1 nan -0 0) => f32x4(nan:canonical|1 nan:canonical|1 0|-0 0|-0)
f32x4.relaxed_min f32x4(-inf 3 2 -1) f32x4(5 2 2 -2) => f32x4(-inf 2 2 -2)
f32x4.relaxed_max f32x4(-inf 3 2 -1) f32x4(5 2 2 -2) => f32x4(5 3 2 -1)
f64x2.relaxed_min f64x2(nan 0) f64x2(2 -0) => f64x2(nan:canonical|2 -0|0)
f64x2.relaxed_min f64x2(3 -0) f64x2(-nan 0) => f64x2(nan:canonical|3 -0|0)
f64x2.relaxed_max f64x2(nan 0) f64x2(2 -0) => f64x2(nan:canonical|2 0|-0)
f64x2.relaxed_max f64x2(3 -0) f64x2(-nan 0) => f64x2(nan:canonical|3 0|-0)
f64x2.relaxed_min f64x2(-1e300 inf) f64x2(1 -inf) => f64x2(-1e300 -inf)
f64x2.relaxed_max f64x2(-1e300 inf) f64x2(1 -inf) => f64x2(1 inf)
",
    );
}

#[test]
fn relaxed_q15mulr() {
    // Only i16::MIN · i16::MIN overflows: saturated (deterministic) or wrapped.
    check(
        "
i16x8.relaxed_q15mulr_s i16x8(-32768 -32768 16384 32767 -32768 1 -1 100) i16x8(-32768 32767 16384 32767 1 1 1 -200)
  => i16x8(32767|-32768 -32767 8192 32766 -1 0 0 -1)
",
    );
}

#[test]
fn relaxed_dot_products() {
    // Exact while the second operand's bytes are 7-bit. Above, its bytes are signed
    // (deterministic) or unsigned, pair sums saturated (x86 pmaddubsw) or not (VNNI), or both
    // operands taken unsigned (the suite's third option).
    check(
        "
i16x8.relaxed_dot_i8x16_i7x16_s i8x16(-128 -128 127 127 1 2 3 4 -5 6 7 -8 0 0 0 0) i8x16(127 127 127 127 5 6 7 8 9 10 11 12 0 0 0 0)
  => i16x8(-32512 32258 17 53 15 -19 0 0)
i16x8.relaxed_dot_i8x16_i7x16_s i8x16(-128 -128 5 6 0 0 0 0 0 0 0 0 0 0 0 0) i8x16(-127 -127 -1 2 0 0 0 0 0 0 0 0 0 0 0 0)
  => i16x8(32512|-32768|-32512 7|1287 0 0 0 0 0 0)
i32x4.relaxed_dot_i8x16_i7x16_add_s i8x16(1 2 3 4 -128 -128 -128 -128 127 127 127 127 0 0 0 0)
  i8x16(5 6 7 8 127 127 127 127 127 127 127 127 0 0 0 0) i32x4(100 -1 2 3)
  => i32x4(170 -65025 64518 3)
i32x4.relaxed_dot_i8x16_i7x16_add_s i8x16(-128 -128 -128 -128 5 6 7 8 0 0 0 0 0 0 0 0)
  i8x16(-127 -127 -127 -127 -1 2 -3 4 0 0 0 0 0 0 0 0) i32x4(1 2 3 4)
  => i32x4(65025|-65535|-66047|66049 20|3092 3 4)
",
    );
}

#[test]
fn deterministic_dot_products_of_minus_128() {
    // (-128)·(-128)·2 = 32768 overflows i16: the spec's text saturates the pair sum (32767) while
    // its reference interpreter wraps it (-32768) but not in the add variant (65536), so either is
    // taken as deterministic. Other choices give -32768 and -65536 (bytes of b unsigned).
    let i16_table = "i16x8.relaxed_dot_i8x16_i7x16_s i8x16(-128 -128 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
  i8x16(-128 -128 0 0 0 0 0 0 0 0 0 0 0 0 0 0) => i16x8(32767|-32768 0 0 0 0 0 0 0)";
    let i32_table =
        "i32x4.relaxed_dot_i8x16_i7x16_add_s i8x16(-128 -128 -128 -128 0 0 0 0 0 0 0 0 0 0 0 0)
  i8x16(-128 -128 -128 -128 0 0 0 0 0 0 0 0 0 0 0 0) i32x4(0 0 0 0) => i32x4(ALLOWED 0 0 0)";
    for (label, m, deterministic) in configurations() {
        check_table(&m, &label, i16_table);
        let allowed = if deterministic {
            "65534|65536"
        } else {
            "65534|65536|-65536"
        };
        check_table(&m, &label, &i32_table.replace("ALLOWED", allowed));
    }
}
