//! `v128` values through the real pipeline, for the host CPU and the SSE2 baseline: parameters
//! and results of exports (mixed with scalars, more than fit in registers), locals, immutable,
//! mutable, exported and imported globals read and written through the API, multi-value
//! returns mixing v128 and i32, `call_indirect` with a v128 signature, a host function taking
//! and returning v128, and v128 through block parameters, loops, `if`, `br_table` and `select`.

mod support;
use std::sync::{Arc, Mutex};

use support::*;
use wasmaot_runtime::{
    Error, Extern, Func, FuncType, Global, GlobalType, Instance, TrapKind, Val, ValType,
};

const MODULE: &str = r#"
(module
  (type $vv (func (param v128) (result v128)))
  (import "host" "twist" (func $twist (param v128 i32) (result v128)))
  (import "host" "imm" (global $imported v128))
  (import "host" "shared" (global $shared (mut v128)))
  (global $imm (export "imm") v128 (v128.const i32x4 1 2 3 4))
  (global $mut (export "mut") (mut v128) (v128.const i64x2 -1 0))
  (global $copy v128 (global.get $imported))
  (table 4 funcref)
  (elem (i32.const 0) $double $negate $scalar)

  (func $double (type $vv) (i32x4.add (local.get 0) (local.get 0)))
  (func $negate (type $vv) (i32x4.neg (local.get 0)))
  (func $scalar (param i32) (result i32) (local.get 0))
  (func (export "indirect") (param v128 i32) (result v128)
    (call_indirect (type $vv) (local.get 0) (local.get 1)))

  (func (export "id") (param v128) (result v128) (local.get 0))
  (func (export "mixed") (param i32 v128 f64 v128 i64) (result v128) (i8x16.sub (local.get 3) (local.get 1)))
  (func (export "multi") (param v128 i32) (result i32 v128 i32 v128)
    (i32.add (local.get 1) (i32.const 1)) (local.get 0) (i32x4.extract_lane 3 (local.get 0)) (v128.not (local.get 0)))
  (func $pair (param v128 v128) (result v128 i32 v128) (local.get 1) (i32.const 7) (local.get 0))
  (func (export "pair_diff") (param v128 v128) (result v128) (local $x v128) (local $k i32)
    (call $pair (local.get 0) (local.get 1))
    (local.set $x) (local.set $k)
    (i32x4.sub (local.get $x))
    (i32x4.add (i32x4.splat (local.get $k))))
  MANY
  (func (export "call_many") (param v128) (result v128)
    (call $many (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0)
      (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (i32.const 5)))

  (func (export "local_default") (result v128) (local v128) (local.get 0))
  (func (export "locals") (param i32) (result v128) (local $acc v128) (local $unused v128) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get 0)))
      (local.set $acc (i32x4.add (local.get $acc)
        (i32x4.replace_lane 0 (i32x4.splat (local.get $i)) (i32.mul (local.get $i) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32x4.add (local.get $acc) (local.get $unused)))
  (func (export "tee") (param v128) (result v128) (local v128)
    (i8x16.add (local.tee 1 (i8x16.add (local.get 0) (local.get 0))) (local.get 1)))

  (func (export "get_imm") (result v128) (global.get $imm))
  (func (export "get_mut") (result v128) (global.get $mut))
  (func (export "set_mut") (param v128) (global.set $mut (local.get 0)))
  (func (export "get_copy") (result v128) (global.get $copy))
  (func (export "get_imported") (result v128) (global.get $imported))
  (func (export "bump_shared") (global.set $shared (i64x2.add (global.get $shared) (v128.const i64x2 1 -1))))

  (func (export "call_host") (param v128 i32) (result v128) (local $keep v128)
    (local.set $keep (i32x4.mul (local.get 0) (v128.const i32x4 3 3 3 3)))
    (i32x4.add (call $twist (local.get 0) (local.get 1)) (local.get $keep)))

  (func (export "block_params") (param v128 v128) (result v128)
    (local.get 0) (local.get 1) (block (param v128 v128) (result v128) (i8x16.sub)))
  (func (export "loop_sum") (param $n i32) (result v128)
    (v128.const i32x4 0 0 0 0)
    (loop $l (param v128) (result v128)
      (i32x4.add (i32x4.mul (i32x4.splat (local.get $n)) (v128.const i32x4 1 2 3 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "if_result") (param i32 v128 v128) (result v128)
    (if (result v128) (local.get 0) (then (local.get 1)) (else (local.get 2))))
  (func (export "if_param") (param i32 v128) (result v128)
    (local.get 1) (if (param v128) (result v128) (local.get 0) (then (i32x4.neg)) (else (v128.not))))
  (func (export "br_table") (param i32) (result v128)
    (block $a (result v128)
      (block $b (result v128) (v128.const i32x4 1 1 1 1) (br_table $a $b (local.get 0)))
      (i32x4.add (v128.const i32x4 10 10 10 10))))
  (func (export "select") (param v128 v128 i32) (result v128) (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_t") (param v128 v128 i32) (result v128)
    (select (result v128) (local.get 0) (local.get 1) (local.get 2)))
)"#;

/// `$many`: ten v128 parameters (more than fit in registers) and an i32, combined by Horner's
/// rule, ((a0·2 + a1)·2 + ... + a9) + splat(k), so that each one's position counts.
fn module() -> String {
    let mut many = String::from("(func $many (export \"many\") (param");
    many += &" v128".repeat(10);
    many += " i32) (result v128) (local.get 0)\n";
    for i in 1..10 {
        many += &format!("    (i32x4.shl (i32.const 1)) (local.get {i}) (i32x4.add)\n");
    }
    many += "    (i32x4.add (i32x4.splat (local.get 10))))";
    MODULE.replace("MANY", &many)
}

struct Host {
    imported: Global,
    shared: Global,
    twist_calls: Arc<Mutex<Vec<Vec<Val>>>>,
}

fn global(mutable: bool, value: Val) -> Global {
    let ty = GlobalType {
        content: ValType::V128,
        mutable,
    };
    with_store(|s| Global::new(s, ty, value)).expect("a v128 global")
}

/// The module for the host CPU and the baseline, each with its own imports. The host's
/// `twist(v, k)` reverses the i32 lanes of `v` and adds `k` to each.
fn instances() -> Vec<(&'static str, Instance, Host)> {
    let mut all = Vec::new();
    for (target, options) in simd_targets() {
        let host = Host {
            imported: global(false, i32x4([5, 6, 7, 8])),
            shared: global(true, i64x2([100, 200])),
            twist_calls: Arc::default(),
        };
        let calls = host.twist_calls.clone();
        let ty = FuncType {
            params: vec![ValType::V128, ValType::I32],
            results: vec![ValType::V128],
        };
        let twist = with_store(|s| {
            Func::new(s, ty, move |_, args, results| {
                calls.lock().unwrap().push(args.to_vec());
                let [a, b, c, d] = lanes_i32(args[0]);
                let k = args[1].unwrap_i32();
                results[0] = i32x4([d + k, c + k, b + k, a + k]);
                Ok(())
            })
        });
        let imports = [
            Extern::Func(twist),
            Extern::Global(host.imported),
            Extern::Global(host.shared),
        ];
        let m = new_instance(&load_with(&module(), &options), &imports).expect("instantiates");
        all.push((target, m, host));
    }
    all
}

#[test]
fn params_results_and_multi_value() {
    for (target, m, _) in instances() {
        check_table(
            &m,
            target,
            "
id i64x2(0x0123456789abcdef 0xfedcba9876543210) => i64x2(0x0123456789abcdef 0xfedcba9876543210)
mixed i32(-1) i8x16(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) f64(2.5) i8x16(0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0x80) i64(-1)
  => i8x16(-1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -13 -14 -15 0x70)
multi i32x4(1 2 3 -4) i32(41) => i32(42) i32x4(1 2 3 -4) i32(-4) i32x4(-2 -3 -4 3)
pair_diff i32x4(1 2 3 4) i32x4(10 20 30 40) => i32x4(16 25 34 43)
many i32x4(0 0 0 0) i32x4(1 10 100 -1) i32x4(2 20 200 -2) i32x4(3 30 300 -3) i32x4(4 40 400 -4)
  i32x4(5 50 500 -5) i32x4(6 60 600 -6) i32x4(7 70 700 -7) i32x4(8 80 800 -8) i32x4(9 90 900 -9) i32(1000)
  => i32x4(2013 11130 102300 -13)
call_many i32x4(1 -1 0x100000 0) => i32x4(1028 -1018 1072693253 5)
",
        );
    }
}

#[test]
fn locals() {
    for (target, m, _) in instances() {
        call(&m, "id", &[i64x2([-1, -1])]);
        check_table(
            &m,
            target,
            "
local_default => i64x2(0 0)
locals i32(4) => i32x4(14 6 6 6)
locals i32(0) => i32x4(0 0 0 0)
tee i8x16(1 2 3 0x40 0x80 0xff 0 0 0 0 0 0 0 0 0 0x7f) => i8x16(4 8 12 0 0 0xfc 0 0 0 0 0 0 0 0 0 0xfc)
",
        );
    }
}

#[test]
fn globals() {
    for (target, m, host) in instances() {
        let global_of = |name: &str| with_store(|s| m.get_global(s, name)).expect(name);
        let get = |name: &str| {
            let global = global_of(name);
            with_store(|s| global.get(s))
        };
        assert_eq!(get("imm"), i32x4([1, 2, 3, 4]), "{target}");
        assert_eq!(call1(&m, "get_imm", &[]), i32x4([1, 2, 3, 4]), "{target}");
        assert_eq!(get("mut"), i64x2([-1, 0]), "{target}");
        let imm = global_of("imm");
        let imm_ty = with_store(|s| imm.ty(s));
        assert!(
            !imm_ty.mutable && imm_ty.content == ValType::V128,
            "{target}"
        );
        assert!(
            matches!(
                with_store(|s| imm.set(s, i32x4([0; 4]))),
                Err(Error::Type(_))
            ),
            "{target}"
        );
        let mutable = global_of("mut");
        assert!(
            matches!(with_store(|s| mutable.set(s, i32(0))), Err(Error::Type(_))),
            "{target}"
        );

        call(&m, "set_mut", &[i16x8([1, -2, 3, -4, 5, -6, 7, -8])]);
        assert_eq!(get("mut"), i16x8([1, -2, 3, -4, 5, -6, 7, -8]), "{target}");
        with_store(|s| mutable.set(s, f32x4([f32::INFINITY, -0.0, 1.5, -2.0]))).unwrap();
        let want = f32x4([f32::INFINITY, -0.0, 1.5, -2.0]);
        assert_eq!(call1(&m, "get_mut", &[]), want, "{target}");

        assert_eq!(
            call1(&m, "get_imported", &[]),
            i32x4([5, 6, 7, 8]),
            "{target}"
        );
        assert_eq!(call1(&m, "get_copy", &[]), i32x4([5, 6, 7, 8]), "{target}");
        call(&m, "bump_shared", &[]);
        let get_host = |g: Global| with_store(|s| g.get(s));
        assert_eq!(get_host(host.shared), i64x2([101, 199]), "{target}");
        with_store(|s| host.shared.set(s, i64x2([i64::MAX, i64::MIN]))).unwrap();
        call(&m, "bump_shared", &[]);
        assert_eq!(
            get_host(host.shared),
            i64x2([i64::MIN, i64::MAX]),
            "{target}"
        );
        assert_eq!(get_host(host.imported), i32x4([5, 6, 7, 8]), "{target}");
    }
}

#[test]
fn call_indirect_and_host_functions() {
    for (target, m, host) in instances() {
        check_table(
            &m,
            target,
            "
indirect i32x4(1 -2 0x40000000 0x7fffffff) i32(0) => i32x4(2 -4 0x80000000 -2)
indirect i32x4(1 -2 0x80000000 0) i32(1) => i32x4(-1 2 0x80000000 0)
call_host i32x4(1 2 3 4) i32(10) => i32x4(17 19 21 23)
",
        );
        let v = i32x4([0, 0, 0, 0]);
        let traps = [
            (2, TrapKind::IndirectCallTypeMismatch),
            (3, TrapKind::UninitializedElement),
            (4, TrapKind::UndefinedElement),
        ];
        for (index, kind) in traps {
            assert_eq!(trap(&m, "indirect", &[v, i32(index)]), kind, "{target}");
        }
        let calls = host.twist_calls.lock().unwrap();
        assert_eq!(*calls, vec![vec![i32x4([1, 2, 3, 4]), i32(10)]], "{target}");
    }
}

#[test]
fn control_flow_and_select() {
    for (target, m, _) in instances() {
        check_table(
            &m,
            target,
            "
block_params i8x16(10 20 30 40 50 60 70 80 90 100 110 120 0 0 0 0x80) i8x16(1 2 3 4 5 6 7 8 9 10 11 12 1 0 0 1)
  => i8x16(9 18 27 36 45 54 63 72 81 90 99 108 -1 0 0 0x7f)
loop_sum i32(4) => i32x4(10 20 30 40)
loop_sum i32(1) => i32x4(1 2 3 4)
if_result i32(1) i64x2(1 2) i64x2(3 4) => i64x2(1 2)
if_result i32(0) i64x2(1 2) i64x2(3 4) => i64x2(3 4)
if_param i32(7) i32x4(1 -2 0 0x80000000) => i32x4(-1 2 0 0x80000000)
if_param i32(0) i32x4(1 -2 0 0x80000000) => i32x4(-2 1 -1 0x7fffffff)
br_table i32(0) => i32x4(1 1 1 1)
br_table i32(1) => i32x4(11 11 11 11)
br_table i32(99) => i32x4(11 11 11 11)
select i64x2(1 2) i64x2(3 4) i32(-1) => i64x2(1 2)
select i64x2(1 2) i64x2(3 4) i32(0) => i64x2(3 4)
select_t f64x2(nan:0x1 -0) f64x2(1 2) i32(1) => f64x2(nan:0x1 -0)
select_t f64x2(nan:0x1 -0) f64x2(1 2) i32(0) => f64x2(1 2)
",
        );
    }
}
