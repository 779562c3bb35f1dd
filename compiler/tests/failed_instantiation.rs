//! An instantiation that fails after writing its functions into an imported table leaves them
//! there, callable (the spec's linking rules): the failed instance must stay alive. A regression
//! test: its instance state was freed, and a later call read freed memory.

mod support;
use support::*;
use wasmaot_runtime::{Error, Extern, Trap, TrapKind, Val};

#[test]
fn functions_left_by_a_failed_instantiation_stay_callable() {
    let owner = instance(
        r#"
        (module
          (type $r (func (result i32)))
          (table (export "tab") 4 funcref)
          (func (export "call") (param i32) (result i32)
            (call_indirect (type $r) (local.get 0))))
        "#,
    );
    let failing = r#"
        (module
          (import "m" "tab" (table 4 funcref))
          (global $g (mut i32) (i32.const 41))
          (func $f (result i32)
            (global.set $g (i32.add (global.get $g) (i32.const 1)))
            (global.get $g))
          (elem (i32.const 2) $f)
          (memory 1)
          ;; Past the end of memory: instantiation traps after the element segment.
          (data (i32.const 65536) "x"))
    "#;
    let module = load(failing);
    match new_instance(&module, &[export(&owner, "tab")]) {
        Err(Error::Trap(Trap::Wasm {
            kind: TrapKind::OutOfBoundsMemory,
            ..
        })) => {}
        other => panic!("expected an out-of-bounds trap, got {other:?}"),
    }
    // Churn the allocator so that freed instance state would be reused.
    for _ in 0..200 {
        let _ = instance("(module (global (mut i64) (i64.const 7)) (memory 1) (table 64 funcref))");
    }
    assert_eq!(call1(&owner, "call", &[i32(2)]).unwrap_i32(), 42);
    assert_eq!(call1(&owner, "call", &[i32(2)]).unwrap_i32(), 43);
    // The host sees the function in the table too, and can call it.
    let Extern::Table(table) = export(&owner, "tab") else {
        panic!("tab is a table");
    };
    let Some(Val::FuncRef(Some(left))) = with_store(|s| table.get(s, 2)) else {
        panic!("element 2 holds the failed instance's function");
    };
    assert_eq!(call_func(left, &[]).expect("callable"), [i32(44)]);
    assert_eq!(call1(&owner, "call", &[i32(2)]).unwrap_i32(), 45);
}
