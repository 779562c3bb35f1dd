//! Float instructions (f32 and f64) through the real pipeline: arithmetic, min/max, sign
//! operations on bit patterns, rounding, square root and comparisons, with edge values.

mod support;
use support::*;
use wasmaot_runtime::{Instance, Val};

/// One module exporting every operation for both widths, named like the instruction
/// (`f32.add`, `f64.nearest`, ...).
fn module() -> String {
    let mut funcs = String::new();
    for t in ["f32", "f64"] {
        for op in ["add", "sub", "mul", "div", "min", "max", "copysign"] {
            funcs += &format!(
                "(func (export \"{t}.{op}\") (param {t} {t}) (result {t}) ({t}.{op} (local.get 0) (local.get 1)))\n"
            );
        }
        for op in ["abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"] {
            funcs += &format!(
                "(func (export \"{t}.{op}\") (param {t}) (result {t}) ({t}.{op} (local.get 0)))\n"
            );
        }
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            funcs += &format!(
                "(func (export \"{t}.{op}\") (param {t} {t}) (result i32) ({t}.{op} (local.get 0) (local.get 1)))\n"
            );
        }
    }
    format!("(module\n{funcs})")
}

fn float_instance() -> Instance {
    instance(&module())
}

fn b32(bits: u32) -> Val {
    Val::F32(bits)
}

fn b64(bits: u64) -> Val {
    Val::F64(bits)
}

fn bits32(v: Val) -> u32 {
    match v {
        Val::F32(b) => b,
        other => panic!("expected f32, got {other:?}"),
    }
}

fn bits64(v: Val) -> u64 {
    match v {
        Val::F64(b) => b,
        other => panic!("expected f64, got {other:?}"),
    }
}

fn un32(m: &Instance, op: &str, a: f32) -> u32 {
    bits32(call1(m, &format!("f32.{op}"), &[f32(a)]))
}

fn un64(m: &Instance, op: &str, a: f64) -> u64 {
    bits64(call1(m, &format!("f64.{op}"), &[f64(a)]))
}

fn bin32(m: &Instance, op: &str, a: f32, b: f32) -> u32 {
    bits32(call1(m, &format!("f32.{op}"), &[f32(a), f32(b)]))
}

fn bin64(m: &Instance, op: &str, a: f64, b: f64) -> u64 {
    bits64(call1(m, &format!("f64.{op}"), &[f64(a), f64(b)]))
}

fn is_nan32(bits: u32) -> bool {
    f32::from_bits(bits).is_nan()
}

fn is_nan64(bits: u64) -> bool {
    f64::from_bits(bits).is_nan()
}

const NEG_ZERO_32: u32 = 0x8000_0000;
const NEG_ZERO_64: u64 = 0x8000_0000_0000_0000;

#[test]
fn f32_arithmetic() {
    let m = float_instance();
    assert_eq!(bin32(&m, "add", 1.5, 2.25), 3.75f32.to_bits());
    assert_eq!(bin32(&m, "sub", 1.0, 3.5), (-2.5f32).to_bits());
    assert_eq!(bin32(&m, "mul", -3.0, 0.5), (-1.5f32).to_bits());
    assert_eq!(bin32(&m, "div", 1.0, 3.0), (1.0f32 / 3.0).to_bits());
    // Rounding to nearest even at the edge of the significand.
    assert_eq!(bin32(&m, "add", 16777216.0, 1.0), 16777216.0f32.to_bits());
    assert_eq!(bin32(&m, "add", 16777216.0, 3.0), 16777220.0f32.to_bits());
    // Overflow, division by zero, invalid operations.
    assert_eq!(bin32(&m, "mul", f32::MAX, 2.0), f32::INFINITY.to_bits());
    assert_eq!(bin32(&m, "div", 1.0, 0.0), f32::INFINITY.to_bits());
    assert_eq!(bin32(&m, "div", -1.0, 0.0), f32::NEG_INFINITY.to_bits());
    assert_eq!(bin32(&m, "div", 1.0, -0.0), f32::NEG_INFINITY.to_bits());
    assert!(is_nan32(bin32(&m, "div", 0.0, 0.0)));
    assert!(is_nan32(bin32(&m, "add", f32::INFINITY, f32::NEG_INFINITY)));
    assert!(is_nan32(bin32(&m, "sub", f32::INFINITY, f32::INFINITY)));
    assert!(is_nan32(bin32(&m, "mul", 0.0, f32::INFINITY)));
    assert!(is_nan32(bin32(&m, "add", f32::NAN, 1.0)));
    // Signed zeros.
    assert_eq!(bin32(&m, "add", -0.0, -0.0), NEG_ZERO_32);
    assert_eq!(bin32(&m, "add", -0.0, 0.0), 0);
    assert_eq!(bin32(&m, "sub", 0.0, 0.0), 0);
    assert_eq!(bin32(&m, "sub", -0.0, 0.0), NEG_ZERO_32);
    assert_eq!(bin32(&m, "mul", 5.0, -0.0), NEG_ZERO_32);
    assert_eq!(bin32(&m, "div", -0.0, 2.0), NEG_ZERO_32);
    // Subnormals are not flushed, and halving rounds to even.
    let min_sub = f32::from_bits(1);
    assert_eq!(bin32(&m, "div", min_sub, 2.0), 0);
    assert_eq!(bin32(&m, "mul", f32::from_bits(3), 0.5), 2);
    assert_eq!(
        bin32(&m, "sub", f32::MIN_POSITIVE, f32::from_bits(0x007f_ffff)),
        1
    );
}

#[test]
fn f64_arithmetic() {
    let m = float_instance();
    assert_eq!(bin64(&m, "add", 0.1, 0.2), 0.30000000000000004f64.to_bits());
    assert_eq!(bin64(&m, "sub", 1.0, 3.5), (-2.5f64).to_bits());
    assert_eq!(bin64(&m, "mul", 1e200, 1e200), f64::INFINITY.to_bits());
    assert_eq!(bin64(&m, "div", 1.0, 3.0), (1.0f64 / 3.0).to_bits());
    assert_eq!(
        bin64(&m, "add", 9007199254740992.0, 1.0),
        9007199254740992.0f64.to_bits()
    );
    assert_eq!(bin64(&m, "div", -1.0, 0.0), f64::NEG_INFINITY.to_bits());
    assert!(is_nan64(bin64(&m, "div", 0.0, 0.0)));
    assert!(is_nan64(bin64(
        &m,
        "sub",
        f64::NEG_INFINITY,
        f64::NEG_INFINITY
    )));
    assert!(is_nan64(bin64(&m, "mul", f64::NAN, 0.0)));
    assert_eq!(bin64(&m, "add", -0.0, -0.0), NEG_ZERO_64);
    assert_eq!(bin64(&m, "add", 0.0, -0.0), 0);
    assert_eq!(bin64(&m, "mul", -0.0, -7.0), 0);
    assert_eq!(bin64(&m, "div", 0.0, -7.0), NEG_ZERO_64);
    assert_eq!(bin64(&m, "div", f64::from_bits(1), 2.0), 0);
    assert_eq!(bin64(&m, "mul", f64::from_bits(3), 0.5), 2);
}

#[test]
fn min_and_max() {
    let m = float_instance();
    assert_eq!(bin32(&m, "min", 1.0, 2.0), 1.0f32.to_bits());
    assert_eq!(bin32(&m, "max", 1.0, 2.0), 2.0f32.to_bits());
    assert_eq!(
        bin32(&m, "min", -1.0, f32::NEG_INFINITY),
        f32::NEG_INFINITY.to_bits()
    );
    assert_eq!(
        bin32(&m, "max", -1.0, f32::INFINITY),
        f32::INFINITY.to_bits()
    );
    assert_eq!(bin32(&m, "min", -0.0, 0.0), NEG_ZERO_32);
    assert_eq!(bin32(&m, "min", 0.0, -0.0), NEG_ZERO_32);
    assert_eq!(bin32(&m, "max", -0.0, 0.0), 0);
    assert_eq!(bin32(&m, "max", 0.0, -0.0), 0);
    for (a, b) in [
        (f32::NAN, 1.0),
        (1.0, f32::NAN),
        (f32::NAN, f32::NAN),
        (f32::NEG_INFINITY, f32::NAN),
    ] {
        assert!(is_nan32(bin32(&m, "min", a, b)), "f32.min({a}, {b})");
        assert!(is_nan32(bin32(&m, "max", a, b)), "f32.max({a}, {b})");
    }
    // A NaN input with a payload still gives a NaN.
    let payload = bits32(call1(&m, "f32.min", &[b32(0x7fa0_0001), f32(0.0)]));
    assert!(is_nan32(payload));

    assert_eq!(bin64(&m, "min", 1.0, 2.0), 1.0f64.to_bits());
    assert_eq!(bin64(&m, "max", -1.0, -2.0), (-1.0f64).to_bits());
    assert_eq!(bin64(&m, "min", -0.0, 0.0), NEG_ZERO_64);
    assert_eq!(bin64(&m, "min", 0.0, -0.0), NEG_ZERO_64);
    assert_eq!(bin64(&m, "max", -0.0, 0.0), 0);
    assert_eq!(bin64(&m, "max", 0.0, -0.0), 0);
    for (a, b) in [(f64::NAN, 1.0), (1.0, f64::NAN), (f64::INFINITY, f64::NAN)] {
        assert!(is_nan64(bin64(&m, "min", a, b)), "f64.min({a}, {b})");
        assert!(is_nan64(bin64(&m, "max", a, b)), "f64.max({a}, {b})");
    }
}

#[test]
fn abs_neg_copysign_work_on_bits() {
    let m = float_instance();
    let u = |name: &str, bits: u32| bits32(call1(&m, name, &[b32(bits)]));
    // NaN payloads (quiet and signalling) keep every bit but the sign.
    assert_eq!(u("f32.abs", 0xffc0_0001), 0x7fc0_0001);
    assert_eq!(u("f32.abs", 0xff80_0001), 0x7f80_0001);
    assert_eq!(u("f32.neg", 0x7fa0_0000), 0xffa0_0000);
    assert_eq!(u("f32.neg", 0xffc0_1234), 0x7fc0_1234);
    assert_eq!(u("f32.abs", NEG_ZERO_32), 0);
    assert_eq!(u("f32.neg", 0), NEG_ZERO_32);
    assert_eq!(u("f32.neg", NEG_ZERO_32), 0);
    assert_eq!(u("f32.abs", (-2.5f32).to_bits()), 2.5f32.to_bits());
    assert_eq!(
        u("f32.neg", f32::INFINITY.to_bits()),
        f32::NEG_INFINITY.to_bits()
    );
    let cs = |a: u32, b: u32| bits32(call1(&m, "f32.copysign", &[b32(a), b32(b)]));
    assert_eq!(cs(1.0f32.to_bits(), NEG_ZERO_32), (-1.0f32).to_bits());
    assert_eq!(cs((-1.0f32).to_bits(), 0), 1.0f32.to_bits());
    assert_eq!(cs(0x7fc0_0000, (-1.0f32).to_bits()), 0xffc0_0000);
    assert_eq!(cs(0x7f80_0005, 0xffc0_0000), 0xff80_0005);
    assert_eq!(cs((-2.0f32).to_bits(), 0x7fc0_0000), 2.0f32.to_bits());
    assert_eq!(cs(0, 0x8000_0001), NEG_ZERO_32);

    let u = |name: &str, bits: u64| bits64(call1(&m, name, &[b64(bits)]));
    assert_eq!(u("f64.abs", 0xfff8_0000_0000_0001), 0x7ff8_0000_0000_0001);
    assert_eq!(u("f64.abs", 0xfff0_0000_0000_0001), 0x7ff0_0000_0000_0001);
    assert_eq!(u("f64.neg", 0x7ff4_0000_0000_0000), 0xfff4_0000_0000_0000);
    assert_eq!(u("f64.abs", NEG_ZERO_64), 0);
    assert_eq!(u("f64.neg", 0), NEG_ZERO_64);
    assert_eq!(u("f64.neg", (-3.0f64).to_bits()), 3.0f64.to_bits());
    let cs = |a: u64, b: u64| bits64(call1(&m, "f64.copysign", &[b64(a), b64(b)]));
    assert_eq!(cs(1.0f64.to_bits(), NEG_ZERO_64), (-1.0f64).to_bits());
    assert_eq!(
        cs(0x7ff8_0000_0000_00ff, NEG_ZERO_64),
        0xfff8_0000_0000_00ff
    );
    assert_eq!(
        cs((-7.0f64).to_bits(), 0x7ff8_0000_0000_0000),
        7.0f64.to_bits()
    );
    assert_eq!(
        cs(f64::INFINITY.to_bits(), 0xfff8_0000_0000_0000),
        f64::NEG_INFINITY.to_bits()
    );
}

#[test]
fn square_root() {
    let m = float_instance();
    assert_eq!(un32(&m, "sqrt", 4.0), 2.0f32.to_bits());
    assert_eq!(un32(&m, "sqrt", 2.0), 2.0f32.sqrt().to_bits());
    assert_eq!(un32(&m, "sqrt", -0.0), NEG_ZERO_32);
    assert_eq!(un32(&m, "sqrt", 0.0), 0);
    assert_eq!(un32(&m, "sqrt", f32::INFINITY), f32::INFINITY.to_bits());
    assert!(is_nan32(un32(&m, "sqrt", -1.0)));
    assert!(is_nan32(un32(&m, "sqrt", f32::NEG_INFINITY)));
    assert!(is_nan32(un32(&m, "sqrt", f32::NAN)));
    assert_eq!(un64(&m, "sqrt", 2.0), 2.0f64.sqrt().to_bits());
    assert_eq!(un64(&m, "sqrt", 1e-310), 1e-310f64.sqrt().to_bits());
    assert_eq!(un64(&m, "sqrt", -0.0), NEG_ZERO_64);
    assert!(is_nan64(un64(&m, "sqrt", -4.0)));
}

const ROUNDING_INPUTS: [f64; 22] = [
    0.0,
    -0.0,
    0.4,
    -0.4,
    0.5,
    -0.5,
    0.6,
    -0.6,
    1.5,
    -1.5,
    2.5,
    -2.5,
    3.5,
    -3.5,
    1e10 + 0.5,
    -7.999,
    4503599627370497.0,
    -4503599627370495.5,
    8388609.0,
    8388607.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

#[test]
fn rounding_named_cases() {
    let m = float_instance();
    assert_eq!(un32(&m, "nearest", 2.5), 2.0f32.to_bits());
    assert_eq!(un32(&m, "nearest", 3.5), 4.0f32.to_bits());
    assert_eq!(un32(&m, "nearest", -0.5), NEG_ZERO_32);
    assert_eq!(un32(&m, "nearest", 0.5), 0);
    assert_eq!(un32(&m, "nearest", -2.5), (-2.0f32).to_bits());
    assert_eq!(un64(&m, "nearest", 2.5), 2.0f64.to_bits());
    assert_eq!(un64(&m, "nearest", 3.5), 4.0f64.to_bits());
    assert_eq!(un64(&m, "nearest", -0.5), NEG_ZERO_64);
    assert_eq!(un32(&m, "ceil", -0.5), NEG_ZERO_32);
    assert_eq!(un32(&m, "ceil", 1.1), 2.0f32.to_bits());
    assert_eq!(un32(&m, "floor", -1.1), (-2.0f32).to_bits());
    assert_eq!(un32(&m, "floor", -0.0), NEG_ZERO_32);
    assert_eq!(un32(&m, "trunc", -1.9), (-1.0f32).to_bits());
    assert_eq!(un32(&m, "trunc", -0.9), NEG_ZERO_32);
    assert_eq!(un64(&m, "ceil", -0.5), NEG_ZERO_64);
    assert_eq!(un64(&m, "floor", 1.9), 1.0f64.to_bits());
    assert_eq!(un64(&m, "trunc", -0.2), NEG_ZERO_64);
    for op in ["ceil", "floor", "trunc", "nearest"] {
        assert!(is_nan32(un32(&m, op, f32::NAN)), "f32.{op}(nan)");
        assert!(is_nan64(un64(&m, op, f64::NAN)), "f64.{op}(nan)");
    }
}

#[test]
fn rounding_matches_ieee_for_many_inputs() {
    let m = float_instance();
    for &x in &ROUNDING_INPUTS {
        let x32 = x as f32;
        assert_eq!(
            un32(&m, "ceil", x32),
            x32.ceil().to_bits(),
            "f32.ceil({x32})"
        );
        assert_eq!(
            un32(&m, "floor", x32),
            x32.floor().to_bits(),
            "f32.floor({x32})"
        );
        assert_eq!(
            un32(&m, "trunc", x32),
            x32.trunc().to_bits(),
            "f32.trunc({x32})"
        );
        assert_eq!(
            un32(&m, "nearest", x32),
            x32.round_ties_even().to_bits(),
            "f32.nearest({x32})"
        );
        assert_eq!(un64(&m, "ceil", x), x.ceil().to_bits(), "f64.ceil({x})");
        assert_eq!(un64(&m, "floor", x), x.floor().to_bits(), "f64.floor({x})");
        assert_eq!(un64(&m, "trunc", x), x.trunc().to_bits(), "f64.trunc({x})");
        assert_eq!(
            un64(&m, "nearest", x),
            x.round_ties_even().to_bits(),
            "f64.nearest({x})"
        );
    }
}

#[test]
fn comparisons() {
    let m = float_instance();
    let cmp32 =
        |op: &str, a: f32, b: f32| call1(&m, &format!("f32.{op}"), &[f32(a), f32(b)]).unwrap_i32();
    let cmp64 =
        |op: &str, a: f64, b: f64| call1(&m, &format!("f64.{op}"), &[f64(a), f64(b)]).unwrap_i32();
    // Every comparison with NaN is false, except `ne`.
    for (a, b) in [
        (f32::NAN, 1.0),
        (1.0, f32::NAN),
        (f32::NAN, f32::NAN),
        (f32::NAN, f32::INFINITY),
    ] {
        assert_eq!(cmp32("eq", a, b), 0);
        assert_eq!(cmp32("ne", a, b), 1);
        assert_eq!(cmp32("lt", a, b), 0);
        assert_eq!(cmp32("gt", a, b), 0);
        assert_eq!(cmp32("le", a, b), 0);
        assert_eq!(cmp32("ge", a, b), 0);
    }
    for (a, b) in [
        (f64::NAN, 1.0),
        (1.0, f64::NAN),
        (f64::NAN, f64::NAN),
        (f64::NEG_INFINITY, f64::NAN),
    ] {
        assert_eq!(cmp64("eq", a, b), 0);
        assert_eq!(cmp64("ne", a, b), 1);
        assert_eq!(cmp64("lt", a, b), 0);
        assert_eq!(cmp64("gt", a, b), 0);
        assert_eq!(cmp64("le", a, b), 0);
        assert_eq!(cmp64("ge", a, b), 0);
    }
    // The same NaN bit pattern is still unequal to itself.
    let nan = b32(0x7fc0_0000);
    assert_eq!(call1(&m, "f32.eq", &[nan, nan]), i32(0));
    // Zeros compare equal whatever their sign.
    assert_eq!(cmp32("eq", -0.0, 0.0), 1);
    assert_eq!(cmp32("lt", -0.0, 0.0), 0);
    assert_eq!(cmp32("le", 0.0, -0.0), 1);
    assert_eq!(cmp64("eq", 0.0, -0.0), 1);
    assert_eq!(cmp64("ne", 0.0, -0.0), 0);
    assert_eq!(cmp64("ge", -0.0, 0.0), 1);
    // Ordinary ordering, infinities included.
    assert_eq!(cmp32("lt", 1.0, 2.0), 1);
    assert_eq!(cmp32("lt", 2.0, 1.0), 0);
    assert_eq!(cmp32("gt", f32::INFINITY, f32::MAX), 1);
    assert_eq!(cmp32("le", 2.0, 2.0), 1);
    assert_eq!(cmp32("ge", 1.0, 2.0), 0);
    assert_eq!(cmp32("ne", 1.0, 1.0), 0);
    assert_eq!(cmp64("lt", f64::NEG_INFINITY, f64::MIN), 1);
    assert_eq!(cmp64("gt", 1.0, 1.0 + f64::EPSILON), 0);
    assert_eq!(cmp64("le", 1.0 + f64::EPSILON, 1.0), 0);
    assert_eq!(cmp64("ge", 3.0, 3.0), 1);
    assert_eq!(cmp64("eq", 0.1 + 0.2, 0.3), 0);
}
