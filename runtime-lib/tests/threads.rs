//! Threads and stores: a store moves to another thread and runs there with that thread's stack
//! limit, in every one of its instances; stores on several threads run instances of one module
//! at once without disturbing each other (each call checks the stack of the thread it runs on).

use std::sync::Arc;

use wasmaot_runtime::{Error, Extern, Instance, Module, Store, Trap, TrapKind, Val};

const RECURSIVE: &str = r#"
(module
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1))))))))
"#;

/// `depth` through an import of another instance's `depth`.
const CALLER: &str = r#"
(module
  (import "callee" "depth" (func $depth (param i32) (result i32)))
  (func (export "depth") (param i32) (result i32) (call $depth (local.get 0))))
"#;

fn module() -> Module {
    module_of(RECURSIVE, "m")
}

fn module_of(wat: &str, name: &str) -> Module {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {}).expect("compiles");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let so = dir.join(format!("{name}{:?}.so", std::thread::current().id()));
    wasmaot_compiler::link::link_shared(&object, &so).expect("links");
    // SAFETY: the file was just linked from the compiler's object.
    unsafe { Module::load(&so) }.expect("loads")
}

fn depth(store: &mut Store, instance: Instance, n: i32) -> Result<Vec<Val>, Error> {
    let f = instance.get_func(store, "depth").expect("export");
    f.call(store, &[Val::I32(n)])
}

fn assert_stack_exhausted(result: &Result<Vec<Val>, Error>) {
    assert!(
        matches!(
            result,
            Err(Error::Trap(Trap::Wasm {
                kind: TrapKind::StackExhausted,
                ..
            }))
        ),
        "{result:?}"
    );
}

/// On a new thread of 8 MiB of stack, `instance`'s `depth` runs 10,000 deep, and traps with
/// the stack exhausted 100,000,000 deep.
fn deep_then_too_deep_on_another_thread(mut store: Store, instance: Instance) {
    let worker = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let deep = depth(&mut store, instance, 10_000).expect("fits in 8 MiB");
            let too_deep = depth(&mut store, instance, 100_000_000);
            (deep, too_deep)
        })
        .expect("spawns");
    let (deep, too_deep) = worker.join().expect("no panic");
    assert_eq!(deep, vec![Val::I32(10_000)]);
    assert_stack_exhausted(&too_deep);
}

#[test]
fn a_store_moves_to_another_thread_and_runs_there() {
    let module = module();
    let mut store = Store::new();
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    assert_eq!(
        depth(&mut store, instance, 100).expect("runs"),
        vec![Val::I32(100)]
    );
    deep_then_too_deep_on_another_thread(store, instance);
}

#[test]
fn every_instance_of_a_moved_store_checks_the_stack_of_its_new_thread() {
    // Each instance's functions compare with a copy of the limit in its vmctx. After the move,
    // the callee runs only through the caller's import, and the caller was made after the
    // store's last call: both must have the limit of the thread the store moved to, not the
    // first thread's (which would trap at once) nor none (which would overflow the stack).
    let (callee_module, caller_module) = (module(), module_of(CALLER, "caller"));
    let mut store = Store::new();
    let callee = Instance::new(&mut store, &callee_module, &[]).expect("instantiates");
    assert_eq!(
        depth(&mut store, callee, 100).expect("runs"),
        vec![Val::I32(100)]
    );
    // An instance made after a call runs with that call's thread's limit at once.
    let later = Instance::new(&mut store, &callee_module, &[]).expect("instantiates");
    let too_deep = depth(&mut store, later, 100_000_000);
    assert_stack_exhausted(&too_deep);
    let import = callee.get_func(&mut store, "depth").expect("export");
    let caller =
        Instance::new(&mut store, &caller_module, &[Extern::Func(import)]).expect("instantiates");
    deep_then_too_deep_on_another_thread(store, caller);
}

#[test]
fn stores_on_several_threads_run_one_module_at_once() {
    let module = Arc::new(module());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let module = module.clone();
            std::thread::Builder::new()
                .stack_size(4 << 20)
                .spawn(move || {
                    let mut store = Store::new();
                    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
                    for n in 0..300 {
                        let result = depth(&mut store, instance, 1000 + n);
                        assert_eq!(result.expect("no spurious trap"), vec![Val::I32(1000 + n)]);
                    }
                })
                .expect("spawns")
        })
        .collect();
    for worker in workers {
        worker.join().expect("no thread failed");
    }
}
