//! Addresses computed in 64 bits when their i32 arithmetic cannot wrap (`table_lookups.rs`):
//! lookups in a table at a constant address by a masked, shifted or loaded index read the
//! same bytes as before, and sums and shifts that may wrap still wrap, with both kinds of
//! bounds checks.

mod support;
use support::*;
use wasmaot_runtime::TrapKind;

/// A table of words `i * 3 + 1` at 1024 (filled by `fill`), and lookups in it.
const MODULE: &str = r#"(module
  (memory 1)
  (func (export "fill") (local $i i32)
    (loop $next
      (i32.store offset=1024 (i32.shl (local.get $i) (i32.const 2))
        (i32.add (i32.mul (local.get $i) (i32.const 3)) (i32.const 1)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 256)))))
  ;; table[x & 127], and the entry after it through the access's offset.
  (func (export "masked") (param $x i32) (result i32)
    (i32.add
      (i32.load (i32.add (i32.shl (i32.and (local.get $x) (i32.const 127)) (i32.const 2))
                         (i32.const 1024)))
      (i32.mul (i32.const 1000)
        (i32.load offset=4 (i32.add (i32.const 1024)
                                    (i32.shl (i32.and (local.get $x) (i32.const 127))
                                             (i32.const 2)))))))
  ;; table[(x >> 24)], and a byte of table[(x >> 24) & 15].
  (func (export "shifted") (param $x i32) (result i32)
    (i32.add
      (i32.load (i32.add (i32.shl (i32.shr_u (local.get $x) (i32.const 24)) (i32.const 2))
                         (i32.const 1024)))
      (i32.shl
        (i32.load8_u offset=1 (i32.add (i32.const 1024)
          (i32.shl (i32.and (i32.shr_u (local.get $x) (i32.const 24)) (i32.const 15))
                   (i32.const 2))))
        (i32.const 16))))
  ;; table[byte at p], the index loaded.
  (func (export "loaded") (param $p i32) (result i32)
    (i32.load (i32.add (i32.shl (i32.load8_u (local.get $p)) (i32.const 2)) (i32.const 1024))))
  ;; The scaled byte at p kept in a local for two lookups: table[b] + 1000 * table[b + 1].
  (func (export "kept") (param $p i32) (result i32) (local $scaled i32)
    (local.set $scaled (i32.shl (i32.load8_u (local.get $p)) (i32.const 2)))
    (i32.add
      (i32.load (i32.add (local.get $scaled) (i32.const 1024)))
      (i32.mul (i32.const 1000) (i32.load (i32.add (local.get $scaled) (i32.const 1028))))))
  ;; Sums and shifts of unknown values, which may wrap: x + 16, (x << 2) + 1024, and
  ;; (x & 0x7fffffff) + 0x7fffffff with an offset of 8 past that.
  (func (export "plus 16") (param $x i32) (result i32)
    (i32.load (i32.add (local.get $x) (i32.const 16))))
  (func (export "scaled") (param $x i32) (result i32)
    (i32.load (i32.add (i32.shl (local.get $x) (i32.const 2)) (i32.const 1024))))
  (func (export "far") (param $x i32) (result i32)
    (i32.load offset=8 (i32.add (i32.and (local.get $x) (i32.const 0x7fffffff))
                                (i32.const 0x7fffffff)))))"#;

fn entry(i: u32) -> i32 {
    (i * 3 + 1) as i32
}

#[test]
fn lookups_by_small_indexes_read_their_entries() {
    for (checks, m) in instances_both_checks(MODULE) {
        call(&m, "fill", &[]);
        for x in [0u32, 1, 77, 127, 128, 200, 0xffff_ffff, 0x8000_0005] {
            let i = x & 127;
            let want = entry(i) + 1000 * entry(i + 1);
            assert_eq!(
                call1(&m, "masked", &[i32(x as i32)]),
                i32(want),
                "{checks} {x:#x}"
            );
            let (hi, low) = (x >> 24, (x >> 24) & 15);
            let byte = (entry(low) >> 8) & 0xff;
            let want = entry(hi) + (byte << 16);
            assert_eq!(
                call1(&m, "shifted", &[i32(x as i32)]),
                i32(want),
                "{checks} {x:#x}"
            );
        }
        // Indexes read from the table itself: entry 0 is 1, entry 1 is 4, and entry 85 is 256,
        // whose low byte is 0.
        for (p, i) in [(1024, 1), (1028, 4), (1025, 0), (1024 + 4 * 85, 0)] {
            assert_eq!(
                call1(&m, "loaded", &[i32(p)]),
                i32(entry(i)),
                "{checks} {p}"
            );
            assert_eq!(
                call1(&m, "kept", &[i32(p)]),
                i32(entry(i) + 1000 * entry(i + 1)),
                "{checks} {p}"
            );
        }
    }
}

#[test]
fn sums_and_shifts_that_may_wrap_still_wrap() {
    for (checks, m) in instances_both_checks(MODULE) {
        call(&m, "fill", &[]);
        // -8 + 16 wraps to 8, which holds 0; 1024 - 16 + 16 is the table's first entry.
        assert_eq!(call1(&m, "plus 16", &[i32(-8)]), i32(0), "{checks}");
        assert_eq!(
            call1(&m, "plus 16", &[i32(1008)]),
            i32(entry(0)),
            "{checks}"
        );
        // 0x4000_0001 << 2 wraps to 4: the table's entry 1.
        let x = 0x4000_0001;
        assert_eq!(call1(&m, "scaled", &[i32(x)]), i32(entry(1)), "{checks}");
        assert_eq!(call1(&m, "scaled", &[i32(7)]), i32(entry(7)), "{checks}");
        // No wrap, and far past the memory's page: out of bounds.
        for x in [0, 1, -1] {
            let kind = trap(&m, "far", &[i32(x)]);
            assert_eq!(kind, TrapKind::OutOfBoundsMemory, "{checks} {x}");
        }
    }
}
