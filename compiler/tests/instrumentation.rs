//! Interruption checks and fuel metering through the real pipeline: an endless loop (and an
//! endless chain of calls) stopped from another thread, as `interrupted` or `deadline
//! exceeded`; fuel spent per instruction, running out as a trap, topped up; and code compiled
//! without them unaffected.

mod support;
use std::time::Duration;

use support::*;
use wasmaot_compiler::Options;
use wasmaot_runtime::{Error, Instance, Store, Trap, TrapKind, Val};

const SPIN: &str = r#"
(module
  (func (export "spin") (loop $l (br $l)))
  ;; No loop: only the function entries see the flag.
  (func $down (export "calls") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $down (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "forever") (result i32)
    (loop $l (drop (call $down (i32.const 100))) (br $l))
    (i32.const 0))
  ;; A switch loop that never ends: at -O2 without checks its cases would each get their own
  ;; copy of the dispatch and never pass the loop header again.
  (memory 1)
  (func (export "switch") (local $op i32)
    (loop $next
      (local.set $op (i32.and (i32.load8_u (i32.const 0)) (i32.const 3)))
      (block $c (block $b (block $a
        (br_table $a $b $c $c (local.get $op)))
        (i32.store8 (i32.const 0) (i32.const 1)) (br $next))
        (i32.store8 (i32.const 0) (i32.const 2)) (br $next))
      (i32.store8 (i32.const 0) (i32.const 0)) (br $next)))
  ;; 1 + 10 iterations of 6 instructions...
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))
"#;

fn with_checks() -> Options {
    Options {
        interrupt_checks: true,
        ..Options::default()
    }
}

fn with_fuel() -> Options {
    Options {
        fuel: true,
        ..Options::default()
    }
}

fn trap_kind(result: Result<Vec<Val>, Error>) -> Option<TrapKind> {
    match result {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => Some(kind),
        _ => None,
    }
}

fn run_interrupted(export: &str, deadline: bool) -> Option<TrapKind> {
    let module = load_with(SPIN, &with_checks());
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let func = instance.get_func(&mut store, export).expect("export");
    let handle = store.interrupt_handle();
    let timer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        if deadline {
            handle.expire_deadline();
        } else {
            handle.interrupt();
        }
    });
    let kind = trap_kind(func.call(&mut store, &[]));
    timer.join().expect("timer");
    // One request stops one call: the store runs again.
    let count = instance.get_func(&mut store, "count").expect("export");
    let again = count.call(&mut store, &[Val::I32(3)]).expect("runs again");
    assert_eq!(again[0].unwrap_i32(), 3);
    kind
}

#[test]
fn another_thread_stops_an_endless_loop() {
    assert_eq!(run_interrupted("spin", false), Some(TrapKind::Interrupted));
    assert_eq!(
        run_interrupted("spin", true),
        Some(TrapKind::DeadlineExceeded)
    );
}

#[test]
fn switch_loops_are_checked_on_every_back_edge() {
    assert_eq!(
        run_interrupted("switch", false),
        Some(TrapKind::Interrupted)
    );
    let module = load_with(SPIN, &with_fuel());
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let switch = instance.get_func(&mut store, "switch").expect("export");
    store.set_fuel(100_000);
    assert_eq!(
        trap_kind(switch.call(&mut store, &[])),
        Some(TrapKind::OutOfFuel)
    );
}

#[test]
fn function_entries_are_checked_too() {
    assert_eq!(
        run_interrupted("forever", true),
        Some(TrapKind::DeadlineExceeded)
    );
}

#[test]
fn fuel_is_spent_per_instruction_and_runs_out() {
    let module = load_with(SPIN, &with_fuel());
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let count = instance.get_func(&mut store, "count").expect("export");
    store.set_fuel(1_000_000);
    count.call(&mut store, &[Val::I32(10)]).expect("runs");
    let per_10 = 1_000_000 - store.fuel();
    count.call(&mut store, &[Val::I32(20)]).expect("runs");
    let per_20 = 1_000_000 - per_10 - store.fuel();
    // Eight instructions per iteration (the loop body and its br_if), a few outside.
    assert_eq!(per_20 - per_10, 10 * 8, "{per_10} {per_20}");
    // Too little fuel: the loop traps, and fuel reads 0.
    store.set_fuel(50);
    assert_eq!(
        trap_kind(count.call(&mut store, &[Val::I32(1000)])),
        Some(TrapKind::OutOfFuel)
    );
    assert_eq!(store.fuel(), 0);
    // Topped up, it runs again; an endless loop always ends.
    store.add_fuel(10_000);
    count.call(&mut store, &[Val::I32(100)]).expect("runs");
    let spin = instance.get_func(&mut store, "spin").expect("export");
    store.set_fuel(100_000);
    assert_eq!(
        trap_kind(spin.call(&mut store, &[])),
        Some(TrapKind::OutOfFuel)
    );
}

#[test]
fn code_without_the_checks_ignores_fuel_and_interrupts() {
    let module = load_with(SPIN, &Options::default());
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    store.set_fuel(1);
    store.interrupt_handle().interrupt();
    let count = instance.get_func(&mut store, "count").expect("export");
    let got = count.call(&mut store, &[Val::I32(1000)]).expect("runs");
    assert_eq!(got[0].unwrap_i32(), 1000);
    assert_eq!(store.fuel(), 1);
}
