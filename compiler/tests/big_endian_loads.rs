//! Big-endian numbers read a byte at a time, as clang compiles C's `(p[0] << 8) | p[1]` and its
//! 4- and 8-byte forms, become one wide load and a byte swap (`byte_loads.rs`). The same
//! values at every optimisation level and with both kinds of bounds checks; traps where a
//! byte lies past the end of memory and nowhere else; forms that only look alike (a store
//! between the loads, a byte used twice, little-endian, three bytes, a shift wasm masks)
//! keep their meaning.

mod support;
use support::*;
use wasmaot_compiler::{OptLevel, Options};
use wasmaot_runtime::TrapKind;

/// `fill` writes the byte `i * 37 + 11` at every address `i` of the page (half of them have
/// their high bit set). The others read at `p`.
const MODULE: &str = r#"(module
  (memory 1)
  (func (export "fill") (local $i i32)
    (loop $next
      (i32.store8 (local.get $i) (i32.add (i32.mul (local.get $i) (i32.const 37)) (i32.const 11)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 65536)))))
  (func (export "be16") (param $p i32) (result i32)
    (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 8))
            (i32.load8_u offset=1 (local.get $p))))
  (func (export "be16 signed") (param $p i32) (result i64)
    (i64.extend_i32_s
      (i32.or (i32.shl (i32.load8_s (local.get $p)) (i32.const 8))
              (i32.load8_u offset=1 (local.get $p)))))
  (func (export "be16 wide") (param $p i32) (result i64)
    (i64.or (i64.load8_u offset=1 (local.get $p))
            (i64.shl (i64.load8_u (local.get $p)) (i64.const 8))))
  (func (export "be32") (param $p i32) (result i32)
    (i32.or
      (i32.or (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16))
              (i32.shl (i32.load8_u (local.get $p)) (i32.const 24)))
      (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8))
              (i32.load8_u offset=3 (local.get $p)))))
  (func (export "be32 at offset") (param $p i32) (result i32)
    (i32.add
      (i32.add (i32.shl (i32.load8_u offset=100 (local.get $p)) (i32.const 24))
               (i32.shl (i32.load8_u offset=101 (local.get $p)) (i32.const 16)))
      (i32.add (i32.shl (i32.load8_u offset=102 (local.get $p)) (i32.const 8))
               (i32.load8_u offset=103 (local.get $p)))))
  (func $be32_signed (export "be32 signed") (param $p i32) (result i64)
    (i64.extend_i32_s
      (i32.or
        (i32.or (i32.shl (i32.load8_s (local.get $p)) (i32.const 24))
                (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16)))
        (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8))
                (i32.load8_u offset=3 (local.get $p))))))
  (func (export "be64") (param $p i32) (result i64)
    (i64.or
      (i64.or
        (i64.or (i64.shl (i64.load8_u (local.get $p)) (i64.const 56))
                (i64.shl (i64.load8_u offset=1 (local.get $p)) (i64.const 48)))
        (i64.or (i64.shl (i64.load8_u offset=2 (local.get $p)) (i64.const 40))
                (i64.shl (i64.load8_u offset=3 (local.get $p)) (i64.const 32))))
      (i64.or
        (i64.or (i64.shl (i64.load8_u offset=4 (local.get $p)) (i64.const 24))
                (i64.shl (i64.load8_u offset=5 (local.get $p)) (i64.const 16)))
        (i64.or (i64.shl (i64.load8_u offset=6 (local.get $p)) (i64.const 8))
                (i64.load8_u offset=7 (local.get $p))))))
  (func $be32_u (param $p i32) (result i32)
    (i32.or
      (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 24))
              (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16)))
      (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8))
              (i32.load8_u offset=3 (local.get $p)))))
  (func (export "be64 from halves") (param $p i32) (result i64)
    (i64.add
      (i64.shl (i64.extend_i32_u (call $be32_u (local.get $p))) (i64.const 32))
      (i64.extend_i32_u (call $be32_u (i32.add (local.get $p) (i32.const 4))))))
  (func (export "be32 and its first byte") (param $p i32) (result i32) (local $b i32)
    (i32.add
      (i32.or
        (i32.or (i32.shl (local.tee $b (i32.load8_u (local.get $p))) (i32.const 24))
                (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16)))
        (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8))
                (i32.load8_u offset=3 (local.get $p))))
      (i32.mul (local.get $b) (i32.const 1000))))
  (func (export "store between") (param $p i32) (result i32) (local $b i32)
    (local.set $b (i32.load8_u (local.get $p)))
    (i32.store8 offset=1 (local.get $p) (i32.add (local.get $p) (i32.const 0x77)))
    (i32.or (i32.shl (local.get $b) (i32.const 8)) (i32.load8_u offset=1 (local.get $p))))
  (func (export "le32") (param $p i32) (result i32)
    (i32.or
      (i32.or (i32.load8_u (local.get $p))
              (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 8)))
      (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 16))
              (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 24)))))
  (func (export "be24") (param $p i32) (result i32)
    (i32.or (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 16))
                    (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 8)))
            (i32.load8_u offset=2 (local.get $p))))
  (func (export "masked shift") (param $p i32) (result i32)
    (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 40))
            (i32.load8_u offset=1 (local.get $p))))
  (func (export "same byte twice") (param $p i32) (result i32)
    (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 8))
            (i32.load8_u (local.get $p)))))"#;

fn byte(i: u32) -> u8 {
    i.wrapping_mul(37).wrapping_add(11) as u8
}

/// The `n` bytes at `p`, the first in the highest place.
fn big_endian(p: u32, n: u32) -> u64 {
    (0..n).fold(0, |acc, k| (acc << 8) | u64::from(byte(p + k)))
}

fn instances() -> Vec<(String, wasmaot_runtime::Instance)> {
    let mut made = Vec::new();
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        for (checks, options) in both_bounds_checks() {
            let options = Options {
                opt_level: level,
                ..options
            };
            let m = new_instance(&load_with(MODULE, &options), &[]).expect("instantiates");
            call(&m, "fill", &[]);
            made.push((format!("{level:?}, {checks}"), m));
        }
    }
    made
}

#[test]
fn big_endian_reads_give_their_value_at_every_level() {
    let addresses = [0, 1, 7, 255, 1000, 4093, 65400];
    assert!(
        addresses.iter().any(|&p| byte(p) >= 0x80),
        "a negative first byte is read"
    );
    for (what, m) in instances() {
        for p in addresses {
            let read = |name: &str| call1(&m, name, &[i32(p as i32)]);
            let be16 = big_endian(p, 2);
            assert_eq!(read("be16"), i32(be16 as i32), "be16 at {p}, {what}");
            assert_eq!(read("be16 wide"), i64(be16 as i64), "{what}");
            let be16s = i64::from(be16 as u16 as i16);
            assert_eq!(
                read("be16 signed"),
                i64(be16s),
                "be16 signed at {p}, {what}"
            );
            let be32 = big_endian(p, 4) as u32;
            assert_eq!(read("be32"), i32(be32 as i32), "be32 at {p}, {what}");
            let at_offset = big_endian(p + 100, 4) as u32;
            assert_eq!(read("be32 at offset"), i32(at_offset as i32), "{what}");
            let be32s = i64::from(be32 as i32);
            assert_eq!(
                read("be32 signed"),
                i64(be32s),
                "be32 signed at {p}, {what}"
            );
            let be64 = big_endian(p, 8) as i64;
            assert_eq!(read("be64"), i64(be64), "be64 at {p}, {what}");
            assert_eq!(read("be64 from halves"), i64(be64), "{what}");
            let with_first = be32.wrapping_add(u32::from(byte(p)) * 1000);
            assert_eq!(
                read("be32 and its first byte"),
                i32(with_first as i32),
                "{what}"
            );
            let le32 = u32::from_le_bytes([byte(p), byte(p + 1), byte(p + 2), byte(p + 3)]);
            assert_eq!(read("le32"), i32(le32 as i32), "{what}");
            assert_eq!(read("be24"), i32(big_endian(p, 3) as i32), "{what}");
            // wasm masks the shift amount: 40 shifts by 8.
            assert_eq!(read("masked shift"), i32(be16 as i32), "{what}");
            let twice = (u32::from(byte(p)) << 8) | u32::from(byte(p));
            assert_eq!(read("same byte twice"), i32(twice as i32), "{what}");
            // Last: it changes the byte after `p`, which `fill` puts back.
            let stored = (u32::from(byte(p)) << 8) | (p.wrapping_add(0x77) & 0xff);
            assert_eq!(read("store between"), i32(stored as i32), "{what}");
            call(&m, "fill", &[]);
        }
    }
}

#[test]
fn a_read_traps_exactly_when_one_of_its_bytes_is_past_the_end() {
    let end = 65536u32;
    for (what, m) in instances() {
        for (name, n) in [("be16", 2), ("be32", 4), ("be32 signed", 4), ("be64", 8)] {
            let last = end - n;
            let ok = call1(&m, name, &[i32(last as i32)]);
            let want = big_endian(last, n);
            let got = match ok {
                wasmaot_runtime::Val::I32(v) => v as u32 as u64,
                wasmaot_runtime::Val::I64(v) => v as u64 & (u64::MAX >> (64 - 8 * n)),
                other => panic!("{other:?}"),
            };
            assert_eq!(got, want, "{name} of the last {n} bytes, {what}");
            for p in [last + 1, end - 1, end, u32::MAX] {
                let kind = trap(&m, name, &[i32(p as i32)]);
                assert_eq!(kind, TrapKind::OutOfBoundsMemory, "{name} at {p}, {what}");
            }
        }
    }
}
