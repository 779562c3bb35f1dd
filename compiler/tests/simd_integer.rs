//! SIMD integer instructions through the real pipeline, for the host CPU and the SSE2 baseline:
//! wrapping and saturating arithmetic, min/max/avgr, abs/neg of MIN, popcnt, shifts by counts
//! at and past the lane width, comparisons, narrowing, widening, extmul, extadd, dot, q15mulr.
//! Expected values are worked out from the spec's definitions.

mod support;
use support::*;

const BINARY: &str = "
    i8x16.add i8x16.sub i16x8.mul i32x4.mul i64x2.add i64x2.sub i64x2.mul
    i8x16.add_sat_s i8x16.add_sat_u i8x16.sub_sat_s i8x16.sub_sat_u
    i16x8.add_sat_s i16x8.add_sat_u i16x8.sub_sat_s i16x8.sub_sat_u
    i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u i16x8.min_s i16x8.max_u i32x4.min_u
    i32x4.max_s i8x16.avgr_u i16x8.avgr_u
    i8x16.lt_s i8x16.lt_u i16x8.gt_u i16x8.le_s i32x4.ge_u i32x4.lt_s
    i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s
    i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u
    i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_u i32x4.extmul_low_i16x8_s
    i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i32x4.dot_i16x8_s i16x8.q15mulr_sat_s
    i16x8.add i32x4.add i16x8.sub i32x4.sub i16x8.min_u i16x8.max_s i32x4.min_s i32x4.max_u
    i8x16.eq i8x16.ne i8x16.gt_s i8x16.gt_u i8x16.le_s i8x16.le_u i8x16.ge_s i8x16.ge_u
    i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u i16x8.gt_s i16x8.le_u i16x8.ge_s i16x8.ge_u
    i32x4.eq i32x4.ne i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u i32x4.ge_s
    i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_s i32x4.extmul_high_i16x8_s
    i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u i64x2.extmul_low_i32x4_s
    i64x2.extmul_high_i32x4_u";

const UNARY: &str = "
    i8x16.abs i16x8.abs i32x4.abs i64x2.abs i8x16.neg i64x2.neg i8x16.popcnt
    i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_u i32x4.extend_low_i16x8_u
    i32x4.extend_high_i16x8_s i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_u
    i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u
    i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u i16x8.neg i32x4.neg
    i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_s i32x4.extend_low_i16x8_s
    i32x4.extend_high_i16x8_u i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_s";

/// Shifts by a constant count (Cranelift has immediate forms), exported as `op/count`.
const CONST_SHIFTS: &str =
    "i8x16.shl/9 i8x16.shr_s/8 i16x8.shr_s/17 i32x4.shr_u/32 i64x2.shr_s/65 i64x2.shl/127";

fn module() -> String {
    let mut funcs = String::new();
    for op in BINARY.split_whitespace() {
        funcs += &format!("(func (export \"{op}\") (param v128 v128) (result v128) ({op} (local.get 0) (local.get 1)))\n");
    }
    for op in UNARY.split_whitespace() {
        funcs +=
            &format!("(func (export \"{op}\") (param v128) (result v128) ({op} (local.get 0)))\n");
    }
    for shape in ["i8x16", "i16x8", "i32x4", "i64x2"] {
        for shift in ["shl", "shr_s", "shr_u"] {
            let op = format!("{shape}.{shift}");
            funcs += &format!("(func (export \"{op}\") (param v128 i32) (result v128) ({op} (local.get 0) (local.get 1)))\n");
        }
    }
    for name in CONST_SHIFTS.split_whitespace() {
        let (op, count) = name.split_once('/').unwrap();
        funcs += &format!("(func (export \"{name}\") (param v128) (result v128) ({op} (local.get 0) (i32.const {count})))\n");
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
fn wrapping_arithmetic() {
    check(
        "
i8x16.add i8x16(127 -128 -1 0 1 2 3 4 5 6 7 8 9 10 11 12) i8x16(1 -1 1 0 -1 -2 3 -4 5 -6 7 -8 9 -10 11 -12)
  => i8x16(-128 127 0 0 0 0 6 0 10 0 14 0 18 0 22 0)
i8x16.sub i8x16(127 -128 -1 0 1 2 3 4 5 6 7 8 9 10 11 12) i8x16(1 -1 1 0 -1 -2 3 -4 5 -6 7 -8 9 -10 11 -12)
  => i8x16(126 -127 -2 0 2 4 0 8 0 12 0 16 0 20 0 24)
i16x8.mul i16x8(256 -1 300 32767 -32768 2 0 1000) i16x8(256 -1 300 2 -1 -3 5 1000)
  => i16x8(0 1 24464 -2 -32768 -6 0 16960)
i32x4.mul i32x4(0x10000 -1 0x7fffffff 7) i32x4(0x10000 0x80000000 2 -6) => i32x4(0 0x80000000 -2 -42)
i64x2.mul i64x2(0x7fffffffffffffff 0x100000001) i64x2(3 0x100000001) => i64x2(0x7ffffffffffffffd 0x200000001)
i64x2.add i64x2(0x7fffffffffffffff -1) i64x2(1 -1) => i64x2(0x8000000000000000 -2)
i64x2.sub i64x2(0x8000000000000000 0) i64x2(1 1) => i64x2(0x7fffffffffffffff -1)
",
    );
}

#[test]
fn saturating_arithmetic_edges() {
    check(
        "
i8x16.add_sat_s i8x16(127 -128 100 -100 1 -1 0 50 0 0 0 0 0 0 0 0) i8x16(1 -1 100 -100 -1 1 0 77 0 0 0 0 0 0 0 0)
  => i8x16(127 -128 127 -128 0 0 0 127 0 0 0 0 0 0 0 0)
i8x16.sub_sat_s i8x16(-128 127 -100 100 5 0 -1 0 0 0 0 0 0 0 0 0) i8x16(1 -1 100 -100 3 -128 127 127 0 0 0 0 0 0 0 0)
  => i8x16(-128 127 -128 127 2 127 -128 -127 0 0 0 0 0 0 0 0)
i8x16.add_sat_u i8x16(255 200 1 128 10 0 0 0 0 0 0 0 0 0 0 0) i8x16(1 100 254 128 20 0 0 0 0 0 0 0 0 0 0 0)
  => i8x16(255 255 255 255 30 0 0 0 0 0 0 0 0 0 0 0)
i8x16.sub_sat_u i8x16(255 200 1 128 10 0 0 0 0 0 0 0 0 0 0 0) i8x16(1 100 254 128 20 0 0 0 0 0 0 0 0 0 0 0)
  => i8x16(254 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
i16x8.add_sat_s i16x8(32767 -32768 20000 -20000 1 0 -1 0) i16x8(1 -1 20000 -20000 2 0 32767 -32768)
  => i16x8(32767 -32768 32767 -32768 3 0 32766 -32768)
i16x8.sub_sat_s i16x8(-32768 32767 0 -1 0 0 0 0) i16x8(1 -1 -32768 32767 0 0 0 0)
  => i16x8(-32768 32767 32767 -32768 0 0 0 0)
i16x8.add_sat_u i16x8(65535 40000 1 0 1000 65535 0 7) i16x8(1 30000 2 1 999 1 0 7)
  => i16x8(65535 65535 3 1 1999 65535 0 14)
i16x8.sub_sat_u i16x8(65535 40000 1 0 1000 65535 0 7) i16x8(1 30000 2 1 999 1 0 7)
  => i16x8(65534 10000 0 0 1 65534 0 0)
",
    );
}

#[test]
fn min_max_and_rounding_average() {
    check(
        "
i8x16.min_s i8x16(0x80 0x7f 0xff 0 5 5 0 0 0 0 0 0 0 0 0 0) i8x16(0x7f 0x80 1 0xff 5 6 0 0 0 0 0 0 0 0 0 0)
  => i8x16(0x80 0x80 0xff 0xff 5 5 0 0 0 0 0 0 0 0 0 0)
i8x16.min_u i8x16(0x80 0x7f 0xff 0 5 5 0 0 0 0 0 0 0 0 0 0) i8x16(0x7f 0x80 1 0xff 5 6 0 0 0 0 0 0 0 0 0 0)
  => i8x16(0x7f 0x7f 1 0 5 5 0 0 0 0 0 0 0 0 0 0)
i8x16.max_s i8x16(0x80 0x7f 0xff 0 5 5 0 0 0 0 0 0 0 0 0 0) i8x16(0x7f 0x80 1 0xff 5 6 0 0 0 0 0 0 0 0 0 0)
  => i8x16(0x7f 0x7f 1 0 5 6 0 0 0 0 0 0 0 0 0 0)
i8x16.max_u i8x16(0x80 0x7f 0xff 0 5 5 0 0 0 0 0 0 0 0 0 0) i8x16(0x7f 0x80 1 0xff 5 6 0 0 0 0 0 0 0 0 0 0)
  => i8x16(0x80 0x80 0xff 0xff 5 6 0 0 0 0 0 0 0 0 0 0)
i16x8.min_s i16x8(0x8000 0x7fff 0xffff 0 1 2 3 4) i16x8(0x7fff 0x8000 1 0xffff 1 3 2 4)
  => i16x8(0x8000 0x8000 0xffff 0xffff 1 2 2 4)
i16x8.max_u i16x8(0x8000 0x7fff 0xffff 0 1 2 3 4) i16x8(0x7fff 0x8000 1 0xffff 1 3 2 4)
  => i16x8(0x8000 0x8000 0xffff 0xffff 1 3 3 4)
i32x4.min_u i32x4(0xffffffff 0 0x80000000 5) i32x4(1 0xffffffff 0x7fffffff 5) => i32x4(1 0 0x7fffffff 5)
i32x4.max_s i32x4(0x80000000 -1 5 0) i32x4(0x7fffffff 1 -5 0) => i32x4(0x7fffffff 1 5 0)
;; (a + b + 1) / 2, unsigned, without overflow.
i8x16.avgr_u i8x16(255 0 1 2 254 0 0 0 0 0 0 0 0 0 0 0) i8x16(255 1 2 2 255 0 0 0 0 0 0 0 0 0 0 0)
  => i8x16(255 1 2 2 255 0 0 0 0 0 0 0 0 0 0 0)
i16x8.avgr_u i16x8(65535 0 3 65534 0 0 0 0) i16x8(65535 1 4 65535 0 0 0 0) => i16x8(65535 1 4 65535 0 0 0 0)
",
    );
}

#[test]
fn abs_and_neg_of_min_and_popcnt() {
    check(
        "
i8x16.abs i8x16(-128 -1 127 0 -5 5 -127 1 0 0 0 0 0 0 0 0) => i8x16(-128 1 127 0 5 5 127 1 0 0 0 0 0 0 0 0)
i16x8.abs i16x8(-32768 -32767 1 -1 0 32767 -300 300) => i16x8(-32768 32767 1 1 0 32767 300 300)
i32x4.abs i32x4(0x80000000 -1 0x7fffffff 0) => i32x4(0x80000000 1 0x7fffffff 0)
i64x2.abs i64x2(0x8000000000000000 -7) => i64x2(0x8000000000000000 7)
i8x16.neg i8x16(-128 1 0 127 -1 0 0 0 0 0 0 0 0 0 0 0) => i8x16(-128 -1 0 -127 1 0 0 0 0 0 0 0 0 0 0 0)
i64x2.neg i64x2(0x8000000000000000 5) => i64x2(0x8000000000000000 -5)
i8x16.popcnt i8x16(0 0xff 1 0x80 0x55 0xaa 0x0f 0xf0 0x7f 0xfe 0x11 0x33 0x77 0xee 3 0xc0)
  => i8x16(0 8 1 1 4 4 4 4 7 7 2 4 6 6 2 2)
",
    );
}

#[test]
fn shift_counts_are_taken_modulo_the_lane_width() {
    check(
        "
i8x16.shl i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(9)
  => i8x16(2 2 0xfe 0x80 0 0xfe 0xfc 0 0 0 0 0 0 0 0 0)
i8x16.shl i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(8)
  => i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0)
i8x16.shl i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(-1)
  => i8x16(0x80 0x80 0x80 0 0 0x80 0 0 0 0 0 0 0 0 0 0)
i8x16.shr_s i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(9)
  => i8x16(0xc0 0 0xff 0x20 0xc0 0x3f 0xff 0 0 0 0 0 0 0 0 0)
i8x16.shr_s i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(15)
  => i8x16(0xff 0 0xff 0 0xff 0 0xff 0 0 0 0 0 0 0 0 0)
i8x16.shr_u i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(9)
  => i8x16(0x40 0 0x7f 0x20 0x40 0x3f 0x7f 0 0 0 0 0 0 0 0 0)
i8x16.shr_u i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0) i32(7)
  => i8x16(1 0 1 0 1 0 1 0 0 0 0 0 0 0 0 0)
i16x8.shl i16x8(0x8001 1 0x8000 0x7fff 0xffff 0 0 0) i32(17) => i16x8(2 2 0 0xfffe 0xfffe 0 0 0)
i16x8.shl i16x8(0x8001 1 0x8000 0x7fff 0xffff 0 0 0) i32(16) => i16x8(0x8001 1 0x8000 0x7fff 0xffff 0 0 0)
i16x8.shr_s i16x8(0x8001 1 0x8000 0x7fff 0xffff 0 0 0) i32(31) => i16x8(-1 0 -1 0 -1 0 0 0)
i16x8.shr_u i16x8(0x8001 1 0x8000 0x7fff 0xffff 0 0 0) i32(33) => i16x8(0x4000 0 0x4000 0x3fff 0x7fff 0 0 0)
i32x4.shl i32x4(1 0x80000001 -1 0x7fffffff) i32(33) => i32x4(2 2 -2 -2)
i32x4.shl i32x4(1 0x80000001 -1 0x7fffffff) i32(32) => i32x4(1 0x80000001 -1 0x7fffffff)
i32x4.shr_s i32x4(1 0x80000001 -1 0x7fffffff) i32(63) => i32x4(0 -1 -1 0)
i32x4.shr_u i32x4(1 0x80000001 -1 0x7fffffff) i32(35) => i32x4(0 0x10000000 0x1fffffff 0x0fffffff)
i64x2.shl i64x2(1 0x8000000000000001) i32(65) => i64x2(2 2)
i64x2.shl i64x2(0x8000000000000000 -8) i32(64) => i64x2(0x8000000000000000 -8)
i64x2.shr_s i64x2(0x8000000000000000 -8) i32(127) => i64x2(-1 -1)
i64x2.shr_s i64x2(0x8000000000000000 -8) i32(65) => i64x2(0xc000000000000000 -4)
i64x2.shr_u i64x2(0x8000000000000000 -8) i32(66) => i64x2(0x2000000000000000 0x3ffffffffffffffe)
;; The same with constant counts.
i8x16.shl/9 i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0)
  => i8x16(2 2 0xfe 0x80 0 0xfe 0xfc 0 0 0 0 0 0 0 0 0)
i8x16.shr_s/8 i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0)
  => i8x16(0x81 1 0xff 0x40 0x80 0x7f 0xfe 0 0 0 0 0 0 0 0 0)
i16x8.shr_s/17 i16x8(0x8001 1 0x8000 0x7fff 0xffff 0 0 0) => i16x8(0xc000 0 0xc000 0x3fff 0xffff 0 0 0)
i32x4.shr_u/32 i32x4(1 0x80000001 -1 0x7fffffff) => i32x4(1 0x80000001 -1 0x7fffffff)
i64x2.shr_s/65 i64x2(0x8000000000000000 -8) => i64x2(0xc000000000000000 -4)
i64x2.shl/127 i64x2(1 3) => i64x2(0x8000000000000000 0x8000000000000000)
",
    );
}

#[test]
fn comparisons() {
    check(
        "
i8x16.lt_s i8x16(-1 0 127 -128 5 0 0 0 0 0 0 0 0 0 0 0) i8x16(0 -1 -128 127 5 0 0 0 0 0 0 0 0 0 0 0)
  => i8x16(-1 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0)
i8x16.lt_u i8x16(-1 0 127 -128 5 0 0 0 0 0 0 0 0 0 0 0) i8x16(0 -1 -128 127 5 0 0 0 0 0 0 0 0 0 0 0)
  => i8x16(0 -1 -1 0 0 0 0 0 0 0 0 0 0 0 0 0)
i16x8.gt_u i16x8(0x8000 1 2 0xffff 0 0 0 0) i16x8(0x7fff 2 2 0 0 0 0 1) => i16x8(-1 0 0 -1 0 0 0 0)
i16x8.le_s i16x8(-32768 1 2 -1 0 0 0 0) i16x8(32767 0 2 -2 0 0 0 0) => i16x8(-1 0 -1 0 -1 -1 -1 -1)
i32x4.ge_u i32x4(-1 0 5 0x80000000) i32x4(1 0 6 0x7fffffff) => i32x4(-1 -1 0 -1)
i32x4.lt_s i32x4(-1 0 5 0x80000000) i32x4(1 0 6 0x7fffffff) => i32x4(-1 0 -1 -1)
i64x2.lt_s i64x2(0x8000000000000000 0x7fffffffffffffff) i64x2(0x7fffffffffffffff 0x8000000000000000) => i64x2(-1 0)
i64x2.gt_s i64x2(0x8000000000000000 0x7fffffffffffffff) i64x2(0x7fffffffffffffff 0x8000000000000000) => i64x2(0 -1)
i64x2.le_s i64x2(5 -1) i64x2(5 0xffffffff) => i64x2(-1 -1)
i64x2.ge_s i64x2(5 -1) i64x2(5 0xffffffff) => i64x2(-1 0)
i64x2.eq i64x2(5 -1) i64x2(5 0xffffffff) => i64x2(-1 0)
i64x2.ne i64x2(5 -1) i64x2(5 0xffffffff) => i64x2(0 -1)
",
    );
}

#[test]
fn narrowing_saturates() {
    check(
        "
i8x16.narrow_i16x8_s i16x8(-32768 -129 -128 -1 0 127 128 32767) i16x8(1 -2 300 -300 5 6 255 256)
  => i8x16(-128 -128 -128 -1 0 127 127 127 1 -2 127 -128 5 6 127 127)
i8x16.narrow_i16x8_u i16x8(-32768 -129 -128 -1 0 127 128 32767) i16x8(1 -2 300 -300 5 6 255 256)
  => i8x16(0 0 0 0 0 127 128 255 1 0 255 0 5 6 255 255)
i16x8.narrow_i32x4_s i32x4(0x80000000 -32769 32768 5) i32x4(-32768 32767 70000 -1)
  => i16x8(-32768 -32768 32767 5 -32768 32767 32767 -1)
i16x8.narrow_i32x4_u i32x4(0x80000000 -32769 32768 5) i32x4(-32768 32767 70000 -1)
  => i16x8(0 0 32768 5 0 32767 65535 0)
",
    );
}

#[test]
fn widening_extmul_extadd_dot_and_q15mulr() {
    check(
        "
i16x8.extend_low_i8x16_s i8x16(-128 -1 0 1 127 2 -2 64 -128 -1 0 1 127 2 -2 64) => i16x8(-128 -1 0 1 127 2 -2 64)
i16x8.extend_high_i8x16_u i8x16(-128 -1 0 1 127 2 -2 64 -128 -1 0 1 127 2 -2 64) => i16x8(128 255 0 1 127 2 254 64)
i32x4.extend_low_i16x8_u i16x8(-1 -32768 1 2 -1 -32768 32767 0) => i32x4(65535 32768 1 2)
i32x4.extend_high_i16x8_s i16x8(-1 -32768 1 2 -1 -32768 32767 0) => i32x4(-1 -32768 32767 0)
i64x2.extend_low_i32x4_s i32x4(0x80000000 -1 -1 0x80000000) => i64x2(-2147483648 -1)
i64x2.extend_high_i32x4_u i32x4(0x80000000 -1 -1 0x80000000) => i64x2(0xffffffff 0x80000000)

i16x8.extmul_low_i8x16_s i8x16(-128 -128 127 -1 2 3 4 5 -1 -128 0 0 0 0 0 0) i8x16(-128 127 127 -1 -2 3 4 5 -1 2 0 0 0 0 0 0)
  => i16x8(16384 -16256 16129 1 -4 9 16 25)
i16x8.extmul_high_i8x16_u i8x16(-128 -128 127 -1 2 3 4 5 -1 -128 0 0 0 0 0 0) i8x16(-128 127 127 -1 -2 3 4 5 -1 2 0 0 0 0 0 0)
  => i16x8(65025 256 0 0 0 0 0 0)
i32x4.extmul_low_i16x8_s i16x8(-32768 -32768 32767 -1 0 0 0 0) i16x8(-32768 32767 32767 5 0 0 0 0)
  => i32x4(1073741824 -1073709056 1073676289 -5)
i64x2.extmul_high_i32x4_s i32x4(0 0 0x80000000 -1) i32x4(0 0 0x80000000 0x7fffffff)
  => i64x2(0x4000000000000000 -2147483647)
i64x2.extmul_low_i32x4_u i32x4(-1 2 0 0) i32x4(-1 0x80000000 0 0) => i64x2(0xfffffffe00000001 0x100000000)

i16x8.extadd_pairwise_i8x16_s i8x16(-128 -128 127 127 -1 1 0 0 5 6 -7 -8 100 100 -100 -100)
  => i16x8(-256 254 0 0 11 -15 200 -200)
i16x8.extadd_pairwise_i8x16_u i8x16(-128 -128 127 127 -1 1 0 0 5 6 -7 -8 100 100 -100 -100)
  => i16x8(256 254 256 0 11 497 200 312)
i32x4.extadd_pairwise_i16x8_s i16x8(-32768 -32768 32767 32767 -1 1 5 -6) => i32x4(-65536 65534 0 -1)
i32x4.extadd_pairwise_i16x8_u i16x8(-32768 -32768 32767 32767 -1 1 5 -6) => i32x4(65536 65534 65536 65535)

;; The one overflowing dot product: (-32768)² · 2 = 2³¹ wraps to i32::MIN.
i32x4.dot_i16x8_s i16x8(-32768 -32768 1 2 3 4 -5 6) i16x8(-32768 -32768 5 6 7 8 9 -10)
  => i32x4(0x80000000 17 53 -105)
;; (a·b + 2¹⁴) >> 15, arithmetic, saturated: i16::MIN · i16::MIN gives i16::MAX.
i16x8.q15mulr_sat_s i16x8(-32768 16384 -32768 1 -1 3 -3 32767) i16x8(-32768 16384 32767 1 1 16384 16384 32767)
  => i16x8(32767 8192 -32767 0 0 2 -1 32766)
i16x8.q15mulr_sat_s i16x8(-32768 -32768 100 -1 0 0 0 0) i16x8(1 -1 -200 -1 0 0 0 0)
  => i16x8(-1 1 -1 0 0 0 0 0)
",
    );
}

#[test]
fn every_other_integer_instruction() {
    let table = "
i16x8.add i16x8(32767 -32768 1 2 3 4 5 6) i16x8(1 -1 1 1 1 1 1 -6) => i16x8(-32768 32767 2 3 4 5 6 0)
i32x4.add i32x4(0x7fffffff -1 5 0) i32x4(1 1 -6 0) => i32x4(0x80000000 0 -1 0)
i16x8.sub i16x8(-32768 0 5 0 0 0 0 0) i16x8(1 1 -5 0 0 0 0 0) => i16x8(32767 -1 10 0 0 0 0 0)
i32x4.sub i32x4(0x80000000 0 5 1) i32x4(1 1 -5 1) => i32x4(0x7fffffff -1 10 0)
i16x8.neg i16x8(-32768 1 0 32767 -1 2 3 4) => i16x8(-32768 -1 0 -32767 1 -2 -3 -4)
i32x4.neg i32x4(0x80000000 1 0 -5) => i32x4(0x80000000 -1 0 5)
i16x8.min_u i16x8(0x8000 1 0xffff 7 0 0 0 0) i16x8(0x7fff 2 0 7 0 0 0 0) => i16x8(0x7fff 1 0 7 0 0 0 0)
i16x8.max_s i16x8(0x8000 1 -1 7 0 0 0 0) i16x8(0x7fff 2 -2 7 0 0 0 0) => i16x8(0x7fff 2 -1 7 0 0 0 0)
i32x4.min_s i32x4(0x80000000 1 -1 7) i32x4(0x7fffffff 2 -2 7) => i32x4(0x80000000 1 -2 7)
i32x4.max_u i32x4(0x80000000 1 0xffffffff 7) i32x4(0x7fffffff 2 0 7) => i32x4(0x80000000 2 0xffffffff 7)

i8x16.eq $a8 $b8 => i8x16(0 0 0 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
i8x16.ne $a8 $b8 => i8x16(-1 -1 -1 -1 0 0 0 0 0 0 0 0 0 0 0 0)
i8x16.gt_s $a8 $b8 => i8x16(0 -1 -1 0 0 0 0 0 0 0 0 0 0 0 0 0)
i8x16.gt_u $a8 $b8 => i8x16(-1 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0)
i8x16.le_s $a8 $b8 => i8x16(-1 0 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
i8x16.le_u $a8 $b8 => i8x16(0 -1 -1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
i8x16.ge_s $a8 $b8 => i8x16(0 -1 -1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
i8x16.ge_u $a8 $b8 => i8x16(-1 0 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
i16x8.eq $a16 $b16 => i16x8(0 0 0 0 -1 -1 -1 -1)
i16x8.ne $a16 $b16 => i16x8(-1 -1 -1 -1 0 0 0 0)
i16x8.lt_s $a16 $b16 => i16x8(-1 0 0 -1 0 0 0 0)
i16x8.lt_u $a16 $b16 => i16x8(0 -1 -1 0 0 0 0 0)
i16x8.gt_s $a16 $b16 => i16x8(0 -1 -1 0 0 0 0 0)
i16x8.le_u $a16 $b16 => i16x8(0 -1 -1 0 -1 -1 -1 -1)
i16x8.ge_s $a16 $b16 => i16x8(0 -1 -1 0 -1 -1 -1 -1)
i16x8.ge_u $a16 $b16 => i16x8(-1 0 0 -1 -1 -1 -1 -1)
i32x4.eq $a32 $b32 => i32x4(0 0 0 -1)
i32x4.ne $a32 $b32 => i32x4(-1 -1 -1 0)
i32x4.lt_u $a32 $b32 => i32x4(0 -1 -1 0)
i32x4.gt_s $a32 $b32 => i32x4(0 -1 -1 0)
i32x4.gt_u $a32 $b32 => i32x4(-1 0 0 0)
i32x4.le_s $a32 $b32 => i32x4(-1 0 0 -1)
i32x4.le_u $a32 $b32 => i32x4(0 -1 -1 -1)
i32x4.ge_s $a32 $b32 => i32x4(0 -1 -1 -1)

i16x8.extend_low_i8x16_u i8x16(-128 -1 0 1 127 2 -2 64 -128 -1 0 1 127 2 -2 64) => i16x8(128 255 0 1 127 2 254 64)
i16x8.extend_high_i8x16_s i8x16(-128 -1 0 1 127 2 -2 64 -128 -1 0 1 127 2 -2 64) => i16x8(-128 -1 0 1 127 2 -2 64)
i32x4.extend_low_i16x8_s i16x8(-1 -32768 1 2 -1 -32768 32767 0) => i32x4(-1 -32768 1 2)
i32x4.extend_high_i16x8_u i16x8(-1 -32768 1 2 -1 -32768 32767 0) => i32x4(65535 32768 32767 0)
i64x2.extend_low_i32x4_u i32x4(0x80000000 -1 -1 0x80000000) => i64x2(0x80000000 0xffffffff)
i64x2.extend_high_i32x4_s i32x4(0x80000000 -1 -1 0x80000000) => i64x2(-1 -2147483648)
i16x8.extmul_low_i8x16_u i8x16(-128 -128 127 -1 2 3 4 5 -1 -128 0 0 0 0 0 0) i8x16(-128 127 127 -1 -2 3 4 5 -1 2 0 0 0 0 0 0)
  => i16x8(16384 16256 16129 65025 508 9 16 25)
i16x8.extmul_high_i8x16_s i8x16(-128 -128 127 -1 2 3 4 5 -1 -128 0 0 0 0 0 0) i8x16(-128 127 127 -1 -2 3 4 5 -1 2 0 0 0 0 0 0)
  => i16x8(1 -256 0 0 0 0 0 0)
i32x4.extmul_high_i16x8_s i16x8(0 0 0 0 -32768 -32768 32767 -1) i16x8(0 0 0 0 -32768 32767 32767 5)
  => i32x4(1073741824 -1073709056 1073676289 -5)
i32x4.extmul_low_i16x8_u i16x8(-1 -32768 2 3 0 0 0 0) i16x8(-1 2 3 -1 0 0 0 0) => i32x4(0xfffe0001 65536 6 196605)
i32x4.extmul_high_i16x8_u i16x8(0 0 0 0 -1 -32768 2 3) i16x8(0 0 0 0 -1 2 3 -1) => i32x4(0xfffe0001 65536 6 196605)
i64x2.extmul_low_i32x4_s i32x4(0x80000000 -1 0 0) i32x4(0x80000000 0x7fffffff 0 0) => i64x2(0x4000000000000000 -2147483647)
i64x2.extmul_high_i32x4_u i32x4(0 0 -1 2) i32x4(0 0 -1 0x80000000) => i64x2(0xfffffffe00000001 0x100000000)
";
    let table = table
        .replace("$a8", "i8x16(-1 0 127 -128 5 0 0 0 0 0 0 0 0 0 0 0)")
        .replace("$b8", "i8x16(0 -1 -128 127 5 0 0 0 0 0 0 0 0 0 0 0)")
        .replace("$a16", "i16x8(-1 0 32767 -32768 5 0 0 0)")
        .replace("$b16", "i16x8(0 -1 -32768 32767 5 0 0 0)")
        .replace("$a32", "i32x4(-1 0 0x7fffffff 5)")
        .replace("$b32", "i32x4(0 -1 0x80000000 5)");
    check(&table);
}
