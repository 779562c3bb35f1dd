//! Typed function references through the real pipeline: `(ref $t)` and `(ref null $t)` in
//! params, locals, globals and tables (with initializer expressions), `call_ref` and its null
//! trap, `ref.as_non_null`, `br_on_null`, `br_on_non_null`, and the embedding API's checks of
//! reference values against typed references.

mod support;
use support::*;
use wasmaot_runtime::{Error, TrapKind, Val};

const MODULE: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $nothing (type $v))
  (elem declare func $double $inc $nothing)

  (global $g (ref $ii) (ref.func $inc))
  (global $gn (export "gn") (mut (ref null $ii)) (ref.null $ii))
  ;; A table of non-nullable typed references needs an initializer.
  (table $t 3 (ref $ii) (ref.func $double))

  (func (export "apply") (param $f (ref $ii)) (param $x i32) (result i32)
    (call_ref $ii (local.get $x) (local.get $f)))
  (func (export "apply_nullable") (param $f (ref null $ii)) (param $x i32) (result i32)
    (call_ref $ii (local.get $x) (local.get $f)))
  (func (export "double") (result (ref $ii)) (ref.func $double))
  (func (export "nothing") (result (ref $v)) (ref.func $nothing))
  (func (export "apply_global") (param i32) (result i32)
    (call_ref $ii (local.get 0) (global.get $g)))
  (func (export "apply_gn") (param i32) (result i32)
    (call_ref $ii (local.get 0) (global.get $gn)))
  (func (export "set_gn_inc") (global.set $gn (ref.func $inc)))

  ;; The table starts filled with $double; call_indirect and table.get + call_ref agree.
  (func (export "table_indirect") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "table_ref") (param i32 i32) (result i32)
    (call_ref $ii (local.get 1) (table.get $t (local.get 0))))
  (func (export "table_set_inc") (param i32) (table.set $t (local.get 0) (ref.func $inc)))

  ;; A non-nullable local, set before it is read.
  (func (export "local") (param i32) (result i32)
    (local $f (ref $ii))
    (local.set $f (ref.func $double))
    (if (i32.gt_s (local.get 0) (i32.const 10))
      (then (local.set $f (ref.func $inc))))
    (call_ref $ii (local.get 0) (local.get $f)))

  (func (export "as_non_null") (param (ref null $ii)) (result i32)
    (call_ref $ii (i32.const 5) (ref.as_non_null (local.get 0))))

  ;; br_on_null: -1 for null, else the call's result.
  (func (export "on_null") (param $f (ref null $ii)) (result i32)
    (block $null
      (return (call_ref $ii (i32.const 7) (br_on_null $null (local.get $f)))))
    (i32.const -1))
  ;; br_on_non_null: the call's result, or -1 for null.
  (func (export "on_non_null") (param $f (ref null $ii)) (result i32)
    (local $g (ref $ii))
    (block $some (result (ref $ii))
      (br_on_non_null $some (local.get $f))
      (return (i32.const -1)))
    (local.set $g)
    (call_ref $ii (i32.const 7) (local.get $g)))
  ;; br_on_null carrying a value below the reference.
  (func (export "on_null_value") (param $f (ref null $ii)) (result i32)
    (local $g (ref $ii))
    (block $null (result i32)
      (i32.const 100)
      (br_on_null $null (local.get $f))
      (local.set $g)
      (call_ref $ii (i32.const 1) (local.get $g))
      (i32.add)))
)
"#;

fn null() -> Val {
    Val::FuncRef(None)
}

#[test]
fn call_ref_calls_typed_references() {
    let m = instance(MODULE);
    let double = call1(&m, "double", &[]);
    assert_eq!(call1(&m, "apply", &[double, i32(21)]), i32(42));
    assert_eq!(call1(&m, "apply_nullable", &[double, i32(4)]), i32(8));
    assert_eq!(call1(&m, "apply_global", &[i32(41)]), i32(42));
}

#[test]
fn call_ref_of_null_traps() {
    let m = instance(MODULE);
    assert_eq!(
        trap(&m, "apply_nullable", &[null(), i32(1)]),
        TrapKind::NullFunctionReference
    );
    assert_eq!(
        trap(&m, "apply_gn", &[i32(1)]),
        TrapKind::NullFunctionReference
    );
    call(&m, "set_gn_inc", &[]);
    assert_eq!(call1(&m, "apply_gn", &[i32(1)]), i32(2));
    assert_eq!(
        TrapKind::NullFunctionReference.message(),
        "null function reference"
    );
}

#[test]
fn ref_as_non_null_traps_on_null() {
    let m = instance(MODULE);
    let double = call1(&m, "double", &[]);
    assert_eq!(call1(&m, "as_non_null", &[double]), i32(10));
    assert_eq!(trap(&m, "as_non_null", &[null()]), TrapKind::NullReference);
}

#[test]
fn br_on_null_and_br_on_non_null_branch_on_the_reference() {
    let m = instance(MODULE);
    let double = call1(&m, "double", &[]);
    assert_eq!(call1(&m, "on_null", &[double]), i32(14));
    assert_eq!(call1(&m, "on_null", &[null()]), i32(-1));
    assert_eq!(call1(&m, "on_non_null", &[double]), i32(14));
    assert_eq!(call1(&m, "on_non_null", &[null()]), i32(-1));
    assert_eq!(call1(&m, "on_null_value", &[double]), i32(102));
    assert_eq!(call1(&m, "on_null_value", &[null()]), i32(100));
}

#[test]
fn non_nullable_locals_hold_what_was_set() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "local", &[i32(3)]), i32(6));
    assert_eq!(call1(&m, "local", &[i32(20)]), i32(21));
}

#[test]
fn tables_of_typed_references_start_with_their_initializer() {
    let m = instance(MODULE);
    for i in 0..3 {
        assert_eq!(call1(&m, "table_indirect", &[i32(i), i32(5)]), i32(10));
        assert_eq!(call1(&m, "table_ref", &[i32(i), i32(5)]), i32(10));
    }
    call(&m, "table_set_inc", &[i32(1)]);
    assert_eq!(call1(&m, "table_indirect", &[i32(1), i32(5)]), i32(6));
    assert_eq!(call1(&m, "table_ref", &[i32(1), i32(5)]), i32(6));
    assert_eq!(
        trap(&m, "table_ref", &[i32(3), i32(5)]),
        TrapKind::OutOfBoundsTable
    );
}

#[test]
fn the_api_refuses_null_and_mistyped_functions_for_typed_parameters() {
    let m = instance(MODULE);
    let apply = func(&m, "apply");
    // Null for `(ref $ii)`: an error before any wasm runs, not undefined behaviour.
    match call_func(apply, &[null(), i32(1)]) {
        Err(Error::Type(_)) => {}
        other => panic!("expected a type error, got {other:?}"),
    }
    // A function of type $v for `(ref $ii)`.
    let nothing = call1(&m, "nothing", &[]);
    match call_func(apply, &[nothing, i32(1)]) {
        Err(Error::Type(_)) => {}
        other => panic!("expected a type error, got {other:?}"),
    }
    // A function of the right type is accepted.
    let double = call1(&m, "double", &[]);
    assert_eq!(call_func(apply, &[double, i32(2)]).unwrap(), vec![i32(4)]);
}

#[test]
fn typed_reference_globals_link_by_canonical_type() {
    let m = instance(MODULE);
    // The same type written in another module matches; another type does not.
    let importer = r#"(module
      (type $other (func (param i32) (result i32)))
      (global (import "m" "gn") (mut (ref null $other))))"#;
    new_instance(&load(importer), &[export(&m, "gn")]).expect("same canonical type links");
    let wrong = r#"(module
      (type $v (func))
      (global (import "m" "gn") (mut (ref null $v))))"#;
    match new_instance(&load(wrong), &[export(&m, "gn")]) {
        Err(Error::Link(message)) => assert!(message.contains("incompatible import type")),
        other => panic!("expected a link error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn call_indirect_across_modules_compares_canonical_types() {
    // $f's type is the first of a recursion group; another module's call_indirect names the
    // same group (equal), and a lone type that looks the same (different).
    let exporter = instance(
        r#"(module
          (rec (type $f (func (param i32) (result i32))) (type $g (func (param (ref $f)))))
          (table (export "table") 1 funcref)
          (func $inc (type $f) (i32.add (local.get 0) (i32.const 1)))
          (elem (i32.const 0) $inc))"#,
    );
    let same = instance_with(
        r#"(module
          (type $unrelated (func))
          (rec (type $f (func (param i32) (result i32))) (type $g (func (param (ref $f)))))
          (import "m" "table" (table 1 funcref))
          (func (export "call") (param i32) (result i32)
            (call_indirect (type $f) (local.get 0) (i32.const 0))))"#,
        &[export(&exporter, "table")],
    );
    assert_eq!(call1(&same, "call", &[i32(41)]), i32(42));
    let lone = instance_with(
        r#"(module
          (type $f (func (param i32) (result i32)))
          (import "m" "table" (table 1 funcref))
          (func (export "call") (param i32) (result i32)
            (call_indirect (type $f) (local.get 0) (i32.const 0))))"#,
        &[export(&exporter, "table")],
    );
    assert_eq!(
        trap(&lone, "call", &[i32(41)]),
        TrapKind::IndirectCallTypeMismatch
    );
}

#[test]
fn inspect_lists_typed_references_and_recursion_groups() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let used = wasmaot_compiler::module::proposals_used(&wasm);
    assert!(used.contains(&"function-references"), "{used:?}");
    assert!(!used.contains(&"tail-call"), "{used:?}");
    let rec = wat::parse_str("(module (rec (type $a (func)) (type (func (param (ref $a))))))")
        .expect("valid WAT");
    let used = wasmaot_compiler::module::proposals_used(&rec);
    assert!(used.contains(&"gc"), "{used:?}");
}

#[test]
fn typed_calls_take_and_return_typed_references() {
    let m = instance(MODULE);
    let (apply, double) = (func(&m, "apply"), func(&m, "double"));
    with_store(|s| {
        // A number where a reference is expected does not make a typed function.
        assert!(apply.typed::<(i64, i32), i32>(s).is_err());
        let apply = apply
            .typed::<(Option<wasmaot_runtime::Func>, i32), i32>(s)
            .expect("(ref $ii) is a function reference");
        let double = double
            .typed::<(), Option<wasmaot_runtime::Func>>(s)
            .expect("returns a function reference");
        let f = double.call(s, ()).expect("returns");
        assert!(f.is_some());
        assert_eq!(apply.call(s, (f, 21)).expect("calls"), 42);
        // Null for the non-nullable parameter: an error, no call.
        assert!(matches!(apply.call(s, (None, 1)), Err(Error::Type(_))));
    });
}
