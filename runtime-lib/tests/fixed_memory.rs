//! A module compiled for a fixed memory address (as executables are): its memory 0 is reserved
//! exactly there, its code reads and writes it there, and a second instance, which could only
//! share the address, is refused instead.

mod common;

use wasmaot_compiler::{Options, EXECUTABLE_MEMORY_BASE};
use wasmaot_runtime::{Error, Extern, Instance, Linker, Module, Store, Val};

const WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "put") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "get") (param i32) (result i32) (i32.load (local.get 0))))"#;

/// `wat` compiled for memory 0 at `base`, linked and loaded.
fn module_at(wat: &str, base: u64, name: &str) -> Module {
    let options = Options {
        fixed_memory_base: Some(base),
        ..Options::default()
    };
    common::module_with("fixed", wat, name, &options)
}

fn call(store: &mut Store, instance: Instance, name: &str, args: &[Val]) -> Vec<Val> {
    let f = instance.get_func(&mut *store, name).expect("export");
    f.call(store, args).expect("runs")
}

#[test]
fn the_memory_is_where_the_code_was_compiled_to_find_it_and_a_second_instance_is_refused() {
    let module = module_at(WAT, EXECUTABLE_MEMORY_BASE, "fixed");
    assert_eq!(
        module.meta().memory_strategy.fixed_base,
        EXECUTABLE_MEMORY_BASE
    );
    let mut store = Store::new();
    let instance = Linker::new()
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let memory = instance.get_memory(&mut store, "memory").expect("export");
    assert_eq!(memory.data(&store).as_ptr() as u64, EXECUTABLE_MEMORY_BASE);
    call(
        &mut store,
        instance,
        "put",
        &[Val::I32(65532), Val::I32(-7)],
    );
    assert_eq!(&memory.data(&store)[65532..], &(-7i32).to_le_bytes());
    let got = call(&mut store, instance, "get", &[Val::I32(65532)]);
    assert!(matches!(got[..], [Val::I32(-7)]), "{got:?}");

    // The address is taken: another instance, in this store or another, is not made.
    let mut other = Store::new();
    match Linker::new().instantiate(&mut other, &module) {
        Err(Error::Resource(message)) => {
            assert!(message.contains("0x60000000"), "{message}");
            // The way out for an embedder, not only for an executable's user.
            assert!(message.contains("Options::fixed_memory_base"), "{message}");
        }
        Err(e) => panic!("expected a resource error, got {e}"),
        Ok(_) => panic!("a second memory at the same address"),
    }
    // A module that imports its memory takes no fixed base, whatever it was compiled with:
    // it runs on the fixed memory as on any other.
    let importer = module_at(
        r#"(module (import "m" "memory" (memory 1))
             (func (export "get") (param i32) (result i32) (i32.load (local.get 0))))"#,
        EXECUTABLE_MEMORY_BASE,
        "importer",
    );
    assert_eq!(importer.meta().memory_strategy.fixed_base, 0);
    let mut linker = Linker::new();
    linker.define("m", "memory", Extern::Memory(memory));
    let reader = linker
        .instantiate(&mut store, &importer)
        .expect("instantiates");
    let got = call(&mut store, reader, "get", &[Val::I32(65532)]);
    assert!(matches!(got[..], [Val::I32(-7)]), "{got:?}");

    // Once the store and its memory are gone, the address is free again.
    drop(store);
    let mut store = Store::new();
    let instance = Linker::new()
        .instantiate(&mut store, &module)
        .expect("instantiates again");
    let got = call(&mut store, instance, "get", &[Val::I32(65532)]);
    assert!(matches!(got[..], [Val::I32(0)]), "a fresh memory: {got:?}");
}
