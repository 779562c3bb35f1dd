//! Exception handling through the real pipeline: throwing across frames, indirect calls and
//! instances, every catch clause, `throw_ref`, the legacy instructions, uncaught exceptions as
//! the host sees them, traps staying uncatchable, host frames not being unwound, and the
//! exception heap keeping live exceptions across collections.

mod support;
use support::*;
use wasmaot_runtime::{
    Error, ExceptionValue, Extern, Func, FuncType, Trap, TrapKind, Val, ValType,
};

const THROWER: &str = r#"
(module
  (tag $e (export "e") (param i32 i64))
  (tag $other (param f64))
  (type $v (func))
  (table $t 1 funcref)
  (elem (i32.const 0) $throw_e)
  (func $throw_e (param) (throw $e (i32.const 7) (i64.const -9)))
  ;; Ten frames deep, the last through call_indirect.
  (func $deep (param $n i32)
    (if (i32.eqz (local.get $n))
      (then (call_indirect $t (type $v) (i32.const 0)))
      (else (call $deep (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "catch_deep") (result i32 i64)
    (block $h (result i32 i64)
      (try_table (catch $e $h) (call $deep (i32.const 10)))
      (unreachable)))
  ;; The first matching clause wins; an inner scope that does not match passes it outward.
  (func (export "clauses") (param $which i32) (result i32)
    (block $outer (result i32 i64)
      (block $all
        (try_table (catch $e $outer) (catch_all $all)
          (block $inner (result f64)
            (try_table (catch $other $inner)
              (if (local.get $which)
                (then (throw $other (f64.const 1.5)))
                (else (call $throw_e))))
            (unreachable))
          (drop)
          (return (i32.const 100))))
      (return (i32.const 200)))
    (drop))
  ;; catch_ref keeps the exception; throw_ref sends it on unchanged.
  (func $rethrower
    (block $h (result i32 i64 exnref)
      (try_table (catch_ref $e $h) (call $throw_e))
      (unreachable))
    (throw_ref))
  (func (export "rethrown") (result i64)
    (block $h (result i32 i64)
      (try_table (catch $e $h) (call $rethrower))
      (unreachable))
    (return))
  (func (export "catch_all_ref") (result i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $throw_e))
      (unreachable))
    (ref.is_null))
  (func (export "uncaught") (call $deep (i32.const 3)))
  (func (export "throw_null") (throw_ref (ref.null exn)))
  (func (export "trap_inside") (result i32)
    (block $h
      (try_table (catch_all $h) (drop (i32.div_s (i32.const 1) (i32.const 0)))))
    (i32.const 1))
  (func (export "ok") (result i32) (i32.const 5))
)
"#;

#[test]
fn throw_is_caught_ten_frames_up_through_call_indirect() {
    let m = instance(THROWER);
    let got = call(&m, "catch_deep", &[]);
    assert_eq!(got[0].unwrap_i32(), 7);
    assert_eq!(got[1].unwrap_i64(), -9);
}

#[test]
fn clauses_are_tried_in_order_and_unmatched_exceptions_move_out() {
    let m = instance(THROWER);
    // $other is caught by the inner try_table; $e passes it and reaches the outer catch.
    assert_eq!(call1(&m, "clauses", &[i32(1)]).unwrap_i32(), 100);
    assert_eq!(call1(&m, "clauses", &[i32(0)]).unwrap_i32(), 7);
}

#[test]
fn throw_ref_rethrows_the_same_exception() {
    let m = instance(THROWER);
    assert_eq!(call1(&m, "rethrown", &[]).unwrap_i64(), -9);
    assert_eq!(call1(&m, "catch_all_ref", &[]).unwrap_i32(), 0);
}

#[test]
fn an_uncaught_exception_names_its_tag_and_values_and_the_instance_stays_usable() {
    let m = instance(THROWER);
    match call_func(func(&m, "uncaught"), &[]) {
        Err(Error::Trap(Trap::Exception(e))) => {
            assert_eq!(e.tag, "e");
            assert_eq!(e.values, [ExceptionValue::I32(7), ExceptionValue::I64(-9)]);
            assert_eq!(
                Trap::Exception(e).to_string(),
                "uncaught wasm exception: e (7, -9)"
            );
        }
        other => panic!("expected an uncaught exception, got {other:?}"),
    }
    assert_eq!(call1(&m, "ok", &[]).unwrap_i32(), 5);
    assert_eq!(call(&m, "catch_deep", &[])[0].unwrap_i32(), 7);
}

#[test]
fn traps_are_not_catchable_and_null_exceptions_trap() {
    let m = instance(THROWER);
    assert_eq!(trap(&m, "trap_inside", &[]), TrapKind::IntegerDivideByZero);
    assert_eq!(
        trap(&m, "throw_null", &[]),
        TrapKind::NullExceptionReference
    );
}

#[test]
fn imported_tags_are_the_exporters_and_each_instance_has_its_own() {
    let thrower = instance(THROWER);
    let tag = export(&thrower, "e");
    let catcher = r#"
    (module
      (import "m" "e" (tag $e (param i32 i64)))
      (import "m" "throw" (func $throw))
      (tag $mine (param i32 i64))
      (func (export "catch_imported") (result i32)
        (block $h (result i32 i64)
          (try_table (catch $e $h) (call $throw))
          (return (i32.const -1)))
        (drop))
      ;; An equal type is not the same tag.
      (func (export "catch_other") (result i32)
        (block $h (result i32 i64)
          (try_table (catch $mine $h) (call $throw))
          (return (i32.const -1)))
        (drop)))
    "#;
    let throw = export(&thrower, "uncaught");
    let m = instance_with(catcher, &[tag, throw]);
    assert_eq!(call1(&m, "catch_imported", &[]).unwrap_i32(), 7);
    assert!(matches!(
        call_func(func(&m, "catch_other"), &[]),
        Err(Error::Trap(Trap::Exception(_)))
    ));
    // A second instance of the thrower makes a different tag: not the one `m` imported.
    let second = instance(THROWER);
    let m2 = instance_with(
        catcher,
        &[export(&second, "e"), export(&thrower, "uncaught")],
    );
    assert!(matches!(
        call_func(func(&m2, "catch_imported"), &[]),
        Err(Error::Trap(Trap::Exception(_)))
    ));
}

#[test]
fn host_frames_are_not_unwound_by_wasm_exceptions() {
    // wasm (try) -> host -> wasm (throws): the exception ends the inner call at the host,
    // which returns it as an error; the outer try does not catch that.
    let thrower = instance(THROWER);
    let inner = func(&thrower, "uncaught");
    let host = with_store(|s| {
        Func::new(
            s,
            FuncType {
                params: vec![],
                results: vec![],
            },
            move |caller, _, _| match inner.call(caller, &[]) {
                Err(Error::Trap(Trap::Exception(e))) => Err(Trap::host(format!("saw {}", e.tag))),
                other => Err(Trap::host(format!("unexpected {other:?}"))),
            },
        )
    });
    let m = instance_with(
        r#"
        (module
          (import "h" "f" (func $host))
          (func (export "run") (result i32)
            (block $h
              (try_table (catch_all $h) (call $host)))
            (i32.const 1)))
        "#,
        &[Extern::Func(host)],
    );
    match call_func(func(&m, "run"), &[]) {
        Err(Error::Trap(Trap::Host { message, .. })) => assert_eq!(message, "saw e"),
        other => panic!("expected the host's error, got {other:?}"),
    }
}

#[test]
fn live_exceptions_survive_collections() {
    // One exception is kept in a local, one in a global and one in a table while 20,000
    // others are thrown and dropped (several collections); all three still carry their values.
    let m = instance(
        r#"
        (module
          (tag $e (param i32))
          (global $g (mut exnref) (ref.null exn))
          (table $t 1 exnref)
          (func $catch (param i32) (result exnref)
            (block $h (result exnref)
              (try_table (catch_all_ref $h) (throw $e (local.get 0)))
              (unreachable)))
          (func $value (param exnref) (result i32)
            (block $h (result i32)
              (try_table (catch $e $h) (throw_ref (local.get 0)))
              (unreachable)))
          (func (export "run") (result i32)
            (local $kept exnref) (local $i i32)
            (local.set $kept (call $catch (i32.const 1)))
            (global.set $g (call $catch (i32.const 20)))
            (table.set $t (i32.const 0) (call $catch (i32.const 300)))
            (loop $l
              (drop (call $catch (local.get $i)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 20000))))
            (i32.add
              (call $value (local.get $kept))
              (i32.add (call $value (global.get $g))
                       (call $value (table.get $t (i32.const 0)))))))
        "#,
    );
    assert_eq!(call1(&m, "run", &[]).unwrap_i32(), 321);
}

#[test]
fn payloads_of_every_type_arrive_intact() {
    let m = instance(
        r#"
        (module
          (tag $e (param f32 f64 v128 i64))
          (func (export "run") (result f32 f64 v128 i64)
            (block $h (result f32 f64 v128 i64)
              (try_table (catch $e $h)
                (throw $e (f32.const 1.25) (f64.const -2.5)
                          (v128.const i32x4 1 2 3 4) (i64.const 0x123456789)))
              (unreachable))))
        "#,
    );
    let got = call(&m, "run", &[]);
    assert_eq!(got[0].unwrap_f32(), 1.25);
    assert_eq!(got[1].unwrap_f64(), -2.5);
    assert_eq!(lanes_i32(got[2]), [1, 2, 3, 4]);
    assert_eq!(got[3].unwrap_i64(), 0x123456789);
}

#[test]
fn legacy_try_catch_rethrow_and_delegate() {
    let m = instance(
        r#"
        (module
          (tag $e (param i32))
          (tag $f)
          (func $throw (param i32) (throw $e (local.get 0)))
          (func (export "catch") (param i32) (result i32)
            try (result i32)
              (call $throw (local.get 0))
              (i32.const 0)
            catch $f
              (i32.const -1)
            catch $e
              (i32.add (i32.const 1))
            end)
          (func (export "rethrow") (result i32)
            try (result i32)
              try
                (call $throw (i32.const 41))
              catch_all
                rethrow 0
              end
              (i32.const 0)
            catch $e
            end)
          (func (export "delegate") (result i32)
            try $outer (result i32)
              try
                (call $throw (i32.const 9))
              delegate $outer
              (i32.const 0)
            catch $e
            end))
        "#,
    );
    assert_eq!(call1(&m, "catch", &[i32(4)]).unwrap_i32(), 5);
    assert_eq!(call1(&m, "rethrow", &[]).unwrap_i32(), 41);
    assert_eq!(call1(&m, "delegate", &[]).unwrap_i32(), 9);
}

#[test]
fn exception_references_do_not_leave_wasm() {
    let m = instance(
        r#"
        (module
          (tag $e)
          (func (export "get") (result exnref)
            (block $h (result exnref)
              (try_table (catch_all_ref $h) (throw $e))
              (unreachable)))
          (func (export "null") (result exnref) (ref.null exn)))
        "#,
    );
    assert!(matches!(
        call_func(func(&m, "get"), &[]),
        Err(Error::Type(_))
    ));
    assert!(matches!(call(&m, "null", &[])[0], Val::ExternRef(None)));
    let global_type = wasmaot_runtime::GlobalType {
        content: ValType::Ref(wasmaot_runtime::RefType {
            nullable: true,
            heap: wasmaot_runtime::HeapType::Exn,
        }),
        mutable: true,
    };
    let made = with_store(|s| wasmaot_runtime::Global::new(s, global_type, Val::ExternRef(None)));
    assert!(matches!(made, Err(Error::Type(_))));
}

#[test]
fn an_uncaught_exception_has_the_frames_of_its_last_throw() {
    let m = instance(
        r#"(module
             (tag $e (export "e") (param i32))
             (func $thrower (param i32) (throw $e (local.get 0)))
             (func $rethrower (param i32)
               (block $h (result exnref)
                 (try_table (catch_all_ref $h) (call $thrower (local.get 0)))
                 (return))
               (throw_ref))
             (func (export "direct") (call $thrower (i32.const 1)))
             (func (export "rethrown") (call $rethrower (i32.const 2))))"#,
    );
    let frames = |name: &str| match call_func(func(&m, name), &[]) {
        Err(Error::Trap(trap @ Trap::Exception(_))) => trap
            .backtrace()
            .iter()
            .map(|f| (f.func_index, f.wasm_offset.is_some()))
            .collect::<Vec<_>>(),
        other => panic!("expected an uncaught exception, got {other:?}"),
    };
    // Thrown in $thrower (func 0), called from the export (func 2).
    assert_eq!(frames("direct"), [(0, true), (2, true)]);
    // Caught by $rethrower (func 1) and thrown on by its throw_ref: the backtrace starts there.
    assert_eq!(frames("rethrown"), [(1, true), (3, true)]);
}
