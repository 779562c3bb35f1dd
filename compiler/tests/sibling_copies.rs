//! Values the mid-end made again down each side of a branch are made once before it
//! (`sibling_copies.rs`): a varint decoder shaped as clang compiles SQLite's, which keeps its
//! running value in a local and leaves at each byte whose top bit is clear, reads every length
//! of varint as a plain loop does, with both kinds of bounds checks.

mod support;
use support::*;

/// `decode(p)`: the varint at `p` (up to 5 bytes, 7 bits each, the top bit set on all but the
/// last) as `value << 8 | length`.
fn module() -> String {
    // After byte `k` (counted from 1): leave with length `k` if its top bit is clear, else
    // take in byte `k + 1` (the first byte masked to 8 bits, the second's first 7 bits to 14).
    let exit = |k: u32| {
        format!(
            "(block $more
               (br_if $more (i32.le_s (local.get $b) (i32.const -1)))
               (local.set $n (i32.const {k}))
               (br $done))"
        )
    };
    let next = |k: u32| {
        let acc = match k {
            1 => "(i32.and (i32.shl (local.get $acc) (i32.const 7)) (i32.const 16256))",
            _ => "(i32.shl (local.get $acc) (i32.const 7))",
        };
        format!(
            "(local.set $acc (i32.or {acc}
               (i32.and (local.tee $b (i32.load8_s offset={k} (local.get $p)))
                        (i32.const 127))))"
        )
    };
    let middle: String = (1..=3).map(|k| exit(k) + &next(k)).collect();
    format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "decode") (param $p i32) (result i64)
    (local $acc i32) (local $b i32) (local $n i32)
    (block $done
      (local.set $acc (i32.and (local.tee $b (i32.load8_s (local.get $p))) (i32.const 255)))
      {middle}
      {last_exit}
      (local.set $acc (i32.or (i32.shl (local.get $acc) (i32.const 8))
                              (i32.load8_u offset=4 (local.get $p))))
      (local.set $n (i32.const 5)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $acc)) (i64.const 8))
            (i64.extend_i32_u (local.get $n)))))"#,
        last_exit = exit(4)
    )
}

/// What `decode` computes, byte by byte.
fn expected(bytes: &[u8]) -> i64 {
    let mut acc: u32 = 0;
    for (k, &b) in bytes.iter().enumerate() {
        if k == 4 {
            acc = acc << 8 | u32::from(b);
            return i64::from(acc) << 8 | 5;
        }
        acc = match k {
            0 => u32::from(b),
            1 => (acc << 7 & 16256) | u32::from(b & 127),
            _ => acc << 7 | u32::from(b & 127),
        };
        if b < 0x80 {
            return i64::from(acc) << 8 | (k as i64 + 1);
        }
    }
    unreachable!("five bytes at most")
}

#[test]
fn every_length_of_varint_decodes_as_byte_by_byte() {
    let cases: Vec<Vec<u8>> = vec![
        vec![0x00],
        vec![0x7f],
        vec![0x81, 0x00],
        vec![0xff, 0x7f],
        vec![0x80, 0x80, 0x01],
        vec![0xc3, 0x91, 0x25],
        vec![0x81, 0x82, 0x83, 0x04],
        vec![0xff, 0xff, 0xff, 0x7f],
        vec![0x81, 0x82, 0x83, 0x84, 0x85],
        vec![0xff, 0xff, 0xff, 0xff, 0xff],
    ];
    for (checks, m) in instances_both_checks(&module()) {
        let memory = memory(&m, "memory");
        for (i, bytes) in cases.iter().enumerate() {
            let at = 100 + 16 * i;
            // Bytes after the varint that a decoder reading too far would take in.
            let mut padded = bytes.clone();
            padded.extend([0xaa; 5]);
            with_store(|s| memory.write(s, at, &padded)).expect("in bounds");
            assert_eq!(
                call1(&m, "decode", &[i32(at as i32)]),
                i64(expected(bytes)),
                "{bytes:x?}, {checks}"
            );
        }
        // The last byte of the page: one byte read, or a trap when it continues.
        with_store(|s| memory.write(s, 65535, &[0x05])).expect("in bounds");
        assert_eq!(
            call1(&m, "decode", &[i32(65535)]),
            i64(5 << 8 | 1),
            "{checks}"
        );
        with_store(|s| memory.write(s, 65535, &[0x85])).expect("in bounds");
        assert_eq!(
            trap(&m, "decode", &[i32(65535)]),
            wasmaot_runtime::TrapKind::OutOfBoundsMemory,
            "{checks}"
        );
    }
}
