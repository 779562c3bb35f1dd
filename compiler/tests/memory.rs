//! Linear memory through the real pipeline: every load and store width, byte order, memarg
//! offsets, bounds at exactly the end of memory (with guard pages and with explicit checks),
//! memory.size/grow, bulk memory and data segments.

mod support;
use support::*;
use wasmaot_runtime::{Error, Extern, Instance, Store, Trap, TrapKind, Val};

const MODULE: &str = r#"
(module
  (memory (export "mem") 1 4)

  (func (export "i32.load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "i64.load") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "f32.load") (param i32) (result f32) (f32.load (local.get 0)))
  (func (export "f64.load") (param i32) (result f64) (f64.load (local.get 0)))
  (func (export "i32.load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
  (func (export "i32.load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i32.load16_s") (param i32) (result i32) (i32.load16_s (local.get 0)))
  (func (export "i32.load16_u") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "i64.load8_s") (param i32) (result i64) (i64.load8_s (local.get 0)))
  (func (export "i64.load8_u") (param i32) (result i64) (i64.load8_u (local.get 0)))
  (func (export "i64.load16_s") (param i32) (result i64) (i64.load16_s (local.get 0)))
  (func (export "i64.load16_u") (param i32) (result i64) (i64.load16_u (local.get 0)))
  (func (export "i64.load32_s") (param i32) (result i64) (i64.load32_s (local.get 0)))
  (func (export "i64.load32_u") (param i32) (result i64) (i64.load32_u (local.get 0)))

  (func (export "i32.store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "i64.store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "f32.store") (param i32 f32) (f32.store (local.get 0) (local.get 1)))
  (func (export "f64.store") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
  (func (export "i32.store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "i32.store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "i64.store8") (param i32 i64) (i64.store8 (local.get 0) (local.get 1)))
  (func (export "i64.store16") (param i32 i64) (i64.store16 (local.get 0) (local.get 1)))
  (func (export "i64.store32") (param i32 i64) (i64.store32 (local.get 0) (local.get 1)))
  (func (export "constant stores") (param i32)
    (i32.store8 (local.get 0) (i32.const 0x123456ab))
    (i32.store16 offset=1 (local.get 0) (i32.const -2))
    (i64.store8 offset=3 (local.get 0) (i64.const 0x1ff))
    (i64.store16 offset=4 (local.get 0) (i64.const 0x7fffffff8001))
    (i64.store32 offset=6 (local.get 0) (i64.const 0xffffffff80000002)))

  (func (export "i32.load off=4") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func (export "i64.load16_u off=9") (param i32) (result i64) (i64.load16_u offset=9 (local.get 0)))
  (func (export "i32.load off=65532") (param i32) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "i32.load8_u off=65535") (param i32) (result i32) (i32.load8_u offset=65535 (local.get 0)))
  (func (export "i32.load off=1") (param i32) (result i32) (i32.load offset=1 (local.get 0)))
  (func (export "i32.load off=max") (param i32) (result i32) (i32.load offset=0xffffffff (local.get 0)))
  (func (export "i32.load8_u off=max") (param i32) (result i32) (i32.load8_u offset=0xffffffff (local.get 0)))
  (func (export "i64.load off=2g-8") (param i32) (result i64) (i64.load offset=0x7ffffff8 (local.get 0)))
  (func (export "i32.load off=2g") (param i32) (result i32) (i32.load offset=0x80000000 (local.get 0)))
  (func (export "i32.store off=65532") (param i32 i32) (i32.store offset=65532 (local.get 0) (local.get 1)))
  (func (export "i32.store off=max") (param i32 i32) (i32.store offset=0xffffffff (local.get 0) (local.get 1)))
  (func (export "i64.store8 off=65535") (param i32 i64) (i64.store8 offset=65535 (local.get 0) (local.get 1)))

  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (memory.init $hello (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_active") (param i32 i32 i32) (memory.init $first (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (data.drop $hello))

  (data $first (i32.const 0) "\01\02\03\04\05\06\07\08\80\ff\fe\ff\ff\ff\ff\ff")
  (data $hello "hello")
  (data (i32.const 1000) "\01\02\03\04\05\06\07\08")
  (data (i32.const 2000) "abcd")
  (data (i32.const 2002) "XY")
  (data (i32.const 65534) "\aa\bb")
)"#;

fn bytes(m: &Instance, offset: usize, len: usize) -> Vec<u8> {
    let memory = memory(m, "mem");
    let mut buf = vec![0; len];
    with_store(|s| memory.read(s, offset, &mut buf)).expect("in bounds");
    buf
}

fn guard() -> Instance {
    instance(MODULE)
}

fn explicit() -> Instance {
    new_instance(&load_with(MODULE, &explicit_checks()), &[]).expect("instantiates")
}

#[test]
fn loads_of_every_width_sign_and_zero_extend() {
    let m = guard();
    let l = |name: &str, addr: i32| call1(&m, name, &[i32(addr)]);
    assert_eq!(l("i32.load", 0), i32(0x0403_0201));
    assert_eq!(l("i32.load", 1), i32(0x0504_0302));
    assert_eq!(l("i64.load", 0), i64(0x0807_0605_0403_0201));
    assert_eq!(l("i64.load", 3), i64(0xfeff_8008_0706_0504u64 as i64));
    assert_eq!(l("i32.load8_s", 8), i32(-128));
    assert_eq!(l("i32.load8_u", 8), i32(128));
    assert_eq!(l("i32.load8_s", 7), i32(8));
    assert_eq!(l("i32.load16_s", 8), i32(-128));
    assert_eq!(l("i32.load16_u", 8), i32(0xff80));
    assert_eq!(l("i32.load16_s", 10), i32(-2));
    assert_eq!(l("i32.load16_u", 10), i32(0xfffe));
    assert_eq!(l("i64.load8_s", 9), i64(-1));
    assert_eq!(l("i64.load8_u", 9), i64(255));
    assert_eq!(l("i64.load16_s", 8), i64(-128));
    assert_eq!(l("i64.load16_u", 8), i64(0xff80));
    assert_eq!(l("i64.load32_s", 10), i64(-2));
    assert_eq!(l("i64.load32_u", 10), i64(0xffff_fffe));
    assert_eq!(l("i64.load32_s", 4), i64(0x0807_0605));
    assert_eq!(l("f32.load", 0), Val::F32(0x0403_0201));
    assert_eq!(l("f64.load", 8), Val::F64(0xffff_ffff_fffe_ff80));
    // memarg offsets add to the address.
    assert_eq!(l("i32.load off=4", 0), i32(0x0807_0605));
    assert_eq!(l("i32.load off=4", 4), i32(0xfffe_ff80u32 as i32));
    assert_eq!(l("i64.load16_u off=9", 0), i64(0xfeff));
    assert_eq!(l("i32.load off=1", 0), i32(0x0504_0302));
}

#[test]
fn stores_of_every_width_write_only_their_bytes() {
    let m = guard();
    let s = |name: &str, addr: i32, v: Val| {
        call(&m, name, &[i32(addr), v]);
    };
    let l32 = |addr: i32| call1(&m, "i32.load", &[i32(addr)]);
    let l64 = |addr: i32| call1(&m, "i64.load", &[i32(addr)]);
    s("i32.store8", 100, i32(0x1234_5678));
    assert_eq!(l32(100), i32(0x78));
    s("i32.store16", 104, i32(0x1234_5678));
    assert_eq!(l32(104), i32(0x5678));
    s("i32.store", 108, i32(-2));
    assert_eq!(l64(108), i64(0xffff_fffe));
    s("i64.store8", 120, i64(0x1122_3344_5566_7788));
    assert_eq!(l64(120), i64(0x88));
    s("i64.store16", 128, i64(0x1122_3344_5566_7788));
    assert_eq!(l64(128), i64(0x7788));
    s("i64.store32", 136, i64(0x1122_3344_5566_7788));
    assert_eq!(l64(136), i64(0x5566_7788));
    s("i64.store", 144, i64(i64::MIN + 5));
    assert_eq!(l64(144), i64(i64::MIN + 5));
    // Narrow stores of constants (x86-64 writes them as immediates) keep only the low bytes.
    s("i64.store", 200, i64(-1));
    s("i64.store", 208, i64(-1));
    call(&m, "constant stores", &[i32(200)]);
    assert_eq!(l64(200), i64(0x0002_8001_ffff_feab));
    assert_eq!(l64(208), i64(0xffff_ffff_ffff_8000u64 as i64));
    // A narrow store in the middle of existing data leaves the neighbours alone.
    s("i64.store", 160, i64(-1));
    s("i32.store16", 162, i32(0));
    assert_eq!(l64(160), i64(0xffff_ffff_0000_ffffu64 as i64));
    s("i32.store off=65532", 0, i32(0x0a0b_0c0d));
    assert_eq!(l32(65532), i32(0x0a0b_0c0d));
    assert_eq!(call1(&m, "i32.load off=65532", &[i32(0)]), i32(0x0a0b_0c0d));
    // Floats go through memory bit for bit, NaN payloads included.
    s("f32.store", 300, Val::F32(0x7fa0_0001));
    assert_eq!(l32(300), i32(0x7fa0_0001));
    assert_eq!(call1(&m, "f32.load", &[i32(300)]), Val::F32(0x7fa0_0001));
    s("f64.store", 304, Val::F64(0xfff4_0000_0000_0123));
    assert_eq!(l64(304), i64(0xfff4_0000_0000_0123u64 as i64));
    assert_eq!(
        call1(&m, "f64.load", &[i32(304)]),
        Val::F64(0xfff4_0000_0000_0123)
    );
    // Unaligned accesses are fine.
    s("i64.store", 401, i64(0x0102_0304_0506_0708));
    assert_eq!(l64(401), i64(0x0102_0304_0506_0708));
}

#[test]
fn memory_is_little_endian() {
    let m = guard();
    call(&m, "i32.store", &[i32(200), i32(0x1122_3344)]);
    assert_eq!(bytes(&m, 200, 4), [0x44, 0x33, 0x22, 0x11]);
    for (i, b) in [0x44, 0x33, 0x22, 0x11].into_iter().enumerate() {
        assert_eq!(call1(&m, "i32.load8_u", &[i32(200 + i as i32)]), i32(b));
    }
    call(&m, "i64.store", &[i32(208), i64(0x0102_0304_0506_0708)]);
    assert_eq!(bytes(&m, 208, 8), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(call1(&m, "i32.load16_u", &[i32(214)]), i32(0x0102));
    call(&m, "f32.store", &[i32(216), f32(1.0)]);
    assert_eq!(bytes(&m, 216, 4), [0, 0, 0x80, 0x3f]);
    call(&m, "f64.store", &[i32(224), f64(-2.0)]);
    assert_eq!(bytes(&m, 224, 8), [0, 0, 0, 0, 0, 0, 0, 0xc0]);
    // The host writes, wasm reads.
    let memory = memory(&m, "mem");
    with_store(|s| memory.data_mut(s)[240..244].copy_from_slice(&[0xef, 0xbe, 0xad, 0xde]));
    assert_eq!(
        call1(&m, "i32.load", &[i32(240)]),
        i32(0xdead_beefu32 as i32)
    );
}

#[test]
fn active_data_segments_are_applied_in_order() {
    let m = guard();
    assert_eq!(bytes(&m, 0, 4), [1, 2, 3, 4]);
    assert_eq!(bytes(&m, 1000, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(bytes(&m, 2000, 4), *b"abXY");
    assert_eq!(bytes(&m, 65534, 2), [0xaa, 0xbb]);
    assert_eq!(bytes(&m, 16, 984), vec![0; 984]);
    assert_eq!(call1(&m, "size", &[]), i32(1));
}

/// Every boundary case, for an instance of `MODULE` (64 KiB memory ending in `aa bb`).
fn check_bounds(m: &Instance) {
    let l = |name: &str, addr: i32| call1(m, name, &[i32(addr)]);
    let t = |name: &str, addr: i32| trap(m, name, &[i32(addr)]);
    const OOB: TrapKind = TrapKind::OutOfBoundsMemory;
    // The last byte is readable; one past it is not.
    assert_eq!(l("i32.load8_u", 65535), i32(0xbb));
    assert_eq!(t("i32.load8_u", 65536), OOB);
    assert_eq!(t("i32.load8_s", 65536), OOB);
    assert_eq!(t("i64.load8_u", 65536), OOB);
    assert_eq!(t("i32.load8_u", -1), OOB);
    assert_eq!(t("i32.load8_u", i32::MIN), OOB);
    // Wider accesses: the last whole one works, one straddling the end traps.
    assert_eq!(l("i32.load16_u", 65534), i32(0xbbaa));
    assert_eq!(t("i32.load16_u", 65535), OOB);
    assert_eq!(t("i64.load16_s", 65535), OOB);
    assert_eq!(l("i32.load", 65532), i32(0xbbaa_0000u32 as i32));
    assert_eq!(t("i32.load", 65533), OOB);
    assert_eq!(t("i32.load", 65535), OOB);
    assert_eq!(t("i32.load", 65536), OOB);
    assert_eq!(t("i32.load", -1), OOB);
    assert_eq!(t("i32.load", -4), OOB);
    assert_eq!(l("i64.load32_u", 65532), i64(0xbbaa_0000));
    assert_eq!(t("i64.load32_s", 65533), OOB);
    assert_eq!(l("i64.load", 65528), i64(0xbbaa_0000_0000_0000u64 as i64));
    assert_eq!(t("i64.load", 65529), OOB);
    assert_eq!(t("f32.load", 65533), OOB);
    assert_eq!(l("f64.load", 65528), Val::F64(0xbbaa_0000_0000_0000));
    assert_eq!(t("f64.load", 65529), OOB);
    // Offsets count: the effective address is index + offset, without wrapping.
    assert_eq!(l("i32.load off=65532", 0), i32(0xbbaa_0000u32 as i32));
    assert_eq!(t("i32.load off=65532", 1), OOB);
    assert_eq!(t("i32.load off=65532", 4), OOB);
    assert_eq!(l("i32.load8_u off=65535", 0), i32(0xbb));
    assert_eq!(t("i32.load8_u off=65535", 1), OOB);
    assert_eq!(t("i32.load off=1", 65532), OOB);
    assert_eq!(t("i32.load off=1", -1), OOB);
    assert_eq!(t("i32.load off=max", 0), OOB);
    assert_eq!(t("i32.load off=max", -1), OOB);
    assert_eq!(t("i32.load8_u off=max", 0), OOB);
    assert_eq!(t("i32.load8_u off=max", 1), OOB);
    assert_eq!(t("i64.load off=2g-8", 0), OOB);
    assert_eq!(t("i64.load off=2g-8", -1), OOB);
    assert_eq!(t("i32.load off=2g", 0), OOB);

    // Stores: same boundaries, and a trapping store writes nothing.
    let s = |name: &str, addr: i32, v: Val| call(m, name, &[i32(addr), v]);
    let st = |name: &str, addr: i32, v: Val| trap(m, name, &[i32(addr), v]);
    let tail = || call1(m, "i64.load", &[i32(65528)]);
    let before = tail();
    assert_eq!(st("i32.store", 65533, i32(-1)), OOB);
    assert_eq!(st("i32.store16", 65535, i32(-1)), OOB);
    assert_eq!(st("i64.store", 65529, i64(-1)), OOB);
    assert_eq!(st("i64.store32", 65533, i64(-1)), OOB);
    assert_eq!(st("f32.store", 65533, f32(1.0)), OOB);
    assert_eq!(st("f64.store", 65529, f64(1.0)), OOB);
    assert_eq!(st("i32.store8", 65536, i32(-1)), OOB);
    assert_eq!(st("i64.store8", -1, i64(-1)), OOB);
    assert_eq!(st("i32.store off=65532", 1, i32(-1)), OOB);
    assert_eq!(st("i32.store off=max", 0, i32(-1)), OOB);
    assert_eq!(st("i64.store8 off=65535", 1, i64(-1)), OOB);
    assert_eq!(tail(), before, "a trapping store changed memory");
    s("i32.store8", 65535, i32(0x11));
    s("i64.store8 off=65535", 0, i64(0x22));
    assert_eq!(l("i32.load8_u", 65535), i32(0x22));
    s("i32.store", 65532, i32(0x0102_0304));
    s("i64.store", 65528, i64(0x0506_0708_0102_0304));
    assert_eq!(l("i32.load", 65532), i32(0x0506_0708));
    s("i32.store off=65532", 0, i32(7));
    assert_eq!(l("i32.load", 65532), i32(7));

    // Growing makes the next page accessible, and the new end is checked the same way.
    assert_eq!(call1(m, "grow", &[i32(1)]), i32(1));
    assert_eq!(l("i32.load", 65533), i32(0));
    assert_eq!(l("i64.load", 65536), i64(0));
    assert_eq!(l("i32.load off=65532", 1), i32(0));
    assert_eq!(l("i32.load8_u", 131071), i32(0));
    assert_eq!(t("i32.load8_u", 131072), OOB);
    assert_eq!(t("i32.load", 131069), OOB);
    s("i32.store", 131068, i32(-7));
    assert_eq!(l("i32.load", 131068), i32(-7));
    assert_eq!(st("i64.store", 131065, i64(0)), OOB);
}

#[test]
fn out_of_bounds_traps_exactly_at_the_end_with_guard_pages() {
    check_bounds(&guard());
}

#[test]
fn out_of_bounds_traps_exactly_at_the_end_with_explicit_checks() {
    check_bounds(&explicit());
}

const EMPTY_MEMORY: &str = r#"
(module
  (memory 0)
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)"#;

fn check_empty_memory(m: &Instance) {
    assert_eq!(call1(m, "size", &[]), i32(0));
    assert_eq!(trap(m, "load", &[i32(0)]), TrapKind::OutOfBoundsMemory);
    assert_eq!(
        trap(m, "store", &[i32(0), i32(1)]),
        TrapKind::OutOfBoundsMemory
    );
    assert_eq!(call1(m, "grow", &[i32(1)]), i32(0));
    assert_eq!(call1(m, "load", &[i32(0)]), i32(0));
    call(m, "store", &[i32(65532), i32(0x7f00_0000)]);
    assert_eq!(call1(m, "load", &[i32(65535)]), i32(0x7f));
    assert_eq!(trap(m, "load", &[i32(65536)]), TrapKind::OutOfBoundsMemory);
}

#[test]
fn empty_memory_traps_until_grown() {
    check_empty_memory(&instance(EMPTY_MEMORY));
    check_empty_memory(&new_instance(&load_with(EMPTY_MEMORY, &explicit_checks()), &[]).unwrap());
}

#[test]
fn memory_size_and_grow() {
    for m in [guard(), explicit()] {
        let grow = |n: i32| call1(&m, "grow", &[i32(n)]);
        let size = || call1(&m, "size", &[]);
        assert_eq!(size(), i32(1));
        assert_eq!(grow(1), i32(1));
        assert_eq!(size(), i32(2));
        assert_eq!(grow(0), i32(2));
        // Past the maximum of 4 pages: -1, and nothing changes.
        assert_eq!(grow(3), i32(-1));
        assert_eq!(grow(-1), i32(-1));
        assert_eq!(grow(0x1_0000), i32(-1));
        assert_eq!(size(), i32(2));
        assert_eq!(grow(2), i32(2));
        assert_eq!(size(), i32(4));
        assert_eq!(grow(1), i32(-1));
        assert_eq!(grow(0), i32(4));
        // New pages are zeroed and usable, up to the new end.
        for addr in [65536, 3 * 65536 + 12345, 4 * 65536 - 8] {
            assert_eq!(call1(&m, "i64.load", &[i32(addr)]), i64(0));
        }
        call(&m, "i64.store", &[i32(4 * 65536 - 8), i64(-1)]);
        assert_eq!(call1(&m, "i64.load", &[i32(4 * 65536 - 8)]), i64(-1));
        assert_eq!(
            trap(&m, "i32.load8_u", &[i32(4 * 65536)]),
            TrapKind::OutOfBoundsMemory
        );
        // The host sees the same size.
        let memory = memory(&m, "mem");
        assert_eq!(with_store(|s| memory.size(s)), 4);
        assert_eq!(with_store(|s| memory.data_size(s)), 4 * 65536);
    }
}

#[test]
fn memory_grow_without_maximum() {
    let wat = r#"
      (module
        (memory 1)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size)))"#;
    let m = instance(wat);
    assert_eq!(call1(&m, "grow", &[i32(0x1_0000)]), i32(-1));
    assert_eq!(call1(&m, "grow", &[i32(-1)]), i32(-1));
    assert_eq!(call1(&m, "grow", &[i32(2)]), i32(1));
    assert_eq!(call1(&m, "size", &[]), i32(3));
}

#[test]
fn memory_fill() {
    for m in [guard(), explicit()] {
        call(&m, "fill", &[i32(10), i32(0xab), i32(5)]);
        assert_eq!(
            bytes(&m, 8, 9),
            [0x80, 0xff, 0xab, 0xab, 0xab, 0xab, 0xab, 0xff, 0]
        );
        // Only the low byte of the value counts.
        call(&m, "fill", &[i32(3000), i32(0x1cd), i32(3)]);
        assert_eq!(bytes(&m, 2999, 5), [0, 0xcd, 0xcd, 0xcd, 0]);
        // Up to the very end, and zero-length at the end, are fine.
        call(&m, "fill", &[i32(65530), i32(1), i32(6)]);
        assert_eq!(bytes(&m, 65528, 8), [0, 0, 1, 1, 1, 1, 1, 1]);
        call(&m, "fill", &[i32(65536), i32(9), i32(0)]);
        // Out of bounds traps before writing anything.
        assert_eq!(
            trap(&m, "fill", &[i32(65530), i32(2), i32(7)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(bytes(&m, 65528, 8), [0, 0, 1, 1, 1, 1, 1, 1]);
        assert_eq!(
            trap(&m, "fill", &[i32(65537), i32(2), i32(0)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "fill", &[i32(-1), i32(2), i32(1)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "fill", &[i32(1), i32(2), i32(-1)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(bytes(&m, 0, 4), [1, 2, 3, 4]);
    }
}

#[test]
fn memory_copy_handles_overlap_both_ways() {
    for m in [guard(), explicit()] {
        // Forward overlap (destination above source).
        call(&m, "copy", &[i32(1002), i32(1000), i32(5)]);
        assert_eq!(bytes(&m, 1000, 8), [1, 2, 1, 2, 3, 4, 5, 8]);
    }
    for m in [guard(), explicit()] {
        // Backward overlap (destination below source).
        call(&m, "copy", &[i32(1000), i32(1002), i32(5)]);
        assert_eq!(bytes(&m, 1000, 8), [3, 4, 5, 6, 7, 6, 7, 8]);
        // Disjoint, and to the last bytes of memory.
        call(&m, "copy", &[i32(65532), i32(2000), i32(4)]);
        assert_eq!(bytes(&m, 65532, 4), *b"abXY");
        call(&m, "copy", &[i32(65536), i32(0), i32(0)]);
        call(&m, "copy", &[i32(0), i32(65536), i32(0)]);
        // Out of bounds on either side traps and copies nothing.
        assert_eq!(
            trap(&m, "copy", &[i32(65533), i32(2000), i32(4)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "copy", &[i32(3000), i32(65533), i32(4)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "copy", &[i32(65537), i32(0), i32(0)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "copy", &[i32(0), i32(65537), i32(0)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "copy", &[i32(0), i32(1), i32(-1)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(bytes(&m, 65532, 4), *b"abXY");
        assert_eq!(bytes(&m, 3000, 4), [0, 0, 0, 0]);
    }
}

#[test]
fn memory_init_and_data_drop() {
    for m in [guard(), explicit()] {
        call(&m, "init", &[i32(100), i32(1), i32(3)]);
        assert_eq!(bytes(&m, 99, 5), [0, b'e', b'l', b'l', 0]);
        call(&m, "init", &[i32(200), i32(0), i32(5)]);
        assert_eq!(bytes(&m, 200, 5), *b"hello");
        call(&m, "init", &[i32(65531), i32(0), i32(5)]);
        assert_eq!(bytes(&m, 65531, 5), *b"hello");
        // Zero-length at the end of the segment or of memory is fine.
        call(&m, "init", &[i32(0), i32(5), i32(0)]);
        call(&m, "init", &[i32(65536), i32(0), i32(0)]);
        // Out of bounds in the segment or in memory traps and writes nothing.
        assert_eq!(
            trap(&m, "init", &[i32(300), i32(3), i32(3)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "init", &[i32(300), i32(6), i32(0)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "init", &[i32(65534), i32(0), i32(3)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "init", &[i32(65537), i32(0), i32(0)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(
            trap(&m, "init", &[i32(300), i32(-1), i32(2)]),
            TrapKind::OutOfBoundsMemory
        );
        assert_eq!(bytes(&m, 300, 5), [0; 5]);
        assert_eq!(bytes(&m, 65534, 2), *b"lo");
        // After data.drop the segment is empty: only zero-length inits at 0 succeed.
        call(&m, "drop", &[]);
        assert_eq!(
            trap(&m, "init", &[i32(300), i32(0), i32(1)]),
            TrapKind::OutOfBoundsMemory
        );
        call(&m, "init", &[i32(300), i32(0), i32(0)]);
        assert_eq!(
            trap(&m, "init", &[i32(300), i32(1), i32(0)]),
            TrapKind::OutOfBoundsMemory
        );
        call(&m, "drop", &[]);
        // Active segments count as dropped once instantiation is done.
        call(&m, "init_active", &[i32(0), i32(0), i32(0)]);
        assert_eq!(
            trap(&m, "init_active", &[i32(0), i32(0), i32(1)]),
            TrapKind::OutOfBoundsMemory
        );
    }
}

#[test]
fn data_segment_out_of_bounds_fails_instantiation() {
    let wat = r#"(module (memory 1) (data (i32.const 65535) "ab"))"#;
    match new_instance(&load(wat), &[]) {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => assert_eq!(kind, TrapKind::OutOfBoundsMemory),
        Err(other) => panic!("expected an out-of-bounds trap, got {other:?}"),
        Ok(_) => panic!("instantiation succeeded"),
    }
    // Segments before the failing one have been written to the (shared) memory.
    let exporter = instance(r#"(module (memory (export "mem") 1))"#);
    let memory = memory(&exporter, "mem");
    let importer = r#"
      (module
        (import "env" "mem" (memory 1))
        (data (i32.const 10) "ok")
        (data (i32.const 65536) "x"))"#;
    match new_instance(&load(importer), &[Extern::Memory(memory)]) {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => assert_eq!(kind, TrapKind::OutOfBoundsMemory),
        Err(other) => panic!("expected an out-of-bounds trap, got {other:?}"),
        Ok(_) => panic!("instantiation succeeded"),
    }
    let mut ok = [0; 2];
    with_store(|s| memory.read(s, 10, &mut ok)).unwrap();
    assert_eq!(&ok, b"ok");
}

const REUSED: &str = r#"
(module
  (memory 1 5)
  (data (i32.const 10) "\07")
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)"#;

/// Instantiate, dirty and grow the memory, drop the instance (with its store: a store frees
/// nothing before it is dropped); a later instance (which may get the same address space back)
/// must again start zeroed, one page long, bounded at one page.
fn check_fresh_memory_each_time(module: &wasmaot_runtime::Module) {
    for _ in 0..4 {
        let m = new_instance(module, &[]).expect("instantiates");
        assert_eq!(call1(&m, "size", &[]), i32(1));
        assert_eq!(call1(&m, "load", &[i32(10)]), i32(7));
        for addr in [0, 11, 4096, 65535] {
            assert_eq!(
                call1(&m, "load", &[i32(addr)]),
                i32(0),
                "stale byte at {addr}"
            );
        }
        assert_eq!(trap(&m, "load", &[i32(65536)]), TrapKind::OutOfBoundsMemory);
        assert_eq!(
            trap(&m, "load", &[i32(3 * 65536)]),
            TrapKind::OutOfBoundsMemory
        );
        for addr in [0, 11, 4096, 65535] {
            call(&m, "store", &[i32(addr), i32(0xff)]);
        }
        assert_eq!(call1(&m, "grow", &[i32(3)]), i32(1));
        for addr in [65536, 2 * 65536 + 5, 4 * 65536 - 1] {
            call(&m, "store", &[i32(addr), i32(0xee)]);
        }
        // Replace the test's store with an empty one and drop the old one, instance and all.
        drop(with_store(std::mem::take::<Store>));
    }
}

#[test]
fn memory_of_a_dropped_instance_is_not_seen_by_the_next() {
    check_fresh_memory_each_time(&load(REUSED));
    check_fresh_memory_each_time(&load_with(REUSED, &explicit_checks()));
}

#[test]
fn host_memory_shared_with_wasm() {
    use wasmaot_runtime::metadata::Limits;
    use wasmaot_runtime::{Memory, MemoryType};
    let ty = MemoryType::new(Limits {
        min: 1,
        max: Some(3),
    });
    let host = with_store(|s| Memory::new(s, ty)).expect("host memory");
    assert_eq!(with_store(|s| host.ty(s)), ty);
    with_store(|s| host.write(s, 65532, &0x1234_5678u32.to_le_bytes())).unwrap();
    let wat = r#"
      (module
        (import "env" "mem" (memory 1 3))
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
        (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
        (func (export "size") (result i32) (memory.size)))"#;
    for options in [Default::default(), explicit_checks()] {
        let m = new_instance(&load_with(wat, &options), &[Extern::Memory(host)]).unwrap();
        assert_eq!(call1(&m, "load", &[i32(65532)]), i32(0x1234_5678));
        call(&m, "store", &[i32(8), i32(-2)]);
        let mut buf = [0; 4];
        with_store(|s| host.read(s, 8, &mut buf)).unwrap();
        assert_eq!(buf, (-2i32).to_le_bytes());
        assert_eq!(
            call1(&m, "size", &[]),
            i32(with_store(|s| host.size(s)) as i32)
        );
    }
    let m = new_instance(&load(wat), &[Extern::Memory(host)]).unwrap();
    assert_eq!(trap(&m, "load", &[i32(65533)]), TrapKind::OutOfBoundsMemory);
    // Host accesses are checked against the current size.
    let mut buf = [0; 4];
    assert!(matches!(
        with_store(|s| host.read(s, 65533, &mut buf)),
        Err(Error::Access(_))
    ));
    assert!(matches!(
        with_store(|s| host.write(s, usize::MAX, &[1])),
        Err(Error::Access(_))
    ));
    // Growth by the host is seen by wasm, up to the maximum.
    assert_eq!(with_store(|s| host.grow(s, 1)), Ok(1));
    assert_eq!(call1(&m, "size", &[]), i32(2));
    assert_eq!(with_store(|s| host.data_size(s)), 2 * 65536);
    call(&m, "store", &[i32(65533), i32(0x0a0b_0c0d)]);
    with_store(|s| host.read(s, 65533, &mut buf)).unwrap();
    assert_eq!(buf, [0x0d, 0x0c, 0x0b, 0x0a]);
    assert!(matches!(
        with_store(|s| host.grow(s, 2)),
        Err(Error::Resource(_))
    ));
    assert_eq!(with_store(|s| host.size(s)), 2);
    assert_eq!(
        trap(&m, "load", &[i32(2 * 65536 - 3)]),
        TrapKind::OutOfBoundsMemory
    );
}

#[test]
fn explicit_checks_memory_moves_when_it_outgrows_its_reservation() {
    // With explicit checks a memory without maximum reserves 64 MiB, not 4 GiB, and moves to
    // a larger reservation when it grows past that: code must read the moved base, in the
    // function that grew it and in every instance sharing the memory, and nothing is lost.
    let exporter = r#"
      (module
        (memory (export "mem") 1)
        (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
        (func (export "grow_then_load") (param $delta i32) (param $at i32) (result i32)
          (i32.store (i32.const 8) (i32.const 77))
          (drop (memory.grow (local.get $delta)))
          (i32.add (i32.load (i32.const 8)) (i32.load (local.get $at)))))"#;
    let importer = r#"
      (module
        (import "env" "mem" (memory 1))
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;
    let m = new_instance(&load_with(exporter, &explicit_checks()), &[]).expect("instantiates");
    let mem = memory(&m, "mem");
    let reader = new_instance(
        &load_with(importer, &explicit_checks()),
        &[Extern::Memory(mem)],
    )
    .expect("instantiates");
    call(&m, "store", &[i32(65532), i32(0x1234_5678)]);
    let before = with_store(|s| mem.data(s).as_ptr() as usize);
    // 1,100 pages (68.75 MiB) pass the first reservation; the last word of the new memory
    // is zero, the word written before the grow survives the move.
    let last = 1101 * 65536 - 4;
    assert_eq!(
        call1(&m, "grow_then_load", &[i32(1100), i32(last)]),
        i32(77)
    );
    let after = with_store(|s| mem.data(s).as_ptr() as usize);
    assert_ne!(before, after, "the memory moved");
    assert_eq!(with_store(|s| mem.data_size(s)), 1101 * 65536);
    assert_eq!(call1(&reader, "load", &[i32(65532)]), i32(0x1234_5678));
    call(&m, "store", &[i32(last), i32(-9)]);
    assert_eq!(call1(&reader, "load", &[i32(last)]), i32(-9));
    assert_eq!(
        trap(&reader, "load", &[i32(last + 1)]),
        TrapKind::OutOfBoundsMemory
    );
    let mut word = [0; 4];
    with_store(|s| mem.read(s, 65532, &mut word)).expect("in bounds");
    assert_eq!(word, 0x1234_5678u32.to_le_bytes());
    // Code relying on guard pages must not take a memory that moves.
    assert!(matches!(
        new_instance(&load(importer), &[Extern::Memory(mem)]),
        Err(Error::Link(_))
    ));
}

#[test]
fn a_movable_host_memory_serves_explicit_checks_and_is_refused_by_guard_code() {
    use wasmaot_runtime::metadata::Limits;
    use wasmaot_runtime::{Memory, MemoryType};
    let ty = MemoryType::new(Limits { min: 1, max: None });
    let host = with_store(|s| Memory::new_movable(s, ty)).expect("host memory");
    with_store(|s| host.write(s, 65532, &0x1234_5678u32.to_le_bytes())).unwrap();
    let wat = r#"
      (module
        (import "env" "mem" (memory 1))
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let m = new_instance(&load_with(wat, &explicit_checks()), &[Extern::Memory(host)])
        .expect("explicit checks take a movable memory");
    assert_eq!(call1(&m, "load", &[i32(65532)]), i32(0x1234_5678));
    let before = with_store(|s| host.data(s).as_ptr() as usize);
    // Past the 64 MiB it reserved: it moves, keeping its bytes; wasm and host both follow.
    assert_eq!(call1(&m, "grow", &[i32(1100)]), i32(1));
    assert_ne!(with_store(|s| host.data(s).as_ptr() as usize), before);
    assert_eq!(call1(&m, "load", &[i32(65532)]), i32(0x1234_5678));
    with_store(|s| host.grow(s, 1)).expect("host grows it");
    let last = 1102 * 65536 - 4;
    with_store(|s| host.write(s, last as usize, &7u32.to_le_bytes())).unwrap();
    assert_eq!(call1(&m, "load", &[i32(last)]), i32(7));
    assert_eq!(
        trap(&m, "load", &[i32(last + 1)]),
        TrapKind::OutOfBoundsMemory
    );
    // Code relying on guard pages cannot use a memory whose base moves.
    assert!(matches!(
        new_instance(&load(wat), &[Extern::Memory(host)]),
        Err(Error::Link(_))
    ));
}
