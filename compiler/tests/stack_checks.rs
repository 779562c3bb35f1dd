//! Which functions compare the stack pointer with the store's limit, read from the object's
//! trap table, and what happens at the limit with the functions that do not.

mod support;
use support::*;
use wasmaot_compiler::Options;
use wasmaot_runtime::TrapKind;

/// How many stack-overflow trap sites each defined function of `wat` has once compiled with
/// `options`.
fn stack_checks(wat: &str, options: &Options) -> Vec<usize> {
    use wasmaot_abi::symbols::{FUNCTION_INFO_TABLE, TRAP_TABLE};
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let bytes = wasmaot_compiler::compile(&wasm, options, &|| {}).expect("compiles");
    let file = object::File::parse(&*bytes).expect("an object");
    let data = |name: &str| symbol_bytes(&file, |n| n == name);
    let word = |bytes: &[u8], at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let (infos, traps) = (data(FUNCTION_INFO_TABLE), data(TRAP_TABLE));
    infos
        .chunks(16)
        .map(|info| {
            let (first, count) = (word(info, 4) as usize, word(info, 8) as usize);
            (first..first + count)
                .filter(|i| traps[8 * i + 4] == TrapKind::StackExhausted as u8)
                .count()
        })
        .collect()
}

/// A chain of `n` functions `$d0` → `$d1` → … → `$d{n-1}` → `$leaf`, each keeping many values
/// live across its call (a frame of a few hundred bytes), and `$down`, which calls `$d0` and
/// then itself until the stack runs out.
fn chain(n: usize) -> String {
    let mut wat = String::from(
        "(module\n  (func $leaf (param i64) (result i64) (i64.mul (local.get 0) (i64.const 3)))\n",
    );
    for i in 0..n {
        let next = match i + 1 < n {
            true => format!("$d{}", i + 1),
            false => "$leaf".to_string(),
        };
        wat += &format!("  (func $d{i} (export \"d{i}\") (param i64) (result i64)");
        let live = 24;
        wat += &format!(" (local{})\n", " i64".repeat(live));
        for k in 1..=live {
            wat += &format!(
                "    (local.set {k} (i64.add (i64.mul (local.get 0) (i64.const {})) (i64.const {k})))\n",
                k + i
            );
        }
        wat += &format!("    (call {next} (local.get 0))\n");
        for k in 1..=live {
            wat += &format!("    (i64.xor (local.get {k}))\n");
        }
        wat += "  )\n";
    }
    wat += r#"  (func $down (export "down") (param i64) (result i64)
    (i64.add (call $d0 (local.get 0)) (call $down (i64.add (local.get 0) (i64.const 1)))))
)"#;
    wat
}

#[test]
fn functions_of_bounded_height_calling_only_defined_functions_have_no_check() {
    let wat = r#"
      (module
        (type $t (func (result i32)))
        (table 1 funcref)
        (memory 1)
        (func $leaf (result i32) (i32.const 7))
        (func $caller (result i32) (i32.add (call $leaf) (call $leaf)))
        (func $tail (result i32) (return_call $caller))
        (func $self (param i32) (result i32)
          (if (result i32) (local.get 0)
            (then (call $self (i32.sub (local.get 0) (i32.const 1))))
            (else (i32.const 0))))
        (func $through_table (result i32) (call_indirect (type $t) (i32.const 0)))
        (func $grows (result i32) (drop (call $leaf)) (memory.grow (i32.const 1))))"#;
    let no_inlining = Options {
        inline: false,
        ..Options::default()
    };
    // $leaf, $caller and $tail: none; $self (recursive), $through_table (may call anything)
    // and $grows (calls the runtime): one each.
    assert_eq!(stack_checks(wat, &no_inlining), [0, 0, 0, 1, 1, 1]);
    // Chains: $leaf is at height 0, $d9 at 1, ..., $d2 at 8; $d1, at 9, checks, and $d0,
    // calling it, is at 1 again. $down is recursive.
    let mut expected = vec![0];
    expected.extend((0..10).map(|i| usize::from(i == 1)));
    expected.push(1);
    assert_eq!(stack_checks(&chain(10), &no_inlining), expected);
}

/// Three functions calling each other in a cycle, and `$outer` calling into it: only the
/// largest of the cycle, `$a`, checks; `$outer` and the others run their frames below it.
const CYCLE: &str = r#"
  (module
    (func $a (export "a") (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0))
        (then (i64.const 1))
        (else (i64.add
          (i64.mul (local.get 0) (i64.const 3))
          (i64.add (i64.xor (local.get 0) (i64.const 5)) (call $b (local.get 0)))))))
    (func $b (param i64) (result i64)
      (i64.add (call $c (local.get 0)) (i64.const 1)))
    (func $c (param i64) (result i64)
      (i64.add (call $a (i64.sub (local.get 0) (i64.const 1))) (i64.const 2)))
    (func $outer (export "outer") (param i64) (result i64)
      (i64.mul (call $b (local.get 0)) (i64.const 2))))"#;

#[test]
fn one_function_of_a_cycle_checks_and_the_recursion_still_ends_in_a_trap() {
    let no_inlining = Options {
        inline: false,
        ..Options::default()
    };
    assert_eq!(stack_checks(CYCLE, &no_inlining), [1, 0, 0, 0]);
    for options in [Options::default(), no_inlining] {
        let m = new_instance(&load_with(CYCLE, &options), &[]).expect("instantiates");
        // a(n) = 3n + (n ^ 5) + a(n - 1) + 3, a(0) = 1.
        let model = |n: i64| (1..=n).fold(1i64, |acc, k| acc + 3 * k + (k ^ 5) + 3);
        assert_eq!(call1(&m, "a", &[i64(10)]), i64(model(10)));
        assert_eq!(call1(&m, "outer", &[i64(10)]), i64(2 * (model(9) + 3)));
        for name in ["a", "outer"] {
            assert_eq!(trap(&m, name, &[i64(-1)]), TrapKind::StackExhausted);
        }
        assert_eq!(call1(&m, "a", &[i64(3)]), i64(model(3)));
    }
}

#[test]
fn unchecked_frames_below_the_last_check_stay_in_the_runtimes_margin() {
    // On a thread with a small stack, `$down` recurses until its check fails; at each level
    // it first runs the chain, nine frames without a check, so the deepest chain runs below
    // the limit, in the margin the runtime keeps. It must trap cleanly, the instance intact.
    let run = || {
        for options in [
            Options::default(),
            Options {
                inline: false,
                ..Options::default()
            },
        ] {
            let wat = chain(8);
            let m = new_instance(&load_with(&wat, &options), &[]).expect("instantiates");
            assert_eq!(trap(&m, "down", &[i64(0)]), TrapKind::StackExhausted);
            let mut expected = 6u64;
            for (i, k) in (0..8u64).flat_map(|i| (1..=24u64).map(move |k| (i, k))) {
                expected ^= 2 * (k + i) + k;
            }
            assert_eq!(call1(&m, "d0", &[i64(2)]), i64(expected as i64));
            assert_eq!(trap(&m, "down", &[i64(0)]), TrapKind::StackExhausted);
        }
    };
    std::thread::Builder::new()
        .stack_size(768 * 1024)
        .spawn(run)
        .expect("a thread")
        .join()
        .expect("no panic");
}
