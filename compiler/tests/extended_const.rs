//! Extended constant expressions through the real pipeline: i32/i64 add, sub and mul (wrapping)
//! with imported globals, in global initialisers and data and element segment offsets.

mod support;
use support::*;
use wasmaot_runtime::Val;

const EXPORTER: &str = r#"(module (global (export "g") i32 (i32.const 40)) (global (export "g64") i64 (i64.const -3)))"#;

const MODULE: &str = r#"
(module
  (import "env" "g" (global $g i32))
  (import "env" "g64" (global $g64 i64))
  (global (export "sum") i32 (i32.add (global.get $g) (i32.const 5)))
  (global (export "nested") i32
    (i32.mul (i32.sub (global.get $g) (i32.const 38)) (i32.add (i32.const 1) (i32.const 2))))
  (global (export "wrap32") i32 (i32.sub (i32.const 0) (i32.const 1)))
  (global (export "mul32") i32 (i32.mul (i32.const 0x10000) (i32.const 0x10001)))
  (global (export "mul64") i64 (i64.mul (i64.const 0x7fffffffffffffff) (i64.const 2)))
  (global (export "g64x") i64 (i64.sub (global.get $g64) (i64.const 0x100000000)))
  (memory 1)
  (data (i32.add (global.get $g) (i32.const 2)) "Z")
  (data (i32.mul (i32.const 100) (i32.const 3)) "Y")
  (table 8 funcref)
  (elem (i32.sub (global.get $g) (i32.const 35)) func $f)
  (func $f (result i32) (i32.const 77))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0))))
"#;

fn global(instance: &wasmaot_runtime::Instance, name: &str) -> Val {
    let global = with_store(|s| instance.get_global(s, name)).expect("global export");
    with_store(|s| global.get(s))
}

#[test]
fn globals_data_and_elements_from_arithmetic() {
    let exporter = instance(EXPORTER);
    let m = instance_with(MODULE, &[export(&exporter, "g"), export(&exporter, "g64")]);
    assert_eq!(global(&m, "sum"), i32(45));
    assert_eq!(global(&m, "nested"), i32(6));
    assert_eq!(global(&m, "wrap32"), i32(-1));
    assert_eq!(global(&m, "mul32"), i32(0x10000));
    assert_eq!(global(&m, "mul64"), i64(-2));
    assert_eq!(global(&m, "g64x"), i64(-3 - (1 << 32)));
    assert_eq!(call1(&m, "peek", &[i32(42)]), i32(b'Z' as i32));
    assert_eq!(call1(&m, "peek", &[i32(300)]), i32(b'Y' as i32));
    assert_eq!(call1(&m, "call", &[i32(5)]), i32(77));
}

#[test]
fn extended_offset_of_a_64_bit_memory_segment() {
    let m = instance(
        r#"(module (memory i64 2)
             (data (i64.add (i64.const 0x10000) (i64.mul (i64.const 2) (i64.const 4))) "Q")
             (func (export "peek") (param i64) (result i32) (i32.load8_u (local.get 0))))"#,
    );
    assert_eq!(call1(&m, "peek", &[i64(0x10008)]), i32(b'Q' as i32));
}
