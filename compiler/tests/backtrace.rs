//! The frames of a trap's backtrace point at wasm code: the innermost at the instruction that
//! trapped, the others at their calls. Expected offsets are found in the module's own bytes
//! (by walking its operators), never copied from a run.

mod support;

use gimli::write::{Address, DwarfUnit, EndianVec, LineProgram, LineString, Sections};
use gimli::{Encoding, Format, LineEncoding, LittleEndian};
use support::*;
use wasmaot_runtime::{Error, Instance, SourceLocation, Trap, TrapKind};
use wasmparser::{Operator, Parser, Payload};

/// Module offset of defined function `func`'s body.
fn body_offset(wasm: &[u8], func: usize) -> u32 {
    bodies(wasm)[func].range().start as u32
}

fn trap_of(instance: &Instance, name: &str) -> Trap {
    match call_func(func(instance, name), &[]) {
        Err(Error::Trap(trap)) => trap,
        other => panic!("expected a trap from {name}, got {other:?}"),
    }
}

fn offsets(trap: &Trap) -> Vec<Option<u32>> {
    trap.backtrace().iter().map(|f| f.wasm_offset).collect()
}

const CALLS: &str = r#"(module
  (table 1 funcref)
  (elem (i32.const 0) $through_table)
  (global $zero (mut i32) (i32.const 0))
  (func $divide (result i32)
    (i32.add (i32.const 1) (i32.const 2))
    (i32.div_u (global.get $zero))
  )
  (func $through_table (result i32)
    (drop (i32.const 5))
    (call $divide)
  )
  (func $outer (export "outer") (result i32)
    (i32.add (call_indirect (result i32) (i32.const 0)) (i32.const 1))
  )
)"#;

#[test]
fn frames_point_at_the_trapping_instruction_and_at_each_call() {
    let wasm = wat::parse_str(CALLS).expect("valid WAT");
    let m = instance(CALLS);
    let trap = trap_of(&m, "outer");
    assert_eq!(trap.kind(), Some(TrapKind::IntegerDivideByZero));
    let div = op_offset(&wasm, 0, |op| matches!(op, Operator::I32DivU));
    let call = op_offset(&wasm, 1, |op| matches!(op, Operator::Call { .. }));
    let indirect = op_offset(&wasm, 2, |op| matches!(op, Operator::CallIndirect { .. }));
    assert_eq!(offsets(&trap), [Some(div), Some(call), Some(indirect)]);
    // Printed as wasmtime does: offset, then the function.
    assert_eq!(
        trap.backtrace()[0].to_string(),
        format!("{div:#x} - divide (func 0)")
    );
    // No line information in this module.
    assert!(trap.backtrace().iter().all(|f| f.source.is_none()));
}

#[test]
fn a_trap_right_after_a_call_is_told_apart_from_the_call() {
    // The `unreachable` compiles to the instruction at the call's return address: the call's
    // site must not take its place.
    let wat = r#"(module
      (func $nothing)
      (func (export "f") (call $nothing) (unreachable)))"#;
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let m = instance(wat);
    let trap = trap_of(&m, "f");
    assert_eq!(trap.kind(), Some(TrapKind::Unreachable));
    let unreachable = op_offset(&wasm, 1, |op| matches!(op, Operator::Unreachable));
    assert_eq!(offsets(&trap), [Some(unreachable)]);
}

#[test]
fn out_of_bounds_accesses_point_at_the_access_with_either_bounds_check() {
    let wat = r#"(module
      (memory 1)
      (func $load (param i32) (result i32)
        (i32.store (i32.const 0) (i32.const 1))
        (i32.load offset=8 (local.get 0)))
      (func (export "f") (result i32) (call $load (i32.const 65535))))"#;
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let load = op_offset(&wasm, 0, |op| matches!(op, Operator::I32Load { .. }));
    let call = op_offset(&wasm, 1, |op| matches!(op, Operator::Call { .. }));
    for (label, m) in instances_both_checks(wat) {
        let trap = trap_of(&m, "f");
        assert_eq!(trap.kind(), Some(TrapKind::OutOfBoundsMemory), "{label}");
        assert_eq!(offsets(&trap), [Some(load), Some(call)], "{label}");
    }
}

const BULK: &str = r#"(module
  (memory 1)
  (data $d "abc")
  (table 2 funcref)
  (elem $e func $fill)
  (func $fill (param $op i32)
    (if (i32.eq (local.get $op) (i32.const 0))
      (then (memory.fill (i32.const 65530) (i32.const 7) (i32.const 7))))
    (if (i32.eq (local.get $op) (i32.const 1))
      (then (memory.copy (i32.const 0) (i32.const 65535) (i32.const 2))))
    (if (i32.eq (local.get $op) (i32.const 2))
      (then (memory.init $d (i32.const 0) (i32.const 2) (i32.const 2))))
    (if (i32.eq (local.get $op) (i32.const 3))
      (then (table.fill (i32.const 1) (ref.null func) (i32.const 2))))
    (if (i32.eq (local.get $op) (i32.const 4))
      (then (table.copy (i32.const 0) (i32.const 1) (i32.const 2))))
    (if (i32.eq (local.get $op) (i32.const 5))
      (then (table.init $e (i32.const 2) (i32.const 0) (i32.const 1))))
  )
  (func (export "fill") (call $fill (i32.const 0)))
  (func (export "copy") (call $fill (i32.const 1)))
  (func (export "init") (call $fill (i32.const 2)))
  (func (export "table_fill") (call $fill (i32.const 3)))
  (func (export "table_copy") (call $fill (i32.const 4)))
  (func (export "table_init") (call $fill (i32.const 5)))
)"#;

/// Picks an operator of a function body.
type OperatorTest = fn(&Operator<'_>) -> bool;

#[test]
fn bulk_operations_out_of_bounds_point_at_the_operation_and_its_callers() {
    let wasm = wat::parse_str(BULK).expect("valid WAT");
    let m = instance(BULK);
    let cases: [(&str, TrapKind, OperatorTest); 6] = [
        ("fill", TrapKind::OutOfBoundsMemory, |op| {
            matches!(op, Operator::MemoryFill { .. })
        }),
        ("copy", TrapKind::OutOfBoundsMemory, |op| {
            matches!(op, Operator::MemoryCopy { .. })
        }),
        ("init", TrapKind::OutOfBoundsMemory, |op| {
            matches!(op, Operator::MemoryInit { .. })
        }),
        ("table_fill", TrapKind::OutOfBoundsTable, |op| {
            matches!(op, Operator::TableFill { .. })
        }),
        ("table_copy", TrapKind::OutOfBoundsTable, |op| {
            matches!(op, Operator::TableCopy { .. })
        }),
        ("table_init", TrapKind::OutOfBoundsTable, |op| {
            matches!(op, Operator::TableInit { .. })
        }),
    ];
    for (i, (name, kind, pick)) in cases.into_iter().enumerate() {
        let trap = trap_of(&m, name);
        assert_eq!(trap.kind(), Some(kind), "{name}");
        let operation = op_offset(&wasm, 0, pick);
        let call = op_offset(&wasm, i + 1, |op| matches!(op, Operator::Call { .. }));
        assert_eq!(offsets(&trap), [Some(operation), Some(call)], "{name}");
    }
}

#[test]
fn stack_exhaustion_points_at_the_function_body_then_at_the_calls() {
    // The stack check is in the prologue, before any operator: the frame points at the body.
    let wat = r#"(module
      (func $deep (param i32) (result i32)
        (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
      (func (export "f") (result i32) (call $deep (i32.const 0))))"#;
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let m = instance(wat);
    let trap = trap_of(&m, "f");
    assert_eq!(trap.kind(), Some(TrapKind::StackExhausted));
    let frames = offsets(&trap);
    let call = op_offset(&wasm, 0, |op| matches!(op, Operator::Call { .. }));
    assert_eq!(frames[0], Some(body_offset(&wasm, 0)));
    assert!(frames.len() > 2, "{frames:?}");
    assert!(frames[1..].iter().all(|f| *f == Some(call)), "{frames:?}");
}

#[test]
fn a_frame_without_a_name_prints_its_offset_and_index() {
    let wat = r#"(module (func (export "f") (nop) (unreachable)))"#;
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let m = instance(wat);
    let trap = trap_of(&m, "f");
    let unreachable = op_offset(&wasm, 0, |op| matches!(op, Operator::Unreachable));
    assert_eq!(
        trap.backtrace()[0].to_string(),
        format!("{unreachable:#x} - func 0")
    );
}

#[test]
fn a_load_feeding_an_add_points_at_the_load() {
    // x86-64 may fold a load into the instruction using its value; the trap must still
    // name the load.
    let wat = r#"(module
      (memory 1)
      (func (export "f") (param i32 i32) (result i32)
        (i32.add (local.get 1) (i32.load (local.get 0)))))"#;
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let load = op_offset(&wasm, 0, |op| matches!(op, Operator::I32Load { .. }));
    for (label, m) in instances_both_checks(wat) {
        let trap = match call_func(func(&m, "f"), &[i32(70000), i32(1)]) {
            Err(Error::Trap(trap)) => trap,
            other => panic!("{label}: expected a trap, got {other:?}"),
        };
        assert_eq!(offsets(&trap), [Some(load)], "{label}");
    }
}

/// Module offset and length of the code section's contents.
fn code_section(wasm: &[u8]) -> (u32, u32) {
    Parser::new(0)
        .parse_all(wasm)
        .find_map(|payload| match payload.expect("parses") {
            Payload::CodeSectionStart {
                unchecked_range: r, ..
            } => Some((r.start as u32, (r.end - r.start) as u32)),
            _ => None,
        })
        .expect("a code section")
}

/// `wasm` with a custom section `name` holding `data` appended.
fn with_custom_section(mut wasm: Vec<u8>, name: &str, data: &[u8]) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n == 0 { byte } else { byte | 0x80 });
            if n == 0 {
                return;
            }
        }
    }
    let mut payload = Vec::new();
    leb(name.len(), &mut payload);
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    wasm.push(0);
    leb(payload.len(), &mut wasm);
    wasm.extend(payload);
    wasm
}

#[test]
fn dwarf_line_programs_give_frames_their_source_lines() {
    // A DWARF 4 line program written with gimli: the division at line 42 of `calls.c`, the
    // call at line 7, the indirect call at line 99 of `include/other.h`. Wasm DWARF addresses
    // are offsets into the code section's contents.
    let wasm = wat::parse_str(CALLS).expect("valid WAT");
    let (code_start, code_len) = code_section(&wasm);
    let div = op_offset(&wasm, 0, |op| matches!(op, Operator::I32DivU));
    let call = op_offset(&wasm, 1, |op| matches!(op, Operator::Call { .. }));
    let indirect = op_offset(&wasm, 2, |op| matches!(op, Operator::CallIndirect { .. }));
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 4,
        address_size: 4,
    };
    let text = |s: &str| LineString::String(s.as_bytes().to_vec());
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        text("/build"),
        None,
        text("calls.c"),
        None,
    );
    let main_file = program.add_file(text("calls.c"), program.default_directory(), None);
    let include = program.add_directory(text("include"));
    let header = program.add_file(text("other.h"), include, None);
    program.begin_sequence(Some(Address::Constant(0)));
    for (offset, file, line) in [
        (div, main_file, 42),
        (call, main_file, 7),
        (indirect, header, 99),
    ] {
        let row = program.row();
        row.address_offset = u64::from(offset - code_start);
        row.file = file;
        row.line = line;
        program.generate_row();
    }
    program.end_sequence(u64::from(code_len));
    let mut dwarf = DwarfUnit::new(encoding);
    dwarf.unit.line_program = program;
    let mut sections = Sections::new(EndianVec::new(LittleEndian));
    dwarf.write(&mut sections).expect("DWARF written");
    let mut with_dwarf = wasm.clone();
    sections
        .for_each(|id, data| {
            if !data.slice().is_empty() {
                with_dwarf = with_custom_section(with_dwarf.clone(), id.name(), data.slice());
            }
            Ok::<(), ()>(())
        })
        .expect("sections");
    let m = new_instance(&load_wasm(&with_dwarf, &Default::default()), &[]).expect("instantiates");
    let trap = trap_of(&m, "outer");
    let source = |file: &str, line| {
        Some(SourceLocation {
            file: file.to_string(),
            line,
        })
    };
    let frames: Vec<_> = trap.backtrace().iter().map(|f| f.source.clone()).collect();
    assert_eq!(
        frames,
        [
            source("calls.c", 42),
            source("calls.c", 7),
            source("include/other.h", 99)
        ]
    );
    // Appended custom sections move no code: the offsets are those of the plain module.
    assert_eq!(offsets(&trap), [Some(div), Some(call), Some(indirect)]);
    assert_eq!(
        trap.backtrace()[0].to_string(),
        format!("{div:#x} - divide (func 0) at calls.c:42")
    );
}

#[test]
fn a_malformed_line_program_is_ignored() {
    let wasm = wat::parse_str(CALLS).expect("valid WAT");
    let wasm = with_custom_section(wasm, ".debug_line", &[0xff, 0xff, 0xff, 0xff, 0x01]);
    let wasm = with_custom_section(wasm, ".debug_info", &[0x07, 0, 0, 0, 4, 0, 0, 0, 0, 0, 4]);
    let m = new_instance(&load_wasm(&wasm, &Default::default()), &[]).expect("instantiates");
    let trap = trap_of(&m, "outer");
    assert_eq!(trap.backtrace().len(), 3);
    assert!(trap.backtrace().iter().all(|f| f.source.is_none()));
}
