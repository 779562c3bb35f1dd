//! A host function reaching its caller's memory: through a `Memory` handle, or its bytes
//! directly (`Caller::memory_data_mut`, what WASI uses on every call).

mod common;

use wasmaot_runtime::{Extern, Func, FuncType, Instance, Module, Store, Val, ValType};

fn module(wat: &str, name: &str) -> Module {
    common::module("caller", wat, name)
}

/// `(i32) -> (i32)`: the host function's answer for the argument.
fn i32_to_i32() -> FuncType {
    FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    }
}

#[test]
fn a_host_function_reads_and_writes_its_callers_memory_bytes() {
    let module = module(
        r#"(module
          (import "host" "bump" (func $bump (param i32) (result i32)))
          (memory 1)
          (data (i32.const 16) "\07")
          (func (export "run") (result i32)
            ;; the host adds one to the byte at 16 and returns the memory's size in bytes
            (drop (call $bump (i32.const 16)))
            (i32.add (i32.load8_u (i32.const 16)) (call $bump (i32.const 16)))))"#,
        "bytes",
    );
    let mut store = Store::new();
    let bump = Func::new(&mut store, i32_to_i32(), |caller, args, results| {
        let at = args[0].unwrap_i32() as usize;
        let bytes = caller.memory_data_mut(0).expect("the caller has a memory");
        bytes[at] += 1;
        results[0] = Val::I32(bytes.len() as i32);
        assert!(caller.memory_data_mut(1).is_none(), "a second memory");
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[Extern::Func(bump)]).expect("instance");
    let run = instance.get_func(&mut store, "run").expect("export");
    // The first call made the byte 8; the load sees it, and the second call 65536.
    assert_eq!(
        run.call(&mut store, &[]).unwrap(),
        vec![Val::I32(8 + 65536)]
    );
}

#[test]
fn without_a_memory_or_a_calling_instance_there_are_no_bytes() {
    let module = module(
        r#"(module
          (import "host" "probe" (func $probe (param i32) (result i32)))
          (func (export "run") (result i32) (call $probe (i32.const 0))))"#,
        "no_memory",
    );
    let mut store = Store::new();
    let probe = Func::new(&mut store, i32_to_i32(), |caller, _, results| {
        results[0] = Val::I32(i32::from(caller.memory_data_mut(0).is_some()));
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[Extern::Func(probe)]).expect("instance");
    let run = instance.get_func(&mut store, "run").expect("export");
    assert_eq!(run.call(&mut store, &[]).unwrap(), vec![Val::I32(0)]);
    // Called by the host itself: no calling instance.
    assert_eq!(
        probe.call(&mut store, &[Val::I32(0)]).unwrap(),
        vec![Val::I32(0)]
    );
}
