//! Structured control flow through the real pipeline: blocks, loops and ifs with results and
//! parameters, multi-value, branches of every kind, return, unreachable, select, recursion,
//! stack exhaustion and dead code.

mod support;
use support::*;
use wasmaot_runtime::{ExternRef, TrapKind, Val};

const MODULE: &str = r#"
(module
  (type $pair (func (param i32 i32) (result i32)))

  ;; block/loop/if with results
  (func (export "block_result") (param i32) (result i32)
    (block (result i32) (i32.add (local.get 0) (i32.const 1))))
  (func (export "if_else") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 10)) (else (i32.const 20))))
  (func (export "if_no_else") (param i32) (result i32) (local $r i32)
    (local.set $r (i32.const 5))
    (if (local.get 0) (then (local.set $r (i32.const 6))))
    (local.get $r))
  (func (export "sum_to") (param i32) (result i32) (local $acc i32)
    ;; loop with a result: sum of 1..=n (n >= 1)
    (loop $l (result i32)
      (local.set $acc (i32.add (local.get $acc) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0))
      (local.get $acc)))
  (func (export "nested_if") (param i32 i32) (result i32)
    (if (result i32) (local.get 0)
      (then (if (result i32) (local.get 1) (then (i32.const 3)) (else (i32.const 2))))
      (else (if (result i32) (local.get 1) (then (i32.const 1)) (else (i32.const 0))))))

  ;; multi-value
  (func $three (export "three") (param i32) (result i32 i64 f64)
    (local.get 0)
    (i64.extend_i32_s (i32.mul (local.get 0) (i32.const -2)))
    (f64.convert_i32_s (i32.add (local.get 0) (i32.const 100))))
  (func (export "use_three") (param i32) (result f64)
    (local $a i32) (local $b i64) (local $c f64)
    (call $three (local.get 0))
    (local.set $c) (local.set $b) (local.set $a)
    (f64.add (local.get $c)
      (f64.convert_i64_s (i64.add (local.get $b) (i64.extend_i32_s (local.get $a))))))
  (func (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "block_params") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32) (i32.sub)))
  (func (export "block_multi_result") (param i32) (result i32)
    (block (result i32 i32) (local.get 0) (i32.const 7))
    (i32.mul))
  (func (export "block_type_index") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (block (type $pair) (i32.mul)))
  (func (export "if_params") (param i32 i32) (result i32)
    (local.get 0)
    (if (param i32) (result i32) (local.get 1)
      (then (i32.const 100) (i32.add))
      (else (i32.const 100) (i32.sub))))
  (func (export "if_params_no_else") (param i32 i32) (result i32)
    (local.get 0)
    (if (param i32) (result i32) (local.get 1)
      (then (i32.const 2) (i32.mul))))
  (func (export "loop_params") (param i32) (result i32)
    ;; acc on the operand stack: sum of n..1 (n >= 1)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (local.get 0))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0))))
  (func (export "fib_pair") (param i32) (result i64)
    ;; iterative fibonacci with two values carried around the loop
    (i64.const 0) (i64.const 1)
    (loop $l (param i64 i64) (result i64 i64)
      (if (param i64 i64) (result i64 i64) (local.get 0)
        (then
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (call $fib_step)
          (br $l))))
    (drop))
  (func $fib_step (param i64 i64) (result i64 i64)
    (local.get 1) (i64.add (local.get 0) (local.get 1)))

  ;; branches carrying values
  (func (export "br_outer") (result i32)
    (block $outer (result i32)
      (block $inner (result i32)
        (block (result i32)
          (br $outer (i32.const 7)))
        (drop) (i32.const 1))
      (drop) (i32.const 2)))
  (func (export "br_if_value") (param i32) (result i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 11) (local.get 0)))
      (i32.const 22)))
  (func (export "br_if_nested") (param i32) (result i32)
    (block $outer (result i32)
      (block $mid (result i32)
        (block $inner (result i32)
          (drop (br_if $outer (i32.const 1) (i32.eq (local.get 0) (i32.const 1))))
          (drop (br_if $mid (i32.const 2) (i32.eq (local.get 0) (i32.const 2))))
          (drop (br_if $inner (i32.const 3) (i32.eq (local.get 0) (i32.const 3))))
          (i32.const 4))
        (i32.const 30) (i32.add))
      (i32.const 200) (i32.add)))
  (func (export "br_multi") (param i32) (result i32 i32)
    (block $b (result i32 i32)
      (i32.const 1) (i32.const 2)
      (br_if $b (local.get 0))
      (drop) (drop)
      (i32.const 3) (i32.const 4)))

  (func (export "operands_below") (param i32) (result i32)
    (i32.const 100)
    (block (result i32)
      (i32.const 1) (i32.const 2)
      (br_if 0 (i32.const 3) (local.get 0))
      (drop) (drop))
    (i32.add))

  ;; br_table
  (func (export "br_table") (param i32) (result i32)
    (block $d (result i32)
      (block $c (result i32)
        (block $b (result i32)
          (block $a (result i32)
            (i32.const 10) (local.get 0)
            (br_table $a $b $c $d $b $d))
          (return (i32.add (i32.const 1))))
        (return (i32.add (i32.const 2))))
      (return (i32.add (i32.const 3))))
    (i32.add (i32.const 4)))
  (func (export "br_table_loop") (param i32) (result i32) (local $n i32)
    ;; counts iterations: the table's first target is the loop
    (block $exit
      (loop $top
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_table $top $exit (i32.eqz (local.get 0)))))
    (local.get $n))
  (func (export "br_table_loop_param") (param i32) (result i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (local.get 0))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_table $l 1 (i32.eqz (local.get 0)))))
  (func (export "br_table_only_default") (param i32) (result i32)
    (block $b (result i32)
      (br_table $b (i32.const 99) (local.get 0))))

  ;; return from deep inside
  (func (export "early_return") (param i32) (result i32)
    (block
      (block
        (loop $l
          (if (i32.gt_s (local.get 0) (i32.const 10)) (then (return (i32.const 42))))
          (br_if 2 (i32.eqz (local.get 0)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br $l))))
    (i32.const 7))
  (func (export "return_multi") (param i32) (result i32 i64)
    (block
      (if (local.get 0) (then (return (i32.const 1) (i64.const 2)))))
    (i32.const 3) (i64.const 4))

  ;; traps
  (func (export "unreachable") (unreachable))
  (func (export "unreachable_in_block") (param i32) (result i32)
    (block (result i32)
      (if (local.get 0) (then (unreachable)))
      (i32.const 5)))

  ;; select
  (func (export "select_i32") (param i32 i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_i64") (param i64 i64 i32) (result i64)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_f32") (param f32 f32 i32) (result f32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_f64_typed") (param f64 f64 i32) (result f64)
    (select (result f64) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_externref") (param externref externref i32) (result externref)
    (select (result externref) (local.get 0) (local.get 1) (local.get 2)))
)"#;

const RECURSION: &str = r#"
(module
  (func $fact (export "fact") (param i64) (result i64)
    (if (result i64) (i64.le_s (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $depth (export "depth") (param i32) (result i32)
    ;; recursion of a given depth, with a frame that carries locals
    (local f64 f64 i64)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
)"#;

const DEAD_CODE: &str = r#"
(module
  (func (export "after_br") (result i32)
    (block (result i32)
      (br 0 (i32.const 1))
      (i32.const 2)
      (drop)
      (i32.add)
      (unreachable)
      (block (result i64) (i64.const 3))
      (drop)
      (loop (nop))
      (if (then (nop)) (else (nop)))
      (br_table 0 0 (i32.const 9))))
  (func (export "after_return") (param i32) (result i32)
    (return (local.get 0))
    (local.set 0 (i32.const 100))
    (if (result i32) (then (i32.const 1)) (else (i32.const 2)))
    (i32.const 5)
    (i32.add))
  (func (export "after_unreachable_in_arm") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (return (i32.const 1)) (i32.const 77) (i32.mul))
      (else (br 0 (i32.const 2)) (f64.const 1) (drop))))
  (func (export "both_arms_leave") (param i32) (result i32)
    (if (local.get 0)
      (then (return (i32.const 10)))
      (else (return (i32.const 20))))
    (i32.const 30))
  (func (export "after_br_table") (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (br_table $a $b (i32.const 8) (local.get 0))
        (i32.const 1000))
      (i32.const 1) (i32.add)))
  (func (export "loop_never_exits_normally") (param i32) (result i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get 0) (i32.const 10)))
      (return (local.get 0)))
    (unreachable))
)"#;

#[test]
fn blocks_loops_and_ifs_with_results() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "block_result", &[i32(41)]), i32(42));
    assert_eq!(call1(&m, "if_else", &[i32(1)]), i32(10));
    assert_eq!(call1(&m, "if_else", &[i32(-5)]), i32(10));
    assert_eq!(call1(&m, "if_else", &[i32(0)]), i32(20));
    assert_eq!(call1(&m, "if_no_else", &[i32(0)]), i32(5));
    assert_eq!(call1(&m, "if_no_else", &[i32(9)]), i32(6));
    assert_eq!(call1(&m, "sum_to", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "sum_to", &[i32(100)]), i32(5050));
    for (a, b, r) in [(0, 0, 0), (0, 1, 1), (1, 0, 2), (1, 1, 3)] {
        assert_eq!(call1(&m, "nested_if", &[i32(a), i32(b)]), i32(r));
    }
}

#[test]
fn multi_value_functions_and_blocks() {
    let m = instance(MODULE);
    assert_eq!(
        call(&m, "three", &[i32(5)]),
        vec![i32(5), i64(-10), f64(105.0)]
    );
    assert_eq!(
        call(&m, "three", &[i32(i32::MIN)]),
        vec![i32(i32::MIN), i64(0), f64(-2147483548.0)]
    );
    // 105 + (-10 + 5)
    assert_eq!(call1(&m, "use_three", &[i32(5)]), f64(100.0));
    assert_eq!(call(&m, "swap", &[i32(1), i32(2)]), vec![i32(2), i32(1)]);
    assert_eq!(call1(&m, "block_params", &[i32(10), i32(3)]), i32(7));
    assert_eq!(call1(&m, "block_multi_result", &[i32(6)]), i32(42));
    assert_eq!(call1(&m, "block_type_index", &[i32(6), i32(-7)]), i32(-42));
    assert_eq!(call1(&m, "if_params", &[i32(5), i32(1)]), i32(105));
    assert_eq!(call1(&m, "if_params", &[i32(5), i32(0)]), i32(-95));
    assert_eq!(call1(&m, "if_params_no_else", &[i32(5), i32(1)]), i32(10));
    assert_eq!(call1(&m, "if_params_no_else", &[i32(5), i32(0)]), i32(5));
    assert_eq!(call1(&m, "loop_params", &[i32(4)]), i32(10));
    assert_eq!(call1(&m, "loop_params", &[i32(1000)]), i32(500500));
    assert_eq!(call1(&m, "fib_pair", &[i32(0)]), i64(0));
    assert_eq!(call1(&m, "fib_pair", &[i32(1)]), i64(1));
    assert_eq!(call1(&m, "fib_pair", &[i32(90)]), i64(2880067194370816120));
}

#[test]
fn branches_carry_values_out_of_nested_blocks() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "br_outer", &[]), i32(7));
    assert_eq!(call1(&m, "br_if_value", &[i32(1)]), i32(11));
    assert_eq!(call1(&m, "br_if_value", &[i32(0)]), i32(22));
    assert_eq!(call1(&m, "br_if_nested", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "br_if_nested", &[i32(2)]), i32(202));
    assert_eq!(call1(&m, "br_if_nested", &[i32(3)]), i32(233));
    assert_eq!(call1(&m, "br_if_nested", &[i32(0)]), i32(234));
    assert_eq!(call(&m, "br_multi", &[i32(1)]), vec![i32(1), i32(2)]);
    assert_eq!(call(&m, "br_multi", &[i32(0)]), vec![i32(3), i32(4)]);
    // A taken branch carries only the top value; the rest of the block's operands are dropped.
    assert_eq!(call1(&m, "operands_below", &[i32(1)]), i32(103));
    assert_eq!(call1(&m, "operands_below", &[i32(0)]), i32(101));
}

#[test]
fn br_table_targets_and_default() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "br_table", &[i32(0)]), i32(11));
    assert_eq!(call1(&m, "br_table", &[i32(1)]), i32(12));
    assert_eq!(call1(&m, "br_table", &[i32(2)]), i32(13));
    assert_eq!(call1(&m, "br_table", &[i32(3)]), i32(14));
    assert_eq!(call1(&m, "br_table", &[i32(4)]), i32(12));
    // Past the table (including huge unsigned indices): the default.
    assert_eq!(call1(&m, "br_table", &[i32(5)]), i32(14));
    assert_eq!(call1(&m, "br_table", &[i32(6)]), i32(14));
    assert_eq!(call1(&m, "br_table", &[i32(1000)]), i32(14));
    assert_eq!(call1(&m, "br_table", &[i32(-1)]), i32(14));
    assert_eq!(call1(&m, "br_table", &[i32(i32::MIN)]), i32(14));
    assert_eq!(call1(&m, "br_table_loop", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "br_table_loop", &[i32(17)]), i32(17));
    assert_eq!(call1(&m, "br_table_loop_param", &[i32(4)]), i32(10));
    assert_eq!(call1(&m, "br_table_loop_param", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "br_table_only_default", &[i32(0)]), i32(99));
    assert_eq!(call1(&m, "br_table_only_default", &[i32(-3)]), i32(99));
}

#[test]
fn return_from_nested_blocks() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "early_return", &[i32(11)]), i32(42));
    assert_eq!(call1(&m, "early_return", &[i32(5)]), i32(7));
    assert_eq!(call1(&m, "early_return", &[i32(0)]), i32(7));
    assert_eq!(call(&m, "return_multi", &[i32(1)]), vec![i32(1), i64(2)]);
    assert_eq!(call(&m, "return_multi", &[i32(0)]), vec![i32(3), i64(4)]);
}

#[test]
fn unreachable_traps() {
    let m = instance(MODULE);
    assert_eq!(trap(&m, "unreachable", &[]), TrapKind::Unreachable);
    assert_eq!(
        trap(&m, "unreachable_in_block", &[i32(1)]),
        TrapKind::Unreachable
    );
    assert_eq!(call1(&m, "unreachable_in_block", &[i32(0)]), i32(5));
    assert_eq!(trap(&m, "unreachable", &[]), TrapKind::Unreachable);
}

#[test]
fn select_plain_and_typed() {
    let m = instance(MODULE);
    assert_eq!(call1(&m, "select_i32", &[i32(1), i32(2), i32(1)]), i32(1));
    assert_eq!(call1(&m, "select_i32", &[i32(1), i32(2), i32(0)]), i32(2));
    assert_eq!(call1(&m, "select_i32", &[i32(1), i32(2), i32(-1)]), i32(1));
    assert_eq!(
        call1(&m, "select_i32", &[i32(1), i32(2), i32(i32::MIN)]),
        i32(1)
    );
    assert_eq!(
        call1(&m, "select_i64", &[i64(i64::MIN), i64(i64::MAX), i32(256)]),
        i64(i64::MIN)
    );
    assert_eq!(
        call1(&m, "select_i64", &[i64(i64::MIN), i64(i64::MAX), i32(0)]),
        i64(i64::MAX)
    );
    assert_eq!(
        call1(&m, "select_f32", &[Val::F32(0x7fa0_0001), f32(2.0), i32(7)]),
        Val::F32(0x7fa0_0001)
    );
    assert_eq!(
        call1(&m, "select_f32", &[f32(1.0), Val::F32(0x8000_0000), i32(0)]),
        Val::F32(0x8000_0000)
    );
    assert_eq!(
        call1(&m, "select_f64_typed", &[f64(1.5), f64(-2.5), i32(1)]),
        f64(1.5)
    );
    assert_eq!(
        call1(&m, "select_f64_typed", &[f64(1.5), f64(-2.5), i32(0)]),
        f64(-2.5)
    );
    let a = Val::ExternRef(Some(with_store(|s| ExternRef::new(s, 0x1234u64))));
    let b = Val::ExternRef(None);
    assert_eq!(call1(&m, "select_externref", &[a, b, i32(1)]), a);
    assert_eq!(call1(&m, "select_externref", &[a, b, i32(0)]), b);
}

#[test]
fn recursion() {
    let m = instance(RECURSION);
    assert_eq!(call1(&m, "fact", &[i64(0)]), i64(1));
    assert_eq!(call1(&m, "fact", &[i64(5)]), i64(120));
    assert_eq!(call1(&m, "fact", &[i64(20)]), i64(2432902008176640000));
    assert_eq!(call1(&m, "fib", &[i32(0)]), i32(0));
    assert_eq!(call1(&m, "fib", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "fib", &[i32(20)]), i32(6765));
    assert_eq!(call1(&m, "even", &[i32(100)]), i32(1));
    assert_eq!(call1(&m, "even", &[i32(777)]), i32(0));
    assert_eq!(call1(&m, "depth", &[i32(1000)]), i32(1000));
}

#[test]
fn deep_recursion_exhausts_the_stack_and_the_instance_survives() {
    let m = instance(RECURSION);
    assert_eq!(trap(&m, "forever", &[i32(0)]), TrapKind::StackExhausted);
    assert_eq!(call1(&m, "fact", &[i64(10)]), i64(3628800));
    // Again: the stack limit still works after an unwind.
    assert_eq!(trap(&m, "forever", &[i32(0)]), TrapKind::StackExhausted);
    assert_eq!(
        trap(&m, "depth", &[i32(10_000_000)]),
        TrapKind::StackExhausted
    );
    assert_eq!(call1(&m, "depth", &[i32(500)]), i32(500));
    assert_eq!(call1(&m, "fib", &[i32(15)]), i32(610));
}

#[test]
fn dead_code_after_branches_compiles_and_is_skipped() {
    let m = instance(DEAD_CODE);
    assert_eq!(call1(&m, "after_br", &[]), i32(1));
    assert_eq!(call1(&m, "after_return", &[i32(9)]), i32(9));
    assert_eq!(call1(&m, "after_unreachable_in_arm", &[i32(1)]), i32(1));
    assert_eq!(call1(&m, "after_unreachable_in_arm", &[i32(0)]), i32(2));
    assert_eq!(call1(&m, "both_arms_leave", &[i32(1)]), i32(10));
    assert_eq!(call1(&m, "both_arms_leave", &[i32(0)]), i32(20));
    assert_eq!(call1(&m, "after_br_table", &[i32(0)]), i32(8));
    assert_eq!(call1(&m, "after_br_table", &[i32(1)]), i32(9));
    assert_eq!(call1(&m, "after_br_table", &[i32(2)]), i32(9));
    assert_eq!(call1(&m, "loop_never_exits_normally", &[i32(0)]), i32(10));
    assert_eq!(call1(&m, "loop_never_exits_normally", &[i32(50)]), i32(51));
}

#[test]
fn traps_carry_a_backtrace_of_wasm_frames() {
    let m = instance(
        r#"(module
             (table 1 funcref)
             (elem (i32.const 0) $through_table)
             (func $divide (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0)))
             (func $through_table (param i32) (result i32) (call $divide (local.get 0)))
             (func $outer (export "outer") (param i32) (result i32)
               (i32.add (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0))
                        (i32.const 1))))"#,
    );
    match call_func(func(&m, "outer"), &[i32(0)]) {
        Err(wasmaot_runtime::Error::Trap(trap)) => {
            assert_eq!(trap.kind(), Some(TrapKind::IntegerDivideByZero));
            let frames: Vec<(Option<&str>, u32)> = trap
                .backtrace()
                .iter()
                .map(|f| (f.func_name.as_deref(), f.func_index))
                .collect();
            assert_eq!(
                frames,
                [
                    (Some("divide"), 0),
                    (Some("through_table"), 1),
                    (Some("outer"), 2)
                ]
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    // The same instance calls on, and a later trap has its own backtrace.
    assert_eq!(call1(&m, "outer", &[i32(7)]), i32(2));
    match call_func(func(&m, "outer"), &[i32(0)]) {
        Err(wasmaot_runtime::Error::Trap(trap)) => assert_eq!(trap.backtrace().len(), 3),
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// A `switch` whose first case is `offset`, as C compilers emit it (`br_table` on the index
/// less `offset`, here by `i32.sub` or, with `add`, by `i32.add` of its negation), carrying
/// `10 * x` to each case, which adds its own thousands.
fn switch(name: &str, offset: i32, add: bool) -> String {
    let less = match add {
        true => format!("i32.const {}\n      i32.add", offset.wrapping_neg()),
        false => format!("i32.const {offset}\n      i32.sub"),
    };
    format!(
        r#"
  (func (export "{name}") (param i32) (result i32)
    block $default (result i32)
    block $two (result i32)
    block $one (result i32)
    block $zero (result i32)
      local.get 0
      i32.const 10
      i32.mul
      local.get 0
      {less}
      br_table $zero $one $two $default
    end
    i32.const 1000
    i32.add
    return
    end
    i32.const 2000
    i32.add
    return
    end
    i32.const 3000
    i32.add
    return
    end
    i32.const 4000
    i32.add)"#
    )
}

/// Each index around the cases and the ends of the i32 range, for switches whose first case
/// is 1, 2, 128 and 129 (the longest table offset and one past it), against a model.
#[test]
fn br_table_on_an_index_less_a_constant() {
    let cases = [
        ("one", 1, false),
        ("two", 2, false),
        ("two_by_add", 2, true),
        ("max", 128, false),
        ("past_max", 129, false),
    ];
    let mut wat = String::from("(module");
    for (name, offset, add) in cases {
        wat.push_str(&switch(name, offset, add));
    }
    wat.push(')');
    let m = instance(&wat);
    for (name, offset, _) in cases {
        let mut inputs = vec![0, 1, i32::MAX, i32::MIN, -1, -2, offset.wrapping_neg()];
        inputs.extend((-2..6).map(|k| offset + k));
        for x in inputs {
            let case = match x.wrapping_sub(offset) as u32 {
                k @ 0..=2 => 1000 * (k as i32 + 1),
                _ => 4000,
            };
            let want = x.wrapping_mul(10).wrapping_add(case);
            assert_eq!(call1(&m, name, &[i32(x)]), i32(want), "{name}({x})");
        }
    }
}
