//! Integer instructions through the real pipeline, with edge values.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

const MODULE: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  (func (export "shr_s") (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1)))
  (func (export "shr_u") (param i32 i32) (result i32) (i32.shr_u (local.get 0) (local.get 1)))
  (func (export "rotl") (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
  (func (export "rotr") (param i32 i32) (result i32) (i32.rotr (local.get 0) (local.get 1)))
  (func (export "clz") (param i32) (result i32) (i32.clz (local.get 0)))
  (func (export "ctz") (param i32) (result i32) (i32.ctz (local.get 0)))
  (func (export "popcnt") (param i32) (result i32) (i32.popcnt (local.get 0)))
  (func (export "eqz") (param i32) (result i32) (i32.eqz (local.get 0)))
  (func (export "lt_s") (param i32 i32) (result i32) (i32.lt_s (local.get 0) (local.get 1)))
  (func (export "lt_u") (param i32 i32) (result i32) (i32.lt_u (local.get 0) (local.get 1)))
  (func (export "ext8") (param i32) (result i32) (i32.extend8_s (local.get 0)))
  (func (export "ext16") (param i32) (result i32) (i32.extend16_s (local.get 0)))
  (func (export "mul64") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "div_s64") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "rem_s64") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "shr_u64") (param i64 i64) (result i64) (i64.shr_u (local.get 0) (local.get 1)))
  (func (export "rotl64") (param i64 i64) (result i64) (i64.rotl (local.get 0) (local.get 1)))
  (func (export "clz64") (param i64) (result i64) (i64.clz (local.get 0)))
  (func (export "ext32") (param i64) (result i64) (i64.extend32_s (local.get 0)))
  (func (export "ext8_64") (param i64) (result i64) (i64.extend8_s (local.get 0)))
  (func (export "wrap") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
  (func (export "extend_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
  (func (export "extend_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
  (func (export "mul3") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "mul5") (param i32) (result i32) (i32.mul (i32.const 5) (local.get 0)))
  (func (export "mul72") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 72)))
  (func (export "mul3_30") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 0xc0000000)))
  (func (export "mul9_64") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 9)))
  (func (export "mul40_64") (param i64) (result i64) (i64.mul (i64.const 40) (local.get 0)))
  (func (export "mul3_62") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 0xc000000000000000)))
  (func (export "mul_m3_64") (param i64) (result i64) (i64.mul (local.get 0) (i64.const -3)))
  (func (export "ge_u64") (param i64 i64) (result i32) (i64.ge_u (local.get 0) (local.get 1)))
)"#;

#[test]
fn arithmetic_wraps() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "add", &[i32(i32::MAX), i32(1)]), i32(i32::MIN));
    assert_eq!(call1(&m, "mul64", &[i64(i64::MAX), i64(2)]), i64(-2));
}

#[test]
fn products_by_constants_wrap_like_multiplication() {
    // 3, 5, 9 times powers of two become shifts and adds; the results must not change.
    let m = instance(MODULE);
    let edges32 = [
        0,
        1,
        -1,
        7,
        -7,
        i32::MAX,
        i32::MIN,
        0x5555_5555,
        -0x2aaa_aaab,
        123_456_789,
    ];
    for x in edges32 {
        for (name, factor) in [
            ("mul3", 3),
            ("mul5", 5),
            ("mul72", 72),
            ("mul3_30", 0xc000_0000u32 as i32),
        ] {
            assert_eq!(
                call1(&m, name, &[i32(x)]),
                i32(x.wrapping_mul(factor)),
                "{name}({x})"
            );
        }
    }
    let edges64 = [
        0,
        1,
        -1,
        7,
        i64::MAX,
        i64::MIN,
        0x5555_5555_5555_5555,
        -0x1234_5678_9abc,
    ];
    for x in edges64 {
        for (name, factor) in [
            ("mul9_64", 9),
            ("mul40_64", 40),
            ("mul3_62", 0xc000_0000_0000_0000u64 as i64),
            ("mul_m3_64", -3),
        ] {
            assert_eq!(
                call1(&m, name, &[i64(x)]),
                i64(x.wrapping_mul(factor)),
                "{name}({x})"
            );
        }
    }
}

#[test]
fn division_semantics_and_traps() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "div_s", &[i32(-7), i32(2)]), i32(-3));
    assert_eq!(call1(&m, "div_u", &[i32(-7), i32(2)]), i32(2147483644));
    assert_eq!(call1(&m, "rem_s", &[i32(-7), i32(2)]), i32(-1));
    assert_eq!(call1(&m, "rem_u", &[i32(-7), i32(2)]), i32(1));
    assert_eq!(call1(&m, "rem_s", &[i32(i32::MIN), i32(-1)]), i32(0));
    assert_eq!(call1(&m, "rem_s64", &[i64(i64::MIN), i64(-1)]), i64(0));
    assert_eq!(
        trap(&m, "div_s", &[i32(1), i32(0)]),
        TrapKind::IntegerDivideByZero
    );
    assert_eq!(
        trap(&m, "div_u", &[i32(1), i32(0)]),
        TrapKind::IntegerDivideByZero
    );
    assert_eq!(
        trap(&m, "rem_s", &[i32(1), i32(0)]),
        TrapKind::IntegerDivideByZero
    );
    assert_eq!(
        trap(&m, "rem_u", &[i32(1), i32(0)]),
        TrapKind::IntegerDivideByZero
    );
    assert_eq!(
        trap(&m, "div_s", &[i32(i32::MIN), i32(-1)]),
        TrapKind::IntegerOverflow
    );
    assert_eq!(
        trap(&m, "div_s64", &[i64(i64::MIN), i64(-1)]),
        TrapKind::IntegerOverflow
    );
    // The instance survives traps.
    assert_eq!(call1(&m, "div_s", &[i32(9), i32(3)]), i32(3));
}

#[test]
fn shifts_and_rotates_take_the_count_modulo_width() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "shl", &[i32(1), i32(33)]), i32(2));
    assert_eq!(call1(&m, "shr_s", &[i32(i32::MIN), i32(31)]), i32(-1));
    assert_eq!(call1(&m, "shr_u", &[i32(i32::MIN), i32(63)]), i32(1));
    assert_eq!(
        call1(&m, "rotl", &[i32(0x8000_0001u32 as i32), i32(1)]),
        i32(3)
    );
    assert_eq!(call1(&m, "rotr", &[i32(1), i32(1)]), i32(i32::MIN));
    assert_eq!(call1(&m, "shr_u64", &[i64(-1), i64(64 + 60)]), i64(15));
    assert_eq!(call1(&m, "rotl64", &[i64(i64::MIN), i64(1)]), i64(1));
}

#[test]
fn bit_counts() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "clz", &[i32(0)]), i32(32));
    assert_eq!(call1(&m, "clz", &[i32(1)]), i32(31));
    assert_eq!(call1(&m, "ctz", &[i32(0)]), i32(32));
    assert_eq!(call1(&m, "ctz", &[i32(i32::MIN)]), i32(31));
    assert_eq!(call1(&m, "popcnt", &[i32(-1)]), i32(32));
    assert_eq!(call1(&m, "clz64", &[i64(0)]), i64(64));
}

#[test]
fn comparisons_and_eqz() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "eqz", &[i32(0)]), i32(1));
    assert_eq!(call1(&m, "eqz", &[i32(5)]), i32(0));
    assert_eq!(call1(&m, "lt_s", &[i32(-1), i32(0)]), i32(1));
    assert_eq!(call1(&m, "lt_u", &[i32(-1), i32(0)]), i32(0));
    assert_eq!(call1(&m, "ge_u64", &[i64(-1), i64(0)]), i32(1));
}

#[test]
fn sign_extension_and_width_changes() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "ext8", &[i32(0x80)]), i32(-128));
    assert_eq!(call1(&m, "ext8", &[i32(0x17f)]), i32(127));
    assert_eq!(call1(&m, "ext16", &[i32(0x8000)]), i32(-32768));
    assert_eq!(call1(&m, "ext32", &[i64(0x8000_0000)]), i64(-2147483648));
    assert_eq!(call1(&m, "ext8_64", &[i64(0xff)]), i64(-1));
    assert_eq!(call1(&m, "wrap", &[i64(0x1_0000_0005)]), i32(5));
    assert_eq!(call1(&m, "extend_u", &[i32(-1)]), i64(0xffff_ffff));
    assert_eq!(call1(&m, "extend_s", &[i32(-1)]), i64(-1));
}
