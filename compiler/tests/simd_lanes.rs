//! SIMD lane instructions through the real pipeline, for the host CPU and the SSE2 baseline:
//! v128.const, splats, extract/replace lane (NaN bits kept), shuffles (both operands, one
//! operand twice, indices past 31 rejected), swizzle (indices of 16 and more give 0, with
//! variable and constant indices), the bitwise operators and bitselect, any_true, all_true and
//! bitmask.

mod support;
use support::*;

const MODULE: &str = r#"
(module
  (func (export "const_i8") (result v128) (v128.const i8x16 0 1 -1 127 -128 255 0x7f 0x80 8 9 10 11 12 13 14 -2))
  (func (export "const_i16") (result v128) (v128.const i16x8 -32768 65535 1 2 3 4 5 0x7fff))
  (func (export "const_i32") (result v128) (v128.const i32x4 0x80000000 -1 0 0x12345678))
  (func (export "const_i64") (result v128) (v128.const i64x2 0x8000000000000000 0x0102030405060708))
  (func (export "const_f32") (result v128) (v128.const f32x4 -0 nan:0x200000 inf 1.5))
  (func (export "const_f64") (result v128) (v128.const f64x2 -nan 0x1p-1074))
  (func (export "const_zero") (result v128) (v128.const i64x2 0 0))
  (func (export "const_ones") (result v128) (v128.const i32x4 -1 -1 -1 -1))

  (func (export "i8x16.splat") (param i32) (result v128) (i8x16.splat (local.get 0)))
  (func (export "i16x8.splat") (param i32) (result v128) (i16x8.splat (local.get 0)))
  (func (export "i32x4.splat") (param i32) (result v128) (i32x4.splat (local.get 0)))
  (func (export "i64x2.splat") (param i64) (result v128) (i64x2.splat (local.get 0)))
  (func (export "f32x4.splat") (param f32) (result v128) (f32x4.splat (local.get 0)))
  (func (export "f64x2.splat") (param f64) (result v128) (f64x2.splat (local.get 0)))
  (func (export "splat_const") (result v128) (i16x8.splat (i32.const 0x18000)))

  (func (export "i8x16.extract_lane_s/0") (param v128) (result i32) (i8x16.extract_lane_s 0 (local.get 0)))
  (func (export "i8x16.extract_lane_s/15") (param v128) (result i32) (i8x16.extract_lane_s 15 (local.get 0)))
  (func (export "i8x16.extract_lane_u/15") (param v128) (result i32) (i8x16.extract_lane_u 15 (local.get 0)))
  (func (export "i16x8.extract_lane_s/7") (param v128) (result i32) (i16x8.extract_lane_s 7 (local.get 0)))
  (func (export "i16x8.extract_lane_u/3") (param v128) (result i32) (i16x8.extract_lane_u 3 (local.get 0)))
  (func (export "i32x4.extract_lane/3") (param v128) (result i32) (i32x4.extract_lane 3 (local.get 0)))
  (func (export "i64x2.extract_lane/1") (param v128) (result i64) (i64x2.extract_lane 1 (local.get 0)))
  (func (export "f32x4.extract_lane/2") (param v128) (result f32) (f32x4.extract_lane 2 (local.get 0)))
  (func (export "f64x2.extract_lane/0") (param v128) (result f64) (f64x2.extract_lane 0 (local.get 0)))
  (func (export "f64x2.extract_lane/1") (param v128) (result f64) (f64x2.extract_lane 1 (local.get 0)))

  (func (export "i8x16.replace_lane/0") (param v128 i32) (result v128) (i8x16.replace_lane 0 (local.get 0) (local.get 1)))
  (func (export "i8x16.replace_lane/15") (param v128 i32) (result v128) (i8x16.replace_lane 15 (local.get 0) (local.get 1)))
  (func (export "i16x8.replace_lane/3") (param v128 i32) (result v128) (i16x8.replace_lane 3 (local.get 0) (local.get 1)))
  (func (export "i32x4.replace_lane/0") (param v128 i32) (result v128) (i32x4.replace_lane 0 (local.get 0) (local.get 1)))
  (func (export "i64x2.replace_lane/1") (param v128 i64) (result v128) (i64x2.replace_lane 1 (local.get 0) (local.get 1)))
  (func (export "f32x4.replace_lane/3") (param v128 f32) (result v128) (f32x4.replace_lane 3 (local.get 0) (local.get 1)))
  (func (export "f64x2.replace_lane/0") (param v128 f64) (result v128) (f64x2.replace_lane 0 (local.get 0) (local.get 1)))

  (func (export "interleave_low") (param v128 v128) (result v128)
    (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get 0) (local.get 1)))
  (func (export "zigzag") (param v128 v128) (result v128)
    (i8x16.shuffle 31 0 30 1 29 2 28 3 15 16 14 17 13 18 12 19 (local.get 0) (local.get 1)))
  (func (export "identity") (param v128 v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 0) (local.get 1)))
  (func (export "second") (param v128 v128) (result v128)
    (i8x16.shuffle 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 (local.get 0) (local.get 1)))
  (func (export "broadcast_5") (param v128 v128) (result v128)
    (i8x16.shuffle 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 (local.get 0) (local.get 1)))
  (func (export "broadcast_31") (param v128 v128) (result v128)
    (i8x16.shuffle 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 (local.get 0) (local.get 1)))
  (func (export "self") (param v128) (result v128)
    (i8x16.shuffle 16 1 18 3 20 5 22 7 24 9 26 11 28 13 30 15 (local.get 0) (local.get 0)))
  (func (export "i8x16.swizzle") (param v128 v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 1)))
  (func (export "swizzle_const") (param v128) (result v128)
    (i8x16.swizzle (local.get 0) (v128.const i8x16 15 14 16 32 64 128 255 0 1 2 3 4 5 6 7 8)))

  (func (export "v128.not") (param v128) (result v128) (v128.not (local.get 0)))
  (func (export "v128.and") (param v128 v128) (result v128) (v128.and (local.get 0) (local.get 1)))
  (func (export "v128.andnot") (param v128 v128) (result v128) (v128.andnot (local.get 0) (local.get 1)))
  (func (export "v128.or") (param v128 v128) (result v128) (v128.or (local.get 0) (local.get 1)))
  (func (export "v128.xor") (param v128 v128) (result v128) (v128.xor (local.get 0) (local.get 1)))
  (func (export "v128.bitselect") (param v128 v128 v128) (result v128)
    (v128.bitselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "bitselect_const") (param v128 v128) (result v128)
    (v128.bitselect (local.get 0) (local.get 1) (v128.const i32x4 -1 0 0xff00ff00 0)))

  (func (export "v128.any_true") (param v128) (result i32) (v128.any_true (local.get 0)))
  (func (export "i8x16.all_true") (param v128) (result i32) (i8x16.all_true (local.get 0)))
  (func (export "i16x8.all_true") (param v128) (result i32) (i16x8.all_true (local.get 0)))
  (func (export "i32x4.all_true") (param v128) (result i32) (i32x4.all_true (local.get 0)))
  (func (export "i64x2.all_true") (param v128) (result i32) (i64x2.all_true (local.get 0)))
  (func (export "i8x16.bitmask") (param v128) (result i32) (i8x16.bitmask (local.get 0)))
  (func (export "i16x8.bitmask") (param v128) (result i32) (i16x8.bitmask (local.get 0)))
  (func (export "i32x4.bitmask") (param v128) (result i32) (i32x4.bitmask (local.get 0)))
  (func (export "i64x2.bitmask") (param v128) (result i32) (i64x2.bitmask (local.get 0)))
  (func (export "all_true_branch") (param v128) (result i32)
    (if (result i32) (i32x4.all_true (local.get 0)) (then (i32.const 10)) (else (i32.const 20))))
)"#;

/// Check `table` on the module compiled for the host CPU and for the baseline.
fn check(table: &str) {
    for (target, m) in simd_instances(MODULE) {
        check_table(&m, target, table);
    }
}

#[test]
fn constants() {
    check(
        "
const_i8 => i8x16(0 1 0xff 0x7f 0x80 0xff 0x7f 0x80 8 9 10 11 12 13 14 0xfe)
const_i16 => i16x8(0x8000 0xffff 1 2 3 4 5 0x7fff)
const_i32 => i32x4(0x80000000 -1 0 0x12345678)
const_i64 => i64x2(0x8000000000000000 0x0102030405060708)
const_i64 => i8x16(0 0 0 0 0 0 0 0x80 8 7 6 5 4 3 2 1)
const_f32 => f32x4(-0 nan:0x200000 inf 1.5)
const_f64 => f64x2(-nan 0x1)
const_zero => i64x2(0 0)
const_ones => i64x2(-1 -1)
",
    );
}

#[test]
fn splats_and_lane_access() {
    check(
        "
;; Splats of i32 operands take their low 8 or 16 bits; float bits are kept.
i8x16.splat i32(0x1ff) => i8x16(-1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
i8x16.splat i32(0x80) => i8x16(0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80)
i16x8.splat i32(0x12345) => i16x8(0x2345 0x2345 0x2345 0x2345 0x2345 0x2345 0x2345 0x2345)
i32x4.splat i32(-2) => i32x4(-2 -2 -2 -2)
i64x2.splat i64(0x8000000000000001) => i64x2(0x8000000000000001 0x8000000000000001)
f32x4.splat f32(nan:0x200001) => f32x4(nan:0x200001 nan:0x200001 nan:0x200001 nan:0x200001)
f64x2.splat f64(-0) => f64x2(-0 -0)
splat_const => i16x8(0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000)

i8x16.extract_lane_s/0 i8x16(0x80 1 2 3 4 5 6 7 8 9 10 11 12 13 14 0xff) => i32(-128)
i8x16.extract_lane_s/15 i8x16(0x80 1 2 3 4 5 6 7 8 9 10 11 12 13 14 0xff) => i32(-1)
i8x16.extract_lane_u/15 i8x16(0x80 1 2 3 4 5 6 7 8 9 10 11 12 13 14 0xff) => i32(255)
i16x8.extract_lane_s/7 i16x8(0x8000 1 2 0xfffe 4 5 6 0x8001) => i32(-32767)
i16x8.extract_lane_u/3 i16x8(0x8000 1 2 0xfffe 4 5 6 0x8001) => i32(65534)
i32x4.extract_lane/3 i32x4(1 2 3 0x80000000) => i32(0x80000000)
i64x2.extract_lane/1 i64x2(1 -2) => i64(-2)
f32x4.extract_lane/2 f32x4(1 2 nan:0x1 4) => f32(nan:0x1)
f64x2.extract_lane/0 f64x2(-0 nan:0x12345) => f64(-0)
f64x2.extract_lane/1 f64x2(-0 -nan:0x12345) => f64(-nan:0x12345)

i8x16.replace_lane/0 i8x16(1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1) i32(-1) => i8x16(-1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
i8x16.replace_lane/15 i8x16(1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1) i32(0x1ab) => i8x16(1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 0xab)
i16x8.replace_lane/3 i16x8(1 2 3 4 5 6 7 8) i32(0x18000) => i16x8(1 2 3 0x8000 5 6 7 8)
i32x4.replace_lane/0 i32x4(1 2 3 4) i32(0x80000000) => i32x4(0x80000000 2 3 4)
i64x2.replace_lane/1 i64x2(1 2) i64(-1) => i64x2(1 -1)
f32x4.replace_lane/3 f32x4(1 2 3 4) f32(-nan:0x7) => f32x4(1 2 3 -nan:0x7)
f64x2.replace_lane/0 f64x2(1 2) f64(nan:0x1) => f64x2(nan:0x1 2)
",
    );
}

#[test]
fn shuffles_take_indices_16_to_31_from_the_second_operand() {
    // With lanes a[i] = i and b[i] = 16 + i, each result lane equals its index.
    let a = "i8x16(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)";
    let b = "i8x16(16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)";
    let table = "
interleave_low $a $b => i8x16(0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23)
zigzag $a $b => i8x16(31 0 30 1 29 2 28 3 15 16 14 17 13 18 12 19)
identity $a $b => i8x16(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
second $a $b => i8x16(16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
broadcast_5 $a $b => i8x16(5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5)
broadcast_31 $a $b => i8x16(31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31)
;; The same vector as both operands: index i and 16 + i are the same lane.
self $b => i8x16(16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
";
    check(&table.replace("$a", a).replace("$b", b));

    // Lane indices go up to 31; 32 is invalid.
    let bad = "(module (func (param v128 v128) (result v128)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32 (local.get 0) (local.get 1))))";
    let wasm = wat::parse_str(bad).expect("encodes");
    let options = wasmaot_compiler::Options::default();
    assert!(wasmaot_compiler::compile(&wasm, &options, &|| {}).is_err());
}

#[test]
fn swizzle_indices_of_16_and_more_give_zero() {
    check(
        "
i8x16.swizzle i8x16(0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f)
  i8x16(0 15 16 255 128 127 31 1 17 200 2 3 0x80 0x8f 14 13)
  => i8x16(0x10 0x1f 0 0 0 0 0 0x11 0 0 0x12 0x13 0 0 0x1e 0x1d)
i8x16.swizzle i8x16(0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f)
  i8x16(0x70 0x20 0x40 0x11 0xf0 0x90 0x1f 0x10 0 0 0 0 0 0 0 0)
  => i8x16(0 0 0 0 0 0 0 0 0x10 0x10 0x10 0x10 0x10 0x10 0x10 0x10)
swizzle_const i8x16(0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f)
  => i8x16(0x1f 0x1e 0 0 0 0 0 0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18)
",
    );
}

#[test]
fn bitwise_and_bitselect() {
    check(
        "
v128.not i64x2(0 0x0123456789abcdef) => i64x2(-1 0xfedcba9876543210)
v128.and i32x4(0xff00ff00 0x0f0f0f0f -1 0) i32x4(0x0ff00ff0 0xffff0000 0x12345678 -1) => i32x4(0x0f000f00 0x0f0f0000 0x12345678 0)
v128.andnot i32x4(0xff00ff00 0x0f0f0f0f -1 0) i32x4(0x0ff00ff0 0xffff0000 0x12345678 -1) => i32x4(0xf000f000 0x00000f0f 0xedcba987 0)
v128.or i32x4(0xff00ff00 0x0f0f0f0f -1 0) i32x4(0x0ff00ff0 0xffff0000 0x12345678 -1) => i32x4(0xfff0fff0 0xffff0f0f -1 -1)
v128.xor i32x4(0xff00ff00 0x0f0f0f0f -1 0) i32x4(0x0ff00ff0 0xffff0000 0x12345678 -1) => i32x4(0xf0f0f0f0 0xf0f00f0f 0xedcba987 -1)
;; (a & mask) | (b & ~mask)
v128.bitselect i32x4(0x12345678 -1 0 0xaaaaaaaa) i32x4(0x9abcdef0 0 -1 0x55555555) i32x4(0xffff0000 0x0f0f0f0f 0x0f0f0f0f 0xf0f0f0f0)
  => i32x4(0x1234def0 0x0f0f0f0f 0xf0f0f0f0 0xa5a5a5a5)
bitselect_const i32x4(0x12345678 0x12345678 0x12345678 0x12345678) i32x4(0x9abcdef0 0x9abcdef0 0x9abcdef0 0x9abcdef0)
  => i32x4(0x12345678 0x9abcdef0 0x12bc56f0 0x9abcdef0)
",
    );
}

#[test]
fn any_true_all_true_and_bitmask() {
    check(
        "
v128.any_true i64x2(0 0) => i32(0)
v128.any_true i8x16(0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0x80) => i32(1)
v128.any_true i64x2(1 0) => i32(1)
i8x16.all_true i8x16(1 2 3 4 5 6 7 8 9 10 11 12 13 14 0x80 0xff) => i32(1)
i8x16.all_true i8x16(1 2 3 4 5 6 7 8 9 0 11 12 13 14 0x80 0xff) => i32(0)
;; Every 16-bit lane is non-zero although half the bytes are zero.
i16x8.all_true i16x8(0x100 1 0x8000 0x100 1 0x8000 0x100 1) => i32(1)
i16x8.all_true i16x8(1 1 1 1 1 1 1 0) => i32(0)
i32x4.all_true i32x4(0x10000 1 0x80000000 0x100) => i32(1)
i32x4.all_true i32x4(-1 -1 0 -1) => i32(0)
i64x2.all_true i64x2(0x8000000000000000 0x100000000) => i32(1)
i64x2.all_true i64x2(0xffffffff00000000 0x00000000ffffffff) => i32(1)
i64x2.all_true i64x2(1 0) => i32(0)
all_true_branch i32x4(1 2 3 4) => i32(10)
all_true_branch i32x4(1 2 0 4) => i32(20)
;; Bit i is the top bit of lane i.
i8x16.bitmask i8x16(0x80 0 0xff 0x7f 0 0 0 0 0 0 0 0 0 0 0 0x80) => i32(0x8005)
i8x16.bitmask i8x16(-1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1) => i32(0xffff)
i16x8.bitmask i16x8(0x8000 0x7fff -1 0 0x80 0 0 -32768) => i32(0x85)
i32x4.bitmask i32x4(0x80000000 0 -1 0x7fffffff) => i32(5)
i64x2.bitmask i64x2(-1 1) => i32(1)
i64x2.bitmask i64x2(0x80000000 0x8000000000000000) => i32(2)
",
    );
}
