//! WASI given to an instance through the embedding API (`add_to_linker`): arguments and
//! environment reach the program, guest pointers are checked (`EFAULT`, never a host fault),
//! `proc_exit` ends the call with its status, unknown functions answer `ENOSYS`, and each
//! linker's context is its own.

use wasmaot_runtime::{Error, Instance, Linker, Module, Store, Trap, Val};
use wasmaot_wasi::{add_to_linker, WasiCtx};

/// A program reading its argument and environment sizes, writing random bytes, and exiting.
const PROGRAM: &str = r#"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "no_such_function" (func $nothing (result i32)))
  (memory (export "memory") 1)
  ;; errno of args_sizes_get; the count and byte size land at 0 and 4
  (func (export "arg_sizes") (result i32 i32 i32)
    (call $args_sizes (i32.const 0) (i32.const 4))
    (i32.load (i32.const 0))
    (i32.load (i32.const 4)))
  ;; args_get into 100 (pointers) and 200 (bytes); the first byte of the second argument
  (func (export "second_arg_first_byte") (result i32)
    (drop (call $args_get (i32.const 100) (i32.const 200)))
    (i32.load8_u (i32.load (i32.const 104))))
  (func (export "env_count") (result i32)
    (drop (call $env_sizes (i32.const 8) (i32.const 12)))
    (i32.load (i32.const 8)))
  ;; errno of random_get writing `len` bytes at `ptr`
  (func (export "random") (param i32 i32) (result i32)
    (call $random (local.get 0) (local.get 1)))
  (func (export "exit") (param i32) (call $exit (local.get 0)))
  (func (export "nothing") (result i32) (call $nothing)))
"#;

fn module() -> Module {
    let wasm = wat::parse_str(PROGRAM).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {}).expect("compiles");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-wasi-embedded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let so = dir.join(format!("m{:?}.so", std::thread::current().id()));
    wasmaot_compiler::link::link_shared(&object, &so).expect("links");
    // SAFETY: the file was just linked from the compiler's object.
    unsafe { Module::load(&so) }.expect("loads")
}

fn instance(store: &mut Store, module: &Module, args: &[&str], env: &[&str]) -> Instance {
    let bytes = |list: &[&str]| list.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut linker = Linker::new();
    add_to_linker(&mut linker, WasiCtx::new(bytes(args), bytes(env)));
    linker.instantiate(store, module).expect("instantiates")
}

fn call(
    store: &mut Store,
    instance: Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    let f = instance.get_func(&mut *store, name).expect("export");
    f.call(store, args)
}

#[test]
fn arguments_and_environment_reach_the_program_of_each_linker() {
    let module = module();
    let mut store = Store::new();
    let a = instance(
        &mut store,
        &module,
        &["prog", "xyz"],
        &["A=1", "B=2", "C=3"],
    );
    let b = instance(&mut store, &module, &["other"], &[]);
    assert_eq!(
        call(&mut store, a, "arg_sizes", &[]).unwrap(),
        [Val::I32(0), Val::I32(2), Val::I32(9)]
    );
    assert_eq!(
        call(&mut store, a, "second_arg_first_byte", &[]).unwrap(),
        [Val::I32(i32::from(b'x'))]
    );
    assert_eq!(
        call(&mut store, a, "env_count", &[]).unwrap(),
        [Val::I32(3)]
    );
    assert_eq!(
        call(&mut store, b, "arg_sizes", &[]).unwrap(),
        [Val::I32(0), Val::I32(1), Val::I32(6)]
    );
    assert_eq!(
        call(&mut store, b, "env_count", &[]).unwrap(),
        [Val::I32(0)]
    );
}

#[test]
fn guest_pointers_are_checked() {
    let module = module();
    let mut store = Store::new();
    let i = instance(&mut store, &module, &[], &[]);
    const EFAULT: i32 = 21;
    let random = |store: &mut Store, ptr: i32, len: i32| {
        call(store, i, "random", &[Val::I32(ptr), Val::I32(len)]).unwrap()[0]
    };
    assert_eq!(random(&mut store, 1000, 64), Val::I32(0));
    let memory = i.get_memory(&mut store, "memory").unwrap();
    assert!(memory.data(&store)[1000..1064].iter().any(|b| *b != 0));
    // The last byte of the page is fine; one more, a wrapping range, or a huge length is not.
    assert_eq!(random(&mut store, 65535, 1), Val::I32(0));
    assert_eq!(random(&mut store, 65535, 2), Val::I32(EFAULT));
    assert_eq!(random(&mut store, -1, 2), Val::I32(EFAULT));
    assert_eq!(random(&mut store, 0, -1), Val::I32(EFAULT));
}

#[test]
fn proc_exit_ends_the_call_and_unknown_functions_answer_enosys() {
    let module = module();
    let mut store = Store::new();
    let i = instance(&mut store, &module, &[], &[]);
    match call(&mut store, i, "exit", &[Val::I32(7)]) {
        Err(Error::Trap(Trap::Exit(7))) => {}
        other => panic!("expected exit 7, got {other:?}"),
    }
    const ENOSYS: i32 = 52;
    assert_eq!(
        call(&mut store, i, "nothing", &[]).unwrap(),
        [Val::I32(ENOSYS)]
    );
    // The instance is usable after the exit.
    assert_eq!(
        call(&mut store, i, "env_count", &[]).unwrap(),
        [Val::I32(0)]
    );
}
