//! 32-bit loads whose value is zero-extended (used as an address, or by `i64.extend_i32_u`)
//! are widened in place into 64-bit loads: pointer chains, a loaded pointer used as address
//! and as a number, in another block and around a loop, narrow unsigned loads, and traps,
//! which still report the wasm offset of the load that faulted.

mod support;
use support::*;
use wasmaot_runtime::{Error, TrapKind};
use wasmparser::{Operator, Parser, Payload};

const MODULE: &str = r#"
(module
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
    (i32.load offset=4 (i32.wrap_i64 (i64.load8_u (local.get 0))))))
"#;

#[test]
fn widened_loads_give_the_values_of_narrow_ones() {
    for (checks, m) in instances_both_checks(MODULE) {
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

/// Module offsets of the `i32.load`s in the body of function `index`, in order.
fn load_offsets(index: usize) -> Vec<u32> {
    let wasm = wat::parse_str(MODULE).expect("valid WAT");
    let body = Parser::new(0)
        .parse_all(&wasm)
        .filter_map(|p| match p.expect("parses") {
            Payload::CodeSectionEntry(body) => Some(body),
            _ => None,
        })
        .nth(index)
        .expect("the function");
    let mut reader = body.get_operators_reader().expect("operators");
    let mut offsets = Vec::new();
    while !reader.eof() {
        let offset = reader.original_position() as u32;
        if let Operator::I32Load { .. } = reader.read().expect("operator") {
            offsets.push(offset);
        }
    }
    offsets
}

#[test]
fn a_widened_load_traps_at_its_own_offset() {
    // chase: load(load(load(p)) + 4); in the binary the innermost load comes first.
    let loads = load_offsets(0);
    assert_eq!(loads.len(), 3);
    for (checks, m) in instances_both_checks(MODULE) {
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
