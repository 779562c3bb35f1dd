//! Conversions through the real pipeline: trapping and saturating float-to-int truncation,
//! int-to-float conversion with its rounding, demotion/promotion and reinterpretation.

mod support;
use support::*;
use wasmaot_runtime::{Instance, TrapKind, Val};

const MODULE: &str = r#"
(module
  (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "i32.trunc_f32_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "i32.trunc_f64_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "i32.trunc_f64_u") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
  (func (export "i64.trunc_f32_s") (param f32) (result i64) (i64.trunc_f32_s (local.get 0)))
  (func (export "i64.trunc_f32_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "i64.trunc_f64_s") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
  (func (export "i64.trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))

  (func (export "i32.trunc_sat_f32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
  (func (export "i32.trunc_sat_f32_u") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))
  (func (export "i32.trunc_sat_f64_s") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
  (func (export "i32.trunc_sat_f64_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
  (func (export "i64.trunc_sat_f32_s") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))
  (func (export "i64.trunc_sat_f32_u") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (export "i64.trunc_sat_f64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
  (func (export "i64.trunc_sat_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))

  (func (export "f32.convert_i32_s") (param i32) (result f32) (f32.convert_i32_s (local.get 0)))
  (func (export "f32.convert_i32_u") (param i32) (result f32) (f32.convert_i32_u (local.get 0)))
  (func (export "f32.convert_i64_s") (param i64) (result f32) (f32.convert_i64_s (local.get 0)))
  (func (export "f32.convert_i64_u") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
  (func (export "f64.convert_i32_s") (param i32) (result f64) (f64.convert_i32_s (local.get 0)))
  (func (export "f64.convert_i32_u") (param i32) (result f64) (f64.convert_i32_u (local.get 0)))
  (func (export "f64.convert_i64_s") (param i64) (result f64) (f64.convert_i64_s (local.get 0)))
  (func (export "f64.convert_i64_u") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))

  (func (export "f32.demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "f64.promote") (param f32) (result f64) (f64.promote_f32 (local.get 0)))

  (func (export "i32.reinterpret") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "i64.reinterpret") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
  (func (export "f32.reinterpret") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "f64.reinterpret") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  ;; Round trips inside wasm, and constants whose bits must survive.
  (func (export "roundtrip32") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.reinterpret_i32 (local.get 0))))
  (func (export "roundtrip64") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.reinterpret_i64 (local.get 0))))
  (func (export "snan32_const") (result i32) (i32.reinterpret_f32 (f32.const nan:0x200001)))
  (func (export "nan64_const") (result i64) (i64.reinterpret_f64 (f64.const -nan:0x4000000000123)))
)"#;

fn conv() -> Instance {
    instance(MODULE)
}

#[test]
fn trunc_in_range() {
    let m = conv();
    let c = |name: &str, arg: Val| call1(&m, name, &[arg]);
    assert_eq!(c("i32.trunc_f32_s", f32(-1.9)), i32(-1));
    assert_eq!(c("i32.trunc_f32_s", f32(1.9)), i32(1));
    assert_eq!(c("i32.trunc_f32_s", f32(-0.0)), i32(0));
    assert_eq!(c("i32.trunc_f32_s", f32(-2147483648.0)), i32(i32::MIN));
    assert_eq!(c("i32.trunc_f32_s", f32(2147483520.0)), i32(2147483520));
    assert_eq!(c("i32.trunc_f64_s", f64(2147483647.9)), i32(i32::MAX));
    assert_eq!(c("i32.trunc_f64_s", f64(-2147483648.9)), i32(i32::MIN));
    assert_eq!(c("i32.trunc_f32_u", f32(-0.9)), i32(0));
    assert_eq!(
        c("i32.trunc_f32_u", f32(4294967040.0)),
        i32(0xffff_ff00u32 as i32)
    );
    assert_eq!(c("i32.trunc_f32_u", f32(2147483648.0)), i32(i32::MIN));
    assert_eq!(c("i32.trunc_f64_u", f64(4294967295.9)), i32(-1));
    assert_eq!(c("i32.trunc_f64_u", f64(-0.9)), i32(0));
    assert_eq!(c("i32.trunc_f64_u", f64(3e9)), i32(3_000_000_000u32 as i32));
    assert_eq!(
        c("i64.trunc_f32_s", f32(-9223372036854775808.0)),
        i64(i64::MIN)
    );
    assert_eq!(
        c("i64.trunc_f32_s", f32(9223371487098961920.0)),
        i64(9223371487098961920)
    );
    assert_eq!(c("i64.trunc_f32_s", f32(-1.5)), i64(-1));
    assert_eq!(
        c("i64.trunc_f64_s", f64(9223372036854774784.0)),
        i64(9223372036854774784)
    );
    assert_eq!(
        c("i64.trunc_f64_s", f64(-9223372036854775808.0)),
        i64(i64::MIN)
    );
    assert_eq!(
        c("i64.trunc_f64_s", f64(-4.5e15)),
        i64(-4_500_000_000_000_000)
    );
    assert_eq!(
        c("i64.trunc_f32_u", f32(18446742974197923840.0)),
        i64(18446742974197923840u64 as i64)
    );
    assert_eq!(c("i64.trunc_f32_u", f32(-0.9)), i64(0));
    assert_eq!(
        c("i64.trunc_f64_u", f64(18446744073709549568.0)),
        i64(18446744073709549568u64 as i64)
    );
    assert_eq!(
        c("i64.trunc_f64_u", f64(9223372036854775808.0)),
        i64(i64::MIN)
    );
    assert_eq!(c("i64.trunc_f64_u", f64(-0.9)), i64(0));
}

#[test]
fn trunc_out_of_range_traps_with_integer_overflow() {
    let m = conv();
    let cases: &[(&str, Val)] = &[
        ("i32.trunc_f32_s", f32(2147483648.0)),
        ("i32.trunc_f32_s", f32(-2147483904.0)),
        ("i32.trunc_f32_s", f32(f32::INFINITY)),
        ("i32.trunc_f32_s", f32(f32::NEG_INFINITY)),
        ("i32.trunc_f64_s", f64(2147483648.0)),
        ("i32.trunc_f64_s", f64(-2147483649.0)),
        ("i32.trunc_f32_u", f32(4294967296.0)),
        ("i32.trunc_f32_u", f32(-1.0)),
        ("i32.trunc_f64_u", f64(4294967296.0)),
        ("i32.trunc_f64_u", f64(-1.0)),
        ("i32.trunc_f64_u", f64(f64::INFINITY)),
        ("i64.trunc_f32_s", f32(9223372036854775808.0)),
        ("i64.trunc_f32_s", f32(-9223373136366403584.0)),
        ("i64.trunc_f64_s", f64(9223372036854775808.0)),
        ("i64.trunc_f64_s", f64(-9223372036854777856.0)),
        ("i64.trunc_f64_s", f64(f64::NEG_INFINITY)),
        ("i64.trunc_f32_u", f32(18446744073709551616.0)),
        ("i64.trunc_f32_u", f32(-1.0)),
        ("i64.trunc_f64_u", f64(18446744073709551616.0)),
        ("i64.trunc_f64_u", f64(-1.0)),
        ("i64.trunc_f64_u", f64(f64::INFINITY)),
    ];
    for (name, arg) in cases {
        assert_eq!(
            trap(&m, name, &[*arg]),
            TrapKind::IntegerOverflow,
            "{name}({arg:?})"
        );
    }
    // The instance is still usable after the traps.
    assert_eq!(call1(&m, "i32.trunc_f32_s", &[f32(7.5)]), i32(7));
}

#[test]
fn trunc_of_nan_traps_with_invalid_conversion() {
    let m = conv();
    for name in [
        "i32.trunc_f32_s",
        "i32.trunc_f32_u",
        "i64.trunc_f32_s",
        "i64.trunc_f32_u",
    ] {
        assert_eq!(
            trap(&m, name, &[f32(f32::NAN)]),
            TrapKind::InvalidConversion,
            "{name}"
        );
        assert_eq!(
            trap(&m, name, &[Val::F32(0xff80_0001)]),
            TrapKind::InvalidConversion,
            "{name}"
        );
    }
    for name in [
        "i32.trunc_f64_s",
        "i32.trunc_f64_u",
        "i64.trunc_f64_s",
        "i64.trunc_f64_u",
    ] {
        assert_eq!(
            trap(&m, name, &[f64(f64::NAN)]),
            TrapKind::InvalidConversion,
            "{name}"
        );
        assert_eq!(
            trap(&m, name, &[Val::F64(0xfff8_0000_0000_0001)]),
            TrapKind::InvalidConversion,
            "{name}"
        );
    }
}

#[test]
fn saturating_truncation() {
    let m = conv();
    let c = |name: &str, arg: Val| call1(&m, name, &[arg]);
    // NaN gives 0.
    for name in ["i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u"] {
        assert_eq!(c(name, f32(f32::NAN)), i32(0), "{name}");
        assert_eq!(c(name, Val::F32(0xffc0_0000)), i32(0), "{name}");
    }
    for name in ["i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u"] {
        assert_eq!(c(name, f64(f64::NAN)), i32(0), "{name}");
    }
    for name in ["i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u"] {
        assert_eq!(c(name, f32(f32::NAN)), i64(0), "{name}");
    }
    for name in ["i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u"] {
        assert_eq!(c(name, f64(-f64::NAN)), i64(0), "{name}");
    }
    // Infinities and out-of-range values clamp.
    assert_eq!(c("i32.trunc_sat_f32_s", f32(f32::INFINITY)), i32(i32::MAX));
    assert_eq!(
        c("i32.trunc_sat_f32_s", f32(f32::NEG_INFINITY)),
        i32(i32::MIN)
    );
    assert_eq!(c("i32.trunc_sat_f32_s", f32(2147483648.0)), i32(i32::MAX));
    assert_eq!(c("i32.trunc_sat_f32_s", f32(-2147483904.0)), i32(i32::MIN));
    assert_eq!(c("i32.trunc_sat_f64_s", f64(1e10)), i32(i32::MAX));
    assert_eq!(c("i32.trunc_sat_f64_s", f64(-1e10)), i32(i32::MIN));
    assert_eq!(c("i32.trunc_sat_f64_s", f64(-2147483648.9)), i32(i32::MIN));
    assert_eq!(c("i32.trunc_sat_f32_u", f32(f32::INFINITY)), i32(-1));
    assert_eq!(c("i32.trunc_sat_f32_u", f32(f32::NEG_INFINITY)), i32(0));
    assert_eq!(c("i32.trunc_sat_f32_u", f32(-1.5)), i32(0));
    assert_eq!(c("i32.trunc_sat_f64_u", f64(4294967296.0)), i32(-1));
    assert_eq!(c("i32.trunc_sat_f64_u", f64(4294967295.5)), i32(-1));
    assert_eq!(c("i32.trunc_sat_f64_u", f64(-1.5)), i32(0));
    assert_eq!(c("i64.trunc_sat_f32_s", f32(f32::INFINITY)), i64(i64::MAX));
    assert_eq!(
        c("i64.trunc_sat_f32_s", f32(f32::NEG_INFINITY)),
        i64(i64::MIN)
    );
    assert_eq!(
        c("i64.trunc_sat_f64_s", f64(9223372036854775808.0)),
        i64(i64::MAX)
    );
    assert_eq!(
        c("i64.trunc_sat_f64_s", f64(-9223372036854777856.0)),
        i64(i64::MIN)
    );
    assert_eq!(c("i64.trunc_sat_f32_u", f32(f32::INFINITY)), i64(-1));
    assert_eq!(c("i64.trunc_sat_f32_u", f32(-1.5)), i64(0));
    assert_eq!(c("i64.trunc_sat_f64_u", f64(1e20)), i64(-1));
    assert_eq!(c("i64.trunc_sat_f64_u", f64(f64::NEG_INFINITY)), i64(0));
    assert_eq!(c("i64.trunc_sat_f64_u", f64(-1.5)), i64(0));
    // In range they truncate like the trapping forms.
    assert_eq!(c("i32.trunc_sat_f32_s", f32(-7.9)), i32(-7));
    assert_eq!(
        c("i32.trunc_sat_f32_u", f32(4294967040.0)),
        i32(0xffff_ff00u32 as i32)
    );
    assert_eq!(
        c("i32.trunc_sat_f64_u", f64(3e9)),
        i32(3_000_000_000u32 as i32)
    );
    assert_eq!(
        c("i64.trunc_sat_f64_s", f64(-4.5e15)),
        i64(-4_500_000_000_000_000)
    );
    assert_eq!(
        c("i64.trunc_sat_f64_u", f64(18446744073709549568.0)),
        i64(18446744073709549568u64 as i64)
    );
    assert_eq!(
        c("i64.trunc_sat_f32_u", f32(9223372036854775808.0)),
        i64(i64::MIN)
    );
}

#[test]
fn int_to_float_conversion_named_cases() {
    let m = conv();
    let c = |name: &str, arg: Val| call1(&m, name, &[arg]);
    assert_eq!(c("f32.convert_i32_s", i32(-1)), f32(-1.0));
    assert_eq!(c("f32.convert_i32_s", i32(i32::MIN)), f32(-2147483648.0));
    assert_eq!(c("f32.convert_i32_s", i32(16777217)), f32(16777216.0));
    assert_eq!(c("f32.convert_i32_s", i32(16777219)), f32(16777220.0));
    assert_eq!(c("f32.convert_i32_u", i32(-1)), f32(4294967296.0));
    assert_eq!(c("f32.convert_i32_u", i32(i32::MIN)), f32(2147483648.0));
    assert_eq!(c("f64.convert_i32_s", i32(i32::MIN)), f64(-2147483648.0));
    assert_eq!(c("f64.convert_i32_u", i32(-1)), f64(4294967295.0));
    assert_eq!(
        c("f32.convert_i64_s", i64(i64::MAX)),
        f32(9223372036854775808.0)
    );
    assert_eq!(
        c("f32.convert_i64_s", i64(i64::MIN)),
        f32(-9223372036854775808.0)
    );
    // 2^53 + 2^29 + 1: going through f64 first would round twice and land on the wrong side.
    assert_eq!(
        c("f32.convert_i64_s", i64(9007199791611905)),
        f32(9007200328482816.0)
    );
    assert_eq!(c("f32.convert_i64_u", i64(-1)), f32(18446744073709551616.0));
    assert_eq!(
        c("f32.convert_i64_u", i64(0x8000_0080_0000_0001u64 as i64)),
        f32(9223373136366403584.0)
    );
    assert_eq!(
        c("f64.convert_i64_s", i64(9007199254740993)),
        f64(9007199254740992.0)
    );
    assert_eq!(
        c("f64.convert_i64_s", i64(9007199254740995)),
        f64(9007199254740996.0)
    );
    assert_eq!(
        c("f64.convert_i64_s", i64(i64::MAX)),
        f64(9223372036854775808.0)
    );
    assert_eq!(c("f64.convert_i64_u", i64(-1)), f64(18446744073709551616.0));
    assert_eq!(
        c("f64.convert_i64_u", i64(0x8000_0000_0000_0401u64 as i64)),
        f64(9223372036854777856.0)
    );
    assert_eq!(
        c("f64.convert_i64_u", i64(0x8000_0000_0000_0400u64 as i64)),
        f64(9223372036854775808.0)
    );
}

#[test]
fn int_to_float_conversion_rounds_like_ieee() {
    let m = conv();
    let samples: [u64; 16] = [
        0,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x0020_0000_2000_0001,
        0x0020_0000_2000_0000,
        0x7fff_ffff_ffff_ffff,
        0x7fff_ff80_0000_0000,
        0x7fff_ffc0_0000_0000,
        0x8000_0000_0000_0000,
        0x8000_0000_0000_0001,
        0xffff_ff7f_ffff_ffff,
        0xffff_ff80_0000_0000,
        0xffff_ffff_ffff_f800,
        0xffff_ffff_ffff_fbff,
    ];
    for &x in &samples {
        let s = x as i64;
        assert_eq!(
            call1(&m, "f32.convert_i64_s", &[i64(s)]),
            f32(s as f32),
            "f32.convert_i64_s({s})"
        );
        assert_eq!(
            call1(&m, "f32.convert_i64_u", &[i64(s)]),
            f32(x as f32),
            "f32.convert_i64_u({x:#x})"
        );
        assert_eq!(
            call1(&m, "f64.convert_i64_s", &[i64(s)]),
            f64(s as f64),
            "f64.convert_i64_s({s})"
        );
        assert_eq!(
            call1(&m, "f64.convert_i64_u", &[i64(s)]),
            f64(x as f64),
            "f64.convert_i64_u({x:#x})"
        );
        let w = x as u32;
        assert_eq!(
            call1(&m, "f32.convert_i32_s", &[i32(w as i32)]),
            f32(w as i32 as f32)
        );
        assert_eq!(
            call1(&m, "f32.convert_i32_u", &[i32(w as i32)]),
            f32(w as f32),
            "f32.convert_i32_u({w:#x})"
        );
        assert_eq!(
            call1(&m, "f64.convert_i32_u", &[i32(w as i32)]),
            f64(f64::from(w))
        );
    }
}

#[test]
fn demote_and_promote() {
    let m = conv();
    let d = |x: f64| call1(&m, "f32.demote", &[f64(x)]);
    assert_eq!(d(1.5), f32(1.5));
    assert_eq!(d(-0.0), Val::F32(0x8000_0000));
    assert_eq!(d(1e40), f32(f32::INFINITY));
    assert_eq!(d(-1e40), f32(f32::NEG_INFINITY));
    assert_eq!(d(f64::from(f32::MAX)), f32(f32::MAX));
    // Ties go to even: 1 + 2^-24 is halfway between 1 and the next f32.
    assert_eq!(d(1.0 + 2f64.powi(-24)), f32(1.0));
    assert_eq!(d(1.0 + 3.0 * 2f64.powi(-24)), f32(1.0 + 2f32.powi(-22)));
    assert_eq!(d(0.1), f32(0.1));
    // Subnormal results and underflow.
    assert_eq!(d(f64::from(f32::from_bits(1))), Val::F32(1));
    assert_eq!(d(f64::from(f32::from_bits(1)) / 2.0), Val::F32(0));
    assert_eq!(d(-1e-50), Val::F32(0x8000_0000));
    let nan = d(f64::NAN).unwrap_f32();
    assert!(nan.is_nan());

    let p = |x: Val| call1(&m, "f64.promote", &[x]);
    assert_eq!(p(f32(0.1)), f64(f64::from(0.1f32)));
    assert_eq!(p(f32(f32::MAX)), f64(f64::from(f32::MAX)));
    assert_eq!(p(f32(f32::NEG_INFINITY)), f64(f64::NEG_INFINITY));
    assert_eq!(p(Val::F32(0x8000_0000)), Val::F64(0x8000_0000_0000_0000));
    assert_eq!(p(Val::F32(1)), f64(f64::from(f32::from_bits(1))));
    assert!(p(f32(f32::NAN)).unwrap_f64().is_nan());
}

#[test]
fn reinterpret_preserves_bits() {
    let m = conv();
    for bits in [
        0u32,
        0x8000_0000,
        0x3f80_0000,
        0x7fa0_0001,
        0xff80_0001,
        0x7fc0_0000,
        0xffff_ffff,
        1,
    ] {
        assert_eq!(
            call1(&m, "i32.reinterpret", &[Val::F32(bits)]),
            i32(bits as i32),
            "{bits:#x}"
        );
        assert_eq!(
            call1(&m, "f32.reinterpret", &[i32(bits as i32)]),
            Val::F32(bits),
            "{bits:#x}"
        );
        assert_eq!(
            call1(&m, "roundtrip32", &[i32(bits as i32)]),
            i32(bits as i32),
            "{bits:#x}"
        );
    }
    for bits in [
        0u64,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0x7ff0_0000_0000_0001,
        0xfff4_0000_0000_0123,
        0x7ff8_0000_0000_0000,
        u64::MAX,
    ] {
        assert_eq!(
            call1(&m, "i64.reinterpret", &[Val::F64(bits)]),
            i64(bits as i64),
            "{bits:#x}"
        );
        assert_eq!(
            call1(&m, "f64.reinterpret", &[i64(bits as i64)]),
            Val::F64(bits),
            "{bits:#x}"
        );
        assert_eq!(
            call1(&m, "roundtrip64", &[i64(bits as i64)]),
            i64(bits as i64),
            "{bits:#x}"
        );
    }
    assert_eq!(call1(&m, "snan32_const", &[]), i32(0x7fa0_0001));
    assert_eq!(
        call1(&m, "nan64_const", &[]),
        i64(0xfff4_0000_0000_0123u64 as i64)
    );
}
