//! SIMD memory instructions through the real pipeline (host CPU and SSE2 baseline with guard
//! pages, and explicit bounds checks): v128 load/store at aligned, unaligned and offset
//! addresses, extending, splatting and zero-filling loads, lane loads and stores, and accesses
//! past the end trapping with `OutOfBoundsMemory` without writing anything, lane accesses
//! straddling the end included.

mod support;
use support::*;
use wasmaot_runtime::{Instance, TrapKind, Val};

const MODULE: &str = r#"
(module
  (memory (export "mem") 1 2)
  (data (i32.const 0) "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f")
  (data (i32.const 16) "\80\ff\7f\01\00\80\ff\ff\fe\ff\ff\7f\00\00\00\80")
  (data (i32.const 65520) "\f0\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff")

  (func (export "v128.load") (param i32) (result v128) (v128.load (local.get 0)))
  (func (export "v128.load/off1") (param i32) (result v128) (v128.load offset=1 align=1 (local.get 0)))
  (func (export "v128.load/off65520") (param i32) (result v128) (v128.load offset=65520 (local.get 0)))
  (func (export "v128.load/offmax") (param i32) (result v128) (v128.load offset=0xffffffff (local.get 0)))
  (func (export "v128.load8x8_s") (param i32) (result v128) (v128.load8x8_s (local.get 0)))
  (func (export "v128.load8x8_u") (param i32) (result v128) (v128.load8x8_u (local.get 0)))
  (func (export "v128.load16x4_s") (param i32) (result v128) (v128.load16x4_s (local.get 0)))
  (func (export "v128.load16x4_u") (param i32) (result v128) (v128.load16x4_u (local.get 0)))
  (func (export "v128.load32x2_s") (param i32) (result v128) (v128.load32x2_s (local.get 0)))
  (func (export "v128.load32x2_u") (param i32) (result v128) (v128.load32x2_u (local.get 0)))
  (func (export "v128.load8_splat") (param i32) (result v128) (v128.load8_splat (local.get 0)))
  (func (export "v128.load16_splat") (param i32) (result v128) (v128.load16_splat (local.get 0)))
  (func (export "v128.load32_splat") (param i32) (result v128) (v128.load32_splat (local.get 0)))
  (func (export "v128.load64_splat") (param i32) (result v128) (v128.load64_splat (local.get 0)))
  (func (export "v128.load32_zero") (param i32) (result v128) (v128.load32_zero (local.get 0)))
  (func (export "v128.load64_zero") (param i32) (result v128) (v128.load64_zero (local.get 0)))
  (func (export "v128.load8_lane/15") (param i32 v128) (result v128) (v128.load8_lane 15 (local.get 0) (local.get 1)))
  (func (export "v128.load16_lane/3") (param i32 v128) (result v128) (v128.load16_lane 3 (local.get 0) (local.get 1)))
  (func (export "v128.load32_lane/1") (param i32 v128) (result v128) (v128.load32_lane 1 (local.get 0) (local.get 1)))
  (func (export "v128.load64_lane/0") (param i32 v128) (result v128) (v128.load64_lane 0 (local.get 0) (local.get 1)))

  (func (export "v128.store") (param i32 v128) (v128.store (local.get 0) (local.get 1)))
  (func (export "v128.store/off3") (param i32 v128) (v128.store offset=3 align=1 (local.get 0) (local.get 1)))
  (func (export "v128.store8_lane/15") (param i32 v128) (v128.store8_lane 15 (local.get 0) (local.get 1)))
  (func (export "v128.store16_lane/7") (param i32 v128) (v128.store16_lane 7 (local.get 0) (local.get 1)))
  (func (export "v128.store32_lane/2") (param i32 v128) (v128.store32_lane 2 (local.get 0) (local.get 1)))
  (func (export "v128.store64_lane/1") (param i32 v128) (v128.store64_lane 1 (local.get 0) (local.get 1)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
)"#;

/// The module with guard pages for the host CPU and the baseline, and with explicit checks.
fn instances() -> Vec<(&'static str, Instance)> {
    let mut all = simd_instances(MODULE);
    let explicit = new_instance(&load_with(MODULE, &explicit_checks()), &[]).expect("instantiates");
    all.push(("explicit checks", explicit));
    all
}

fn read(m: &Instance, offset: u64, len: u64) -> Vec<u8> {
    let memory = memory(m, "mem");
    let mut buffer = vec![0; len as usize];
    with_store(|s| memory.read(s, offset as usize, &mut buffer)).expect("in bounds");
    buffer
}

/// Byte `i` is `i + 1`.
fn counting() -> Val {
    u8x16(std::array::from_fn(|i| i as u8 + 1))
}

#[test]
fn loads() {
    for (target, m) in instances() {
        check_table(
            &m,
            target,
            "
v128.load i32(0) => i8x16(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
v128.load i32(9) => i8x16(9 10 11 12 13 14 15 0x80 0xff 0x7f 1 0 0x80 0xff 0xff 0xfe)
v128.load/off1 i32(8) => i8x16(9 10 11 12 13 14 15 0x80 0xff 0x7f 1 0 0x80 0xff 0xff 0xfe)
v128.load i32(65520) => i8x16(0xf0 0xf1 0xf2 0xf3 0xf4 0xf5 0xf6 0xf7 0xf8 0xf9 0xfa 0xfb 0xfc 0xfd 0xfe 0xff)
v128.load/off65520 i32(0) => i8x16(0xf0 0xf1 0xf2 0xf3 0xf4 0xf5 0xf6 0xf7 0xf8 0xf9 0xfa 0xfb 0xfc 0xfd 0xfe 0xff)
v128.load8x8_s i32(16) => i16x8(-128 -1 127 1 0 -128 -1 -1)
v128.load8x8_u i32(16) => i16x8(128 255 127 1 0 128 255 255)
v128.load8x8_s i32(65528) => i16x8(-8 -7 -6 -5 -4 -3 -2 -1)
v128.load16x4_s i32(16) => i32x4(-128 383 -32768 -1)
v128.load16x4_u i32(16) => i32x4(65408 383 32768 65535)
v128.load32x2_s i32(24) => i64x2(2147483646 -2147483648)
v128.load32x2_u i32(24) => i64x2(2147483646 2147483648)
v128.load32x2_s i32(20) => i64x2(-32768 2147483646)
v128.load32x2_u i32(20) => i64x2(4294934528 2147483646)
v128.load8_splat i32(17) => i8x16(-1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
v128.load16_splat i32(17) => i16x8(0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff)
v128.load16_splat i32(65534) => i16x8(0xfffe 0xfffe 0xfffe 0xfffe 0xfffe 0xfffe 0xfffe 0xfffe)
v128.load32_splat i32(3) => i32x4(0x06050403 0x06050403 0x06050403 0x06050403)
v128.load64_splat i32(9) => i64x2(0x800f0e0d0c0b0a09 0x800f0e0d0c0b0a09)
v128.load32_zero i32(28) => i32x4(0x80000000 0 0 0)
v128.load32_zero i32(65532) => i32x4(0xfffefdfc 0 0 0)
v128.load64_zero i32(5) => i64x2(0x0c0b0a0908070605 0)
v128.load64_zero i32(65528) => i64x2(0xfffefdfcfbfaf9f8 0)
v128.load8_lane/15 i32(16) i8x16(0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa)
  => i8x16(0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0x80)
v128.load8_lane/15 i32(65535) i8x16(0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0) => i8x16(0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0xff)
v128.load16_lane/3 i32(17) i16x8(1 2 3 4 5 6 7 8) => i16x8(1 2 3 0x7fff 5 6 7 8)
v128.load32_lane/1 i32(0) i32x4(-1 -1 -1 -1) => i32x4(-1 0x03020100 -1 -1)
v128.load32_lane/1 i32(65532) i32x4(1 2 3 4) => i32x4(1 0xfffefdfc 3 4)
v128.load64_lane/0 i32(8) i64x2(5 6) => i64x2(0x0f0e0d0c0b0a0908 6)
v128.load64_lane/0 i32(65528) i64x2(5 6) => i64x2(0xfffefdfcfbfaf9f8 6)
",
        );
    }
}

#[test]
fn stores() {
    for (target, m) in instances() {
        let bytes: [u8; 16] = std::array::from_fn(|i| i as u8 + 1);
        call(&m, "v128.store", &[i32(100), counting()]);
        assert_eq!(
            read(&m, 99, 18),
            [&[0][..], &bytes, &[0]].concat(),
            "{target}"
        );
        call(&m, "v128.store/off3", &[i32(998), counting()]);
        assert_eq!(read(&m, 1001, 16), bytes, "{target}");
        call(&m, "v128.store", &[i32(65520), counting()]);
        assert_eq!(read(&m, 65520, 16), bytes, "{target}");

        // Lanes 15, 7 (bytes 14-15), 2 (bytes 8-11) and 1 (bytes 8-15), back to back.
        call(&m, "v128.store8_lane/15", &[i32(200), counting()]);
        call(&m, "v128.store16_lane/7", &[i32(201), counting()]);
        call(&m, "v128.store32_lane/2", &[i32(203), counting()]);
        call(&m, "v128.store64_lane/1", &[i32(207), counting()]);
        let want = [
            0, 16, 15, 16, 9, 10, 11, 12, 9, 10, 11, 12, 13, 14, 15, 16, 0,
        ];
        assert_eq!(read(&m, 199, 17), want, "{target}");
        call(&m, "v128.store8_lane/15", &[i32(65535), counting()]);
        call(&m, "v128.store64_lane/1", &[i32(65527), counting()]);
        assert_eq!(
            read(&m, 65526, 10),
            [7, 9, 10, 11, 12, 13, 14, 15, 16, 16],
            "{target}"
        );
    }
}

#[test]
fn out_of_bounds_accesses_trap_and_write_nothing() {
    let oob: &[(&str, u32)] = &[
        ("v128.load", 65521),
        ("v128.load", 65536),
        ("v128.load", u32::MAX),
        ("v128.load/off1", 65520),
        ("v128.load/off65520", 1),
        ("v128.load/offmax", 0),
        ("v128.load8x8_s", 65529),
        ("v128.load32x2_u", 65529),
        ("v128.load16_splat", 65535),
        ("v128.load64_splat", 65529),
        ("v128.load32_zero", 65533),
        ("v128.load64_zero", 65529),
        // Lane accesses whose first byte is in bounds but whose last is not.
        ("v128.load8_lane/15", 65536),
        ("v128.load16_lane/3", 65535),
        ("v128.load32_lane/1", 65533),
        ("v128.load64_lane/0", 65529),
        ("v128.load64_lane/0", 65535),
        ("v128.store", 65521),
        ("v128.store/off3", 65518),
        ("v128.store", u32::MAX),
        ("v128.store8_lane/15", 65536),
        ("v128.store16_lane/7", 65535),
        ("v128.store32_lane/2", 65533),
        ("v128.store64_lane/1", 65529),
    ];
    for (target, m) in instances() {
        let before = read(&m, 65504, 32);
        for &(name, address) in oob {
            let mut args = vec![i32(address as i32)];
            if name.contains("lane") || name.contains("store") {
                args.push(counting());
            }
            let kind = trap(&m, name, &args);
            assert_eq!(
                kind,
                TrapKind::OutOfBoundsMemory,
                "{target}: {name} at {address}"
            );
        }
        assert_eq!(
            read(&m, 65504, 32),
            before,
            "{target}: a trapping store wrote"
        );
    }
}

#[test]
fn bounds_follow_memory_growth() {
    for (target, m) in instances() {
        assert_eq!(
            trap(&m, "v128.load", &[i32(65521)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(call1(&m, "grow", &[]), i32(1), "{target}");
        check_table(
            &m,
            target,
            "
v128.load i32(65528) => i8x16(0xf8 0xf9 0xfa 0xfb 0xfc 0xfd 0xfe 0xff 0 0 0 0 0 0 0 0)
v128.load64_lane/0 i32(65535) i64x2(5 6) => i64x2(0xff 6)
v128.load i32(131056) => i64x2(0 0)
",
        );
        for (name, address) in [("v128.load", 131057), ("v128.load16_lane/3", 131071)] {
            let mut args = vec![i32(address)];
            if name.contains("lane") {
                args.push(counting());
            }
            assert_eq!(
                trap(&m, name, &args),
                TrapKind::OutOfBoundsMemory,
                "{target}: {name}"
            );
        }
    }
}
