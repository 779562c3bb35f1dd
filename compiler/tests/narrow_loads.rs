//! Signed narrow loads also taken masked are read unsigned, and unsigned ones also taken wide
//! are loaded wide (`narrow_loads.rs`): every value a function makes from them stays exact,
//! for every byte value and for 16-bit values and 32-bit words of both signs, at every
//! optimisation level, and a load past the end of memory still traps.

mod support;
use support::*;
use wasmaot_compiler::{OptLevel, Options};
use wasmaot_runtime::TrapKind;

/// Memory holds every byte value at 0..256 and the 16-bit values `i * 257 + 128` (wrapping)
/// at 256 + 2i. Each function reads at `p` with a signed load and uses the value masked to
/// the loaded bits and tested by sign in one of the forms clang writes, some also as the
/// signed value itself:
///
/// - `byte`: `x > -1 ? (x & 255) + 1000 : (x & 255) * 3`
/// - `byte forms`: three sign tests (`0 > x` with the constant first) and `-1 <= x` (not
///   one: true for -1) as bits 0..3, plus `x & 255` shifted by 4
/// - `byte other`: `(x & 255) + x * 7`, `x` signed
/// - `byte wide`: the i64 `(u64)(x & 255)`, kept in an i64 local across a block, plus
///   `x < 0` times 2^40
/// - `byte64`: `i64.load8_s` masked to 255, and `x <= -1` as bit 32
/// - `half`: `i32.load16_s` masked to 0xffff, and `x >= 0` as bit 16, plus `x` itself
/// - `word64`: `i64.load32_s` masked to 0xffffffff, and `x < 0` as bit 40, plus `x >> 1`
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "byte") (param $p i32) (result i32) (local $x i32)
    (local.set $x (i32.load8_s (local.get $p)))
    (if (result i32) (i32.gt_s (local.get $x) (i32.const -1))
      (then (i32.add (i32.and (local.get $x) (i32.const 255)) (i32.const 1000)))
      (else (i32.mul (i32.and (local.get $x) (i32.const 255)) (i32.const 3)))))
  (func (export "byte forms") (param $p i32) (result i32) (local $x i32)
    (local.set $x (i32.load8_s offset=0 (local.get $p)))
    (i32.or
      (i32.or
        (i32.or (i32.lt_s (local.get $x) (i32.const 0))
                (i32.shl (i32.ge_s (local.get $x) (i32.const 0)) (i32.const 1)))
        (i32.or (i32.shl (i32.gt_s (i32.const 0) (local.get $x)) (i32.const 2))
                (i32.shl (i32.le_s (i32.const -1) (local.get $x)) (i32.const 3))))
      (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 4))))
  (func (export "byte other") (param $p i32) (result i32) (local $x i32)
    (local.set $x (i32.load8_s (local.get $p)))
    (i32.add (i32.and (local.get $x) (i32.const 255))
             (i32.mul (local.get $x) (i32.const 7))))
  (func (export "byte wide") (param $p i32) (result i64) (local $x i32) (local $w i64)
    (local.set $x (i32.load8_s (local.get $p)))
    (local.set $w (i64.extend_i32_u (i32.and (local.get $x) (i32.const 255))))
    (block $positive
      (br_if $positive (i32.gt_s (local.get $x) (i32.const -1)))
      (local.set $w (i64.or (local.get $w) (i64.const 0x10000000000))))
    (local.get $w))
  (func (export "byte64") (param $p i32) (result i64) (local $x i64)
    (local.set $x (i64.load8_s (local.get $p)))
    (i64.or (i64.and (local.get $x) (i64.const 255))
            (i64.shl (i64.extend_i32_u (i64.le_s (local.get $x) (i64.const -1)))
                     (i64.const 32))))
  (func (export "half") (param $p i32) (result i32) (local $x i32)
    (local.set $x (i32.load16_s (local.get $p)))
    (i32.add
      (i32.or (i32.and (local.get $x) (i32.const 0xffff))
              (i32.shl (i32.ge_s (local.get $x) (i32.const 0)) (i32.const 16)))
      (i32.shl (local.get $x) (i32.const 17))))
  (func (export "word64") (param $p i32) (result i64) (local $x i64)
    (local.set $x (i64.load32_s (local.get $p)))
    (i64.add
      (i64.or (i64.and (local.get $x) (i64.const 0xffffffff))
              (i64.shl (i64.extend_i32_u (i64.lt_s (local.get $x) (i64.const 0)))
                       (i64.const 40)))
      (i64.shr_s (local.get $x) (i64.const 1)))))"#;

fn memory_bytes() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=255).collect();
    for i in 0..256u32 {
        bytes.extend_from_slice(&(i.wrapping_mul(257).wrapping_add(128) as u16).to_le_bytes());
    }
    bytes
}

fn byte(x: i8) -> i32 {
    let u = i32::from(x as u8);
    if x > -1 {
        u + 1000
    } else {
        u * 3
    }
}

fn byte_forms(x: i8) -> i32 {
    let x = i32::from(x);
    i32::from(x < 0)
        | i32::from(x >= 0) << 1
        | i32::from(0 > x) << 2
        | i32::from(-1 <= x) << 3
        | (x & 255) << 4
}

fn byte_other(x: i8) -> i32 {
    i32::from(x as u8) + i32::from(x) * 7
}

fn byte_wide(x: i8) -> i64 {
    i64::from(x as u8) | if x < 0 { 1 << 40 } else { 0 }
}

fn byte64(x: i8) -> i64 {
    (i64::from(x) & 255) | i64::from(i64::from(x) <= -1) << 32
}

fn half(x: i16) -> i32 {
    let x = i32::from(x);
    ((x & 0xffff) | i32::from(x >= 0) << 16).wrapping_add(x << 17)
}

fn word64(x: i32) -> i64 {
    let x = i64::from(x);
    ((x & 0xffff_ffff) | i64::from(x < 0) << 40) + (x >> 1)
}

#[test]
fn values_made_from_signed_narrow_loads_are_exact_at_every_level() {
    let bytes = memory_bytes();
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        let options = Options {
            opt_level: level,
            ..Options::default()
        };
        let m = new_instance(&load_with(MODULE, &options), &[]).expect("instantiates");
        let mem = memory(&m, "memory");
        with_store(|st| mem.write(st, 0, &bytes)).expect("in bounds");
        for p in 0..256u32 {
            let x = bytes[p as usize] as i8;
            let at = [i32(p as i32)];
            assert_eq!(
                call1(&m, "byte", &at),
                i32(byte(x)),
                "byte {x} at {level:?}"
            );
            let forms = call1(&m, "byte forms", &at);
            assert_eq!(forms, i32(byte_forms(x)), "forms of {x} at {level:?}");
            let other = call1(&m, "byte other", &at);
            assert_eq!(other, i32(byte_other(x)), "other use of {x} at {level:?}");
            let wide = call1(&m, "byte wide", &at);
            assert_eq!(wide, i64(byte_wide(x)), "wide {x} at {level:?}");
            assert_eq!(
                call1(&m, "byte64", &at),
                i64(byte64(x)),
                "byte64 {x} at {level:?}"
            );
        }
        for i in 0..256u32 {
            let p = 256 + 2 * i;
            let h = i16::from_le_bytes([bytes[p as usize], bytes[p as usize + 1]]);
            let got = call1(&m, "half", &[i32(p as i32)]);
            assert_eq!(got, i32(half(h)), "half {h} at {level:?}");
        }
        // Words across the byte table and the 16-bit values, both signs.
        for p in (0..508u32).step_by(3) {
            let w = i32::from_le_bytes(bytes[p as usize..p as usize + 4].try_into().unwrap());
            let got = call1(&m, "word64", &[i32(p as i32)]);
            assert_eq!(got, i64(word64(w)), "word64 {w:#x} at {level:?}");
        }
    }
}

#[test]
fn a_signed_load_read_unsigned_still_traps_past_the_end() {
    for (name, instance) in instances_both_checks(MODULE) {
        for f in ["byte", "byte forms", "byte other", "byte wide", "byte64"] {
            assert_eq!(
                trap(&instance, f, &[i32(65536)]),
                TrapKind::OutOfBoundsMemory,
                "{name}: {f}"
            );
        }
        assert_eq!(
            trap(&instance, "half", &[i32(65535)]),
            TrapKind::OutOfBoundsMemory,
            "{name}"
        );
        assert_eq!(
            trap(&instance, "word64", &[i32(65533)]),
            TrapKind::OutOfBoundsMemory,
            "{name}"
        );
    }
}
