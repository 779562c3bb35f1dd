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

/// The parameters of `$mix` in [`many_module`]: seven i32s, the last five past the six integer
/// registers x86-64 passes arguments in (after the two vmctx of a shared object, as here),
/// among integers and floats of other types.
const MANY_PARAMS: [&str; 12] = [
    "i32", "i64", "f64", "i32", "i32", "i32", "i32", "i32", "f32", "i32", "i64", "i32",
];

/// `$mix` of `MANY_PARAMS` adds up each parameter (i32s zero-extended, floats truncated) times
/// the next odd weight from 3; the `via_*` exports call it, and the host's `many`, with
/// arguments made from their one i64 `x` ([`many_args`]), in every way of calling (inside a
/// `try_table` too, where calls may unwind).
fn many_module() -> String {
    let params = MANY_PARAMS.join(" ");
    let mut mix = String::new();
    for (k, ty) in MANY_PARAMS.iter().enumerate() {
        let widen = match *ty {
            "i32" => "i64.extend_i32_u",
            "i64" => "",
            "f32" => "i64.trunc_f32_s",
            _ => "i64.trunc_f64_s",
        };
        mix += &format!(" local.get {k} {widen} i64.const {} i64.mul", weight(k));
        if k > 0 {
            mix += " i64.add";
        }
    }
    let args: String = MANY_PARAMS
        .iter()
        .enumerate()
        .map(|(k, ty)| {
            let rotated = format!("(i64.rotl (local.get $x) (i64.const {}))", 5 * k);
            match *ty {
                "i32" => format!(" (i32.wrap_i64 {rotated})"),
                "i64" => format!(" {rotated}"),
                "f32" => format!(" (f32.const {k}.25)"),
                _ => format!(" (f64.const {k}.5)"),
            }
        })
        .collect();
    format!(
        r#"(module
  (type $m (func (param {params}) (result i64)))
  (import "env" "many" (func $host (type $m)))
  (table funcref (elem $mix))
  (func $mix (export "mix") (type $m){mix})
  (func (export "via_call") (param $x i64) (result i64) (call $mix{args}))
  (func (export "via_table") (param $x i64) (result i64)
    (call_indirect (type $m){args} (i32.const 0)))
  (func (export "via_ref") (param $x i64) (result i64) (call_ref $m{args} (ref.func $mix)))
  (func (export "via_tail") (param $x i64) (result i64) (return_call $mix{args}))
  (func (export "via_tail_table") (param $x i64) (result i64)
    (return_call_indirect (type $m){args} (i32.const 0)))
  (func (export "via_host") (param $x i64) (result i64) (call $host{args}))
  (func (export "via_try") (param $x i64) (result i64)
    (block $caught
      (return (try_table (result i64) (catch_all $caught) (call $mix{args}))))
    (i64.const -1))
  (func (export "via_try_table") (param $x i64) (result i64)
    (block $caught
      (return (try_table (result i64) (catch_all $caught)
        (call_indirect (type $m){args} (i32.const 0)))))
    (i64.const -1))
  (elem declare func $mix)
)"#
    )
}

fn weight(k: usize) -> i64 {
    3 + 2 * k as i64
}

/// The arguments the `via_*` exports of [`many_module`] pass for `x`.
fn many_args(x: i64) -> Vec<Val> {
    MANY_PARAMS
        .iter()
        .enumerate()
        .map(|(k, ty)| {
            let rotated = x.rotate_left(5 * k as u32);
            match *ty {
                "i32" => Val::I32(rotated as i32),
                "i64" => Val::I64(rotated),
                "f32" => f32(k as f32 + 0.25),
                _ => f64(k as f64 + 0.5),
            }
        })
        .collect()
}

/// What `$mix` returns for `args`.
fn mix(args: &[Val]) -> i64 {
    args.iter().enumerate().fold(0_i64, |sum, (k, arg)| {
        let value = match arg {
            Val::I32(v) => i64::from(*v as u32),
            Val::I64(v) => *v,
            Val::F32(bits) => f32::from_bits(*bits) as i64,
            Val::F64(bits) => f64::from_bits(*bits) as i64,
            other => panic!("not a parameter of $mix: {other:?}"),
        };
        sum.wrapping_add(value.wrapping_mul(weight(k)))
    })
}

/// The host's `many`: [`mix`] of what it is given.
fn host_many() -> Func {
    let ty = |name: &str| match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        _ => ValType::F64,
    };
    with_store(|s| {
        Func::new(
            s,
            FuncType {
                params: MANY_PARAMS.iter().map(|t| ty(t)).collect(),
                results: vec![ValType::I64],
            },
            |_, args, results| {
                results[0] = Val::I64(mix(args));
                Ok(())
            },
        )
    })
}

#[test]
fn arguments_past_the_registers_arrive_whole_in_every_way_of_calling() {
    let wat = many_module();
    for inline in [true, false] {
        let options = Options {
            inline,
            ..Options::default()
        };
        let instance = new_instance(&load_with(&wat, &options), &[Extern::Func(host_many())])
            .expect("instantiates");
        for x in [
            0,
            1,
            -1,
            0x7fff_ffff_0000_0010,
            i64::MIN,
            0x0123_4567_89ab_cdef,
        ] {
            let expected = mix(&many_args(x));
            for export in [
                "via_call",
                "via_table",
                "via_ref",
                "via_tail",
                "via_tail_table",
                "via_host",
                "via_try",
                "via_try_table",
            ] {
                let result = call1(&instance, export, &[i64(x)]).unwrap_i64();
                assert_eq!(result, expected, "{export}({x:#x}), inline {inline}");
            }
            // From the host, through the trampoline.
            let args = many_args(x);
            assert_eq!(call1(&instance, "mix", &args).unwrap_i64(), expected);
        }
    }
}
