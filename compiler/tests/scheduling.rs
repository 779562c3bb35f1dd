//! Pure instructions moved up to their operands after the mid-end (`schedule.rs`): a checksum
//! over bytes loaded one by one, whose additions the mid-end would leave after all the loads,
//! gives the same values at every optimisation level, with its running sums in locals, in
//! parameters, kept 64 bits wide, and when the bytes' loads trap part-way.

mod support;
use support::*;
use wasmaot_compiler::{OptLevel, Options};
use wasmaot_runtime::{Error, TrapKind};

/// Bytes summed per call: more than the registers of either machine hold at once.
const BYTES: u32 = 32;

/// `(a, b)` after Adler-32's running sums over `BYTES` bytes at `p` (without the modulus):
/// `a += p[i]; b += a`, unrolled.
fn module() -> String {
    let mut body = String::new();
    for i in 0..BYTES {
        body.push_str(&format!(
            "(local.set $a (i32.add (local.get $a) (i32.load8_u offset={i} (local.get $p))))\n\
             (local.set $b (i32.add (local.get $b) (local.get $a)))\n"
        ));
    }
    let mut wide = String::new();
    for i in 0..BYTES {
        wide.push_str(&format!(
            "(local.set $a (i64.add (local.get $a) (i64.load8_u offset={i} (local.get $p))))\n\
             (local.set $b (i64.add (local.get $b) (local.get $a)))\n"
        ));
    }
    format!(
        r#"(module
  (memory 1)
  (func (export "sums") (param $p i32) (param $a i32) (param $b i32) (result i32)
    {body}
    (i32.xor (i32.shl (local.get $b) (i32.const 16)) (local.get $a)))
  (func (export "sums in a loop") (param $p i32) (param $n i32) (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (i32.const 1))
    (loop $next
      {body}
      (local.set $p (i32.add (local.get $p) (i32.const {BYTES})))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.xor (i32.shl (local.get $b) (i32.const 16)) (local.get $a)))
  (func (export "wide sums") (param $p i32) (param $a i64) (param $b i64) (result i64)
    {wide}
    (i64.xor (i64.shl (local.get $b) (i64.const 32)) (local.get $a)))
  (func (export "fill") (param $n i32) (local $i i32)
    (loop $next
      (i32.store8 (local.get $i) (i32.mul (local.get $i) (i32.const 37)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (local.get $n))))))"#
    )
}

fn memory_byte(i: u32) -> u32 {
    (i.wrapping_mul(37)) & 0xff
}

fn expected(start: u32, mut a: u32, mut b: u32, rounds: u32) -> u32 {
    for i in start..start + BYTES * rounds {
        a = a.wrapping_add(memory_byte(i));
        b = b.wrapping_add(a);
    }
    (b << 16) ^ a
}

fn expected_wide(start: u32, mut a: u64, mut b: u64) -> u64 {
    for i in start..start + BYTES {
        a = a.wrapping_add(u64::from(memory_byte(i)));
        b = b.wrapping_add(a);
    }
    (b << 32) ^ a
}

#[test]
fn running_sums_over_loaded_bytes_are_exact_at_every_level() {
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        for (checks, options) in both_bounds_checks() {
            let options = Options {
                opt_level: level,
                ..options
            };
            let m = new_instance(&load_with(&module(), &options), &[]).expect("instantiates");
            call(&m, "fill", &[i32(65536)]);
            let what = format!("{level:?}, {checks}");
            for (p, a, b) in [(0, 0, 0), (7, 1, 0), (1000, 0x7fff_fff0, 0xffff_ff00)] {
                let got = call1(&m, "sums", &[i32(p as i32), i32(a as i32), i32(b as i32)]);
                assert_eq!(got, i32(expected(p, a, b, 1) as i32), "{what} at {p}");
            }
            let got = call1(&m, "sums in a loop", &[i32(64), i32(100)]);
            assert_eq!(got, i32(expected(64, 1, 0, 100) as i32), "{what}");
            let (a, b) = (u64::MAX - 5, 1 << 40);
            let got = call1(&m, "wide sums", &[i32(3), i64(a as i64), i64(b as i64)]);
            assert_eq!(got, i64(expected_wide(3, a, b) as i64), "{what}");
        }
    }
}

#[test]
fn a_load_past_the_end_still_traps_among_the_moved_additions() {
    let m = new_instance(&load(&module()), &[]).expect("instantiates");
    // The last bytes of the sum lie past the memory's end.
    let start = 65536 - BYTES / 2;
    let args = [i32(start as i32), i32(0), i32(0)];
    match call_func(func(&m, "sums"), &args) {
        Err(Error::Trap(trap)) => assert_eq!(trap.kind(), Some(TrapKind::OutOfBoundsMemory)),
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// CRC-16 of a 16-bit value, one bit at a time, unrolled (CoreMark's `crcu16`): the mid-end
/// makes every `data >> k` at the top, before the chain that uses them.
fn crc_module() -> String {
    let mut body = String::new();
    for k in 0..16 {
        body.push_str(&format!(
            "(local.set $x (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const {k}))
                                             (local.get $crc)) (i32.const 1)))
             (local.set $crc (i32.shr_u (local.get $crc) (i32.const 1)))
             (local.set $crc (select (i32.xor (local.get $crc) (i32.const 0xa001))
                                     (local.get $crc) (local.get $x)))\n"
        ));
    }
    format!(
        r#"(module
  (func (export "crc") (param $data i32) (param $crc i32) (result i32) (local $x i32)
    {body}
    (local.get $crc)))"#
    )
}

fn crc16(data: u32, mut crc: u32) -> u32 {
    for k in 0..16 {
        let x = ((data >> k) ^ crc) & 1;
        crc >>= 1;
        if x != 0 {
            crc ^= 0xa001;
        }
    }
    crc
}

#[test]
fn a_chain_of_bits_from_one_value_is_exact_at_every_level() {
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        let options = Options {
            opt_level: level,
            ..Options::default()
        };
        let m = new_instance(&load_with(&crc_module(), &options), &[]).expect("instantiates");
        for (data, crc) in [(0, 0), (0xffff, 0), (0x1234, 0xbeef), (0xdead_beef, 0xffff)] {
            let got = call1(&m, "crc", &[i32(data as i32), i32(crc as i32)]);
            assert_eq!(
                got,
                i32(crc16(data, crc) as i32),
                "{level:?} {data:#x} {crc:#x}"
            );
        }
    }
}
