//! Host functions on raw number slots (`Func::new_numeric`), as WASI's are made.

mod common;

use wasmaot_runtime::{
    Error, Extern, Func, FuncType, HeapType, Instance, Module, RefType, Store, Trap, Val, ValType,
};

fn module(wat: &str, name: &str) -> Module {
    common::module("numeric", wat, name)
}

fn func_type(params: &[ValType], results: &[ValType]) -> FuncType {
    FuncType {
        params: params.to_vec(),
        results: results.to_vec(),
    }
}

#[test]
fn arguments_and_results_are_their_bits() {
    use ValType::{F32, F64, I32, I64};
    let module = module(
        r#"(module
          (import "host" "mix" (func $mix (param i32 i64 f32 f64) (result i64 f64 i32)))
          (func (export "run") (param i32 i64 f32 f64) (result i64 f64 i32)
            (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3))))"#,
        "mix",
    );
    let mut store = Store::new();
    let ty = func_type(&[I32, I64, F32, F64], &[I64, F64, I32]);
    let mix = Func::new_numeric(&mut store, ty, |_, values| {
        assert_eq!(values.len(), 4);
        assert_eq!(values[0], 0xffff_fffe, "an i32 is zero-extended");
        assert_eq!(values[1], u128::from(u64::MAX - 2));
        assert_eq!(values[2], u128::from(1.5f32.to_bits()));
        assert_eq!(values[3], u128::from(2.25f64.to_bits()));
        values[0] = 7;
        values[1] = u128::from((-0.5f64).to_bits());
        // Bits beyond an i32 are dropped.
        values[2] = (1 << 40) | 9;
        Ok(())
    })
    .expect("numbers only");
    let instance = Instance::new(&mut store, &module, &[Extern::Func(mix)]).expect("instance");
    let run = instance.get_func(&mut store, "run").expect("export");
    let args = [
        Val::I32(-2),
        Val::I64(-3),
        Val::F32(1.5f32.to_bits()),
        Val::F64(2.25f64.to_bits()),
    ];
    assert_eq!(
        run.call(&mut store, &args).unwrap(),
        vec![Val::I64(7), Val::F64((-0.5f64).to_bits()), Val::I32(9)]
    );
    // Called by the host directly, too.
    assert_eq!(
        mix.call(&mut store, &args).unwrap(),
        vec![Val::I64(7), Val::F64((-0.5f64).to_bits()), Val::I32(9)]
    );
}

#[test]
fn a_trap_ends_the_call() {
    let module = module(
        r#"(module
          (import "host" "fail" (func $fail (param i32) (result i32)))
          (func (export "run") (result i32) (call $fail (i32.const 3))))"#,
        "fail",
    );
    let mut store = Store::new();
    let ty = func_type(&[ValType::I32], &[ValType::I32]);
    let fail = Func::new_numeric(&mut store, ty, |_, values| {
        Err(Trap::host(format!("refusing {}", values[0])))
    })
    .expect("numbers only");
    let instance = Instance::new(&mut store, &module, &[Extern::Func(fail)]).expect("instance");
    let run = instance.get_func(&mut store, "run").expect("export");
    match run.call(&mut store, &[]) {
        Err(Error::Trap(Trap::Host { message, backtrace })) => {
            assert_eq!(message, "refusing 3");
            assert!(!backtrace.is_empty(), "the wasm frames that called it");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_type_with_a_reference_is_refused() {
    let mut store = Store::new();
    let reference = RefType {
        nullable: false,
        heap: HeapType::Func,
    }
    .val_type();
    for ty in [
        func_type(&[ValType::FuncRef], &[]),
        func_type(&[], &[ValType::ExternRef]),
        func_type(&[ValType::I32], &[reference]),
    ] {
        assert!(Func::new_numeric(&mut store, ty, |_, _| Ok(())).is_none());
    }
}
