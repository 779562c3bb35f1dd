//! Values crossing the host boundary: a reference result shares its slot with what an
//! argument left there (found by the differential fuzzer).

mod common;

use wasmaot_runtime::{Instance, Module, Store, Val};

fn module(wat: &str, name: &str) -> Module {
    common::module("values", wat, name)
}

#[test]
fn a_null_reference_result_after_a_v128_argument_is_null() {
    let module = module(
        r#"(module
          (func (export "extern") (param v128) (result externref) (ref.null extern))
          (func (export "func") (param v128) (result funcref) (ref.null func)))"#,
        "v128_then_ref",
    );
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let arg = [Val::V128(u128::MAX)];
    let f = instance.get_func(&mut store, "extern").expect("export");
    assert_eq!(
        f.call(&mut store, &arg).unwrap(),
        vec![Val::ExternRef(None)]
    );
    let f = instance.get_func(&mut store, "func").expect("export");
    assert_eq!(f.call(&mut store, &arg).unwrap(), vec![Val::FuncRef(None)]);
}
