//! Custom page sizes through the real pipeline: memories of 1-byte pages count their size and
//! grow in bytes, and trap one byte past their length even inside a mapped host page; 32- and
//! 64-bit, with guard pages and with explicit checks.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

const OOB: TrapKind = TrapKind::OutOfBoundsMemory;

const PAGE_SIZE_1: &str = r#"
(module
  (memory (export "mem") 3 10 (pagesize 1))
  (memory $m64 i64 5 (pagesize 1))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load16") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 9) (local.get 1)))
  (func (export "size64") (result i64) (memory.size $m64))
  (func (export "grow64") (param i64) (result i64) (memory.grow $m64 (local.get 0)))
  (func (export "load64") (param i64) (result i32) (i32.load8_u $m64 (local.get 0)))
  (data (i32.const 2) "Z"))"#;

#[test]
fn page_size_1_counts_bytes_and_traps_inside_the_host_page() {
    for (label, m) in instances_both_checks(PAGE_SIZE_1) {
        assert_eq!(call1(&m, "size", &[]), i32(3), "{label}");
        assert_eq!(call1(&m, "load8", &[i32(2)]), i32(b'Z' as i32), "{label}");
        // Byte 3 lies in the same host page as byte 2, mapped: only a check can catch it.
        assert_eq!(trap(&m, "load8", &[i32(3)]), OOB, "{label}");
        assert_eq!(trap(&m, "load16", &[i32(2)]), OOB, "{label}");
        assert_eq!(trap(&m, "store8", &[i32(3), i32(1)]), OOB, "{label}");
        assert_eq!(trap(&m, "fill", &[i32(2), i32(2)]), OOB, "{label}");
        assert_eq!(call1(&m, "grow", &[i32(7)]), i32(3), "{label}");
        assert_eq!(call1(&m, "size", &[]), i32(10), "{label}");
        call(&m, "store8", &[i32(9), i32(5)]);
        assert_eq!(call1(&m, "load8", &[i32(9)]), i32(5), "{label}");
        assert_eq!(trap(&m, "load8", &[i32(10)]), OOB, "{label}");
        assert_eq!(call1(&m, "grow", &[i32(1)]), i32(-1), "{label}");
        let mem = memory(&m, "mem");
        assert_eq!(with_store(|s| mem.size(s)), 10, "{label}");
        assert_eq!(call1(&m, "size64", &[]), i64(5), "{label}");
        assert_eq!(trap(&m, "load64", &[i64(5)]), OOB, "{label}");
        assert_eq!(call1(&m, "grow64", &[i64(70000)]), i64(5), "{label}");
        assert_eq!(call1(&m, "load64", &[i64(70004)]), i32(0), "{label}");
        assert_eq!(trap(&m, "load64", &[i64(70005)]), OOB, "{label}");
    }
}

#[test]
fn page_size_1_memory_may_hold_4_gib_minus_one() {
    // The largest 32-bit memory of 1-byte pages: 2^32 - 1 bytes (its size must fit an i32);
    // growing to 2^32 fails.
    let wat = r#"(module (memory (export "mem") 0 (pagesize 1))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let m = instance(wat);
    assert_eq!(call1(&m, "grow", &[i32(-2)]), i32(0));
    assert_eq!(call1(&m, "grow", &[i32(1)]), i32(-2));
    assert_eq!(call1(&m, "grow", &[i32(1)]), i32(-1));
    let mem = memory(&m, "mem");
    assert_eq!(with_store(|s| mem.size(s)), u64::from(u32::MAX));
}

#[test]
fn page_size_65536_spelled_out_is_the_default() {
    let m = instance(
        r#"(module (memory 1 (pagesize 65536)) (func (export "size") (result i32) (memory.size)))"#,
    );
    assert_eq!(call1(&m, "size", &[]), i32(1));
}
