//! Subtractions of constants (`sub_constants.rs`: made additions of the negated constants):
//! the results wrap as before, and an address below zero still traps.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

const I32_CONSTANTS: [i32; 8] = [0, 1, 112, -1, -112, i32::MAX, i32::MIN, 0x7fff_0000];
const I64_CONSTANTS: [i64; 9] = [
    0,
    1,
    -1,
    i32::MAX as i64,
    i32::MIN as i64,
    -(i32::MIN as i64),
    i64::MIN,
    i64::MAX,
    1 << 40,
];

/// For each constant `k`, `sub32_N(x) = (x - k) * (x + 1)` and likewise `sub64_N` (`x` used
/// again after the subtraction), and `frame(sp, v)`: a frame made as `sp - 112` the way clang
/// makes one, `v` stored at its byte 8 and read back in another block, plus `sp`.
fn module() -> String {
    let mut wat = String::from("(module (memory (export \"memory\") 1)\n");
    for (n, k) in I32_CONSTANTS.iter().enumerate() {
        wat += &format!(
            "(func (export \"sub32_{n}\") (param i32) (result i32)
               (i32.mul (i32.sub (local.get 0) (i32.const {k}))
                        (i32.add (local.get 0) (i32.const 1))))\n"
        );
    }
    for (n, k) in I64_CONSTANTS.iter().enumerate() {
        wat += &format!(
            "(func (export \"sub64_{n}\") (param i64) (result i64)
               (i64.mul (i64.sub (local.get 0) (i64.const {k}))
                        (i64.add (local.get 0) (i64.const 1))))\n"
        );
    }
    wat += r#"(func (export "frame") (param $sp i32) (param $v i32) (result i32)
        (local $frame i32)
        (local.set $frame (i32.sub (local.get $sp) (i32.const 112)))
        (i32.store offset=8 (local.get $frame) (local.get $v))
        (if (i32.eqz (local.get $v)) (then (return (i32.const -1))))
        (i32.add (i32.load offset=8 (i32.sub (local.get $sp) (i32.const 112)))
                 (local.get $sp))))"#;
    wat
}

#[test]
fn subtractions_of_constants_wrap() {
    let xs32 = [0, 1, 111, 112, 113, -1, i32::MIN, i32::MAX, 0x1234_5678];
    let xs64 = [
        0,
        1,
        -1,
        i64::MIN,
        i64::MAX,
        1 << 31,
        -(1 << 31),
        0x1234_5678_9abc,
    ];
    for (name, instance) in instances_both_checks(&module()) {
        for (n, k) in I32_CONSTANTS.iter().enumerate() {
            for x in xs32 {
                let want = x.wrapping_sub(*k).wrapping_mul(x.wrapping_add(1));
                let got = call1(&instance, &format!("sub32_{n}"), &[i32(x)]).unwrap_i32();
                assert_eq!(got, want, "{name}: {x} - {k}");
            }
        }
        for (n, k) in I64_CONSTANTS.iter().enumerate() {
            for x in xs64 {
                let want = x.wrapping_sub(*k).wrapping_mul(x.wrapping_add(1));
                let got = call1(&instance, &format!("sub64_{n}"), &[i64(x)]).unwrap_i64();
                assert_eq!(got, want, "{name}: {x} - {k}");
            }
        }
    }
}

#[test]
fn a_frame_below_address_zero_traps() {
    for (name, instance) in instances_both_checks(&module()) {
        for sp in [112, 200, 65_536] {
            let got = call1(&instance, "frame", &[i32(sp), i32(7)]).unwrap_i32();
            assert_eq!(got, sp + 7, "{name}: sp {sp}");
        }
        // `sp - 112` wraps to near 4 GiB: out of bounds, not 112 bytes below the memory.
        for sp in [0, 100, 111] {
            let kind = trap(&instance, "frame", &[i32(sp), i32(7)]);
            assert_eq!(kind, TrapKind::OutOfBoundsMemory, "{name}: sp {sp}");
        }
    }
}
