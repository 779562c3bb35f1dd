//! i32 values the code zero-extends to 64 bits (memory addresses, `i64.extend_i32_u`): loads
//! widened in place into 64-bit loads (pointer chains, a loaded pointer used as address and as
//! a number, in another block and around a loop, narrow unsigned loads, and traps, which still
//! report the wasm offset of the load that faulted), and i32 locals kept zero-extended in
//! 64-bit variables on x86-64 (set from values whose upper half a register may hold garbage in:
//! wrapped i64s, parameters, call results, `select`s, signed shifts).

mod support;
use support::*;
use wasmaot_runtime::{Error, Extern, Func, TrapKind, Val, ValType};
use wasmparser::Operator;

/// The module's functions but the switches (see [`module`]).
const FUNCTIONS: &str = r#"
  (memory 1)
  ;; A list at 16: nodes (next, value) at 16, 32 and 48; 48 ends it.
  (data (i32.const 16) "\20\00\00\00\0b\00\00\00")
  (data (i32.const 32) "\30\00\00\00\16\00\00\00")
  (data (i32.const 48) "\00\00\00\00\21\00\00\00")
  ;; A pointer to the top of memory's last word, a word of all ones, and one out of memory.
  (data (i32.const 64) "\fc\ff\00\00\ff\ff\ff\ff\00\00\01\00")
  (data (i32.const 65532) "\78\56\34\12")

  (func (export "chase") (param i32) (result i32)
    (i32.load offset=4 (i32.load (i32.load (local.get 0)))))
  (func (export "address and number") (param i32) (result i32) (local $q i32)
    (local.set $q (i32.load (local.get 0)))
    (i32.add (local.get $q)
      (i32.add (i32.load offset=4 (local.get $q)) (i32.load8_u offset=4 (local.get $q)))))
  (func (export "other block") (param i32) (result i32) (local $q i32)
    (local.set $q (i32.load (local.get 0)))
    (if (i32.eqz (local.get $q)) (then (return (i32.const -1))))
    (i32.load offset=4 (local.get $q)))
  (func (export "sum list") (param $p i32) (result i32) (local $sum i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $p)))
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=4 (local.get $p))))
        (local.set $p (i32.load (local.get $p)))
        (br $next)))
    (local.get $sum))
  (func (export "extend") (param i32) (result i64) (i64.extend_i32_u (i32.load (local.get 0))))
  (func (export "extend8") (param i32) (result i64) (i64.extend_i32_u (i32.load8_u (local.get 0))))
  (func (export "extend16") (param i32) (result i64) (i64.extend_i32_u (i32.load16_u (local.get 0))))
  (func (export "extend signed") (param i32) (result i64) (i64.extend_i32_u (i32.load8_s (local.get 0))))
  (func (export "extend twice") (param i32) (result i64)
    (i64.add (i64.extend_i32_u (i32.load (local.get 0))) (i64.extend_i32_u (i32.load (local.get 0)))))
  (func (export "wrapped") (param i32) (result i32)
    (i32.load offset=4 (i32.wrap_i64 (i64.load8_u (local.get 0)))))

  ;; Words 0, 1, 2, 3, -1 and 0x80000000 at 96, for the switches on loaded indexes.
  (data (i32.const 96) "\00\00\00\00\01\00\00\00\02\00\00\00\03\00\00\00\ff\ff\ff\ff\00\00\00\80")
"#;

/// [`FUNCTIONS`] and three switches, on a loaded word, byte and half.
fn module() -> String {
    let switches: String = [
        ("switch word", "i32.load"),
        ("switch byte", "i32.load8_u"),
        ("switch half", "i32.load16_u"),
    ]
    .into_iter()
    .map(|(name, load)| switch(name, load))
    .collect();
    format!("(module {FUNCTIONS} {switches})")
}

/// A function `name` switching on the index that `load` reads at its parameter: case `i` (or
/// the default, 3) gives 100 * (i + 1) plus the index.
fn switch(name: &str, load: &str) -> String {
    format!(
        r#"(func (export "{name}") (param i32) (result i32) (local $k i32)
             (block $d (block $c2 (block $c1 (block $c0
               (br_table $c0 $c1 $c2 $d (local.tee $k ({load} (local.get 0)))))
               (return (i32.add (i32.const 100) (local.get $k))))
               (return (i32.add (i32.const 200) (local.get $k))))
               (return (i32.add (i32.const 300) (local.get $k))))
             (i32.add (i32.const 400) (local.get $k)))"#
    )
}

#[test]
fn switches_on_loaded_indexes_take_the_right_cases() {
    // The br_table takes the load's widened form (see `emit_br_table`).
    let words = [
        (96, 100),
        (100, 201),
        (104, 302),
        (108, 403),
        (112, 399),
        (116, 400i32.wrapping_add(i32::MIN)),
    ];
    let bytes = [
        (96, 100),
        (100, 201),
        (104, 302),
        (108, 403),
        (112, 655),
        (119, 528),
    ];
    let halves = [
        (96, 100),
        (100, 201),
        (112, 400 + 0xffff),
        (118, 400 + 0x8000),
    ];
    for (checks, m) in instances_both_checks(&module()) {
        for (name, cases) in [
            ("switch word", &words[..]),
            ("switch byte", &bytes[..]),
            ("switch half", &halves[..]),
        ] {
            for &(at, want) in cases {
                let got = call1(&m, name, &[i32(at)]);
                assert_eq!(got, i32(want), "{name} at {at}, {checks}");
            }
        }
    }
}

#[test]
fn widened_loads_give_the_values_of_narrow_ones() {
    for (checks, m) in instances_both_checks(&module()) {
        assert_eq!(call1(&m, "chase", &[i32(16)]), i32(0x21), "{checks}");
        // 32 + 0x16 + 0x16
        assert_eq!(
            call1(&m, "address and number", &[i32(16)]),
            i32(76),
            "{checks}"
        );
        assert_eq!(call1(&m, "other block", &[i32(32)]), i32(0x21), "{checks}");
        assert_eq!(call1(&m, "other block", &[i32(48)]), i32(-1), "{checks}");
        assert_eq!(
            call1(&m, "sum list", &[i32(16)]),
            i32(11 + 22 + 33),
            "{checks}"
        );
        assert_eq!(call1(&m, "sum list", &[i32(48)]), i32(33), "{checks}");
        // All ones stay 2^32 - 1: zero-extended, not sign-extended.
        assert_eq!(
            call1(&m, "extend", &[i32(68)]),
            i64(0xffff_ffff),
            "{checks}"
        );
        assert_eq!(call1(&m, "extend8", &[i32(68)]), i64(0xff), "{checks}");
        assert_eq!(call1(&m, "extend16", &[i32(68)]), i64(0xffff), "{checks}");
        assert_eq!(
            call1(&m, "extend signed", &[i32(68)]),
            i64(0xffff_ffff),
            "{checks}"
        );
        assert_eq!(
            call1(&m, "extend twice", &[i32(68)]),
            i64(0x1_ffff_fffe),
            "{checks}"
        );
        assert_eq!(call1(&m, "wrapped", &[i32(16)]), i32(0x16), "{checks}");
    }
}

#[test]
fn a_widened_load_traps_at_its_own_offset() {
    // chase: load(load(load(p)) + 4); in the binary the innermost load comes first.
    let wasm = wat::parse_str(module()).expect("valid WAT");
    let loads = op_offsets(&wasm, 0, |op| matches!(op, Operator::I32Load { .. }));
    assert_eq!(loads.len(), 3);
    for (checks, m) in instances_both_checks(&module()) {
        // 70000: the innermost load faults. 72: it loads 0x10000, whose load faults. 64: the
        // innermost load gives 0xfffc, whose load gives 0x12345678, and the outer load faults.
        for (start, faulting) in [(70000, loads[0]), (72, loads[1]), (64, loads[2])] {
            let trap = match call_func(func(&m, "chase"), &[i32(start)]) {
                Err(Error::Trap(trap)) => trap,
                other => panic!("{checks} {start}: expected a trap, got {other:?}"),
            };
            assert_eq!(trap.kind(), Some(TrapKind::OutOfBoundsMemory));
            assert_eq!(
                trap.backtrace()[0].wasm_offset,
                Some(faulting),
                "{checks} {start}"
            );
        }
    }
}

const LOCALS: &str = r#"
(module
  (memory 1)
  (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")
  (data (i32.const 65532) "\78\56\34\12")
  (func $id (param i32) (result i32) (local.get 0))
  (func $extend (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
  ;; i32 arguments made by wrapping i64s with all upper bits set.
  (func (export "wrapped argument") (param i64) (result i64)
    (call $extend (i32.wrap_i64 (local.get 0))))
  (func (export "wrapped local") (param i64) (result i64) (local i32)
    (local.set 1 (i32.wrap_i64 (local.get 0)))
    (i64.extend_i32_u (local.get 1)))
  (func (export "wrapped address") (param i64) (result i32) (local i32)
    (local.set 1 (i32.wrap_i64 (local.get 0)))
    (i32.load (local.get 1)))
  (func (export "call result") (param i64) (result i64) (local i32)
    (local.set 1 (call $id (i32.wrap_i64 (local.get 0))))
    (i64.add (i64.extend_i32_u (local.get 1)) (i64.extend_i32_u (i32.load (local.get 1)))))
  (func (export "select") (param i32 i64 i64) (result i64) (local i32)
    (local.set 3 (select (i32.wrap_i64 (local.get 1)) (i32.wrap_i64 (local.get 2)) (local.get 0)))
    (i64.extend_i32_u (local.get 3)))
  (func (export "shift") (param i32) (result i64) (local i32)
    (local.set 1 (i32.shr_s (local.get 0) (i32.const 1)))
    (i64.extend_i32_u (local.get 1)))
  (func (export "copy") (param i32) (result i64) (local i32 i32)
    (local.set 1 (local.get 0))
    (local.set 2 (i32.rotl (local.get 1) (i32.const 4)))
    (i64.extend_i32_u (local.tee 1 (local.get 2))))
  ;; Sums n words from p, advancing p; p wraps past 4 GiB like any i32.
  (func (export "sum") (param $p i32) (param $n i32) (result i32) (local $sum i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum)))
"#;

#[test]
fn i32_locals_hold_zero_extended_values_whatever_set_them() {
    let high = 0xffff_fff0_0000_0000_u64 as i64;
    for (checks, m) in instances_both_checks(LOCALS) {
        let run = |name: &str, args: &[wasmaot_runtime::Val]| call1(&m, name, args);
        assert_eq!(
            run("wrapped argument", &[i64(high | 5)]),
            i64(5),
            "{checks}"
        );
        assert_eq!(run("wrapped local", &[i64(high | 7)]), i64(7), "{checks}");
        assert_eq!(run("wrapped address", &[i64(high | 4)]), i32(2), "{checks}");
        // 65532 + the word there.
        assert_eq!(
            run("call result", &[i64(high | 65532)]),
            i64(65532 + 0x1234_5678),
            "{checks}"
        );
        for (pick, expected) in [(1, 0xffff_fffe_u32), (0, 3)] {
            let args = [i32(pick), i64(-2), i64(high | 3)];
            assert_eq!(run("select", &args), i64(expected.into()), "{checks}");
        }
        assert_eq!(run("shift", &[i32(-8)]), i64(0xffff_fffc), "{checks}");
        assert_eq!(
            run("copy", &[i32(0x8000_0001_u32 as i32)]),
            i64(0x18),
            "{checks}"
        );
        assert_eq!(run("sum", &[i32(0), i32(4)]), i32(10), "{checks}");
        assert_eq!(run("sum", &[i32(4), i32(2)]), i32(5), "{checks}");
        // 2^32 - 4 is past the end of memory, not 4 bytes before it.
        assert_eq!(
            trap(&m, "sum", &[i32(-4), i32(2)]),
            TrapKind::OutOfBoundsMemory,
            "{checks}"
        );
    }
}

/// A call's i32 result, returned with its upper half set (a wrapped i64), used as an address
/// before and after being passed to another call, and as a number (calls not inlined, so the
/// results come from real calls, in registers).
const RESULTS: &str = r#"
(module
  (memory 1)
  (data (i32.const 65532) "\78\56\34\12")
  (func $wrap (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "result") (param i64) (result i64) (local $p i32) (local $before i32)
    (local.set $p (call $wrap (local.get 0)))
    (local.set $before (i32.load (local.get $p)))
    (i64.add
      (i64.add (i64.extend_i32_u (local.get $before))
               (i64.extend_i32_u (call $id (local.get $p))))
      (i64.add (i64.extend_i32_u (i32.load (local.get $p)))
               (i64.extend_i32_u (local.get $p))))))
"#;

#[test]
fn a_call_result_is_one_value_as_address_argument_and_number() {
    let high = 0xffff_fff0_0000_0000_u64 as i64;
    for (checks, options) in both_bounds_checks() {
        let options = wasmaot_compiler::Options {
            inline: false,
            ..options
        };
        let m = new_instance(&load_with(RESULTS, &options), &[]).expect("instantiates");
        let word = 0x1234_5678_i64;
        assert_eq!(
            call1(&m, "result", &[i64(high | 65532)]),
            i64(word + 65532 + word + 65532),
            "{checks}"
        );
        // 2^32 - 4 is past the end of memory.
        assert_eq!(
            trap(&m, "result", &[i64(high | 0xffff_fffc)]),
            TrapKind::OutOfBoundsMemory,
            "{checks}"
        );
    }
}

/// Callees that use their i32 parameters as addresses and as numbers, called every way a wasm
/// function can be (and a host function and another instance's) with arguments whose 64-bit
/// source had its upper half set: whatever a register holds above an i32 argument, the callee
/// sees the i32 alone.
const ARGUMENTS: &str = r#"
(module
  (import "host" "number" (func $host (param i32 i64 i32) (result i64)))
  (import "other" "load" (func $other (param i32) (result i32)))
  (memory 1)
  (data (i32.const 8) "\2a\00\00\00")
  (data (i32.const 65532) "\78\56\34\12")
  (type $load_t (func (param i32 i64 i32) (result i64)))
  (table 2 2 funcref)
  (elem (i32.const 0) $load $host)
  ;; *(p + q) + x + q, all as unsigned 64-bit numbers.
  (func $load (type $load_t)
    (i64.add
      (i64.add (i64.load32_u (i32.add (local.get 0) (local.get 2))) (local.get 1))
      (i64.extend_i32_u (local.get 2))))
  (func $wrap (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
  (func (export "direct") (param i64 i64) (result i64)
    (call $load (i32.wrap_i64 (local.get 0)) (local.get 1) (i32.wrap_i64 (local.get 1))))
  (func (export "from call") (param i64) (result i64)
    (call $load (call $wrap (local.get 0)) (i64.const 0) (i32.const 0)))
  (func (export "indirect") (param i64 i32) (result i64)
    (call_indirect (type $load_t)
      (i32.wrap_i64 (local.get 0)) (i64.const 1) (i32.wrap_i64 (local.get 0)) (local.get 1)))
  (func (export "tail") (param i64) (result i64)
    (return_call $load (i32.wrap_i64 (local.get 0)) (i64.const 2) (i32.const 0)))
  (func (export "tail indirect") (param i64 i32) (result i64)
    (return_call_indirect (type $load_t)
      (i32.wrap_i64 (local.get 0)) (i64.const 3) (i32.const 0) (local.get 1)))
  (func (export "ref") (param i64) (result i64)
    (call_ref $load_t
      (i32.wrap_i64 (local.get 0)) (i64.const 4) (i32.const 0) (ref.func $load)))
  (func (export "other instance") (param i64) (result i32)
    (call $other (i32.wrap_i64 (local.get 0)))))
"#;

const OTHER: &str = r#"
(module
  (memory 1)
  (data (i32.const 12) "\07\00\00\00")
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
"#;

#[test]
fn i32_arguments_arrive_zero_extended_however_the_call_is_made() {
    let high = 0xffff_fff0_0000_0000_u64 as i64;
    let other = instance(OTHER);
    let number = with_store(|s| {
        let ty = wasmaot_runtime::FuncType {
            params: vec![ValType::I32, ValType::I64, ValType::I32],
            results: vec![ValType::I64],
        };
        Func::new(s, ty, |_, args, results| {
            // The host sees the i32s as they are: no upper half to see.
            let (a, b, c) = (
                args[0].unwrap_i32(),
                args[1].unwrap_i64(),
                args[2].unwrap_i32(),
            );
            results[0] = i64(i64::from(a as u32) * 1000 + b * 100 + i64::from(c as u32));
            Ok(())
        })
    });
    let m = instance_with(ARGUMENTS, &[Extern::Func(number), export(&other, "load")]);
    let run = |name: &str, args: &[Val]| call1(&m, name, args);
    // 42 at 8: p = 4, q = 4 (x's low half), x = high | 4.
    assert_eq!(
        run("direct", &[i64(high | 4), i64(high | 4)]),
        i64((high | 4).wrapping_add(42 + 4))
    );
    assert_eq!(run("from call", &[i64(high | 8)]), i64(42));
    assert_eq!(run("indirect", &[i64(high | 4), i32(0)]), i64(42 + 1 + 4));
    assert_eq!(
        run("indirect", &[i64(high | 4), i32(1)]),
        i64(4000 + 100 + 4)
    );
    assert_eq!(run("tail", &[i64(high | 8)]), i64(42 + 2));
    assert_eq!(run("tail indirect", &[i64(high | 8), i32(0)]), i64(42 + 3));
    assert_eq!(
        run("tail indirect", &[i64(high | 8), i32(1)]),
        i64(8000 + 300)
    );
    assert_eq!(run("ref", &[i64(high | 8)]), i64(42 + 4));
    assert_eq!(run("other instance", &[i64(high | 12)]), i32(7));
    // An argument with its upper half left set would address past the guard region and trap.
    assert_eq!(run("from call", &[i64(high | 65532)]), i64(0x1234_5678));
}
