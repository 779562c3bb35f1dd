//! A fault outside wasm code is not swallowed: a host function called from wasm that crashes
//! must kill the process with the original signal, not turn into a trap.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use wasmaot_runtime::{Extern, Func, FuncType, Instance, Module, Store};

const CHILD_ENV: &str = "WASMAOT_FOREIGN_FAULT_CHILD";

fn crash_inside_host_function() {
    let wasm = wat::parse_str(
        r#"(module (import "host" "crash" (func $crash))
             (memory 1)
             (func (export "run") (call $crash)))"#,
    )
    .expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {}).expect("compiles");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-fault-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    wasmaot_compiler::link::link_shared(&object, &dir.join("m.so")).expect("links");
    // SAFETY: the file was just linked from the compiler's object.
    let module = unsafe { Module::load(&dir.join("m.so")) }.expect("loads");
    let mut store = Store::new();
    let crash = Func::new(
        &mut store,
        FuncType {
            params: vec![],
            results: vec![],
        },
        |_, _, _| {
            // SAFETY: deliberately invalid: the test needs a fault in host code, and address 8 is
            // never mapped (the dangling pointer is address 8), so this read faults.
            let value = unsafe { std::ptr::read_volatile(std::ptr::dangling::<u64>()) };
            println!("read {value}");
            Ok(())
        },
    );
    let instance =
        Instance::new(&mut store, &module, &[Extern::Func(crash)]).expect("instantiates");
    let run = instance.get_func(&mut store, "run").expect("export");
    let result = run.call(&mut store, &[]);
    // Reaching this line means the fault was swallowed.
    println!("fault swallowed: {result:?}");
    std::process::exit(3);
}

#[test]
fn host_fault_during_a_wasm_call_kills_the_process() {
    if std::env::var_os(CHILD_ENV).is_some() {
        crash_inside_host_function();
        return;
    }
    let me = std::env::current_exe().expect("test binary");
    let out = Command::new(me)
        .args([
            "--exact",
            "host_fault_during_a_wasm_call_kills_the_process",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("child runs");
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGSEGV),
        "child should die of SIGSEGV; status {:?}, stdout {}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}
