//! i32 arguments: every way of calling (direct, through a table, by reference, tail calls,
//! the host) passes the i32 exactly, whatever the upper half of the 64-bit register holding
//! the value it was made from, with its top bit set too, with and without inlining.

mod support;
use support::*;

use wasmaot_compiler::Options;
use wasmaot_runtime::{Extern, Func, FuncType, TrapKind, Val, ValType};

/// `$at(p, k)` reads the byte at `p + k` and adds `p`; `$id(p)` is `p`; `$sum(p)` adds up
/// the `p` bytes from 16, each through a call of `$id`, in a loop whose variable starts as
/// the parameter. The exports call them with arguments made by `i32.wrap_i64` of an i64
/// whose upper half is set (the register holding the i32 may still hold that half), loaded
/// from memory or passed on as they came, directly, through a table, by reference and as
/// tail calls; `host` passes such values to the host.
const MODULE: &str = r#"(module
  (type $t (func (param i32 i32) (result i32)))
  (import "env" "host" (func $host (param i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "\05\06\07\08")
  (table funcref (elem $at))
  (func $at (type $t)
    (i32.add (i32.load8_u (i32.add (local.get 0) (local.get 1))) (local.get 0)))
  (func $id (param i32) (result i32) (local.get 0))
  (func $sum (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $acc (i32.add (local.get $acc)
                                 (call $id (i32.load8_u offset=16 (local.get $n)))))
        (br $more)))
    (local.get $acc))
  (func (export "wrapped") (param i64 i32) (result i32)
    (call $at (i32.wrap_i64 (local.get 0)) (local.get 1)))
  (func (export "wrapped_indirect") (param i64 i32) (result i32)
    (call_indirect (type $t) (i32.wrap_i64 (local.get 0)) (local.get 1) (i32.const 0)))
  (func (export "wrapped_ref") (param i64 i32) (result i32)
    (call_ref $t (i32.wrap_i64 (local.get 0)) (local.get 1) (ref.func $at)))
  (func (export "wrapped_tail") (param i64 i32) (result i32)
    (return_call $at (i32.wrap_i64 (local.get 0)) (local.get 1)))
  (func (export "wrapped_tail_indirect") (param i64 i32) (result i32)
    (return_call_indirect (type $t) (i32.wrap_i64 (local.get 0)) (local.get 1) (i32.const 0)))
  (func (export "host") (param i64) (result i32)
    (call $host (i32.wrap_i64 (local.get 0)) (i32.wrap_i64 (i64.shr_u (local.get 0) (i64.const 32)))))
  (func (export "loaded") (param i32) (result i32)
    (call $at (i32.load (local.get 0)) (i32.const 0)))
  (func (export "at") (param i32 i32) (result i32) (call $at (local.get 0) (local.get 1)))
  (func (export "id") (param i32) (result i32) (call $id (local.get 0)))
  (func (export "sum") (param i32) (result i32) (call $sum (local.get 0)))
  (elem declare func $at)
)"#;

/// Instances of `MODULE`, with and without inlining (which takes most of the calls away),
/// whose `host(a, b)` returns `a - b`.
fn instances() -> Vec<wasmaot_runtime::Instance> {
    [true, false]
        .into_iter()
        .map(|inline| {
            let options = Options {
                inline,
                ..Options::default()
            };
            new_instance(&load_with(MODULE, &options), &[Extern::Func(host())])
                .expect("instantiates")
        })
        .collect()
}

/// The host function `(a, b) -> a - b`.
fn host() -> Func {
    with_store(|s| {
        Func::new(
            s,
            FuncType {
                params: vec![ValType::I32, ValType::I32],
                results: vec![ValType::I32],
            },
            |_, args, results| {
                let (a, b) = (args[0].unwrap_i32(), args[1].unwrap_i32());
                results[0] = Val::I32(a.wrapping_sub(b));
                Ok(())
            },
        )
    })
}

#[test]
fn every_call_passes_the_i32_itself() {
    for instance in instances() {
        passes_the_i32_itself(&instance);
    }
}

fn passes_the_i32_itself(instance: &wasmaot_runtime::Instance) {
    // The low half is 16, the upper half set: the byte at 16 + k, plus 16.
    let wide = 0x7fff_ffff_0000_0010_i64;
    for export in [
        "wrapped",
        "wrapped_indirect",
        "wrapped_ref",
        "wrapped_tail",
        "wrapped_tail_indirect",
    ] {
        for (k, byte) in [(0, 5), (1, 6), (3, 8)] {
            let result = call1(instance, export, &[i64(wide), i32(k)]).unwrap_i32();
            assert_eq!(result, 16 + byte, "{export}({wide:#x}, {k})");
        }
    }
    // The host sees the low halves: 0x10 and 0x7fff_ffff.
    let result = call1(instance, "host", &[i64(wide)]).unwrap_i32();
    assert_eq!(result, 0x10_i32.wrapping_sub(0x7fff_ffff));
    // An argument loaded from memory (the word at 16, 0x0807_0605) is out of bounds.
    assert_eq!(
        trap(instance, "loaded", &[i32(16)]),
        TrapKind::OutOfBoundsMemory
    );
}

#[test]
fn an_i32_with_its_top_bit_set_stays_unsigned() {
    for instance in instances() {
        stays_unsigned(&instance);
    }
}

fn stays_unsigned(instance: &wasmaot_runtime::Instance) {
    // -1 is 0xffff_ffff: an address past the end of memory, not one below it.
    assert_eq!(
        trap(instance, "at", &[i32(-1), i32(0)]),
        TrapKind::OutOfBoundsMemory
    );
    // 0xffff_fff0 + 0x20 wraps to 0x10 in 32 bits.
    assert_eq!(
        call1(instance, "at", &[i32(-16), i32(32)]).unwrap_i32(),
        5 - 16
    );
    for value in [0, 1, -1, i32::MIN, i32::MAX, 0x1234_5678] {
        assert_eq!(call1(instance, "id", &[i32(value)]).unwrap_i32(), value);
    }
    // A loop variable that starts as the parameter and lives across calls.
    assert_eq!(
        call1(instance, "sum", &[i32(4)]).unwrap_i32(),
        5 + 6 + 7 + 8
    );
}
