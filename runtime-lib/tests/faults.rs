//! Faults the runtime must survive, each in a child process (the test binary run again for one
//! test) so that a crash is observed, not suffered: many instances until the address space
//! runs out (a clear error, never a crash), and a stack overflow in a host function called
//! from wasm (a crash of the host, reported by Rust's stack-overflow handler, not a wasm trap).

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Output};

use wasmaot_runtime::{Error, Extern, Func, FuncType, Instance, Module, Store};

const CHILD_ENV: &str = "WASMAOT_FAULTS_CHILD";

fn load(wat: &str) -> Module {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {}).expect("compiles");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let path = dir.join(format!("m{}.so", wat.len()));
    wasmaot_compiler::link::link_shared(&object, &path).expect("links");
    // SAFETY: the file was just linked from the compiler's object.
    unsafe { Module::load(&path) }.expect("loads")
}

/// Run test `name` of this binary in a child, with `limit_address_space` bytes of address
/// space if given.
fn child(name: &str, limit_address_space: Option<u64>) -> Output {
    let me = std::env::current_exe().expect("test binary");
    let mut command = Command::new(me);
    command
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, "1");
    if let Some(bytes) = limit_address_space {
        // SAFETY: `setrlimit` is async-signal-safe and changes only the child's own limit.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
                Ok(())
            });
        }
    }
    command.output().expect("child runs")
}

#[test]
fn instances_until_the_address_space_runs_out_end_in_an_error() {
    if std::env::var_os("WASMAOT_TEST_RUNNER").is_some() {
        // User-mode emulation (`.ci/aarch64`) puts the emulator's own mappings under the
        // limit too, and it is killed before the runtime sees a refused reservation.
        eprintln!("not run under emulation: the address-space limit applies to the emulator");
        return;
    }
    if std::env::var_os(CHILD_ENV).is_none() {
        let out = child(
            "instances_until_the_address_space_runs_out_end_in_an_error",
            Some(64 << 30),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{:?}: {stdout}", out.status);
        assert!(stdout.contains("refused after"), "{stdout}");
        return;
    }
    // Each instance reserves its memory's 4 GiB and guard: 64 GiB holds a handful.
    let module = load(r#"(module (memory 1) (func (export "f") (result i32) (i32.const 7)))"#);
    let mut store = Store::new();
    let mut made = 0;
    let error = loop {
        match Instance::new(&mut store, &module, &[]) {
            Ok(instance) => {
                made += 1;
                let f = instance.get_func(&mut store, "f").expect("export");
                assert_eq!(f.call(&mut store, &[]).expect("runs")[0].unwrap_i32(), 7);
            }
            Err(e) => break e,
        }
        assert!(made < 10_000, "the address space never ran out");
    };
    assert!(matches!(error, Error::Resource(_)), "{error:?}");
    assert!(made > 0);
    println!("refused after {made} instances: {error}");
}

#[test]
fn a_host_stack_overflow_is_a_crash_of_the_host_not_a_trap() {
    if std::env::var_os(CHILD_ENV).is_none() {
        let out = child(
            "a_host_stack_overflow_is_a_crash_of_the_host_not_a_trap",
            None,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{:?}", out.status);
        assert_eq!(out.status.signal(), Some(libc::SIGABRT), "{stderr}");
        assert!(stderr.contains("overflowed its stack"), "{stderr}");
        assert!(!stderr.contains("wasm trap"), "{stderr}");
        return;
    }
    fn recurse(depth: u64) -> u64 {
        let frame = std::hint::black_box([depth; 64]);
        if depth == u64::MAX {
            return frame[3];
        }
        recurse(depth + 1) + std::hint::black_box(frame[1])
    }
    let module =
        load(r#"(module (import "host" "deep" (func $deep)) (func (export "run") (call $deep)))"#);
    let mut store = Store::new();
    let deep = Func::new(
        &mut store,
        FuncType {
            params: vec![],
            results: vec![],
        },
        |_, _, _| {
            println!("{}", recurse(0));
            Ok(())
        },
    );
    let instance = Instance::new(&mut store, &module, &[Extern::Func(deep)]).expect("instantiates");
    let run = instance.get_func(&mut store, "run").expect("export");
    let result = run.call(&mut store, &[]);
    println!("the overflow came back as {result:?}");
    std::process::exit(3);
}
