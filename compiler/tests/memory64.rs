//! 64-bit memories through the real pipeline: addresses past 4 GiB do not wrap, huge indices
//! and offsets trap (index + offset + size overflowing 2^64 included), the bulk instructions
//! take i64 operands, `memory.copy` between a 32- and a 64-bit memory, growing past 4 GiB,
//! SIMD accesses, memories imported from wasm and from the host, WASI on one. Each runs with
//! guard pages and with explicit checks.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

const MEMORY64: &str = r#"
(module
  (memory (export "mem") i64 1 70000)
  (func (export "load") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "load8 off=4G") (param i64) (result i32)
    (i32.load8_u offset=0x100000000 (local.get 0)))
  (func (export "load8 off=max") (param i64) (result i32)
    (i32.load8_u offset=0xffffffffffffffff (local.get 0)))
  (func (export "load off=2^64-4") (param i64) (result i32)
    (i32.load offset=0xfffffffffffffffc (local.get 0)))
  (func (export "load off=8") (param i64) (result i64) (i64.load offset=8 (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i64 i32 i32) (memory.init $hello (local.get 0) (local.get 1) (local.get 2)))
  (data $hello "hello")
  (data (i64.const 16) "\01\02\03\04\05\06\07\08")
)"#;

const OOB: TrapKind = TrapKind::OutOfBoundsMemory;
const PAGE: i64 = 65536;

#[test]
fn loads_and_stores_in_bounds_and_at_the_end() {
    for (label, m) in instances_both_checks(MEMORY64) {
        assert_eq!(
            call1(&m, "load", &[i64(16)]),
            i64(0x0807_0605_0403_0201),
            "{label}"
        );
        call(&m, "store", &[i64(PAGE - 8), i64(-2)]);
        assert_eq!(call1(&m, "load", &[i64(PAGE - 8)]), i64(-2), "{label}");
        assert_eq!(
            call1(&m, "load off=8", &[i64(PAGE - 16)]),
            i64(-2),
            "{label}"
        );
        assert_eq!(call1(&m, "load8", &[i64(PAGE - 8)]), i32(0xfe), "{label}");
        assert_eq!(trap(&m, "load", &[i64(PAGE - 7)]), OOB, "{label}");
        assert_eq!(trap(&m, "load8", &[i64(PAGE)]), OOB, "{label}");
        assert_eq!(trap(&m, "load off=8", &[i64(PAGE - 15)]), OOB, "{label}");
        assert_eq!(trap(&m, "store", &[i64(PAGE - 4), i64(0)]), OOB, "{label}");
    }
}

#[test]
fn addresses_do_not_wrap_at_4_gib() {
    for (label, m) in instances_both_checks(MEMORY64) {
        // Truncated to 32 bits these would read address 16 or 0, in bounds.
        assert_eq!(trap(&m, "load", &[i64(1 << 32 | 16)]), OOB, "{label}");
        assert_eq!(trap(&m, "load8", &[i64(1 << 32)]), OOB, "{label}");
        assert_eq!(trap(&m, "load8 off=4G", &[i64(0)]), OOB, "{label}");
        assert_eq!(trap(&m, "store", &[i64(1 << 32), i64(1)]), OOB, "{label}");
    }
}

#[test]
fn huge_indices_and_offsets_trap_even_when_the_sum_overflows() {
    for (label, m) in instances_both_checks(MEMORY64) {
        for index in [u64::MAX, u64::MAX - 7, u64::MAX - 6, 1 << 63, 1 << 48] {
            assert_eq!(
                trap(&m, "load", &[i64(index as i64)]),
                OOB,
                "{label} {index:#x}"
            );
        }
        // index + offset wraps to a small address; index + offset + size wraps to 0..4.
        for index in [0, 1, 2, 4, 17] {
            assert_eq!(trap(&m, "load8 off=max", &[i64(index)]), OOB, "{label}");
            assert_eq!(trap(&m, "load off=2^64-4", &[i64(index)]), OOB, "{label}");
        }
        assert_eq!(trap(&m, "load off=8", &[i64(-8)]), OOB, "{label}");
    }
}

#[test]
fn size_grow_and_limits() {
    for (label, m) in instances_both_checks(MEMORY64) {
        assert_eq!(call1(&m, "size", &[]), i64(1), "{label}");
        assert_eq!(call1(&m, "grow", &[i64(2)]), i64(1), "{label}");
        assert_eq!(call1(&m, "size", &[]), i64(3), "{label}");
        assert_eq!(call1(&m, "load8", &[i64(3 * PAGE - 1)]), i32(0), "{label}");
        // Past the type's maximum, past what 64 bits address, and a "negative" delta.
        for delta in [70000, 1 << 48, 1 << 62, -1] {
            assert_eq!(call1(&m, "grow", &[i64(delta)]), i64(-1), "{label} {delta}");
        }
        assert_eq!(call1(&m, "size", &[]), i64(3), "{label}");
    }
}

#[test]
fn grows_past_4_gib_and_reaches_the_last_byte() {
    for (label, m) in instances_both_checks(MEMORY64) {
        let pages = (1 << 32) / PAGE + 1;
        assert_eq!(call1(&m, "grow", &[i64(pages - 1)]), i64(1), "{label}");
        let end = pages * PAGE;
        call(&m, "store", &[i64(1 << 32 | 16), i64(0x1234)]);
        assert_eq!(
            call1(&m, "load", &[i64(1 << 32 | 16)]),
            i64(0x1234),
            "{label}"
        );
        assert_eq!(
            call1(&m, "load", &[i64(16)]),
            i64(0x0807_0605_0403_0201),
            "{label}"
        );
        assert_eq!(call1(&m, "load8 off=4G", &[i64(16)]), i32(0x34), "{label}");
        call(&m, "store", &[i64(end - 8), i64(7)]);
        assert_eq!(call1(&m, "load", &[i64(end - 8)]), i64(7), "{label}");
        assert_eq!(trap(&m, "load", &[i64(end - 7)]), OOB, "{label}");
        call(&m, "fill", &[i64(end - 4), i32(0xab), i64(4)]);
        assert_eq!(call1(&m, "load8", &[i64(end - 1)]), i32(0xab), "{label}");
        let mem = memory(&m, "mem");
        let view = with_store(|s| mem.data_size(s));
        assert_eq!(view as i64, end, "{label}");
    }
}

#[test]
fn bulk_instructions_take_i64_operands() {
    for (label, m) in instances_both_checks(MEMORY64) {
        call(&m, "init", &[i64(100), i32(1), i32(4)]);
        assert_eq!(call1(&m, "load8", &[i64(100)]), i32(b'e' as i32), "{label}");
        call(&m, "copy", &[i64(200), i64(100), i64(4)]);
        assert_eq!(call1(&m, "load8", &[i64(203)]), i32(b'o' as i32), "{label}");
        call(&m, "fill", &[i64(300), i32(7), i64(2)]);
        assert_eq!(call1(&m, "load8", &[i64(301)]), i32(7), "{label}");
        // Lengths and addresses past 4 GiB, which would wrap to small ones in 32 bits.
        let big = 1i64 << 32;
        assert_eq!(
            trap(&m, "fill", &[i64(0), i32(0), i64(big)]),
            OOB,
            "{label}"
        );
        assert_eq!(
            trap(&m, "fill", &[i64(big), i32(0), i64(0)]),
            OOB,
            "{label}"
        );
        assert_eq!(
            trap(&m, "copy", &[i64(big), i64(0), i64(1)]),
            OOB,
            "{label}"
        );
        assert_eq!(trap(&m, "copy", &[i64(0), i64(-1), i64(2)]), OOB, "{label}");
        assert_eq!(
            trap(&m, "init", &[i64(big), i32(0), i32(1)]),
            OOB,
            "{label}"
        );
        assert_eq!(trap(&m, "init", &[i64(-1), i32(0), i32(2)]), OOB, "{label}");
        // Zero-length operations at the end are fine; one past it is not.
        call(&m, "fill", &[i64(PAGE), i32(0), i64(0)]);
        assert_eq!(
            trap(&m, "fill", &[i64(PAGE + 1), i32(0), i64(0)]),
            OOB,
            "{label}"
        );
    }
}

#[test]
fn copy_between_32_and_64_bit_memories() {
    let wat = r#"
    (module
      (memory $m32 1) (memory $m64 i64 1)
      (func (export "to64") (param i64 i32 i32) (memory.copy $m64 $m32 (local.get 0) (local.get 1) (local.get 2)))
      (func (export "to32") (param i32 i64 i32) (memory.copy $m32 $m64 (local.get 0) (local.get 1) (local.get 2)))
      (func (export "load64") (param i64) (result i32) (i32.load8_u $m64 (local.get 0)))
      (func (export "load32") (param i32) (result i32) (i32.load8_u $m32 (local.get 0)))
      (data (memory $m32) (i32.const 0) "abc")
      (data (memory $m64) (i64.const 10) "xyz"))"#;
    for (label, m) in instances_both_checks(wat) {
        call(&m, "to64", &[i64(1000), i32(0), i32(3)]);
        assert_eq!(
            call1(&m, "load64", &[i64(1002)]),
            i32(b'c' as i32),
            "{label}"
        );
        call(&m, "to32", &[i32(500), i64(10), i32(3)]);
        assert_eq!(
            call1(&m, "load32", &[i32(501)]),
            i32(b'y' as i32),
            "{label}"
        );
        assert_eq!(
            trap(&m, "to64", &[i64(1 << 32), i32(0), i32(1)]),
            OOB,
            "{label}"
        );
        assert_eq!(
            trap(&m, "to32", &[i32(0), i64(1 << 32), i32(1)]),
            OOB,
            "{label}"
        );
        assert_eq!(trap(&m, "to32", &[i32(0), i64(0), i32(-1)]), OOB, "{label}");
    }
}

#[test]
fn data_segment_past_the_end_fails_instantiation() {
    let wat = r#"(module (memory i64 1) (data (i64.const 0x100000000) "x"))"#;
    assert!(new_instance(&load(wat), &[]).is_err());
}

#[test]
fn exported_64_bit_memory_imported_by_another_module() {
    let exporter = instance(MEMORY64);
    let importer = r#"
    (module
      (import "env" "mem" (memory i64 1))
      (func (export "peek") (param i64) (result i32) (i32.load8_u (local.get 0))))"#;
    let m = instance_with(importer, &[export(&exporter, "mem")]);
    assert_eq!(call1(&m, "peek", &[i64(17)]), i32(2));
    assert_eq!(trap(&m, "peek", &[i64(1 << 32)]), OOB);
    // A 64-bit memory does not satisfy a 32-bit import, nor the other way round.
    let wants32 = r#"(module (import "env" "mem" (memory 1)))"#;
    assert!(new_instance(&load(wants32), &[export(&exporter, "mem")]).is_err());
}

#[test]
fn simd_loads_and_stores_on_a_64_bit_memory() {
    let wat = r#"
    (module
      (memory i64 1)
      (func (export "load") (param i64) (result v128) (v128.load (local.get 0)))
      (func (export "store") (param i64 v128) (v128.store (local.get 0) (local.get 1)))
      (func (export "load_lane") (param i64) (result v128)
        (v128.load32_lane 3 (local.get 0) (v128.const i64x2 0 0)))
      (func (export "splat") (param i64) (result v128) (v128.load16_splat offset=2 (local.get 0))))"#;
    for (label, m) in instances_both_checks(wat) {
        let v = u32x4([1, 2, 3, 4]);
        call(&m, "store", &[i64(PAGE - 16), v]);
        assert_eq!(call1(&m, "load", &[i64(PAGE - 16)]), v, "{label}");
        assert_eq!(
            call1(&m, "load_lane", &[i64(PAGE - 4)]),
            u32x4([0, 0, 0, 4]),
            "{label}"
        );
        assert_eq!(trap(&m, "load", &[i64(PAGE - 15)]), OOB, "{label}");
        assert_eq!(trap(&m, "load", &[i64(1 << 32)]), OOB, "{label}");
        assert_eq!(trap(&m, "store", &[i64(-16), v]), OOB, "{label}");
        assert_eq!(trap(&m, "load_lane", &[i64(PAGE - 3)]), OOB, "{label}");
        assert_eq!(trap(&m, "splat", &[i64(PAGE - 3)]), OOB, "{label}");
    }
}

#[test]
fn host_created_64_bit_memory_imported_by_wasm() {
    use wasmaot_runtime::metadata::Limits;
    use wasmaot_runtime::{Extern, Memory, MemoryType};
    let ty = MemoryType {
        limits: Limits {
            min: 1,
            max: Some(4),
        },
        memory64: true,
        page_size_log2: 16,
    };
    let host = with_store(|s| Memory::new(s, ty)).expect("host memory");
    with_store(|s| host.write(s, 100, &[42])).expect("in bounds");
    let wat = r#"
    (module
      (import "env" "mem" (memory i64 1 4))
      (func (export "peek") (param i64) (result i32) (i32.load8_u (local.get 0)))
      (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))"#;
    for (label, options) in both_bounds_checks() {
        let m =
            new_instance(&load_with(wat, &options), &[Extern::Memory(host)]).expect("instantiates");
        assert_eq!(call1(&m, "peek", &[i64(100)]), i32(42), "{label}");
        assert_eq!(trap(&m, "peek", &[i64(PAGE)]), OOB, "{label}");
    }
    let m = new_instance(&load(wat), &[Extern::Memory(host)]).expect("instantiates");
    assert_eq!(call1(&m, "grow", &[i64(3)]), i64(1));
    assert_eq!(call1(&m, "grow", &[i64(1)]), i64(-1));
    assert_eq!(with_store(|s| host.size(s)), 4);
    assert_eq!(call1(&m, "peek", &[i64(4 * PAGE - 1)]), i32(0));
}

#[test]
fn wasi_through_the_embedding_api_reaches_a_64_bit_memory_0() {
    use wasmaot_runtime::Linker;
    use wasmaot_wasi::{self as wasi, WasiCtx};
    // preview1's 32-bit pointers address the first 4 GiB of the 64-bit memory.
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
      (memory i64 1)
      (func (export "argc") (result i32)
        (drop (call $sizes (i32.const 16) (i32.const 20)))
        (i32.load (i64.const 16)))
      (func (export "bad") (result i32) (call $sizes (i32.const 65535) (i32.const 0))))"#;
    let module = load(wat);
    let mut linker = Linker::new();
    let args = vec![b"prog".to_vec(), b"x".to_vec()];
    wasi::add_to_linker(&mut linker, WasiCtx::new(args, Vec::new()));
    let m = with_store(|s| linker.instantiate(s, &module)).expect("instantiates");
    assert_eq!(call1(&m, "argc", &[]), i32(2));
    // A pointer past the memory's end is EFAULT (21), not a fault.
    assert_eq!(call1(&m, "bad", &[]), i32(21));
}
