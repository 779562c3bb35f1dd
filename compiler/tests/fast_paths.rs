//! The fast path of a function too large to inline, inlined into its callers
//! (`fast_paths.rs`): results, the globals the start of the function sets, traps and their
//! backtraces are those of the call, on the fast path and on the slow one, with the function
//! setting up a stack frame as clang does.

mod support;

use support::*;
use wasmaot_compiler::Options;
use wasmaot_runtime::{TrapKind, Val};
use wasmparser::Operator;

/// `lookup(p)` lowers the stack pointer `$sp` by 16 (clang's frame), then returns the byte
/// after `p` if the byte at `p` is even; else it stores `p` in its frame, calls `$slow`
/// twice and returns their sum with the frame's word. Either way it puts `$sp` back.
/// `$calls` counts the calls of `$slow`, which divides by zero on 0xef.
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (global $sp (export "sp") (mut i32) (i32.const 4096))
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (func $slow (param $x i32) (result i32)
    (drop (i32.div_u (i32.const 1) (i32.sub (local.get $x) (i32.const 0xef))))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.add (i32.mul (local.get $x) (i32.const 3)) (global.get $sp)))
  (func $lookup (param $p i32) (result i32) (local $frame i32) (local $r i32)
    (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 16))))
    (if (i32.eqz (i32.and (i32.load8_u (local.get $p)) (i32.const 1)))
      (then
        (global.set $sp (i32.add (local.get $frame) (i32.const 16)))
        (return (i32.load8_u offset=1 (local.get $p)))))
    (i32.store offset=12 (local.get $frame) (local.get $p))
    (local.set $r (call $slow (i32.load8_u (local.get $p))))
    (local.set $r (i32.add (local.get $r) (call $slow (i32.load8_u offset=2 (local.get $p)))))
    (local.set $r (i32.xor (local.get $r) (i32.load offset=12 (local.get $frame))))
    (local.set $r (i32.rotl (local.get $r) (i32.load8_u offset=3 (local.get $p))))
    (local.set $r (i32.add (local.get $r) (i32.mul (local.get $r) (local.get $r))))
    (local.set $r (i32.sub (local.get $r) (i32.shr_u (local.get $r) (i32.const 7))))
    (local.set $r (i32.add (local.get $r) (i32.load16_u offset=4 (local.get $p))))
    (global.set $sp (i32.add (local.get $frame) (i32.const 16)))
    (local.get $r))
  (func $run (export "run") (param $p i32) (result i32)
    (i32.add (call $lookup (local.get $p)) (call $lookup (i32.add (local.get $p) (i32.const 8)))))
)"#;

fn options(inline: bool) -> Options {
    Options {
        inline,
        ..Options::default()
    }
}

fn i32_of(v: Val) -> i32 {
    match v {
        Val::I32(v) => v,
        other => panic!("{other:?}"),
    }
}

/// `run`'s result, `$sp` and `$calls` after calls of `run` on `bytes` at 100 and at 108.
fn outcomes(inline: bool) -> Vec<(i32, i32, i32)> {
    let mut seen = Vec::new();
    for (name, checks) in both_bounds_checks() {
        let options = Options { inline, ..checks };
        let module = load_with(MODULE, &options);
        let m = new_instance(&module, &[]).expect("instantiates");
        let memory = memory(&m, "memory");
        let cases: [[u8; 16]; 4] = [
            [2, 77, 5, 9, 1, 2, 0, 0, 4, 66, 0, 0, 0, 0, 0, 0],
            [3, 77, 5, 9, 1, 2, 0, 0, 4, 66, 0, 0, 0, 0, 0, 0],
            [2, 77, 5, 9, 1, 2, 0, 0, 7, 66, 1, 31, 0xff, 0xff, 0, 0],
            [9, 1, 200, 33, 0x34, 0x12, 0, 0, 11, 3, 250, 5, 6, 7, 0, 0],
        ];
        for bytes in cases {
            with_store(|st| memory.write(st, 100, &bytes)).expect("in bounds");
            let r = i32_of(call1(&m, "run", &[i32(100)]));
            let sp = i32_of(global_value(&m, "sp"));
            let calls = i32_of(global_value(&m, "calls"));
            seen.push((r, sp, calls));
        }
        assert!(
            seen.iter().all(|&(_, sp, _)| sp == 4096),
            "{name}: {seen:?}"
        );
    }
    seen
}

fn global_value(m: &wasmaot_runtime::Instance, name: &str) -> Val {
    match export(m, name) {
        wasmaot_runtime::Extern::Global(g) => with_store(|st| g.get(st)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fast_and_slow_paths_give_what_the_call_gives() {
    let without = outcomes(false);
    assert_eq!(outcomes(true), without);
    // The slow path was taken (the counter moved) and the fast one too.
    assert_eq!(
        without.iter().map(|&(_, _, c)| c).collect::<Vec<_>>(),
        [0, 2, 4, 8, 0, 2, 4, 8]
    );
}

/// A trap in the start that the callers copy leaves `$sp` lowered, as the call would, and
/// names `lookup` called from `run`.
#[test]
fn a_trap_in_the_copied_start_is_the_functions() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let load = op_offset(&wasm, 1, |op| matches!(op, Operator::I32Load8U { .. }));
    let call = op_offset(&wasm, 2, |op| matches!(op, Operator::Call { .. }));
    for inline in [false, true] {
        let module = load_with(MODULE, &options(inline));
        let m = new_instance(&module, &[]).expect("instantiates");
        let (kind, frames) = trap_frames(func(&m, "run"), &[i32(70000)]);
        assert_eq!(kind, Some(TrapKind::OutOfBoundsMemory));
        assert_eq!(
            frames,
            [frame("lookup", load), frame("run", call)],
            "inline: {inline}"
        );
        assert_eq!(global_value(&m, "sp"), i32(4080), "inline: {inline}");
    }
}

/// A trap in the function called from the slow way out of the copy shows the call as `run`'s.
#[test]
fn a_trap_after_the_slow_way_out_names_the_call() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let divide = op_offset(&wasm, 0, |op| matches!(op, Operator::I32DivU));
    let slow_call = op_offset(&wasm, 1, |op| matches!(op, Operator::Call { .. }));
    let call = op_offset(&wasm, 2, |op| matches!(op, Operator::Call { .. }));
    for inline in [false, true] {
        let module = load_with(MODULE, &options(inline));
        let m = new_instance(&module, &[]).expect("instantiates");
        let memory = memory(&m, "memory");
        with_store(|st| memory.write(st, 100, &[0xef; 16])).expect("in bounds");
        let (kind, frames) = trap_frames(func(&m, "run"), &[i32(100)]);
        assert_eq!(kind, Some(TrapKind::IntegerDivideByZero));
        assert_eq!(
            frames,
            [
                frame("slow", divide),
                frame("lookup", slow_call),
                frame("run", call)
            ],
            "inline: {inline}"
        );
    }
}

/// With inlining, `run` keeps its calls of `lookup` (the slow path) but is larger: the fast
/// path is in it.
#[test]
fn the_callers_inline_the_fast_path_and_keep_the_call() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let size_of_run = |inline: bool| {
        let bytes = wasmaot_compiler::compile(&wasm, &options(inline), &|| {}).expect("compiles");
        let file = object::File::parse(&*bytes).expect("an object");
        symbol_bytes(&file, |name| name.starts_with("run.wasm")).len()
    };
    assert!(size_of_run(true) > size_of_run(false) + 20);
}

/// A caller of more than [`wasmaot_compiler::inline::FAST_PATH_CALLER`] instructions (a long
/// chain of arithmetic, then a call of `lookup`) keeps its call as it is: its code is the same
/// with and without inlining.
#[test]
fn a_very_large_caller_keeps_the_call() {
    let chain: String = (0..3000)
        .map(|i| format!("(local.set $x (i32.xor (i32.add (local.get $x) (i32.const {i})) (local.get $p)))\n"))
        .collect();
    let big = format!(
        "(func $big (export \"big\") (param $p i32) (result i32) (local $x i32)\n{chain}\
         (i32.add (local.get $x) (call $lookup (local.get $p))))\n)"
    );
    let module = format!("{}{big}", MODULE.trim_end().trim_end_matches(')'));
    let wasm = wat::parse_str(&module).expect("valid WAT");
    let code = |inline: bool, name: &str| {
        let bytes = wasmaot_compiler::compile(&wasm, &options(inline), &|| {}).expect("compiles");
        let file = object::File::parse(&*bytes).expect("an object");
        symbol_bytes(&file, |n| n.starts_with(name))
    };
    assert!(code(true, "big.wasm") == code(false, "big.wasm"));
    assert!(code(true, "run.wasm") != code(false, "run.wasm"));
}
