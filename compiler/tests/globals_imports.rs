//! Globals, imports and exports through the real pipeline: defined and imported globals, host
//! functions (multi-value and failing), linking instances together, start functions and link
//! errors.

mod support;
use support::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use wasmaot_runtime::{
    Caller, Error, Extern, ExternRef, Func, FuncType, Global, GlobalType, Instance, Linker, Store,
    Trap, TrapKind, Val, ValType,
};

fn func_type(params: &[ValType], results: &[ValType]) -> FuncType {
    FuncType {
        params: params.to_vec(),
        results: results.to_vec(),
    }
}

fn global(content: ValType, mutable: bool, value: Val) -> Global {
    with_store(|s| Global::new(s, GlobalType { content, mutable }, value))
        .expect("global of the right type")
}

/// A host function in the test's store, written as returning its results (fewer or more
/// than the type has is a trap here, since `Func::new`'s result slice has the type's length).
fn host_func(
    ty: FuncType,
    f: impl Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
) -> Func {
    with_store(|s| {
        Func::new(s, ty, move |caller, args, results| {
            let values = f(caller, args)?;
            if values.len() != results.len() {
                return Err(Trap::host("wrong number of results"));
            }
            results.copy_from_slice(&values);
            Ok(())
        })
    })
}

/// The exported global `name` of `instance`, if it has one.
fn get_global(instance: &Instance, name: &str) -> Option<Global> {
    with_store(|s| instance.get_global(s, name))
}

fn get(g: Global) -> Val {
    with_store(|s| g.get(s))
}

fn set(g: Global, value: Val) -> Result<(), Error> {
    with_store(|s| g.set(s, value))
}

fn global_type(g: Global) -> GlobalType {
    with_store(|s| g.ty(s))
}

/// `len` bytes of `memory` from `offset`.
fn bytes(memory: wasmaot_runtime::Memory, offset: usize, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    with_store(|s| memory.read(s, offset, &mut buf)).expect("in bounds");
    buf
}

/// A host value as an `externref`.
fn extern_ref(value: u64) -> Val {
    Val::ExternRef(Some(with_store(|s| ExternRef::new(s, value))))
}

/// The host value of an `externref` made by [`extern_ref`].
fn extern_data(value: Val) -> Option<u64> {
    match value {
        Val::ExternRef(Some(r)) => with_store(|s| r.data(s).downcast_ref::<u64>().copied()),
        other => panic!("expected a non-null externref, got {other:?}"),
    }
}

const GLOBALS: &str = r#"
(module
  (import "env" "imm" (global $imm i32))
  (import "env" "mutg" (global $mutg (mut i64)))
  (import "env" "fg" (global $fg f64))
  (global $g (export "g") (mut i32) (i32.const 10))
  (global $c (export "c") i64 (i64.const -5))
  (global $derived (export "derived") i32 (global.get $imm))
  (global $nan (export "nan") (mut f32) (f32.const nan:0x200001))
  (global $d (export "d") (mut f64) (f64.const -0.0))
  (global $ext (export "ext") (mut externref) (ref.null extern))
  (export "imported_mut" (global $mutg))

  (func (export "inc") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))
  (func (export "get_c") (result i64) (global.get $c))
  (func (export "get_imm") (result i32) (global.get $imm))
  (func (export "get_derived") (result i32) (global.get $derived))
  (func (export "get_fg") (result f64) (global.get $fg))
  (func (export "get_mutg") (result i64) (global.get $mutg))
  (func (export "bump_mutg") (param i64) (global.set $mutg (i64.add (global.get $mutg) (local.get 0))))
  (func (export "get_nan") (result i32) (i32.reinterpret_f32 (global.get $nan)))
  (func (export "set_nan") (param i32) (global.set $nan (f32.reinterpret_i32 (local.get 0))))
  (func (export "get_d") (result f64) (global.get $d))
  (func (export "set_d") (param f64) (global.set $d (local.get 0)))
  (func (export "set_ext") (param externref) (global.set $ext (local.get 0)))
  (func (export "get_ext") (result externref) (global.get $ext))
)"#;

struct GlobalImports {
    imm: Global,
    mutg: Global,
    fg: Global,
}

impl GlobalImports {
    fn new() -> Self {
        GlobalImports {
            imm: global(ValType::I32, false, i32(7)),
            mutg: global(ValType::I64, true, i64(1)),
            fg: global(ValType::F64, false, Val::F64(0xfff4_0000_0000_0001)),
        }
    }

    fn externs(&self) -> Vec<Extern> {
        vec![
            Extern::Global(self.imm),
            Extern::Global(self.mutg),
            Extern::Global(self.fg),
        ]
    }
}

#[test]
fn defined_globals_mutable_and_immutable() {
    let imports = GlobalImports::new();
    let m = instance_with(GLOBALS, &imports.externs());
    assert_eq!(call1(&m, "inc", &[]), i32(11));
    assert_eq!(call1(&m, "inc", &[]), i32(12));
    assert_eq!(call1(&m, "get_c", &[]), i64(-5));
    // Float globals keep their bits.
    assert_eq!(call1(&m, "get_nan", &[]), i32(0x7fa0_0001));
    call(&m, "set_nan", &[i32(0xffc0_0123u32 as i32)]);
    assert_eq!(call1(&m, "get_nan", &[]), i32(0xffc0_0123u32 as i32));
    assert_eq!(call1(&m, "get_d", &[]), Val::F64(0x8000_0000_0000_0000));
    call(&m, "set_d", &[f64(2.5)]);
    assert_eq!(call1(&m, "get_d", &[]), f64(2.5));
    assert_eq!(call1(&m, "get_ext", &[]), Val::ExternRef(None));
    let dead = extern_ref(0xdead);
    call(&m, "set_ext", &[dead]);
    assert_eq!(call1(&m, "get_ext", &[]), dead);
    assert_eq!(extern_data(call1(&m, "get_ext", &[])), Some(0xdead));
}

#[test]
fn exported_globals_from_the_host() {
    let imports = GlobalImports::new();
    let m = instance_with(GLOBALS, &imports.externs());
    let g = get_global(&m, "g").expect("exported g");
    assert_eq!(get(g), i32(10));
    call(&m, "inc", &[]);
    assert_eq!(get(g), i32(11));
    set(g, i32(100)).expect("g is mutable");
    assert_eq!(call1(&m, "inc", &[]), i32(101));
    assert_eq!(get(get_global(&m, "g").unwrap()), i32(101));
    assert!(global_type(g).mutable);

    let c = get_global(&m, "c").expect("exported c");
    assert_eq!(get(c), i64(-5));
    assert!(!global_type(c).mutable);
    assert!(matches!(set(c, i64(1)), Err(Error::Type(_))));
    assert!(matches!(set(g, i64(1)), Err(Error::Type(_))));
    assert_eq!(get(c), i64(-5));
    assert_eq!(get(g), i32(101));

    assert_eq!(get(get_global(&m, "nan").unwrap()), Val::F32(0x7fa0_0001));
    set(get_global(&m, "nan").unwrap(), Val::F32(0x7f80_0001)).unwrap();
    assert_eq!(call1(&m, "get_nan", &[]), i32(0x7f80_0001));
    assert_eq!(
        get(get_global(&m, "d").unwrap()),
        Val::F64(0x8000_0000_0000_0000)
    );
    assert_eq!(get(get_global(&m, "derived").unwrap()), i32(7));
    assert!(get_global(&m, "inc").is_none());
    assert!(get_global(&m, "nope").is_none());
    // An externref global holds a reference of the store, read back as the same handle.
    let ext = get_global(&m, "ext").expect("exported ext");
    assert_eq!(get(ext), Val::ExternRef(None));
    let beef = extern_ref(0xbeef);
    set(ext, beef).unwrap();
    assert_eq!(call1(&m, "get_ext", &[]), beef);
    assert_eq!(extern_data(get(ext)), Some(0xbeef));
}

#[test]
fn imported_globals() {
    let imports = GlobalImports::new();
    let m = instance_with(GLOBALS, &imports.externs());
    assert_eq!(call1(&m, "get_imm", &[]), i32(7));
    assert_eq!(call1(&m, "get_derived", &[]), i32(7));
    assert_eq!(call1(&m, "get_fg", &[]), Val::F64(0xfff4_0000_0000_0001));
    // A mutable imported global is shared: writes go both ways.
    assert_eq!(call1(&m, "get_mutg", &[]), i64(1));
    call(&m, "bump_mutg", &[i64(10)]);
    assert_eq!(get(imports.mutg), i64(11));
    set(imports.mutg, i64(-100)).unwrap();
    assert_eq!(call1(&m, "get_mutg", &[]), i64(-100));
    // Re-exported, it is still the same storage.
    let reexported = get_global(&m, "imported_mut").unwrap();
    assert_eq!(get(reexported), i64(-100));
    set(reexported, i64(5)).unwrap();
    assert_eq!(get(imports.mutg), i64(5));
    // Two instances importing the same global see each other's writes.
    let other = instance_with(GLOBALS, &imports.externs());
    call(&other, "bump_mutg", &[i64(1)]);
    assert_eq!(call1(&m, "get_mutg", &[]), i64(6));
    // Host-side type checks of Global itself.
    assert!(with_store(|s| Global::new(
        s,
        GlobalType {
            content: ValType::I32,
            mutable: false
        },
        i64(1)
    ))
    .is_err());
    assert!(set(imports.imm, i32(1)).is_err());
}

const HOST_CALLS: &str = r#"
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "multi" (func $multi (param f32 i64) (result i64 f64 i32)))
  (import "env" "fail" (func $fail (param i32)))
  (import "env" "read_mem" (func $read_mem (param i32 i32) (result i32)))
  (memory (export "mem") 1)
  (data (i32.const 16) "wasm!")
  (export "add" (func $add))
  (func (export "call_add") (param i32 i32) (result i32)
    (i32.mul (call $add (local.get 0) (local.get 1)) (i32.const 2)))
  (func (export "call_multi") (param f32 i64) (result i64 f64 i32)
    (call $multi (local.get 0) (local.get 1)))
  (func (export "sum_multi") (param f32 i64) (result f64)
    (local $a i64) (local $b f64) (local $c i32)
    (call $multi (local.get 0) (local.get 1))
    (local.set $c) (local.set $b) (local.set $a)
    (f64.add (local.get $b) (f64.convert_i64_s (i64.add (local.get $a) (i64.extend_i32_s (local.get $c))))))
  (func (export "call_fail") (param i32) (result i32)
    (call $fail (local.get 0))
    (i32.const 1))
  (func (export "fail_in_loop") (param i32) (result i32) (local $i i32)
    (loop $l
      (call $fail (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $i))
  (func (export "call_read_mem") (result i32) (call $read_mem (i32.const 16) (i32.const 5)))
)"#;

struct HostLog {
    calls: Mutex<Vec<Vec<Val>>>,
}

fn host_imports(log: &Arc<HostLog>) -> Vec<Extern> {
    let add_log = log.clone();
    let add = host_func(
        func_type(&[ValType::I32, ValType::I32], &[ValType::I32]),
        move |_, args| {
            add_log.calls.lock().unwrap().push(args.to_vec());
            Ok(vec![i32(args[0]
                .unwrap_i32()
                .wrapping_add(args[1].unwrap_i32()))])
        },
    );
    let multi = host_func(
        func_type(
            &[ValType::F32, ValType::I64],
            &[ValType::I64, ValType::F64, ValType::I32],
        ),
        |_, args| {
            let x = args[0].unwrap_f32();
            let n = args[1].unwrap_i64();
            Ok(vec![i64(n * 3), f64(f64::from(x) * 2.0), i32(-1)])
        },
    );
    let fail = host_func(func_type(&[ValType::I32], &[]), |_, args| {
        let n = args[0].unwrap_i32();
        if n >= 3 {
            Err(Trap::host(format!("refusing {n}")))
        } else {
            Ok(vec![])
        }
    });
    let read_mem = host_func(
        func_type(&[ValType::I32, ValType::I32], &[ValType::I32]),
        |caller, args| {
            let (ptr, len) = (
                args[0].unwrap_i32() as u32 as usize,
                args[1].unwrap_i32() as u32 as usize,
            );
            let memory = caller.memory(0).ok_or_else(|| Trap::host("no memory"))?;
            let mut bytes = vec![0; len];
            memory
                .read(caller, ptr, &mut bytes)
                .map_err(|_| Trap::host("out of bounds"))?;
            let text = std::str::from_utf8(&bytes).map_err(|e| Trap::host(e.to_string()))?;
            Ok(vec![i32(if text == "wasm!" { 1 } else { 0 })])
        },
    );
    vec![
        Extern::Func(add),
        Extern::Func(multi),
        Extern::Func(fail),
        Extern::Func(read_mem),
    ]
}

fn host_instance() -> (Instance, Arc<HostLog>) {
    let log = Arc::new(HostLog {
        calls: Mutex::new(Vec::new()),
    });
    let m = instance_with(HOST_CALLS, &host_imports(&log));
    (m, log)
}

#[test]
fn host_functions_called_from_wasm() {
    let (m, log) = host_instance();
    assert_eq!(call1(&m, "call_add", &[i32(20), i32(1)]), i32(42));
    assert_eq!(call1(&m, "call_add", &[i32(i32::MAX), i32(1)]), i32(0));
    assert_eq!(
        *log.calls.lock().unwrap(),
        vec![vec![i32(20), i32(1)], vec![i32(i32::MAX), i32(1)]]
    );
    // The import re-exported and called from the host.
    assert_eq!(call1(&m, "add", &[i32(-3), i32(5)]), i32(2));
    assert_eq!(log.calls.lock().unwrap().len(), 3);
    // The host function sees the calling instance's memory.
    assert_eq!(call1(&m, "call_read_mem", &[]), i32(1));
}

#[test]
fn host_functions_with_multiple_results() {
    let (m, _log) = host_instance();
    assert_eq!(
        call(&m, "call_multi", &[f32(1.5), i64(7)]),
        vec![i64(21), f64(3.0), i32(-1)]
    );
    assert_eq!(
        call(&m, "call_multi", &[f32(-0.25), i64(i64::MIN / 4)]),
        vec![i64(i64::MIN / 4 * 3), f64(-0.5), i32(-1)]
    );
    // 2 * 2.0 + (3 * 10 - 1)
    assert_eq!(call1(&m, "sum_multi", &[f32(2.0), i64(10)]), f64(33.0));
}

#[test]
fn failing_host_function_fails_the_wasm_call() {
    let (m, _log) = host_instance();
    assert_eq!(call1(&m, "call_fail", &[i32(0)]), i32(1));
    let err = call_func(func(&m, "call_fail"), &[i32(3)]).unwrap_err();
    assert_eq!(host_failure(err).0, "refusing 3");
    // The failure unwinds out of a loop partway through.
    let err = call_func(func(&m, "fail_in_loop"), &[i32(10)]).unwrap_err();
    assert_eq!(host_failure(err).0, "refusing 3");
    assert_eq!(call1(&m, "fail_in_loop", &[i32(3)]), i32(3));
    assert_eq!(call1(&m, "call_add", &[i32(1), i32(2)]), i32(6));
}

#[test]
fn host_function_returning_wrong_types_fails() {
    let wat = r#"
      (module
        (import "env" "f" (func $f (result i32)))
        (func (export "run") (result i32) (call $f)))"#;
    let bad = host_func(func_type(&[], &[ValType::I32]), |_, _| Ok(vec![i64(1)]));
    let m = instance_with(wat, &[Extern::Func(bad)]);
    match call_func(func(&m, "run"), &[]) {
        Err(Error::Trap(Trap::Host { .. })) => {}
        other => panic!("expected a host trap, got {other:?}"),
    }
    let too_many = host_func(func_type(&[], &[ValType::I32]), |_, _| {
        Ok(vec![i32(1), i32(2)])
    });
    let m = instance_with(wat, &[Extern::Func(too_many)]);
    assert!(matches!(
        call_func(func(&m, "run"), &[]),
        Err(Error::Trap(Trap::Host { .. }))
    ));
}

const EXPORTER: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (memory (export "mem") 1 2)
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $double $bump)
  (func $double (export "double") (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $bump (type $ii)
    (global.set $counter (i32.add (global.get $counter) (local.get 0)))
    (global.get $counter))
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)"#;

const IMPORTER: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (import "a" "double" (func $double (param i32) (result i32)))
  (import "a" "mem" (memory 1 2))
  (import "a" "counter" (global $counter (mut i32)))
  (import "a" "tab" (table 2 funcref))
  (func (export "quadruple") (param i32) (result i32) (call $double (call $double (local.get 0))))
  (func (export "write") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "add_counter") (param i32) (global.set $counter (i32.add (global.get $counter) (local.get 0))))
  (func (export "call_table") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "ref_double") (result funcref) (ref.func $double))
  (elem declare func $double)
)"#;

fn exports_of(a: &Instance) -> Vec<Extern> {
    vec![
        export(a, "double"),
        Extern::Memory(memory(a, "mem")),
        Extern::Global(get_global(a, "counter").unwrap()),
        export(a, "tab"),
    ]
}

#[test]
fn instances_linked_through_exports() {
    let a = instance(EXPORTER);
    let b = instance_with(IMPORTER, &exports_of(&a));
    // A function of A called from B.
    assert_eq!(call1(&b, "quadruple", &[i32(5)]), i32(20));
    // B's stores land in A's memory, and the other way round.
    call(&b, "write", &[i32(64), i32(0x5eed)]);
    assert_eq!(call1(&a, "read", &[i32(64)]), i32(0x5eed));
    let a_mem = memory(&a, "mem");
    with_store(|s| a_mem.data_mut(s)[100..104].copy_from_slice(&9u32.to_le_bytes()));
    assert_eq!(call1(&b, "read", &[i32(100)]), i32(9));
    // Growth through B is seen by A, and A's bounds follow.
    assert_eq!(call1(&b, "grow", &[i32(1)]), i32(1));
    assert_eq!(call1(&a, "size", &[]), i32(2));
    call(&b, "write", &[i32(65536 + 4), i32(77)]);
    assert_eq!(call1(&a, "read", &[i32(65536 + 4)]), i32(77));
    assert_eq!(call1(&b, "grow", &[i32(1)]), i32(-1));
    assert_eq!(
        trap(&a, "read", &[i32(131069)]),
        TrapKind::OutOfBoundsMemory
    );
    // The shared global.
    call(&b, "add_counter", &[i32(5)]);
    assert_eq!(get(get_global(&a, "counter").unwrap()), i32(5));
    // Calls through A's table from B run A's code against A's state.
    assert_eq!(call1(&b, "call_table", &[i32(0), i32(21)]), i32(42));
    assert_eq!(call1(&b, "call_table", &[i32(1), i32(3)]), i32(8));
    assert_eq!(get(get_global(&a, "counter").unwrap()), i32(8));
    assert_eq!(
        trap(&b, "call_table", &[i32(2), i32(3)]),
        TrapKind::UndefinedElement
    );
    // A funcref of an imported function is the exporter's reference.
    let from_b = call1(&b, "ref_double", &[]);
    assert!(matches!(from_b, Val::FuncRef(Some(_))), "{from_b:?}");
    assert_eq!(from_b, Val::FuncRef(Some(func(&a, "double"))));
    let Val::FuncRef(Some(double)) = from_b else {
        unreachable!()
    };
    assert_eq!(call_func(double, &[i32(8)]).unwrap(), vec![i32(16)]);
    // Another importer of the same exports shares the same state.
    let c = instance_with(IMPORTER, &exports_of(&a));
    call(&c, "add_counter", &[i32(100)]);
    assert_eq!(get(get_global(&a, "counter").unwrap()), i32(108));
    assert_eq!(call1(&c, "read", &[i32(64)]), i32(0x5eed));
    // B keeps A's code and state alive. (Instances are no longer dropped one by one: the store
    // owns A until the store itself goes, so B can always rely on it.)
    assert_eq!(call1(&b, "quadruple", &[i32(1)]), i32(4));
    assert_eq!(call1(&b, "read", &[i32(100)]), i32(9));
}

#[test]
fn host_function_reexported_by_one_instance_and_imported_by_another() {
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    let host = host_func(
        func_type(&[ValType::I32], &[ValType::I32]),
        move |_, args| {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(vec![i32(args[0].unwrap_i32() + 1)])
        },
    );
    let a = instance_with(
        r#"(module (import "env" "inc" (func $inc (param i32) (result i32))) (export "inc" (func $inc)))"#,
        &[Extern::Func(host)],
    );
    let b = instance_with(
        r#"(module
             (import "a" "inc" (func $inc (param i32) (result i32)))
             (func (export "twice") (param i32) (result i32) (call $inc (call $inc (local.get 0)))))"#,
        &[export(&a, "inc")],
    );
    assert_eq!(call1(&b, "twice", &[i32(40)]), i32(42));
    assert_eq!(counter.load(Ordering::SeqCst), 2);
}

#[test]
fn start_function_runs_at_instantiation() {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let hook = host_func(func_type(&[], &[]), move |_, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        Ok(vec![])
    });
    let wat = r#"
      (module
        (import "env" "hook" (func $hook))
        (memory (export "mem") 1)
        (global $ready (export "ready") (mut i32) (i32.const 0))
        (data (i32.const 0) "\01")
        (func $init
          (call $hook)
          ;; Runs after the data segments: reads 1, stores 2.
          (i32.store8 (i32.const 1) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
          (global.set $ready (i32.const 1)))
        (start $init)
        (func (export "is_ready") (result i32) (global.get $ready)))"#;
    let m = instance_with(wat, &[Extern::Func(hook)]);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert_eq!(get(get_global(&m, "ready").unwrap()), i32(1));
    assert_eq!(bytes(memory(&m, "mem"), 0, 2), [1, 2]);
    // The start function does not run again on calls.
    assert_eq!(call1(&m, "is_ready", &[]), i32(1));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn trapping_start_function_fails_instantiation() {
    let wat = r#"(module (func $s (unreachable)) (start $s))"#;
    match new_instance(&load(wat), &[]) {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => assert_eq!(kind, TrapKind::Unreachable),
        Err(other) => panic!("expected an unreachable trap, got {other:?}"),
        Ok(_) => panic!("instantiation succeeded"),
    }
}

fn link_error(wat: &str, imports: &[Extern]) {
    match new_instance(&load(wat), imports) {
        Err(Error::Link(_)) => {}
        Err(other) => panic!("expected a link error, got {other:?}"),
        Ok(_) => panic!("instantiation succeeded"),
    }
}

#[test]
fn missing_or_mistyped_imports_are_link_errors() {
    let needs_func = r#"(module (import "env" "f" (func (param i32 i32) (result i32))))"#;
    let right = host_func(
        func_type(&[ValType::I32, ValType::I32], &[ValType::I32]),
        |_, a| Ok(vec![a[0]]),
    );
    let wrong_params = host_func(func_type(&[ValType::I32], &[ValType::I32]), |_, a| {
        Ok(vec![a[0]])
    });
    let wrong_results = host_func(
        func_type(&[ValType::I32, ValType::I32], &[ValType::I64]),
        |_, _| Ok(vec![i64(0)]),
    );
    assert!(new_instance(&load(needs_func), &[Extern::Func(right)]).is_ok());
    link_error(needs_func, &[]);
    link_error(needs_func, &[Extern::Func(wrong_params)]);
    link_error(needs_func, &[Extern::Func(wrong_results)]);
    link_error(
        needs_func,
        &[Extern::Global(global(ValType::I32, false, i32(0)))],
    );
    link_error(needs_func, &[Extern::Func(right), Extern::Func(right)]);

    let needs_global = r#"(module (import "env" "g" (global (mut i32))))"#;
    link_error(
        needs_global,
        &[Extern::Global(global(ValType::I32, false, i32(0)))],
    );
    link_error(
        needs_global,
        &[Extern::Global(global(ValType::I64, true, i64(0)))],
    );
    assert!(new_instance(
        &load(needs_global),
        &[Extern::Global(global(ValType::I32, true, i32(0)))]
    )
    .is_ok());
    let needs_const = r#"(module (import "env" "g" (global i32)))"#;
    link_error(
        needs_const,
        &[Extern::Global(global(ValType::I32, true, i32(0)))],
    );

    let a = instance(EXPORTER);
    let mem = memory(&a, "mem");
    let needs_memory = r#"(module (import "env" "m" (memory 2)))"#;
    link_error(needs_memory, &[Extern::Memory(mem)]);
    link_error(needs_memory, &[export(&a, "double")]);
    let needs_small_max = r#"(module (import "env" "m" (memory 1 1)))"#;
    link_error(needs_small_max, &[Extern::Memory(mem)]);
    let fits = r#"(module (import "env" "m" (memory 1 3)))"#;
    assert!(new_instance(&load(fits), &[Extern::Memory(mem)]).is_ok());

    let needs_externref_table = r#"(module (import "env" "t" (table 1 externref)))"#;
    link_error(needs_externref_table, &[export(&a, "tab")]);
    let needs_big_table = r#"(module (import "env" "t" (table 3 funcref)))"#;
    link_error(needs_big_table, &[export(&a, "tab")]);
}

/// Readable mappings of this process, as `[start, end)`.
fn readable_mappings() -> Vec<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (range, perms) = (fields.next()?, fields.next()?);
            if !perms.starts_with('r') {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            Some((
                usize::from_str_radix(start, 16).ok()?,
                usize::from_str_radix(end, 16).ok()?,
            ))
        })
        .collect()
}

#[test]
fn guard_page_module_cannot_reach_past_an_imported_memory_without_guard_region() {
    // Explicit bounds checks reserve only the memory's maximum (3 pages), no guard region. A
    // module compiled for guard pages skips the check for small offsets, so importing such a
    // memory must be refused, or its out-of-bounds accesses must still trap.
    let neighbour = new_instance(
        &load_with(
            r#"(module (memory (export "mem") 3 3))"#,
            &explicit_checks(),
        ),
        &[],
    )
    .expect("instantiates");
    let exporter = new_instance(
        &load_with(
            r#"(module (memory (export "mem") 3 3))"#,
            &explicit_checks(),
        ),
        &[],
    )
    .expect("instantiates");
    let mem = memory(&exporter, "mem");
    let neighbour_mem = memory(&neighbour, "mem");
    with_store(|s| neighbour_mem.data_mut(s)[..3 * 65536].fill(0x5a));
    let importer = r#"
      (module
        (import "env" "mem" (memory 3 3))
        (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;
    let m = match new_instance(&load(importer), &[Extern::Memory(mem)]) {
        Err(Error::Link(_)) => return,
        Err(other) => panic!("expected success or a link error, got {other:?}"),
        Ok(m) => m,
    };
    let base = with_store(|s| mem.data(s).as_ptr() as usize);
    let end = base + 3 * 65536;
    assert_eq!(
        trap(&m, "peek", &[i32(3 * 65536)]),
        TrapKind::OutOfBoundsMemory
    );
    // Any readable byte of the process within reach of a 32-bit index must not be readable.
    let reachable: Vec<usize> = readable_mappings()
        .into_iter()
        .filter(|&(start, stop)| stop > end && start < base + (1 << 32) - 1)
        .map(|(start, _)| start.max(end))
        .collect();
    for addr in reachable {
        let index = (addr - base) as u32 as i32;
        match call_func(func(&m, "peek"), &[i32(index)]) {
            Err(Error::Trap(Trap::Wasm { kind, .. })) => {
                assert_eq!(kind, TrapKind::OutOfBoundsMemory)
            }
            other => panic!("memory index {index:#x} (outside a 3-page memory) gave {other:?}"),
        }
    }
}

#[test]
fn segment_offsets_from_an_imported_global() {
    let wat = r#"
      (module
        (import "env" "off" (global $off i32))
        (memory (export "mem") 1)
        (table 8 funcref)
        (func $seven (result i32) (i32.const 7))
        (data (global.get $off) "zz")
        (elem (global.get $off) $seven)
        (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0))))"#;
    let m = instance_with(wat, &[Extern::Global(global(ValType::I32, false, i32(5)))]);
    assert_eq!(bytes(memory(&m, "mem"), 4, 4), [0, b'z', b'z', 0]);
    assert_eq!(call1(&m, "call", &[i32(5)]), i32(7));
    assert_eq!(trap(&m, "call", &[i32(4)]), TrapKind::UninitializedElement);
    // An offset that puts the element segment past the table fails instantiation.
    match new_instance(
        &load(wat),
        &[Extern::Global(global(ValType::I32, false, i32(8)))],
    ) {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => assert_eq!(kind, TrapKind::OutOfBoundsTable),
        Err(other) => panic!("expected an out-of-bounds table trap, got {other:?}"),
        Ok(_) => panic!("instantiation succeeded"),
    }
}

#[test]
fn host_function_reentering_wasm() {
    let wat = r#"
      (module
        (import "env" "reenter" (func $reenter (param i32) (result i32)))
        (func (export "outer") (param i32) (result i32)
          (i32.add (call $reenter (local.get 0)) (i32.const 1000)))
        (func (export "outer_then_trap") (param i32) (result i32)
          (drop (call $reenter (local.get 0)))
          (unreachable))
        (func (export "inner") (param i32) (result i32)
          (if (result i32) (local.get 0)
            (then (i32.mul (local.get 0) (i32.const 3)))
            (else (unreachable)))))"#;
    let inner: Arc<Mutex<Option<Func>>> = Arc::new(Mutex::new(None));
    let slot = inner.clone();
    let reenter = host_func(
        func_type(&[ValType::I32], &[ValType::I32]),
        move |caller, args| {
            let f = slot.lock().unwrap().expect("set after instantiation");
            // A trap of the inner call comes back to the host as a value, not through the outer call.
            match f.call(caller, args) {
                Ok(results) => Ok(results),
                Err(Error::Trap(Trap::Wasm {
                    kind: TrapKind::Unreachable,
                    ..
                })) => Ok(vec![i32(-1)]),
                Err(other) => Err(Trap::host(format!("inner call: {other}"))),
            }
        },
    );
    let m = instance_with(wat, &[Extern::Func(reenter)]);
    *inner.lock().unwrap() = Some(func(&m, "inner"));
    assert_eq!(call1(&m, "outer", &[i32(5)]), i32(1015));
    assert_eq!(call1(&m, "outer", &[i32(0)]), i32(999));
    // After an inner trap was handled, a trap of the outer call still reaches the outer caller.
    assert_eq!(
        trap(&m, "outer_then_trap", &[i32(0)]),
        TrapKind::Unreachable
    );
    assert_eq!(
        trap(&m, "outer_then_trap", &[i32(2)]),
        TrapKind::Unreachable
    );
    assert_eq!(call1(&m, "outer", &[i32(2)]), i32(1006));
}

#[test]
fn panicking_host_function_resumes_in_the_caller_and_the_instance_survives() {
    let wat = r#"
      (module
        (import "env" "maybe_panic" (func $p (param i32) (result i32)))
        (global $g (export "g") (mut i32) (i32.const 0))
        (func (export "run") (param i32) (result i32)
          (global.set $g (i32.add (global.get $g) (i32.const 1)))
          (i32.add (call $p (local.get 0)) (i32.const 1))))"#;
    let maybe_panic = host_func(func_type(&[ValType::I32], &[ValType::I32]), |_, args| {
        let n = args[0].unwrap_i32();
        if n < 0 {
            panic!("host panic {n}");
        }
        if n == 100 {
            return Err(Trap::host("no"));
        }
        Ok(vec![i32(n * 10)])
    });
    let m = instance_with(wat, &[Extern::Func(maybe_panic)]);
    assert_eq!(call1(&m, "run", &[i32(4)]), i32(41));
    let run = func(&m, "run");
    let payload = std::panic::catch_unwind(|| call_func(run, &[i32(-7)]))
        .expect_err("the host function's panic reaches the caller");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
    assert_eq!(message.as_deref(), Some("host panic -7"));
    // The instance and the store are still usable, and see what ran before the panic.
    assert_eq!(call1(&m, "run", &[i32(5)]), i32(51));
    assert_eq!(get(get_global(&m, "g").unwrap()), i32(3));
    // Again, and a failure afterwards still comes back as an error, not a panic.
    assert!(std::panic::catch_unwind(|| call_func(run, &[i32(-1)])).is_err());
    assert_eq!(
        host_failure(call_func(run, &[i32(100)]).unwrap_err()).0,
        "no"
    );
    assert_eq!(call1(&m, "run", &[i32(0)]), i32(1));

    // A panic in a start function resumes in the caller of `Instance::new`.
    let start = r#"
      (module
        (import "env" "maybe_panic" (func $p (param i32) (result i32)))
        (func $s (drop (call $p (i32.const -1))))
        (start $s))"#;
    let module = load(start);
    let instantiate =
        std::panic::AssertUnwindSafe(|| new_instance(&module, &[Extern::Func(maybe_panic)]));
    assert!(std::panic::catch_unwind(instantiate).is_err());
    assert_eq!(call1(&m, "run", &[i32(2)]), i32(21));
}

#[test]
fn references_are_handles_of_their_store() {
    // The old API took references as integers, so a test could forge one (any address as a
    // funcref, any number as an externref). References are now handles of one store: they
    // cannot be made from integers, and one of another store is refused as a value.
    let wat = r#"
      (module
        (table (export "t") 2 funcref)
        (func $f (export "f") (result i32) (i32.const 7))
        (elem declare func $f)
        (func (export "is_null") (param funcref) (result i32) (ref.is_null (local.get 0)))
        (func (export "ext_is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
        (func (export "ref_f") (result funcref) (ref.func $f)))"#;
    let module = load(wat);
    let m = new_instance(&module, &[]).unwrap();
    let f = func(&m, "f");
    assert_eq!(call1(&m, "ref_f", &[]), Val::FuncRef(Some(f)));
    assert_eq!(call1(&m, "is_null", &[Val::FuncRef(Some(f))]), i32(0));
    assert_eq!(call1(&m, "ext_is_null", &[extern_ref(0)]), i32(0));

    let mut other = Store::new();
    let theirs = Instance::new(&mut other, &module, &[]).unwrap();
    let their_f = theirs.get_func(&mut other, "f").unwrap();
    let their_ext = ExternRef::new(&mut other, 1u64);
    assert_eq!(their_f.call(&mut other, &[]).unwrap(), vec![i32(7)]);
    // A reference of another store, as an argument, a table element or a global's value.
    let is_null = func(&m, "is_null");
    assert!(matches!(
        call_func(is_null, &[Val::FuncRef(Some(their_f))]),
        Err(Error::Type(_))
    ));
    assert!(matches!(
        call_func(func(&m, "ext_is_null"), &[Val::ExternRef(Some(their_ext))]),
        Err(Error::Type(_))
    ));
    let table = with_store(|s| m.get_table(s, "t")).unwrap();
    assert!(matches!(
        with_store(|s| table.set(s, 0, Val::FuncRef(Some(their_f)))),
        Err(Error::Type(_))
    ));
    assert_eq!(with_store(|s| table.get(s, 0)), Some(Val::FuncRef(None)));
    assert!(with_store(|s| table.set(s, 0, Val::FuncRef(Some(f)))).is_ok());
    assert_eq!(with_store(|s| table.get(s, 0)), Some(Val::FuncRef(Some(f))));
    assert!(matches!(
        with_store(|s| Global::new(
            s,
            GlobalType {
                content: ValType::ExternRef,
                mutable: true
            },
            Val::ExternRef(Some(their_ext))
        )),
        Err(Error::Type(_))
    ));
    // A host function's own handle is no reference (only an instance's import or export of it).
    let host = host_func(func_type(&[], &[]), |_, _| Ok(vec![]));
    assert!(matches!(
        call_func(is_null, &[Val::FuncRef(Some(host))]),
        Err(Error::Type(_))
    ));
    // Using a handle with a store it does not belong to is a bug of the host, and panics.
    let mut other = std::panic::AssertUnwindSafe(other);
    assert!(std::panic::catch_unwind(move || f.call(&mut *other, &[])).is_err());
    assert_eq!(call_func(f, &[]).unwrap(), vec![i32(7)]);
}

#[test]
fn linker_resolves_imports_by_name() {
    let a = instance(EXPORTER);
    let mut linker = Linker::new();
    with_store(|s| {
        linker.instance(s, "a", a);
    });
    let importer = load(IMPORTER);
    let b = with_store(|s| linker.instantiate(s, &importer)).expect("every import defined");
    assert_eq!(call1(&b, "quadruple", &[i32(3)]), i32(12));
    call(&b, "add_counter", &[i32(4)]);
    assert_eq!(get(get_global(&a, "counter").unwrap()), i32(4));
    // A missing definition is a link error.
    let needs = r#"(module (import "a" "missing" (func)))"#;
    let module = load(needs);
    assert!(matches!(
        with_store(|s| linker.instantiate(s, &module)),
        Err(Error::Link(_))
    ));
    // A host function defined by name.
    let hook = host_func(func_type(&[], &[]), |_, _| Ok(vec![]));
    linker.define("a", "missing", hook);
    assert!(with_store(|s| linker.instantiate(s, &module)).is_ok());
}

/// Calls `f` with about `depth` × 16 KiB more of the stack in use.
fn with_stack_used<R>(depth: u32, f: &mut dyn FnMut() -> R) -> R {
    let pad = std::hint::black_box([0u8; 16 * 1024]);
    let result = if depth == 0 {
        f()
    } else {
        with_stack_used(depth - 1, f)
    };
    std::hint::black_box(&pad);
    result
}

#[test]
fn a_call_into_wasm_from_below_the_stack_limit_fails_before_any_wasm_runs() {
    // A host function nested in a wasm call uses 256 KiB of stack, then calls back into a wasm
    // function that calls nothing (and so has no check of its own). With the store's wasm
    // stack at 64 KiB from the outer call, the inner call starts below the limit: it must fail
    // as the wasm code would have, without running.
    let wat = r#"
      (module
        (import "env" "deep" (func $deep))
        (global $ran (export "ran") (mut i32) (i32.const 0))
        (func (export "leaf") (global.set $ran (i32.const 1)))
        (func (export "outer") (call $deep)))"#;
    let deep = host_func(func_type(&[], &[]), |caller, _| {
        let Some(Extern::Func(leaf)) = caller.get_export("leaf") else {
            return Err(Trap::host("no leaf"));
        };
        match with_stack_used(16, &mut || leaf.call(&mut *caller, &[])) {
            Ok(_) => Ok(vec![]),
            Err(Error::Trap(trap)) => Err(trap),
            Err(other) => Err(Trap::host(other.to_string())),
        }
    });
    let m = instance_with(wat, &[Extern::Func(deep)]);
    with_store(|s| s.set_max_wasm_stack(Some(64 * 1024)));
    let outcome = call_func(func(&m, "outer"), &[]);
    with_store(|s| s.set_max_wasm_stack(None));
    match outcome {
        Err(Error::Trap(trap)) => assert_eq!(trap.kind(), Some(TrapKind::StackExhausted)),
        other => panic!("expected call stack exhausted, got {other:?}"),
    }
    assert_eq!(get(get_global(&m, "ran").unwrap()), i32(0));
    // Without the limit the same calls run.
    call(&m, "outer", &[]);
    assert_eq!(get(get_global(&m, "ran").unwrap()), i32(1));
}

/// A host function taking `n` parameters cycling through i32, i64, f64 and externref, returning
/// them reversed, called from wasm with distinct values: every parameter and result crosses
/// the slot/`Val` boundary intact, whatever the count (few, several, more than sixteen).
fn reversing_host_call(n: usize) {
    let kinds = [ValType::I32, ValType::I64, ValType::F64, ValType::ExternRef];
    let types: Vec<ValType> = (0..n).map(|i| kinds[i % 4]).collect();
    let text = |t: &ValType| match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F64 => "f64",
        _ => "externref",
    };
    let params: Vec<&str> = types.iter().map(text).collect();
    let results: Vec<&str> = types.iter().rev().map(text).collect();
    let args: String = (0..n)
        .map(|i| match types[i] {
            ValType::I32 => format!("(i32.const {})", -(i as i32) - 1),
            ValType::I64 => format!("(i64.const {})", (i as i64) << 40),
            ValType::F64 => format!("(f64.const {}.25)", i),
            _ => "(local.get 0)".to_string(),
        })
        .collect();
    let wat = format!(
        r#"(module
             (import "host" "rev" (func $rev (param {p}) (result {r})))
             (func (export "go") (param externref) (result {r})
               {args} call $rev))"#,
        p = params.join(" "),
        r = results.join(" "),
    );
    let rev = host_func(
        func_type(&types, &types.iter().rev().copied().collect::<Vec<_>>()),
        |_, args| Ok(args.iter().rev().copied().collect()),
    );
    let m = instance_with(&wat, &[Extern::Func(rev)]);
    let token = with_store(|s| ExternRef::new(s, 7u32));
    let got = call(&m, "go", &[Val::ExternRef(Some(token))]);
    let expected: Vec<Val> = (0..n)
        .rev()
        .map(|i| match types[i] {
            ValType::I32 => i32(-(i as i32) - 1),
            ValType::I64 => i64((i as i64) << 40),
            ValType::F64 => f64(i as f64 + 0.25),
            _ => Val::ExternRef(Some(token)),
        })
        .collect();
    assert_eq!(got, expected, "{n} values");
}

#[test]
fn host_functions_of_any_arity_pass_every_value() {
    for n in [1, 3, 4, 5, 9, 16, 17, 24] {
        reversing_host_call(n);
    }
}

/// The message and backtrace (as `(function name, has a wasm offset)`) of a host failure.
fn host_failure(err: Error) -> (String, Vec<(Option<String>, bool)>) {
    match err {
        Error::Trap(Trap::Host { message, backtrace }) => (
            message,
            backtrace
                .into_iter()
                .map(|f| (f.func_name, f.wasm_offset.is_some()))
                .collect(),
        ),
        other => panic!("expected a host failure, got {other:?}"),
    }
}

#[test]
fn a_failing_host_function_reports_the_wasm_frames_that_called_it() {
    let fail = host_func(func_type(&[ValType::I32], &[]), |_, args| {
        Err(Trap::host(format!("refusing {}", args[0].unwrap_i32())))
    });
    let m = instance_with(
        r#"(module
             (import "host" "fail" (func $fail (param i32)))
             (func $inner (param i32) (call $fail (local.get 0)))
             (func $middle (param i32)
               (call $inner (i32.add (local.get 0) (i32.const 1))))
             (func $outer (export "outer") (param i32)
               (call $middle (local.get 0))))"#,
        &[Extern::Func(fail)],
    );
    let err = call_func(func(&m, "outer"), &[i32(4)]).unwrap_err();
    let frame = |name: &str| (Some(name.to_string()), true);
    assert_eq!(
        host_failure(err.clone()),
        (
            "refusing 5".to_string(),
            vec![frame("inner"), frame("middle"), frame("outer")]
        )
    );
    // The offsets are those of the calls, innermost first.
    let Error::Trap(trap) = err else {
        unreachable!()
    };
    let offsets: Vec<u32> = trap
        .backtrace()
        .iter()
        .map(|f| f.wasm_offset.unwrap())
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
    // Called by the host itself, it has no wasm frames to report.
    assert_eq!(
        host_failure(call_func(fail, &[i32(1)]).unwrap_err()),
        ("refusing 1".to_string(), vec![])
    );
}
