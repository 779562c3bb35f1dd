//! Switch loops, whose fetch and `br_table` are copied into every case at `-O2`: results equal
//! those of `-O1` (no copies) and of a model, traps in a copied fetch point at the fetch, and
//! nested switch loops keep their own copies apart.

mod support;

use support::*;
use wasmaot_compiler::{OptLevel, Options};
use wasmaot_runtime::{Error, Instance, TrapKind};
use wasmparser::Operator;

/// A bytecode machine: `run(pc, counter)` executes the program at `pc` with an accumulator.
/// Opcodes: 0 inc, 1 times three, 2 minus seven, 3 xor counter, 4 count down and restart while
/// the counter is not zero, 5 halt, 6 jump out of memory, 7 nop (a branch to the loop itself);
/// anything else halts (the default target, outside the loop).
const MACHINE: &str = r#"(module
  (memory 1)
  (data (i32.const 0) "\00\00\01\03\02\04\05")
  (data (i32.const 16) "\07\00\01\01\02\03\04\07\09")
  (data (i32.const 32) "\00\00\03\06")
  (func (export "run") (param $pc i32) (param $counter i32) (result i32)
    (local $acc i32) (local $op i32) (local $start i32)
    (local.set $start (local.get $pc))
    (block $exit
      (loop $next
        (local.set $op (i32.load8_u (local.get $pc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (block $far
          (block $back
            (block $xor
              (block $sub
                (block $mul
                  (block $inc
                    (br_table $inc $mul $sub $xor $back $exit $far $next $exit (local.get $op)))
                  (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                  (br $next))
                (local.set $acc (i32.mul (local.get $acc) (i32.const 3)))
                (br $next))
              (local.set $acc (i32.sub (local.get $acc) (i32.const 7)))
              (br $next))
            (local.set $acc (i32.xor (local.get $acc) (local.get $counter)))
            (br $next))
          (local.set $counter (i32.sub (local.get $counter) (i32.const 1)))
          (if (local.get $counter) (then (local.set $pc (local.get $start))))
          (br $next))
        (local.set $pc (i32.const 0x20000))
        (br $next)))
    (local.get $acc))

  (func (export "nested") (param $n i32) (result i32)
    (local $acc i32) (local $i i32) (local $j i32)
    (block $done
      (loop $outer
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (block $b3
          (block $b2
            (block $b1
              (block $b0
                (br_table $b0 $b1 $b2 $b3 $b3 (i32.and (local.get $i) (i32.const 3))))
              (local.set $j (i32.const 0))
              (block $inner_done
                (loop $inner
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (block $c3
                    (block $c2
                      (block $c1
                        (block $c0
                          (br_table $c0 $c1 $c2 $c3 $c3 (i32.and (local.get $j) (i32.const 3))))
                        (local.set $acc (i32.add (local.get $acc) (local.get $j)))
                        (br $inner))
                      (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
                      (br $inner))
                    (br_if $inner_done (i32.gt_u (local.get $j) (i32.const 10)))
                    (br $inner))
                  (local.set $acc (i32.xor (local.get $acc) (i32.const 5)))
                  (br $inner)))
              (br $outer))
            (local.set $acc (i32.add (local.get $acc) (i32.const 100)))
            (br $outer))
          (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
          (br $outer))
        (local.set $acc (i32.mul (local.get $acc) (i32.const 3)))
        (br $outer)))
    (local.get $acc))
)"#;

/// What `run` computes, or `None` where it traps.
fn model_run(memory: &[u8], start: usize, mut counter: i32) -> Option<i32> {
    let (mut pc, mut acc) = (start, 0i32);
    loop {
        let op = *memory.get(pc)?;
        pc += 1;
        match op {
            0 => acc = acc.wrapping_add(1),
            1 => acc = acc.wrapping_mul(3),
            2 => acc = acc.wrapping_sub(7),
            3 => acc ^= counter,
            4 => {
                counter = counter.wrapping_sub(1);
                if counter != 0 {
                    pc = start;
                }
            }
            6 => pc = 0x20000,
            7 => {}
            _ => return Some(acc),
        }
    }
}

/// What `nested` computes.
fn model_nested(n: u32) -> i32 {
    let (mut acc, mut i) = (0i32, 0u32);
    loop {
        i += 1;
        match i & 3 {
            0 => {
                let mut j = 0i32;
                loop {
                    j += 1;
                    match j & 3 {
                        0 => acc = acc.wrapping_add(j),
                        1 => acc = acc.wrapping_shl(1),
                        2 if j > 10 => break,
                        2 => {}
                        _ => acc ^= 5,
                    }
                }
            }
            1 => acc = acc.wrapping_add(100),
            2 if i > n => return acc,
            2 => {}
            _ => acc = acc.wrapping_mul(3),
        }
    }
}

fn memory_image() -> Vec<u8> {
    let mut memory = vec![0u8; 65536];
    memory[0..7].copy_from_slice(&[0, 0, 1, 3, 2, 4, 5]);
    memory[16..25].copy_from_slice(&[7, 0, 1, 1, 2, 3, 4, 7, 9]);
    memory[32..36].copy_from_slice(&[0, 0, 3, 6]);
    memory
}

fn machine(opt_level: OptLevel) -> Instance {
    let options = Options {
        opt_level,
        ..Options::default()
    };
    new_instance(&load_with(MACHINE, &options), &[]).expect("instantiates")
}

#[test]
fn copied_dispatch_computes_what_the_model_and_the_unoptimised_code_compute() {
    let memory = memory_image();
    let (copied, plain) = (machine(OptLevel::O2), machine(OptLevel::O1));
    for (start, counter) in [(0, 1), (0, 5), (0, 1000), (16, 1), (16, 77), (8, 3), (2, 9)] {
        let expected = model_run(&memory, start, counter).expect("halts");
        let args = [i32(start as i32), i32(counter)];
        assert_eq!(
            call1(&copied, "run", &args),
            i32(expected),
            "{start} {counter}"
        );
        assert_eq!(
            call1(&plain, "run", &args),
            i32(expected),
            "{start} {counter}"
        );
    }
    for n in [0, 1, 3, 4, 17, 250] {
        let expected = i32(model_nested(n));
        assert_eq!(call1(&copied, "nested", &[i32(n as i32)]), expected, "{n}");
        assert_eq!(call1(&plain, "nested", &[i32(n as i32)]), expected, "{n}");
    }
}

#[test]
fn a_trap_in_a_copied_fetch_points_at_the_fetch() {
    let wasm = wat::parse_str(MACHINE).expect("valid WAT");
    let fetch = op_offset(&wasm, 0, |op| matches!(op, Operator::I32Load8U { .. }));
    assert_eq!(model_run(&memory_image(), 32, 1), None);
    for m in [machine(OptLevel::O2), machine(OptLevel::O1)] {
        // At 32 the program jumps out of memory from a case: the next fetch is a copy at -O2.
        // At 70000 the first fetch, the one at the top of the loop, traps.
        for start in [32, 70000] {
            let trap = match call_func(func(&m, "run"), &[i32(start), i32(1)]) {
                Err(Error::Trap(trap)) => trap,
                other => panic!("expected a trap, got {other:?}"),
            };
            assert_eq!(trap.kind(), Some(TrapKind::OutOfBoundsMemory));
            assert_eq!(trap.backtrace()[0].wasm_offset, Some(fetch), "{start}");
        }
    }
}
