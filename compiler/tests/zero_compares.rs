//! Tests of `a ^ b` and `a - b` against zero (`zero_compares.rs`: made compares of `a` with
//! `b`): the same answers for equal and unequal values of both widths, in `eqz`, `eq`, `ne`,
//! `br_if`, `if` and `select` conditions, with the difference used again or not, and
//! CoreMark's search of a list by a byte.

mod support;
use support::*;

const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "xor_eqz") (param i32 i32) (result i32)
    (i32.eqz (i32.xor (local.get 0) (local.get 1))))
  (func (export "sub_eq0") (param i32 i32) (result i32)
    (i32.eq (i32.sub (local.get 0) (local.get 1)) (i32.const 0)))
  (func (export "xor_ne0_64") (param i64 i64) (result i32)
    (i64.ne (i64.xor (local.get 0) (local.get 1)) (i64.const 0)))
  (func (export "sub_eqz_64") (param i64 i64) (result i32)
    (i64.eqz (i64.sub (local.get 0) (local.get 1))))
  (func (export "xor_br_if") (param i32 i32) (result i32)
    (block $different
      (br_if $different (i32.xor (local.get 0) (local.get 1)))
      (return (i32.const 7)))
    (i32.const 9))
  (func (export "sub_if_64") (param i64 i64) (result i32)
    (if (result i32) (i32.wrap_i64 (i64.sub (local.get 0) (local.get 1)))
      (then (i32.const 3)) (else (i32.const 4))))
  (func (export "xor_select") (param i32 i32) (result i32)
    (select (i32.const 11) (i32.const 12) (i32.xor (local.get 0) (local.get 1))))
  ;; The difference is also returned (in the upper half): it must stay.
  (func (export "sub_twice") (param i32 i32) (result i64)
    (local $d i32)
    (local.set $d (i32.sub (local.get 0) (local.get 1)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $d)) (i64.const 32))
            (i64.extend_i32_u (i32.eqz (local.get $d)))))
  ;; The first node of the list at `head` whose byte (at the node's second word) equals `x`
  ;; (its low byte), as CoreMark's `core_list_find` searches: 0 if none.
  (func (export "find") (param $head i32) (param $x i32) (result i32)
    (local $node i32)
    (local.set $node (local.get $head))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $node)))
        (br_if $done (i32.eqz (i32.xor (i32.load8_u (i32.load offset=4 (local.get $node)))
                                       (i32.and (local.get $x) (i32.const 255)))))
        (local.set $node (i32.load (local.get $node)))
        (br $next)))
    (local.get $node)))"#;

#[test]
fn tests_of_differences_answer_as_compares() {
    let pairs32 = [
        (0, 0),
        (1, 1),
        (1, 2),
        (-1, -1),
        (-1, 0),
        (i32::MIN, i32::MIN),
        (i32::MIN, 0),
        (0x1_0000, 0),
        (0x7fff_ffff, -1),
    ];
    let pairs64 = [
        (0, 0),
        (1, 2),
        (-1, -1),
        (i64::MIN, 0),
        (1 << 32, 0),
        (1 << 32, 1 << 32),
        (-(1 << 32), 1 << 32),
        (i64::MAX, i64::MIN),
    ];
    for (name, instance) in instances_both_checks(MODULE) {
        for (a, b) in pairs32 {
            let same = a == b;
            let args = [i32(a), i32(b)];
            let flag = |f: &str| call1(&instance, f, &args).unwrap_i32();
            assert_eq!(flag("xor_eqz"), same as i32, "{name}: {a} {b}");
            assert_eq!(flag("sub_eq0"), same as i32, "{name}: {a} {b}");
            assert_eq!(
                flag("xor_br_if"),
                if same { 7 } else { 9 },
                "{name}: {a} {b}"
            );
            assert_eq!(
                flag("xor_select"),
                if same { 12 } else { 11 },
                "{name}: {a} {b}"
            );
            let both = call1(&instance, "sub_twice", &args).unwrap_i64();
            let d = a.wrapping_sub(b) as u32 as i64;
            assert_eq!(both, (d << 32) | same as i64, "{name}: {a} {b}");
        }
        for (a, b) in pairs64 {
            let same = a == b;
            let args = [i64(a), i64(b)];
            let flag = |f: &str| call1(&instance, f, &args).unwrap_i32();
            assert_eq!(flag("xor_ne0_64"), !same as i32, "{name}: {a} {b}");
            assert_eq!(flag("sub_eqz_64"), same as i32, "{name}: {a} {b}");
            // Only the low halves are tested: 2^32 and 0 differ but their difference's low
            // half is 0.
            let low_same = a as i32 == b as i32;
            assert_eq!(
                flag("sub_if_64"),
                if low_same { 4 } else { 3 },
                "{name}: {a} {b}"
            );
        }
    }
}

#[test]
fn a_list_is_searched_by_a_byte() {
    // Nodes at 64 + 16k: the next node's address, then the address of the node's byte at
    // 1024 + k, holding k * 37 mod 256; the last node's next is 0.
    let count = 40u32;
    for (name, instance) in instances_both_checks(MODULE) {
        let memory = memory(&instance, "memory");
        let mut bytes = vec![0u8; 2048];
        for k in 0..count {
            let node = (64 + 16 * k) as usize;
            let next = if k + 1 < count { 64 + 16 * (k + 1) } else { 0 };
            bytes[node..node + 4].copy_from_slice(&next.to_le_bytes());
            bytes[node + 4..node + 8].copy_from_slice(&(1024 + k).to_le_bytes());
            bytes[1024 + k as usize] = (k * 37 % 256) as u8;
        }
        with_store(|st| memory.write(st, 0, &bytes)).expect("in memory");
        for x in [
            0u32,
            37,
            74,
            1,
            0x125,
            0xffff_ff00 | 111,
            36 * 37 % 256,
            255,
        ] {
            let want = (0..count)
                .find(|k| k * 37 % 256 == x & 255)
                .map_or(0, |k| 64 + 16 * k);
            let got = call1(&instance, "find", &[i32(64), i32(x as i32)]).unwrap_i32();
            assert_eq!(got as u32, want, "{name}: byte {x:#x}");
        }
    }
}
