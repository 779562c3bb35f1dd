//! 64-bit tables through the real pipeline: `call_indirect`, `table.get/set/size/grow/fill/
//! copy/init` and element segment offsets with i64 indices, which must not wrap at 2^32.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

const TABLE64: &str = r#"
(module
  (type $f (func (result i32)))
  (table $t i64 2 10 funcref)
  (elem (table $t) (i64.const 0) func $a $b)
  (elem $e func $b $a)
  (func $a (result i32) (i32.const 10))
  (func $b (result i32) (i32.const 20))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $f) (local.get 0)))
  (func (export "size") (result i64) (table.size $t))
  (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "set") (param i64) (table.set $t (local.get 0) (ref.func $b)))
  (func (export "fill") (param i64 i64) (table.fill $t (local.get 0) (ref.func $a) (local.get 1)))
  (func (export "copy") (param i64 i64 i64) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i64 i32 i32) (table.init $t $e (local.get 0) (local.get 1) (local.get 2))))
"#;

#[test]
fn tables_indexed_by_i64() {
    let m = instance(TABLE64);
    let table = TrapKind::OutOfBoundsTable;
    assert_eq!(call1(&m, "call", &[i64(0)]), i32(10));
    assert_eq!(call1(&m, "call", &[i64(1)]), i32(20));
    // Would be entry 0 or 1 if truncated to 32 bits.
    assert_eq!(
        trap(&m, "call", &[i64(1 << 32)]),
        TrapKind::UndefinedElement
    );
    assert_eq!(trap(&m, "call", &[i64(-1)]), TrapKind::UndefinedElement);
    assert_eq!(trap(&m, "is_null", &[i64(1 << 32 | 1)]), table);
    assert_eq!(call1(&m, "size", &[]), i64(2));
    assert_eq!(call1(&m, "grow", &[i64(3)]), i64(2));
    assert_eq!(call1(&m, "size", &[]), i64(5));
    assert_eq!(call1(&m, "grow", &[i64(1 << 40)]), i64(-1));
    assert_eq!(call1(&m, "grow", &[i64(-1)]), i64(-1));
    assert_eq!(call1(&m, "is_null", &[i64(4)]), i32(1));
    assert_eq!(trap(&m, "call", &[i64(4)]), TrapKind::UninitializedElement);
    call(&m, "set", &[i64(4)]);
    assert_eq!(call1(&m, "call", &[i64(4)]), i32(20));
    call(&m, "fill", &[i64(2), i64(2)]);
    assert_eq!(call1(&m, "call", &[i64(3)]), i32(10));
    call(&m, "copy", &[i64(0), i64(3), i64(2)]);
    assert_eq!(call1(&m, "call", &[i64(1)]), i32(20));
    call(&m, "init", &[i64(3), i32(0), i32(2)]);
    assert_eq!(call1(&m, "call", &[i64(3)]), i32(20));
    assert_eq!(call1(&m, "call", &[i64(4)]), i32(10));
    assert_eq!(trap(&m, "fill", &[i64(1 << 32), i64(0)]), table);
    assert_eq!(trap(&m, "fill", &[i64(0), i64(1 << 32)]), table);
    assert_eq!(trap(&m, "copy", &[i64(0), i64(-1), i64(2)]), table);
    assert_eq!(trap(&m, "init", &[i64(1 << 32), i32(0), i32(1)]), table);
}

#[test]
fn exported_64_bit_table_imported_by_another_module() {
    let exporter = instance(
        r#"(module
             (table (export "t") i64 3 funcref)
             (elem (i64.add (i64.const 1) (i64.const 1)) func $seven)
             (func $seven (result i32) (i32.const 7)))"#,
    );
    let importer = r#"
    (module
      (type $f (func (result i32)))
      (import "env" "t" (table i64 3 funcref))
      (func (export "call") (param i64) (result i32) (call_indirect (type $f) (local.get 0))))"#;
    let m = instance_with(importer, &[export(&exporter, "t")]);
    assert_eq!(call1(&m, "call", &[i64(2)]), i32(7));
    assert_eq!(
        trap(&m, "call", &[i64(1 << 32 | 2)]),
        TrapKind::UndefinedElement
    );
    // A 64-bit table does not satisfy a 32-bit import.
    let wants32 = r#"(module (import "env" "t" (table 3 funcref)))"#;
    assert!(new_instance(&load(wants32), &[export(&exporter, "t")]).is_err());
}
