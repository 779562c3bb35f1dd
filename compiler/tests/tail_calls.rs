//! Tail calls through the real pipeline: `return_call`, `return_call_indirect` and
//! `return_call_ref` replace the caller's frame, so chains of millions of calls run in constant
//! stack, also when the callee takes more (stack-passed) parameters than the caller.

mod support;
use support::*;
use wasmaot_runtime::{Error, Extern, FuncType, Trap, TrapKind, Val, ValType};

/// Ten million: deep enough that a chain of ordinary calls would exhaust any stack.
const DEPTH: i64 = 10_000_000;

/// A thread stack the runtime's own margin (for host code below the wasm stack limit) and
/// the test harness fill mostly.
const SMALL_STACK: usize = 160 << 10;

const MODULE: &str = r#"
(module
  (import "host" "sp" (func $sp (result i64)))
  (import "host" "add" (func $host_add (param i64 i64) (result i64)))
  (type $n_i (func (param i64) (result i32)))
  (type $wrong (func (param i32) (result i32)))
  (table $t 2 funcref)
  (elem (table $t) (i32.const 0) func $even_i $odd_i)
  (global $measure (mut i32) (i32.const 0))

  ;; Mutual recursion, direct.
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (export "odd") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))

  ;; Mutual recursion through the table.
  (func $even_i (export "even_indirect") (type $n_i)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call_indirect $t (type $n_i)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
  (func $odd_i (type $n_i)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect $t (type $n_i)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))

  ;; Mutual recursion through typed references.
  (elem declare func $even_r $odd_r)
  (func $even_r (export "even_ref") (type $n_i)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call_ref $n_i (i64.sub (local.get 0) (i64.const 1)) (ref.func $odd_r)))))
  (func $odd_r (type $n_i)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_ref $n_i (i64.sub (local.get 0) (i64.const 1)) (ref.func $even_r)))))

  ;; Stack arguments growing and shrinking: $few (2 params) tail-calls $many (26 params, most
  ;; of them passed on the stack), which tail-calls $few again. Each round adds 1 + 14 + 10.
  (func $few (export "few") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n))
      (then
        (if (global.get $measure) (then (return (call $sp))))
        (return (local.get $acc))))
    (return_call $many (i64.sub (local.get $n) (i64.const 1)) (local.get $acc)
      (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6)
      (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10) (i64.const 11) (i64.const 12)
      (i64.const 13) (i64.const 14)
      (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5) (f64.const 6)
      (f64.const 7) (f64.const 8) (f64.const 9) (f64.const 10)))
  (func $many (param $n i64) (param $acc i64)
    (param $a1 i64) (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (param $a14 i64)
    (param f64 f64 f64 f64 f64 f64 f64 f64 f64) (param $f10 f64)
    (result i64)
    (return_call $few (local.get $n)
      (i64.add (local.get $acc)
        (i64.add (i64.add (local.get $a1) (local.get $a14))
                 (i64.trunc_f64_s (local.get $f10))))))
  ;; The stack pointer at the bottom of a chain of `n` rounds.
  (func (export "sp_after") (param $n i64) (result i64)
    (global.set $measure (i32.const 1))
    (return_call $few (local.get $n) (i64.const 0)))

  ;; A tail call to a host function (through its adapter).
  (func (export "tail_host") (param i64 i64) (result i64)
    (return_call $host_add (local.get 0) (local.get 1)))

  ;; return_call_indirect checks the signature like call_indirect.
  (func (export "mismatch") (result i32)
    (return_call_indirect $t (type $wrong) (i32.const 5) (i32.const 0)))

  ;; A trap at the end of a tail-call chain names the function it happened in.
  (func $crash (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (unreachable))
      (else (return_call $crash (i64.sub (local.get 0) (i64.const 1))))))
  (func (export "crash") (param i64) (result i32) (return_call $crash (local.get 0)))
)
"#;

/// The host functions the module imports: the stack pointer (address of a local) and an add.
fn host_imports() -> Vec<Extern> {
    let sp = with_store(|s| {
        wasmaot_runtime::Func::new(
            s,
            FuncType {
                params: vec![],
                results: vec![ValType::I64],
            },
            |_, _, results| {
                let marker = 0u8;
                let address = std::hint::black_box(&marker) as *const u8 as i64;
                results[0] = Val::I64(address);
                Ok(())
            },
        )
    });
    let add = with_store(|s| {
        wasmaot_runtime::Func::new(
            s,
            FuncType {
                params: vec![ValType::I64, ValType::I64],
                results: vec![ValType::I64],
            },
            |_, args, results| {
                results[0] = Val::I64(args[0].unwrap_i64() + args[1].unwrap_i64());
                Ok(())
            },
        )
    });
    vec![Extern::Func(sp), Extern::Func(add)]
}

#[test]
fn ten_million_mutual_tail_calls_run_in_constant_stack() {
    let m = instance_with(MODULE, &host_imports());
    assert_eq!(call1(&m, "even", &[i64(DEPTH)]), i32(1));
    assert_eq!(call1(&m, "odd", &[i64(DEPTH)]), i32(0));
    assert_eq!(call1(&m, "even", &[i64(DEPTH + 1)]), i32(0));
    assert_eq!(call1(&m, "even_indirect", &[i64(DEPTH)]), i32(1));
    assert_eq!(call1(&m, "even_ref", &[i64(DEPTH + 1)]), i32(0));
}

#[test]
fn stack_arguments_grow_and_shrink_across_ten_million_tail_calls() {
    let m = instance_with(MODULE, &host_imports());
    assert_eq!(call1(&m, "few", &[i64(1), i64(0)]), i64(25));
    assert_eq!(call1(&m, "few", &[i64(DEPTH), i64(7)]), i64(25 * DEPTH + 7));
}

#[test]
fn the_stack_pointer_at_the_bottom_of_the_chain_does_not_depend_on_its_length() {
    let m = instance_with(MODULE, &host_imports());
    let sp = |n: i64| call1(&m, "sp_after", &[i64(n)]).unwrap_i64();
    let (one, deep) = (sp(1), sp(DEPTH));
    println!("stack pointer after 1 round: {one:#x}, after {DEPTH} rounds: {deep:#x}");
    assert_eq!(one, deep, "a chain of {DEPTH} tail calls used stack");
}

#[test]
fn ten_million_tail_calls_fit_in_a_small_stack() {
    // Compiling and linking need more stack than running: done on this thread.
    let module = load(MODULE);
    let outcome = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || {
            let m = new_instance(&module, &host_imports()).expect("instantiates");
            call1(&m, "few", &[i64(DEPTH), i64(0)]).unwrap_i64()
        })
        .expect("thread")
        .join()
        .expect("no stack overflow");
    assert_eq!(outcome, 25 * DEPTH);
}

#[test]
fn tail_call_to_a_host_function() {
    let m = instance_with(MODULE, &host_imports());
    assert_eq!(call1(&m, "tail_host", &[i64(40), i64(2)]), i64(42));
}

#[test]
fn tail_call_to_a_function_of_another_instance() {
    let callee = instance_with(MODULE, &host_imports());
    let caller = instance_with(
        r#"(module
          (import "m" "few" (func $few (param i64 i64) (result i64)))
          (func (export "run") (param i64) (result i64)
            (return_call $few (local.get 0) (i64.const 0))))"#,
        &[export(&callee, "few")],
    );
    assert_eq!(call1(&caller, "run", &[i64(DEPTH)]), i64(25 * DEPTH));
}

#[test]
fn return_call_indirect_checks_the_signature() {
    let m = instance_with(MODULE, &host_imports());
    assert_eq!(
        trap(&m, "mismatch", &[]),
        TrapKind::IndirectCallTypeMismatch
    );
}

#[test]
fn a_trap_after_a_tail_call_chain_names_its_function() {
    let m = instance_with(MODULE, &host_imports());
    match call_func(func(&m, "crash"), &[i64(1000)]) {
        Err(Error::Trap(Trap::Wasm {
            kind, func_name, ..
        })) => {
            assert_eq!(kind, TrapKind::Unreachable);
            assert_eq!(func_name.as_deref(), Some("crash"));
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn inspect_lists_the_tail_call_proposal() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let used = wasmaot_compiler::module::proposals_used(&wasm);
    assert!(used.contains(&"tail-call"), "{used:?}");
}
