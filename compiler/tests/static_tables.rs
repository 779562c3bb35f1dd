//! `call_indirect` through tables nothing but the module's element segments writes (not
//! exported, not imported, never a destination of a table instruction): the calls read a
//! read-only copy of the table made by the compiler, and must behave exactly as calls through
//! the table do. Every entry the copy does not call directly (null, another type, an imported
//! function, a global's value) takes the ordinary path and traps or calls as before.

mod support;
use support::*;
use wasmaot_runtime::{Caller, Extern, Func, FuncType, Trap, TrapKind, Val, ValType};

const MODULE: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (type $ii_again (func (param i32) (result i32)))
  (type $v_i (func (result i32)))
  (type $pair (func (param i32) (result i32 i64)))
  (import "env" "host" (func $host (type $ii)))
  (global $g (import "env" "g") funcref)
  (global $scale (mut i32) (i32.const 1))
  (table $t 10 10 funcref)

  (func $add (type $ii) (i32.add (local.get 0) (i32.const 100)))
  (func $double (type $ii_again) (i32.mul (local.get 0) (i32.mul (i32.const 2) (global.get $scale))))
  (func $answer (type $v_i) (i32.const 42))
  (func $two (type $pair) (local.get 0) (i64.extend_i32_u (i32.add (local.get 0) (i32.const 1))))

  ;; 0: null, 1: $add, 2: $double (replaced below), 3: $answer, 4: $host, 5: $two,
  ;; 6: the imported global's value, 7: $double, 8 and 9: null.
  (elem (i32.const 1) $add $add $answer $host)
  (elem (table $t) (i32.const 5) funcref (ref.func $two) (global.get $g) (ref.func $double))
  (elem (i32.const 2) $double)

  (func (export "call") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "call_again") (param i32 i32) (result i32)
    (call_indirect $t (type $ii_again) (local.get 1) (local.get 0)))
  (func (export "call_v") (param i32) (result i32)
    (call_indirect $t (type $v_i) (local.get 0)))
  (func (export "call_pair") (param i32 i32) (result i32 i64)
    (call_indirect $t (type $pair) (local.get 1) (local.get 0)))
  (func (export "tail") (param i32 i32) (result i32)
    (return_call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "set_scale") (param i32) (global.set $scale (local.get 0)))
  ;; The table is read, not written, by table.get and table.size.
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "size") (result i32) (table.size $t))
)"#;

fn host_add_1000() -> Func {
    let ty = FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    with_store(|s| {
        Func::new(
            s,
            ty,
            |_: &mut Caller<'_>, args: &[Val], results: &mut [Val]| -> Result<(), Trap> {
                results[0] = Val::I32(args[0].unwrap_i32() + 1000);
                Ok(())
            },
        )
    })
}

/// An instance of [`MODULE`] whose imported global holds `$add` of `other` (an instance of
/// another module with an `$add` of its own, adding 7).
fn static_instance() -> wasmaot_runtime::Instance {
    let other = instance(
        r#"(module
             (func $add (export "add") (param i32) (result i32)
               (i32.add (local.get 0) (i32.const 7)))
             (global (export "g") funcref (ref.func $add)))"#,
    );
    let g = export(&other, "g");
    instance_with(MODULE, &[Extern::Func(host_add_1000()), g])
}

#[test]
fn calls_reach_the_function_the_segments_left_in_each_entry() {
    let m = static_instance();
    assert_eq!(call1(&m, "call", &[i32(1), i32(5)]), i32(105));
    // Entry 2 was written twice: the later segment wins.
    assert_eq!(call1(&m, "call", &[i32(2), i32(5)]), i32(10));
    assert_eq!(call1(&m, "call", &[i32(7), i32(5)]), i32(10));
    // A structurally equal type is the same type.
    assert_eq!(call1(&m, "call_again", &[i32(1), i32(5)]), i32(105));
    assert_eq!(call1(&m, "call_v", &[i32(3)]), i32(42));
    assert_eq!(
        call(&m, "call_pair", &[i32(5), i32(9)]),
        vec![i32(9), i64(10)]
    );
    // The callee runs with this instance's state.
    call(&m, "set_scale", &[i32(3)]);
    assert_eq!(call1(&m, "call", &[i32(2), i32(5)]), i32(30));
    assert_eq!(call1(&m, "is_null", &[i32(0)]), i32(1));
    assert_eq!(call1(&m, "is_null", &[i32(2)]), i32(0));
    assert_eq!(call1(&m, "size", &[]), i32(10));
}

#[test]
fn entries_the_copy_does_not_call_take_the_table() {
    let m = static_instance();
    // An imported host function and another instance's function, through the table.
    assert_eq!(call1(&m, "call", &[i32(4), i32(5)]), i32(1005));
    assert_eq!(call1(&m, "call", &[i32(6), i32(5)]), i32(12));
    assert_eq!(call1(&m, "tail", &[i32(4), i32(5)]), i32(1005));
    assert_eq!(call1(&m, "tail", &[i32(6), i32(5)]), i32(12));
}

#[test]
fn traps_are_those_of_the_table() {
    let m = static_instance();
    let kind = |name: &str, args: &[Val]| trap(&m, name, args);
    assert_eq!(
        kind("call", &[i32(0), i32(1)]),
        TrapKind::UninitializedElement
    );
    assert_eq!(
        kind("call", &[i32(9), i32(1)]),
        TrapKind::UninitializedElement
    );
    assert_eq!(
        kind("call", &[i32(3), i32(1)]),
        TrapKind::IndirectCallTypeMismatch
    );
    assert_eq!(
        kind("call_v", &[i32(1)]),
        TrapKind::IndirectCallTypeMismatch
    );
    // A function of another type through the table's other path (the imported host function).
    assert_eq!(
        kind("call_v", &[i32(4)]),
        TrapKind::IndirectCallTypeMismatch
    );
    for index in [10, 11, 1 << 20, -1] {
        assert_eq!(
            kind("call", &[i32(index), i32(1)]),
            TrapKind::UndefinedElement,
            "{index}"
        );
        assert_eq!(
            kind("tail", &[i32(index), i32(1)]),
            TrapKind::UndefinedElement,
            "{index}"
        );
    }
    assert_eq!(
        kind("tail", &[i32(0), i32(1)]),
        TrapKind::UninitializedElement
    );
    assert_eq!(
        kind("tail", &[i32(3), i32(1)]),
        TrapKind::IndirectCallTypeMismatch
    );
}

/// A table of only the module's functions and nulls (as C compilers make them): whatever the
/// copy does not call traps.
const CLANG_LIKE: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (type $v_i (func (result i32)))
  (table $t 4 4 funcref)
  (func $countdown (type $ii)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 77))
      (else (return_call_indirect $t (type $ii) (i32.sub (local.get 0) (i32.const 1))
                                     (i32.const 1)))))
  (func $answer (type $v_i) (i32.const 42))
  (elem (i32.const 1) $countdown $answer)
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  ;; A small function calling through the table, inlined into its callers.
  (func $through (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "inlined") (param i32 i32) (result i32)
    (i32.add (call $through (local.get 0) (local.get 1))
             (call $through (local.get 0) (local.get 1))))
  (func (export "sum") (param $n i32) (result i32) (local $sum i32)
    (loop $next
      (local.set $sum (i32.add (local.get $sum)
        (call_indirect $t (type $v_i) (i32.const 2))))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum))
)"#;

#[test]
fn a_table_of_the_modules_functions_and_nulls() {
    for (checks, m) in instances_both_checks(CLANG_LIKE) {
        // A million tail calls through the copy need no stack.
        assert_eq!(
            call1(&m, "call", &[i32(1), i32(1_000_000)]),
            i32(77),
            "{checks}"
        );
        assert_eq!(
            call1(&m, "inlined", &[i32(1), i32(3)]),
            i32(154),
            "{checks}"
        );
        assert_eq!(call1(&m, "sum", &[i32(10)]), i32(420), "{checks}");
        for (index, kind) in [
            (0, TrapKind::UninitializedElement),
            (3, TrapKind::UninitializedElement),
            (2, TrapKind::IndirectCallTypeMismatch),
            (4, TrapKind::UndefinedElement),
        ] {
            assert_eq!(
                trap(&m, "call", &[i32(index), i32(1)]),
                kind,
                "{checks} {index}"
            );
            assert_eq!(
                trap(&m, "inlined", &[i32(index), i32(1)]),
                kind,
                "{checks} {index}"
            );
        }
    }
}

#[test]
fn instances_of_one_module_call_their_own_functions() {
    let wat = r#"
      (module
        (type $v_i (func (result i32)))
        (global $id (mut i32) (i32.const 0))
        (table 2 funcref)
        (func $id (type $v_i) (global.get $id))
        (elem (i32.const 0) $id)
        (func (export "set") (param i32) (global.set $id (local.get 0)))
        (func (export "call") (result i32) (call_indirect (type $v_i) (i32.const 0))))"#;
    let module = load(wat);
    let a = new_instance(&module, &[]).expect("instantiates");
    let b = new_instance(&module, &[]).expect("instantiates");
    call(&a, "set", &[i32(1)]);
    call(&b, "set", &[i32(2)]);
    assert_eq!(call1(&a, "call", &[]), i32(1));
    assert_eq!(call1(&b, "call", &[]), i32(2));
}

#[test]
fn a_table64_and_a_table_with_an_initial_value() {
    let wat = r#"
      (module
        (type $v_i (func (result i32)))
        (func $one (type $v_i) (i32.const 1))
        (func $two (type $v_i) (i32.const 2))
        (table $wide i64 3 funcref)
        (elem (table $wide) (i64.const 1) func $two)
        (table $full 3 (ref null func) (ref.func $one))
        (elem (table $full) (i32.const 2) func $two)
        (func (export "wide") (param i64) (result i32)
          (call_indirect $wide (type $v_i) (local.get 0)))
        (func (export "full") (param i32) (result i32)
          (call_indirect $full (type $v_i) (local.get 0))))"#;
    let m = instance(wat);
    assert_eq!(call1(&m, "wide", &[i64(1)]), i32(2));
    assert_eq!(trap(&m, "wide", &[i64(0)]), TrapKind::UninitializedElement);
    for index in [3, 1 << 32, -1] {
        assert_eq!(trap(&m, "wide", &[i64(index)]), TrapKind::UndefinedElement);
    }
    assert_eq!(call1(&m, "full", &[i32(0)]), i32(1));
    assert_eq!(call1(&m, "full", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "full", &[i32(2)]), i32(2));
}

/// A failed instantiation leaves functions written into an imported table callable; a
/// module whose later segment may fail therefore gets no copy, and its calls see the table as
/// the failure left it.
#[test]
fn a_segment_that_may_fail_leaves_the_tables_to_be_read() {
    let wat = r#"
      (module
        (type $v_i (func (result i32)))
        (import "env" "shared" (table $shared 1 funcref))
        (table $own 2 funcref)
        (func $probe (type $v_i) (call_indirect $own (type $v_i) (i32.const 1)))
        (func $seven (type $v_i) (i32.const 7))
        (elem (table $shared) (i32.const 0) func $probe)
        ;; Fails when the imported table has one entry, before $own is written.
        (elem (table $shared) (i32.const 1) func $probe)
        (elem (table $own) (i32.const 1) func $seven))"#;
    let owner = instance(
        r#"(module
             (type $v_i (func (result i32)))
             (table (export "shared") 1 funcref)
             (func (export "probe") (result i32) (call_indirect (type $v_i) (i32.const 0))))"#,
    );
    assert!(new_instance(&load(wat), &[export(&owner, "shared")]).is_err());
    assert_eq!(trap(&owner, "probe", &[]), TrapKind::UninitializedElement);
}
