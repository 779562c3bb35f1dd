//! Inlining small functions into their callers: which calls disappear from the machine code,
//! that results do not change, that traps and backtraces in inlined code still name the
//! functions they were written in, and that the object is the same at any number of threads.

mod support;

use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use support::*;
use wasmaot_compiler::{OptLevel, Options};
use wasmaot_runtime::{Error, Trap, TrapKind};
use wasmparser::Operator;

const MODULE: &str = r#"(module
  (global $zero (mut i32) (i32.const 0))
  (func $divide (param i32) (result i32)
    (i32.div_u (local.get 0) (global.get $zero)))
  (func $add3 (param i32 i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (export "sum") (param i32) (result i32)
    (call $add3 (local.get 0) (i32.const 10) (i32.const 100)))
  (func $outer (export "outer") (result i32)
    (i32.add (call $divide (i32.const 7)) (i32.const 1)))
)"#;

fn options(inline: bool) -> Options {
    Options {
        inline,
        ..Options::default()
    }
}

/// The functions defined by `MODULE` that each function's machine code calls, by name.
fn direct_calls(inline: bool) -> Vec<(String, String)> {
    direct_calls_in(MODULE, inline)
}

/// The functions defined by module `wat` that each function's machine code calls, by name.
fn direct_calls_in(wat: &str, inline: bool) -> Vec<(String, String)> {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let bytes = wasmaot_compiler::compile(&wasm, &options(inline), &|| {}).expect("compiles");
    let file = object::File::parse(&*bytes).expect("an object");
    let text = file.section_by_name(".text").expect("code");
    let functions: Vec<(String, u64, u64)> = file
        .symbols()
        .filter(|s| s.name().is_ok_and(|n| n.contains(".wasm")))
        .map(|s| (s.name().unwrap().to_string(), s.address(), s.size()))
        .collect();
    let name_at = |address: u64| {
        functions
            .iter()
            .find(|(_, start, size)| address >= *start && address < start + size)
            .map(|(name, ..)| name.clone())
    };
    let mut calls: Vec<(String, String)> = text
        .relocations()
        .filter_map(|(offset, relocation)| {
            let RelocationTarget::Symbol(index) = relocation.target() else {
                return None;
            };
            let target = file.symbol_by_index(index).ok()?.name().ok()?.to_string();
            let caller = name_at(text.address() + offset)?;
            target.contains(".wasm").then_some((caller, target))
        })
        .collect();
    calls.sort();
    calls.dedup();
    calls
}

#[test]
fn small_callees_are_inlined_and_kept_as_calls_without_inlining() {
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    let without = direct_calls(false);
    for call in [
        pair("sum.wasm3", "add3.wasm1"),
        pair("outer.wasm4", "divide.wasm0"),
        pair("fib.wasm2", "fib.wasm2"),
    ] {
        assert!(without.contains(&call), "{call:?} in {without:?}");
    }
    let with = direct_calls(true);
    assert!(!with.contains(&pair("sum.wasm3", "add3.wasm1")), "{with:?}");
    assert!(
        !with.contains(&pair("outer.wasm4", "divide.wasm0")),
        "{with:?}"
    );
    // One level of recursion is unrolled: fib still calls itself.
    assert!(with.contains(&pair("fib.wasm2", "fib.wasm2")), "{with:?}");
}

/// A function of `rounds` multiply-and-xor rounds on its parameter (four instructions each),
/// calling `$note` first if `calls`.
fn mixer(name: &str, rounds: u32, calls: bool) -> String {
    let mut body = String::from("(local.get 0)");
    for round in 0..rounds {
        let (m, x) = (2 * round + 3, 0x9e37 * (round + 1));
        body = format!("(i32.xor (i32.mul {body} (i32.const {m})) (i32.const {x}))");
    }
    let note = if calls {
        "(call $note (local.get 0))"
    } else {
        ""
    };
    format!("(func ${name} (export \"{name}\") (param i32) (result i32) {note} {body})")
}

/// Callees that make no calls are inlined up to a larger size than those that do: a callee of
/// about 47 instructions with a call is inlined, one of about 55 with a call is not, a leaf of
/// about 56 is, and a leaf of about 87 is not.
#[test]
fn leaf_callees_are_inlined_up_to_a_larger_size() {
    let callees = [
        ("small_caller", 10, true, true),
        ("caller", 12, true, false),
        ("leaf", 13, false, true),
        ("large", 20, false, false),
    ];
    let mut wat = String::from(
        "(module (global $seen (mut i32) (i32.const 0))
           (func $note (param i32) (global.set $seen (local.get 0)))",
    );
    for (name, rounds, calls, _) in callees {
        wat += &mixer(name, rounds, calls);
        wat += &format!(
            "(func $use_{name} (export \"use_{name}\") (param i32) (result i32)
               (call ${name} (local.get 0)))"
        );
    }
    wat += ")";
    let called = |inline: bool, callee: &str| {
        direct_calls_in(&wat, inline)
            .iter()
            .any(|(caller, target)| {
                caller.starts_with(&format!("use_{callee}."))
                    && target.starts_with(&format!("{callee}."))
            })
    };
    for (name, rounds, calls, inlined) in callees {
        assert!(called(false, name), "{name} without inlining");
        assert_eq!(
            !called(true, name),
            inlined,
            "{rounds} rounds, with a call: {calls}"
        );
    }
    // The same results either way.
    for inline in [false, true] {
        let module = load_with(&wat, &options(inline));
        let m = new_instance(&module, &[]).expect("instantiates");
        for (name, ..) in callees {
            let direct = call1(&m, name, &[i32(-7)]);
            assert_eq!(
                call1(&m, &format!("use_{name}"), &[i32(-7)]),
                direct,
                "{name}"
            );
        }
    }
}

#[test]
fn inlined_code_computes_what_the_calls_computed() {
    for inline in [false, true] {
        let m = instance_from(&options(inline));
        let fib: Vec<i32> = (0..15)
            .map(|n| match call1(&m, "fib", &[i32(n)]) {
                wasmaot_runtime::Val::I32(v) => v,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fib,
            [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377],
            "inline: {inline}"
        );
        assert_eq!(call1(&m, "sum", &[i32(5)]), i32(115), "inline: {inline}");
    }
}

fn instance_from(options: &Options) -> wasmaot_runtime::Instance {
    let module = load_with(MODULE, options);
    new_instance(&module, &[]).expect("instantiates")
}

#[test]
fn a_trap_in_inlined_code_names_its_function_and_the_call_it_was_inlined_at() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let div = op_offset(&wasm, 0, |op| matches!(op, Operator::I32DivU));
    let call = op_offset(&wasm, 4, |op| matches!(op, Operator::Call { .. }));
    for inline in [false, true] {
        let m = instance_from(&options(inline));
        let trap: Trap = match call_func(func(&m, "outer"), &[]) {
            Err(Error::Trap(trap)) => trap,
            other => panic!("expected a trap, got {other:?}"),
        };
        assert_eq!(
            trap.to_string().lines().next().unwrap(),
            "integer divide by zero in function 'divide' (func 0)",
            "inline: {inline}"
        );
        let (kind, frames) = trap_frames(func(&m, "outer"), &[]);
        assert_eq!(kind, Some(TrapKind::IntegerDivideByZero));
        assert_eq!(
            frames,
            [frame("divide", div), frame("outer", call)],
            "inline: {inline}"
        );
    }
}

#[test]
fn the_object_is_the_same_at_any_number_of_threads_and_inlining_is_only_at_o2() {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let compile = |options: Options| wasmaot_compiler::compile(&wasm, &options, &|| {}).unwrap();
    let one = compile(Options {
        jobs: 1,
        ..options(true)
    });
    let two = compile(Options {
        jobs: 2,
        ..options(true)
    });
    assert!(one == two, "-j1 and -j2 objects differ");
    assert!(one != compile(options(false)), "inlining changed nothing");
    let o1 = |inline| {
        compile(Options {
            opt_level: OptLevel::O1,
            ..options(inline)
        })
    };
    assert!(o1(true) == o1(false), "inlining at -O1");
}
