//! Tables and references through the real pipeline: call_indirect and its three traps, the
//! table instructions, element segments, and funcref/externref values.

mod support;
use support::*;
use wasmaot_runtime::{ExternRef, Instance, TrapKind, Val};

const MODULE: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (type $ii_again (func (param i32) (result i32)))
  (type $v_i (func (result i32)))
  (table $t (export "t") 4 10 funcref)
  (table $t2 3 funcref)
  (table $e 2 externref)

  (func $f0 (type $ii) (i32.add (local.get 0) (i32.const 100)))
  (func $f1 (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $f2 (type $v_i) (i32.const 42))
  (func $f3 (param i64) (result i64) (local.get 0))

  (elem (i32.const 0) $f0 $f1 $f2)
  (elem $p func $f1 $f0 $f2)
  (elem $pe funcref (ref.null func) (ref.func $f0))
  (elem declare func $f3)

  (func (export "call") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "call_again") (param i32 i32) (result i32)
    (call_indirect $t (type $ii_again) (local.get 1) (local.get 0)))
  (func (export "call_v") (param i32) (result i32)
    (call_indirect $t (type $v_i) (local.get 0)))
  (func (export "call_t2") (param i32 i32) (result i32)
    (call_indirect $t2 (type $ii) (local.get 1) (local.get 0)))

  (func (export "size") (result i32) (table.size $t))
  (func (export "size_t2") (result i32) (table.size $t2))
  (func (export "grow_null") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "grow_f1") (param i32) (result i32) (table.grow $t (ref.func $f1) (local.get 0)))
  (func (export "get") (param i32) (result funcref) (table.get $t (local.get 0)))
  (func (export "set") (param i32 funcref) (table.set $t (local.get 0) (local.get 1)))
  (func (export "set_f0") (param i32) (table.set $t (local.get 0) (ref.func $f0)))
  (func (export "set_null") (param i32) (table.set $t (local.get 0) (ref.null func)))
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "fill_f1") (param i32 i32) (table.fill $t (local.get 0) (ref.func $f1) (local.get 1)))
  (func (export "fill_null") (param i32 i32) (table.fill $t (local.get 0) (ref.null func) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_to_t2") (param i32 i32 i32) (table.copy $t2 $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (table.init $t $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_t2") (param i32 i32 i32) (table.init $t2 $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_expr") (param i32 i32 i32) (table.init $t $pe (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_active") (param i32 i32 i32) (table.init $t 0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (elem.drop $p))

  (func (export "ref_func") (result funcref) (ref.func $f0))
  (func (export "ref_null") (result funcref) (ref.null func))
  (func (export "ref_func_is_null") (result i32) (ref.is_null (ref.func $f3)))
  (func (export "is_null_param") (param funcref) (result i32) (ref.is_null (local.get 0)))

  (func (export "ext_get") (param i32) (result externref) (table.get $e (local.get 0)))
  (func (export "ext_set") (param i32 externref) (table.set $e (local.get 0) (local.get 1)))
  (func (export "ext_size") (result i32) (table.size $e))
  (func (export "ext_grow") (param externref i32) (result i32) (table.grow $e (local.get 0) (local.get 1)))
  (func (export "ext_fill") (param i32 externref i32) (table.fill $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "ext_is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "ext_null") (result externref) (ref.null extern))
)"#;

fn tables() -> Instance {
    instance(MODULE)
}

/// Calls entry `index` of `$t` as `(i32) -> i32` with `arg`.
fn ci(m: &Instance, index: i32, arg: i32) -> i32 {
    call1(m, "call", &[i32(index), i32(arg)]).unwrap_i32()
}

fn ci_trap(m: &Instance, index: i32) -> TrapKind {
    trap(m, "call", &[i32(index), i32(1)])
}

#[test]
fn call_indirect_through_an_elem_segment() {
    let m = tables();
    assert_eq!(ci(&m, 0, 5), 105);
    assert_eq!(ci(&m, 1, 5), 10);
    assert_eq!(call1(&m, "call_v", &[i32(2)]), i32(42));
    // Structurally equal types declared twice are the same type.
    assert_eq!(call1(&m, "call_again", &[i32(1), i32(21)]), i32(42));
}

#[test]
fn call_indirect_traps() {
    let m = tables();
    assert_eq!(ci_trap(&m, 2), TrapKind::IndirectCallTypeMismatch);
    assert_eq!(
        trap(&m, "call_v", &[i32(0)]),
        TrapKind::IndirectCallTypeMismatch
    );
    assert_eq!(ci_trap(&m, 3), TrapKind::UninitializedElement);
    assert_eq!(
        trap(&m, "call_v", &[i32(3)]),
        TrapKind::UninitializedElement
    );
    assert_eq!(ci_trap(&m, 4), TrapKind::UndefinedElement);
    assert_eq!(ci_trap(&m, 10), TrapKind::UndefinedElement);
    assert_eq!(ci_trap(&m, -1), TrapKind::UndefinedElement);
    assert_eq!(ci_trap(&m, i32::MIN), TrapKind::UndefinedElement);
    assert_eq!(
        trap(&m, "call_t2", &[i32(0), i32(1)]),
        TrapKind::UninitializedElement
    );
    assert_eq!(
        trap(&m, "call_t2", &[i32(3), i32(1)]),
        TrapKind::UndefinedElement
    );
    // Still usable afterwards.
    assert_eq!(ci(&m, 0, 0), 100);
}

#[test]
fn table_get_set_and_references() {
    let m = tables();
    assert_eq!(call1(&m, "is_null", &[i32(3)]), i32(1));
    assert_eq!(call1(&m, "is_null", &[i32(0)]), i32(0));
    assert_eq!(call1(&m, "get", &[i32(3)]), Val::FuncRef(None));
    let f0 = call1(&m, "get", &[i32(0)]);
    let f1 = call1(&m, "get", &[i32(1)]);
    assert!(matches!(f0, Val::FuncRef(Some(_))), "{f0:?}");
    assert_ne!(f0, f1);
    // ref.func in code and in an element segment name the same function reference.
    assert_eq!(call1(&m, "ref_func", &[]), f0);
    assert_eq!(call1(&m, "ref_null", &[]), Val::FuncRef(None));
    assert_eq!(call1(&m, "ref_func_is_null", &[]), i32(0));
    assert_eq!(call1(&m, "is_null_param", &[Val::FuncRef(None)]), i32(1));
    assert_eq!(call1(&m, "is_null_param", &[f1]), i32(0));

    call(&m, "set_f0", &[i32(3)]);
    assert_eq!(ci(&m, 3, 1), 101);
    call(&m, "set", &[i32(3), f1]);
    assert_eq!(ci(&m, 3, 7), 14);
    call(&m, "set_null", &[i32(0)]);
    assert_eq!(ci_trap(&m, 0), TrapKind::UninitializedElement);
    assert_eq!(call1(&m, "is_null", &[i32(0)]), i32(1));
    call(&m, "set", &[i32(0), call1(&m, "ref_func", &[])]);
    assert_eq!(ci(&m, 0, 1), 101);

    assert_eq!(trap(&m, "get", &[i32(4)]), TrapKind::OutOfBoundsTable);
    assert_eq!(trap(&m, "get", &[i32(-1)]), TrapKind::OutOfBoundsTable);
    assert_eq!(trap(&m, "is_null", &[i32(100)]), TrapKind::OutOfBoundsTable);
    assert_eq!(trap(&m, "set_f0", &[i32(4)]), TrapKind::OutOfBoundsTable);
    assert_eq!(
        trap(&m, "set", &[i32(-1), Val::FuncRef(None)]),
        TrapKind::OutOfBoundsTable
    );
}

#[test]
fn table_size_and_grow() {
    let m = tables();
    let size = || call1(&m, "size", &[]);
    assert_eq!(size(), i32(4));
    assert_eq!(call1(&m, "grow_null", &[i32(2)]), i32(4));
    assert_eq!(size(), i32(6));
    assert_eq!(ci_trap(&m, 4), TrapKind::UninitializedElement);
    assert_eq!(ci_trap(&m, 6), TrapKind::UndefinedElement);
    assert_eq!(call1(&m, "grow_f1", &[i32(1)]), i32(6));
    assert_eq!(ci(&m, 6, 3), 6);
    // The maximum is 10.
    assert_eq!(call1(&m, "grow_null", &[i32(4)]), i32(-1));
    assert_eq!(call1(&m, "grow_null", &[i32(-1)]), i32(-1));
    assert_eq!(size(), i32(7));
    assert_eq!(call1(&m, "grow_f1", &[i32(3)]), i32(7));
    assert_eq!(size(), i32(10));
    assert_eq!(call1(&m, "grow_null", &[i32(1)]), i32(-1));
    assert_eq!(call1(&m, "grow_null", &[i32(0)]), i32(10));
    assert_eq!(ci(&m, 9, 4), 8);
    // Existing entries survive the table moving.
    assert_eq!(ci(&m, 0, 4), 104);
    assert_eq!(call1(&m, "call_v", &[i32(2)]), i32(42));
    assert_eq!(ci_trap(&m, 10), TrapKind::UndefinedElement);
    assert_eq!(trap(&m, "get", &[i32(10)]), TrapKind::OutOfBoundsTable);
    assert_eq!(call1(&m, "is_null", &[i32(9)]), i32(0));
    assert_eq!(call1(&m, "is_null", &[i32(5)]), i32(1));
}

#[test]
fn table_fill() {
    let m = tables();
    call(&m, "fill_f1", &[i32(1), i32(3)]);
    assert_eq!(ci(&m, 0, 4), 104);
    for i in 1..4 {
        assert_eq!(ci(&m, i, 4), 8);
    }
    call(&m, "fill_null", &[i32(4), i32(0)]);
    call(&m, "fill_null", &[i32(0), i32(1)]);
    assert_eq!(ci_trap(&m, 0), TrapKind::UninitializedElement);
    // Out of bounds traps before writing anything.
    assert_eq!(
        trap(&m, "fill_null", &[i32(3), i32(2)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(ci(&m, 3, 4), 8);
    assert_eq!(
        trap(&m, "fill_null", &[i32(5), i32(0)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "fill_null", &[i32(1), i32(-1)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(ci(&m, 1, 4), 8);
}

#[test]
fn table_copy_with_overlap() {
    let m = tables();
    // Forward overlap: [f0 f1 f2 null] -> [f0 f0 f1 null].
    call(&m, "copy", &[i32(1), i32(0), i32(2)]);
    assert_eq!(ci(&m, 0, 1), 101);
    assert_eq!(ci(&m, 1, 1), 101);
    assert_eq!(ci(&m, 2, 1), 2);
    assert_eq!(ci_trap(&m, 3), TrapKind::UninitializedElement);

    let m = tables();
    // Backward overlap: [f0 f1 f2 null] -> [f1 f2 null null].
    call(&m, "copy", &[i32(0), i32(1), i32(3)]);
    assert_eq!(ci(&m, 0, 3), 6);
    assert_eq!(call1(&m, "call_v", &[i32(1)]), i32(42));
    assert_eq!(ci_trap(&m, 2), TrapKind::UninitializedElement);
    assert_eq!(ci_trap(&m, 3), TrapKind::UninitializedElement);
    // Bounds, zero-length at the end included.
    call(&m, "copy", &[i32(4), i32(0), i32(0)]);
    call(&m, "copy", &[i32(0), i32(4), i32(0)]);
    assert_eq!(
        trap(&m, "copy", &[i32(2), i32(0), i32(3)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "copy", &[i32(0), i32(2), i32(3)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "copy", &[i32(5), i32(0), i32(0)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "copy", &[i32(0), i32(5), i32(0)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(ci(&m, 0, 3), 6);

    // Between two tables.
    call(&m, "copy_to_t2", &[i32(1), i32(0), i32(2)]);
    assert_eq!(
        trap(&m, "call_t2", &[i32(0), i32(1)]),
        TrapKind::UninitializedElement
    );
    assert_eq!(call1(&m, "call_t2", &[i32(1), i32(3)]), i32(6));
    assert_eq!(
        trap(&m, "call_t2", &[i32(2), i32(3)]),
        TrapKind::IndirectCallTypeMismatch
    );
    assert_eq!(
        trap(&m, "copy_to_t2", &[i32(2), i32(0), i32(2)]),
        TrapKind::OutOfBoundsTable
    );
}

#[test]
fn table_init_and_elem_drop() {
    let m = tables();
    // $p is [f1 f0 f2].
    call(&m, "init", &[i32(1), i32(0), i32(2)]);
    assert_eq!(ci(&m, 0, 5), 105);
    assert_eq!(ci(&m, 1, 5), 10);
    assert_eq!(ci(&m, 2, 5), 105);
    call(&m, "init", &[i32(3), i32(2), i32(1)]);
    assert_eq!(call1(&m, "call_v", &[i32(3)]), i32(42));
    call(&m, "init_t2", &[i32(0), i32(0), i32(3)]);
    assert_eq!(call1(&m, "call_t2", &[i32(0), i32(5)]), i32(10));
    assert_eq!(call1(&m, "call_t2", &[i32(1), i32(5)]), i32(105));
    // Zero-length at either end is fine; anything past an end traps and writes nothing.
    call(&m, "init", &[i32(4), i32(0), i32(0)]);
    call(&m, "init", &[i32(0), i32(3), i32(0)]);
    call(&m, "set_null", &[i32(0)]);
    assert_eq!(
        trap(&m, "init", &[i32(0), i32(1), i32(3)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "init", &[i32(3), i32(0), i32(2)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "init", &[i32(5), i32(0), i32(0)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "init", &[i32(0), i32(4), i32(0)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(
        trap(&m, "init", &[i32(0), i32(-1), i32(2)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(ci_trap(&m, 0), TrapKind::UninitializedElement);
    assert_eq!(call1(&m, "call_v", &[i32(3)]), i32(42));
    // A dropped segment is empty.
    call(&m, "drop", &[]);
    assert_eq!(
        trap(&m, "init", &[i32(0), i32(0), i32(1)]),
        TrapKind::OutOfBoundsTable
    );
    call(&m, "init", &[i32(0), i32(0), i32(0)]);
    call(&m, "drop", &[]);
    // So is an active one after instantiation.
    call(&m, "init_active", &[i32(0), i32(0), i32(0)]);
    assert_eq!(
        trap(&m, "init_active", &[i32(0), i32(0), i32(1)]),
        TrapKind::OutOfBoundsTable
    );
    // A segment of expressions, null included.
    call(&m, "init_expr", &[i32(2), i32(0), i32(2)]);
    assert_eq!(ci_trap(&m, 2), TrapKind::UninitializedElement);
    assert_eq!(ci(&m, 3, 1), 101);
}

/// A host value as a non-null `externref`.
fn ext(value: u64) -> Val {
    Val::ExternRef(Some(with_store(|s| ExternRef::new(s, value))))
}

/// The host value behind a non-null `externref` made by [`ext`].
fn ext_data(value: Val) -> u64 {
    match value {
        Val::ExternRef(Some(r)) => with_store(|s| *r.data(s).downcast_ref::<u64>().unwrap()),
        other => panic!("expected a non-null externref, got {other:?}"),
    }
}

#[test]
fn externref_tables() {
    let m = tables();
    let null = Val::ExternRef(None);
    let (e42, emax, e1, e7, e9, e5) = (ext(42), ext(u64::MAX), ext(1), ext(7), ext(9), ext(5));
    assert_eq!(call1(&m, "ext_size", &[]), i32(2));
    assert_eq!(call1(&m, "ext_get", &[i32(0)]), null);
    call(&m, "ext_set", &[i32(0), e42]);
    call(&m, "ext_set", &[i32(1), emax]);
    assert_eq!(call1(&m, "ext_get", &[i32(0)]), e42);
    assert_eq!(call1(&m, "ext_get", &[i32(1)]), emax);
    assert_eq!(ext_data(call1(&m, "ext_get", &[i32(1)])), u64::MAX);
    assert_eq!(trap(&m, "ext_get", &[i32(2)]), TrapKind::OutOfBoundsTable);
    assert_eq!(
        trap(&m, "ext_set", &[i32(2), e1]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(call1(&m, "ext_grow", &[e7, i32(3)]), i32(2));
    assert_eq!(call1(&m, "ext_size", &[]), i32(5));
    assert_eq!(call1(&m, "ext_get", &[i32(4)]), e7);
    assert_eq!(call1(&m, "ext_get", &[i32(0)]), e42);
    call(&m, "ext_fill", &[i32(1), e9, i32(2)]);
    let all: Vec<Val> = (0..5).map(|i| call1(&m, "ext_get", &[i32(i)])).collect();
    assert_eq!(all, [e42, e9, e9, e7, e7]);
    let data: Vec<u64> = all.into_iter().map(ext_data).collect();
    assert_eq!(data, [42, 9, 9, 7, 7]);
    assert_eq!(
        trap(&m, "ext_fill", &[i32(4), null, i32(2)]),
        TrapKind::OutOfBoundsTable
    );
    assert_eq!(call1(&m, "ext_is_null", &[null]), i32(1));
    assert_eq!(call1(&m, "ext_is_null", &[e5]), i32(0));
    assert_eq!(call1(&m, "ext_null", &[]), null);
}

#[test]
fn tables_from_the_host() {
    use wasmaot_runtime::metadata::Limits;
    use wasmaot_runtime::{Error, Extern, Table, TableType, ValType};
    let m = tables();
    let t = with_store(|s| m.get_table(s, "t")).expect("exported t");
    assert_eq!(with_store(|s| t.size(s)), 4);
    // Elements are the references wasm code sees.
    let f0 = call1(&m, "get", &[i32(0)]);
    let f1 = call1(&m, "get", &[i32(1)]);
    assert_eq!(with_store(|s| t.get(s, 0)), Some(f0));
    assert_eq!(with_store(|s| t.get(s, 3)), Some(Val::FuncRef(None)));
    assert_eq!(with_store(|s| t.get(s, 4)), None);
    with_store(|s| t.set(s, 3, f1)).unwrap();
    assert_eq!(ci(&m, 3, 21), 42);
    with_store(|s| t.set(s, 0, Val::FuncRef(None))).unwrap();
    assert_eq!(ci_trap(&m, 0), TrapKind::UninitializedElement);
    assert!(matches!(
        with_store(|s| t.set(s, 4, f1)),
        Err(Error::Access(_))
    ));
    assert!(matches!(
        with_store(|s| t.set(s, 1, Val::ExternRef(None))),
        Err(Error::Type(_))
    ));
    assert!(matches!(
        with_store(|s| t.set(s, 1, i32(0))),
        Err(Error::Type(_))
    ));
    // Growth by the host is seen by wasm, up to the maximum of 10.
    assert_eq!(with_store(|s| t.grow(s, 2, f0)), Ok(4));
    assert_eq!(call1(&m, "size", &[]), i32(6));
    assert_eq!(ci(&m, 5, 1), 101);
    assert!(with_store(|s| t.grow(s, 5, Val::FuncRef(None))).is_err());
    assert_eq!(with_store(|s| t.size(s)), 6);
    assert_eq!(with_store(|s| t.ty(s)).limits.max, Some(10));

    // A table the host makes, imported by a module.
    let ty = TableType {
        element: ValType::FuncRef,
        limits: Limits { min: 2, max: None },
        table64: false,
    };
    let host = with_store(|s| Table::new(s, ty, f1)).expect("host table");
    let wat = r#"
      (module
        (type $ii (func (param i32) (result i32)))
        (import "env" "t" (table 2 funcref))
        (func (export "call") (param i32 i32) (result i32)
          (call_indirect (type $ii) (local.get 1) (local.get 0))))"#;
    let user = instance_with(wat, &[Extern::Table(host)]);
    assert_eq!(call1(&user, "call", &[i32(1), i32(4)]), i32(8));
    with_store(|s| host.set(s, 0, f0)).unwrap();
    assert_eq!(call1(&user, "call", &[i32(0), i32(4)]), i32(104));
    assert_eq!(
        trap(&user, "call", &[i32(2), i32(4)]),
        TrapKind::UndefinedElement
    );
    assert!(with_store(|s| Table::new(s, ty, Val::ExternRef(None))).is_err());
}

/// Tables whose maximum is their minimum: the length is compiled in and the elements' address
/// loaded once, so bounds, changes to the elements (from wasm and from the host) and imports
/// of such a type must all still be seen.
#[test]
fn tables_of_fixed_size() {
    use wasmaot_runtime::metadata::Limits;
    use wasmaot_runtime::{Extern, Table, TableType, ValType};
    let wat = r#"
      (module
        (type $ii (func (param i32) (result i32)))
        (table $t (export "t") 3 3 funcref)
        (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
        (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
        (elem (i32.const 0) $inc $dbl)
        (func (export "call") (param i32 i32) (result i32)
          (call_indirect (type $ii) (local.get 1) (local.get 0)))
        (func (export "get") (param i32) (result funcref) (table.get $t (local.get 0)))
        (func (export "set") (param i32 funcref) (table.set $t (local.get 0) (local.get 1)))
        (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
        ;; n times: x = t[i](x), then t[i] swapped with t[1 - i] by table.set; i flips.
        (func (export "alternate") (param $n i32) (param $x i32) (result i32)
          (local $i i32) (local $other funcref)
          (block $done
            (loop $next
              (br_if $done (i32.eqz (local.get $n)))
              (local.set $x (call_indirect (type $ii) (local.get $x) (local.get $i)))
              (local.set $other (table.get $t (i32.sub (i32.const 1) (local.get $i))))
              (table.set $t (i32.sub (i32.const 1) (local.get $i)) (table.get $t (local.get $i)))
              (table.set $t (local.get $i) (local.get $other))
              (local.set $i (i32.sub (i32.const 1) (local.get $i)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $next)))
          (local.get $x)))"#;
    for (checks, m) in instances_both_checks(wat) {
        assert_eq!(call1(&m, "call", &[i32(0), i32(5)]), i32(6), "{checks}");
        assert_eq!(call1(&m, "call", &[i32(1), i32(5)]), i32(10), "{checks}");
        for index in [3, 4, -1, i32::MIN] {
            let kind = trap(&m, "call", &[i32(index), i32(5)]);
            assert_eq!(kind, TrapKind::UndefinedElement, "{checks} {index}");
        }
        assert_eq!(
            trap(&m, "call", &[i32(2), i32(5)]),
            TrapKind::UninitializedElement,
            "{checks}"
        );
        // It cannot grow, by any amount but 0.
        assert_eq!(call1(&m, "grow", &[i32(1)]), i32(-1), "{checks}");
        assert_eq!(call1(&m, "grow", &[i32(0)]), i32(3), "{checks}");
        // Every call sees the swap made just before it, so each one finds inc: 1 + 6. A stale
        // entry would be dbl.
        assert_eq!(
            call1(&m, "alternate", &[i32(6), i32(1)]),
            i32(7),
            "{checks}"
        );
        // Swapped back an even number of times: dbl is at 1 again.
        assert_eq!(call1(&m, "call", &[i32(1), i32(5)]), i32(10), "{checks}");
        // A change by the host is seen.
        let t = with_store(|s| m.get_table(s, "t")).expect("exported t");
        let inc = call1(&m, "get", &[i32(0)]);
        with_store(|s| t.set(s, 2, inc)).unwrap();
        assert_eq!(call1(&m, "call", &[i32(2), i32(5)]), i32(6), "{checks}");
        assert!(with_store(|s| t.grow(s, 1, Val::FuncRef(None))).is_err());
    }

    // Imported as (2 2): a host table of 2 up to 4, grown to 4, does not match; one of 1 up
    // to 2 grown to 2 does, and its length is 2 for the importer.
    let import = r#"
      (module
        (type $ii (func (param i32) (result i32)))
        (import "env" "t" (table 2 2 funcref))
        (func (export "call") (param i32 i32) (result i32)
          (call_indirect (type $ii) (local.get 1) (local.get 0))))"#;
    let m = instance(wat);
    let inc = call1(&m, "get", &[i32(0)]);
    let table = |min, max| {
        let ty = TableType {
            element: ValType::FuncRef,
            limits: Limits {
                min,
                max: Some(max),
            },
            table64: false,
        };
        with_store(|s| Table::new(s, ty, inc)).expect("host table")
    };
    let wide = table(2, 4);
    with_store(|s| wide.grow(s, 2, Val::FuncRef(None))).unwrap();
    assert!(new_instance(&load(import), &[Extern::Table(wide)]).is_err());
    let grown = table(1, 2);
    with_store(|s| grown.grow(s, 1, inc)).unwrap();
    let user = instance_with(import, &[Extern::Table(grown)]);
    assert_eq!(call1(&user, "call", &[i32(1), i32(5)]), i32(6));
    assert_eq!(
        trap(&user, "call", &[i32(2), i32(5)]),
        TrapKind::UndefinedElement
    );
    with_store(|s| grown.set(s, 1, Val::FuncRef(None))).unwrap();
    assert_eq!(
        trap(&user, "call", &[i32(1), i32(5)]),
        TrapKind::UninitializedElement
    );
}
