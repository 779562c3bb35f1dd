//! Stores to globals that nothing can see (`global_stores.rs`): an executable's code leaves
//! out a stack frame that only a trap could reveal; code for an embedder keeps it, so that a
//! global read after a trap holds what the wasm stored before it.

mod support;

use support::*;
use wasmaot_compiler::Options;
use wasmaot_runtime::{TrapKind, Val};

/// `leaf(p)` lowers the stack pointer `$sp` by 16 as clang's frame does, returns the byte at
/// `p` (which traps out of bounds) plus one, and puts `$sp` back by adding 16 to the lowered
/// pointer. `run(p)` calls it twice (a leaf called once is inlined whole).
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (global $sp (export "sp") (mut i32) (i32.const 4096))
  (func $leaf (param $p i32) (result i32) (local $frame i32) (local $r i32)
    (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 16))))
    (local.set $r (i32.add (i32.load8_u (local.get $p)) (i32.const 1)))
    (global.set $sp (i32.add (local.get $frame) (i32.const 16)))
    (local.get $r))
  (func (export "run") (param $p i32) (result i32)
    (i32.add (call $leaf (local.get $p)) (call $leaf (local.get $p))))
)"#;

fn sp(m: &wasmaot_runtime::Instance) -> Val {
    match export(m, "sp") {
        wasmaot_runtime::Extern::Global(g) => with_store(|st| g.get(st)),
        other => panic!("{other:?}"),
    }
}

/// For an embedder: the results, and `$sp` lowered after a trap in the frame, as the wasm
/// left it.
#[test]
fn a_trap_shows_an_embedder_the_lowered_stack_pointer() {
    for (name, m) in instances_both_checks(MODULE) {
        let memory = memory(&m, "memory");
        with_store(|st| memory.write(st, 100, &[41])).expect("in bounds");
        assert_eq!(call1(&m, "run", &[i32(100)]), i32(84), "{name}");
        assert_eq!(sp(&m), i32(4096), "{name}");
        assert_eq!(trap(&m, "run", &[i32(70000)]), TrapKind::OutOfBoundsMemory);
        assert_eq!(sp(&m), i32(4080), "{name}");
    }
}

/// An executable's `leaf` has neither store of `$sp` nor its load: its code is smaller than
/// an embedder's.
#[test]
fn an_executables_leaf_leaves_its_frame_out() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let leaf = |executable: bool| {
        let options = Options {
            executable,
            inline: false,
            ..Options::default()
        };
        let bytes = wasmaot_compiler::compile(&wasm, &options, &|| {}).expect("compiles");
        let file = object::File::parse(&*bytes).expect("an object");
        symbol_bytes(&file, |name| name.starts_with("leaf.wasm")).len()
    };
    let (executable, embedded) = (leaf(true), leaf(false));
    // Each store and the load take at least 3 bytes.
    assert!(
        executable + 9 <= embedded,
        "{executable} against {embedded}"
    );
}
