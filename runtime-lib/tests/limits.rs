//! A store's memory and table limits: memories and tables made in it grow only up to them
//! (`memory.grow` and `table.grow` give -1 past them), one whose initial size is over them is
//! refused, and host memories obey them too.

mod common;

use wasmaot_runtime::{Error, Instance, Memory, MemoryType, Module, Store, Val};

const GROWER: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
"#;

fn module(wat: &str, name: &str) -> Module {
    common::module("limits", wat, name)
}

#[test]
fn memory_grows_only_up_to_the_store_limit() {
    let module = module(GROWER, "grower");
    let mut store = Store::new();
    store.set_max_memory(Some(4 << 16));
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let grow = instance.get_func(&mut store, "grow").expect("export");
    let mut grow_by = |pages: i32| grow.call(&mut store, &[Val::I32(pages)]).unwrap()[0];
    assert_eq!(grow_by(4), Val::I32(-1), "5 pages is over the limit of 4");
    assert_eq!(grow_by(3), Val::I32(1));
    assert_eq!(grow_by(1), Val::I32(-1));
    assert_eq!(grow_by(0), Val::I32(4));
    // Without a limit, another store grows as the type allows.
    let mut free = Store::new();
    let other = Instance::new(&mut free, &module, &[]).expect("instantiates");
    let grow = other.get_func(&mut free, "grow").expect("export");
    assert_eq!(
        grow.call(&mut free, &[Val::I32(100)]).unwrap()[0],
        Val::I32(1)
    );
}

#[test]
fn a_memory_over_the_limit_from_the_start_is_refused() {
    let module = module(r#"(module (memory 8))"#, "big");
    let mut store = Store::new();
    store.set_max_memory(Some(1 << 16));
    match Instance::new(&mut store, &module, &[]) {
        Err(Error::Resource(message)) => assert!(message.contains("limit"), "{message}"),
        other => panic!("expected a resource error, got {other:?}"),
    }
    let ty = MemoryType {
        limits: wasmaot_runtime::metadata::Limits { min: 1, max: None },
        memory64: false,
        page_size_log2: 16,
    };
    let memory = Memory::new(&mut store, ty).expect("one page fits");
    assert!(
        memory.grow(&mut store, 1).is_err(),
        "the host's memory obeys the limit"
    );
}

const TABLE_GROWER: &str = r#"
(module
  (table (export "table") 2 funcref)
  (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))
"#;

#[test]
fn tables_grow_only_up_to_the_store_limit() {
    let module = module(TABLE_GROWER, "table-grower");
    let mut store = Store::new();
    store.set_max_table_elements(Some(10));
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let grow = instance.get_func(&mut store, "grow").expect("export");
    let mut grow_by = |n: i32| grow.call(&mut store, &[Val::I32(n)]).unwrap()[0];
    assert_eq!(
        grow_by(9),
        Val::I32(-1),
        "11 elements is over the limit of 10"
    );
    assert_eq!(grow_by(8), Val::I32(2));
    assert_eq!(grow_by(1), Val::I32(-1));
    // A table larger from the start is refused.
    let mut tight = Store::new();
    tight.set_max_table_elements(Some(1));
    match Instance::new(&mut tight, &module, &[]) {
        Err(Error::Resource(_)) => {}
        other => panic!("expected a resource error, got {:?}", other.map(|_| ())),
    }
}
