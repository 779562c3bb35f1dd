//! A module compiled for a fixed vmctx address (as executables are): its code takes the vmctx as
//! a constant, the runtime maps the vmctx exactly there, and a second instance, which could
//! only share the address, is refused instead.

mod common;

use wasmaot_compiler::{Options, EXECUTABLE_VMCTX_ADDRESS};
use wasmaot_runtime::{
    Error, Extern, Func, FuncType, Instance, Linker, Module, Store, Val, ValType,
};

/// Calls between functions (directly and through a table), a global, a memory and a host
/// function that reads its caller's memory: everything that reaches the vmctx.
const WAT: &str = r#"(module
  (import "host" "peek" (func $peek (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (table 2 2 funcref)
  (elem (i32.const 0) $add $peek)
  (type $binary (func (param i32 i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (func $add (param i32 i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "run") (param $n i32) (result i32) (local $sum i32)
    (i32.store (i32.const 8) (local.get $n))
    (loop $next
      (local.set $sum (call $add (local.get $sum) (local.get $n)))
      (local.set $sum (call_indirect (type $binary)
        (local.get $sum) (i32.const 1) (i32.const 0)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    ;; the host reads back what was stored, through the caller's vmctx
    (i32.add (local.get $sum)
      (i32.add (call $peek (i32.const 8))
        (call_indirect (type $unary) (i32.const 8) (i32.const 1)))))
  (func (export "count") (result i32) (global.get $count)))"#;

/// `WAT` compiled with the vmctx at `EXECUTABLE_VMCTX_ADDRESS`, linked and loaded.
fn module() -> Module {
    let options = Options {
        fixed_vmctx: Some(EXECUTABLE_VMCTX_ADDRESS),
        ..Options::default()
    };
    common::module_with("fixed-vmctx", WAT, "fixed_vmctx", &options)
}

/// An instance of `module` in `store`, its host function reading a word of its caller's memory.
fn instantiate(store: &mut Store, module: &Module) -> Result<Instance, Error> {
    let ty = FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    let peek = Func::new(&mut *store, ty, |caller, args, results| {
        let at = args[0].unwrap_i32() as usize;
        let bytes = caller.memory_data_mut(0).expect("the caller's memory");
        let word = i32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"));
        results[0] = Val::I32(word);
        Ok(())
    });
    let mut linker = Linker::new();
    linker.define("host", "peek", Extern::Func(peek));
    linker.instantiate(store, module)
}

fn call(store: &mut Store, instance: Instance, name: &str, args: &[Val]) -> i32 {
    let f = instance.get_func(&mut *store, name).expect("export");
    match f.call(store, args).expect("runs")[..] {
        [Val::I32(v)] => v,
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn the_vmctx_is_where_the_code_was_compiled_to_find_it_and_a_second_instance_is_refused() {
    let module = module();
    assert_eq!(
        module.meta().memory_strategy.fixed_vmctx,
        EXECUTABLE_VMCTX_ADDRESS
    );
    // Its code calls without the caller's vmctx, other modules' with it: the two never share
    // a store, where references of one could reach code of the other. Not after an instance
    // of another module...
    let any = common::module("fixed-vmctx", WAT, "any_vmctx_beside");
    let mut store = Store::new();
    instantiate(&mut store, &any).expect("instantiates");
    expect_mixing_refused(instantiate(&mut store, &module));
    drop(store);

    let mut store = Store::new();
    let instance = instantiate(&mut store, &module).expect("instantiates");
    // n = 10: the sum of 10..1 plus 1 for each of the 10 rounds, then 10 read back twice.
    let expected = 55 + 10 + 2 * 10;
    assert_eq!(call(&mut store, instance, "run", &[Val::I32(10)]), expected);
    assert_eq!(call(&mut store, instance, "count", &[]), 20);
    // ... nor before one.
    expect_mixing_refused(instantiate(&mut store, &any));
    assert_eq!(call(&mut store, instance, "count", &[]), 20);

    // The address is taken: another instance, in this store or another, is not made.
    let mut other = Store::new();
    match instantiate(&mut other, &module) {
        Err(Error::Resource(message)) => {
            assert!(message.contains("0x50000000"), "{message}");
            // The way out for an embedder, not only for an executable's user.
            assert!(message.contains("Options::fixed_vmctx"), "{message}");
        }
        Err(e) => panic!("expected a resource error, got {e}"),
        Ok(_) => panic!("a second vmctx at the same address"),
    }

    // Once the store and its instance are gone, the address is free again, for a fresh
    // instance: its global starts from its initial value.
    drop(store);
    let mut store = Store::new();
    let instance = instantiate(&mut store, &module).expect("instantiates again");
    assert_eq!(call(&mut store, instance, "count", &[]), 0);
    assert_eq!(call(&mut store, instance, "run", &[Val::I32(10)]), expected);
}

fn expect_mixing_refused(outcome: Result<Instance, Error>) {
    match outcome {
        Err(Error::Link(message)) => assert!(message.contains("fixed vmctx"), "{message}"),
        Err(e) => panic!("expected a link error, got {e}"),
        Ok(_) => panic!("instances of both calling conventions in one store"),
    }
}

#[test]
fn without_the_option_the_vmctx_goes_anywhere() {
    let module = common::module("fixed-vmctx", WAT, "any_vmctx");
    assert_eq!(module.meta().memory_strategy.fixed_vmctx, 0);
    // Two instances at once.
    let mut store = Store::new();
    let first = instantiate(&mut store, &module).expect("instantiates");
    let second = instantiate(&mut store, &module).expect("instantiates");
    assert_eq!(call(&mut store, first, "run", &[Val::I32(3)]), 6 + 3 + 6);
    assert_eq!(call(&mut store, second, "count", &[]), 0);
}
