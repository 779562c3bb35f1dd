//! Loops whose unrolled copies become vector operations (`vector_loops.rs` in the compiler):
//! the loops C compilers emit for `c[j] += a * b[j]` and for four-lane integer updates, run
//! through the real pipeline with both kinds of bounds checks, against a model of the scalar
//! loop. Covered: arrays apart, overlapping either way by one element, the same array, a
//! loop running off the end of memory (the elements before the fault written, as the scalar
//! loop writes them), a counter that never reaches zero exactly, each small number of
//! iterations (which the copy leaves to the loop) and each around the fewest the copy takes
//! (16), odd and even (a loop that computes runs two per pass, after one alone for an odd
//! number; a loop that only moves data, `copy`, one per pass), loops whose counter or
//! pointers the code after them goes on from (`add_rest`, vectorised, and `copy_rest`, which
//! only moves data and stays as it is), loops whose lanes are also used one by one (left as
//! they are), and 16-bit elements in 32-bit lanes (zlib's hash slide, sums cut to 16 bits,
//! signed selects and minimums), and loops counted by a counter stepping past a bound
//! (C's `memcpy`, a loop counting up), including counters that wrap instead of meeting it.

mod support;
use support::*;
use wasmaot_runtime::{Instance, TrapKind, Val};

const MODULE: &str = r#"
(module
  (memory (export "mem") 1)

  ;; The doubles at [p, p + 8n) set to i + 0.25 + k.
  (func (export "fill") (param $p i32) (param $n i32) (param $k f64)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (f64.store (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.convert_i32_u (local.get $i)) (f64.add (f64.const 0.25) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; c[j] += a * b[j], two elements per iteration, counting n down to zero by two.
  (func (export "axpy") (param $a f64) (param $c i32) (param $b i32) (param $n i32)
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.mul (local.get $a) (f64.load (local.get $b))) (f64.load (local.get $c))))
      (f64.store offset=8 (local.get $c)
        (f64.add (f64.mul (local.get $a) (f64.load offset=8 (local.get $b)))
                 (f64.load offset=8 (local.get $c))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 2))))))

  ;; d[i] = s[i] ^ 0x55 + d[i] over four i32s per iteration, i stepping by 16 bytes to end.
  (func (export "mix") (param $d i32) (param $s i32) (param $end i32)
    (local $i i32)
    (loop $l
      (i32.store (i32.add (local.get $d) (local.get $i))
        (i32.add (i32.xor (i32.load (i32.add (local.get $s) (local.get $i))) (i32.const 0x55))
                 (i32.load (i32.add (local.get $d) (local.get $i)))))
      (i32.store offset=4 (i32.add (local.get $d) (local.get $i))
        (i32.add (i32.xor (i32.load offset=4 (i32.add (local.get $s) (local.get $i))) (i32.const 0x55))
                 (i32.load offset=4 (i32.add (local.get $d) (local.get $i)))))
      (i32.store offset=8 (i32.add (local.get $d) (local.get $i))
        (i32.add (i32.xor (i32.load offset=8 (i32.add (local.get $s) (local.get $i))) (i32.const 0x55))
                 (i32.load offset=8 (i32.add (local.get $d) (local.get $i)))))
      (i32.store offset=12 (i32.add (local.get $d) (local.get $i))
        (i32.add (i32.xor (i32.load offset=12 (i32.add (local.get $s) (local.get $i))) (i32.const 0x55))
                 (i32.load offset=12 (i32.add (local.get $d) (local.get $i)))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $end)))))

  ;; d[j] = s[j], two doubles per iteration, counting n down to zero by two (a loop that
  ;; only moves data keeps one iteration per pass).
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (loop $l
      (f64.store (local.get $d) (f64.load (local.get $s)))
      (f64.store offset=8 (local.get $d) (f64.load offset=8 (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 2))))))

  ;; d[j] += s[j] for n doubles, as clang makes the loop: two per iteration, counting i up
  ;; to n & -2, then the last one from i when n is odd. Returns i.
  (func (export "add_rest") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32) (local $p i32) (local $q i32)
    (if (i32.ge_u (local.get $n) (i32.const 2))
      (then
        (local.set $p (local.get $d))
        (local.set $q (local.get $s))
        (loop $l
          (f64.store (local.get $p)
            (f64.add (f64.load (local.get $p)) (f64.load (local.get $q))))
          (f64.store offset=8 (local.get $p)
            (f64.add (f64.load offset=8 (local.get $p)) (f64.load offset=8 (local.get $q))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $l (i32.ne (i32.and (local.get $n) (i32.const -2))
                            (local.tee $i (i32.add (local.get $i) (i32.const 2))))))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $p (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3))))
        (f64.store (local.get $p)
          (f64.add (f64.load (local.get $p))
                   (f64.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 3))))))))
    (local.get $i))

  ;; d[j] = s[j] for n doubles: two per iteration while two remain, then the last one when
  ;; n is odd. Returns the address after the last double written.
  (func (export "copy_rest") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $pairs i32)
    (if (i32.ge_u (local.get $n) (i32.const 2))
      (then
        (local.set $pairs (i32.and (local.get $n) (i32.const -2)))
        (loop $l
          (f64.store (local.get $d) (f64.load (local.get $s)))
          (f64.store offset=8 (local.get $d) (f64.load offset=8 (local.get $s)))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (local.set $s (i32.add (local.get $s) (i32.const 16)))
          (br_if $l (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 2)))))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $d) (f64.load (local.get $s)))
        (local.set $d (i32.add (local.get $d) (i32.const 8)))))
    (local.get $d))

  ;; The 16-bit elements at [p, p + 2n) set to (i * 40503 + k) & 0xffff.
  (func (export "fill16") (param $p i32) (param $n i32) (param $k i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store16 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1)))
          (i32.add (i32.mul (local.get $i) (i32.const 40503)) (local.get $k)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; zlib's hash slide as clang emits it: for the n 16-bit entries below p (n a multiple of
  ;; four), from the top down, m = h[j]; h[j] = m - w if that does not wrap, else 0; four
  ;; per iteration, at offsets 0, 6, 4 and 2 of a pointer stepping down by 8.
  (func (export "slide") (param $p i32) (param $n i32) (param $w i32)
    (local $m i32) (local $t i32)
    (local.set $p (i32.sub (local.get $p) (i32.const 8)))
    (loop $l
      (i32.store16 (local.get $p)
        (select (i32.const 0)
          (local.tee $t (i32.sub (local.tee $m (i32.load16_u (local.get $p))) (local.get $w)))
          (i32.gt_u (local.get $t) (local.get $m))))
      (i32.store16 offset=6 (local.get $p)
        (select (i32.const 0)
          (local.tee $t (i32.sub (local.tee $m (i32.load16_u offset=6 (local.get $p))) (local.get $w)))
          (i32.gt_u (local.get $t) (local.get $m))))
      (i32.store16 offset=4 (local.get $p)
        (select (i32.const 0)
          (local.tee $t (i32.sub (local.tee $m (i32.load16_u offset=4 (local.get $p))) (local.get $w)))
          (i32.gt_u (local.get $t) (local.get $m))))
      (i32.store16 offset=2 (local.get $p)
        (select (i32.const 0)
          (local.tee $t (i32.sub (local.tee $m (i32.load16_u offset=2 (local.get $p))) (local.get $w)))
          (i32.gt_u (local.get $t) (local.get $m))))
      (local.set $p (i32.sub (local.get $p) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 4))))))

  ;; d[j] = s[j] + k over 16-bit elements, cut to 16 bits, four per iteration, counting n
  ;; down by four.
  (func (export "add16") (param $d i32) (param $s i32) (param $n i32) (param $k i32)
    (loop $l
      (i32.store16 (local.get $d) (i32.add (i32.load16_u (local.get $s)) (local.get $k)))
      (i32.store16 offset=2 (local.get $d)
        (i32.add (i32.load16_u offset=2 (local.get $s)) (local.get $k)))
      (i32.store16 offset=4 (local.get $d)
        (i32.add (i32.load16_u offset=4 (local.get $s)) (local.get $k)))
      (i32.store16 offset=6 (local.get $d)
        (i32.add (i32.load16_u offset=6 (local.get $s)) (local.get $k)))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 4))))))

  ;; d[j] = s[j] > k ? s[j] - k : s[j] + k over signed 16-bit elements (a select whose
  ;; sides both vary), four per iteration, counting n down by four.
  (func (export "fold16") (param $d i32) (param $s i32) (param $n i32) (param $k i32)
    (local $x i32)
    (loop $l
      (i32.store16 (local.get $d)
        (select (i32.sub (local.tee $x (i32.load16_s (local.get $s))) (local.get $k))
                (i32.add (local.get $x) (local.get $k))
                (i32.gt_s (local.get $x) (local.get $k))))
      (i32.store16 offset=2 (local.get $d)
        (select (i32.sub (local.tee $x (i32.load16_s offset=2 (local.get $s))) (local.get $k))
                (i32.add (local.get $x) (local.get $k))
                (i32.gt_s (local.get $x) (local.get $k))))
      (i32.store16 offset=4 (local.get $d)
        (select (i32.sub (local.tee $x (i32.load16_s offset=4 (local.get $s))) (local.get $k))
                (i32.add (local.get $x) (local.get $k))
                (i32.gt_s (local.get $x) (local.get $k))))
      (i32.store16 offset=6 (local.get $d)
        (select (i32.sub (local.tee $x (i32.load16_s offset=6 (local.get $s))) (local.get $k))
                (i32.add (local.get $x) (local.get $k))
                (i32.gt_s (local.get $x) (local.get $k))))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 4))))))

  ;; d[j] = min(s[j], k) over signed 16-bit elements (a select the mid-end makes a
  ;; minimum), four per iteration, counting n down by four.
  (func (export "min16") (param $d i32) (param $s i32) (param $n i32) (param $k i32)
    (local $x i32)
    (loop $l
      (i32.store16 (local.get $d)
        (select (local.get $k) (local.tee $x (i32.load16_s (local.get $s)))
          (i32.gt_s (local.get $x) (local.get $k))))
      (i32.store16 offset=2 (local.get $d)
        (select (local.get $k) (local.tee $x (i32.load16_s offset=2 (local.get $s)))
          (i32.gt_s (local.get $x) (local.get $k))))
      (i32.store16 offset=4 (local.get $d)
        (select (local.get $k) (local.tee $x (i32.load16_s offset=4 (local.get $s)))
          (i32.gt_s (local.get $x) (local.get $k))))
      (i32.store16 offset=6 (local.get $d)
        (select (local.get $k) (local.tee $x (i32.load16_s offset=6 (local.get $s)))
          (i32.gt_s (local.get $x) (local.get $k))))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 4))))))

  ;; d[j] = s[j] + 7 over four i32s per iteration, counting n down by four, returning the
  ;; sum of the s[j]: each loaded value also feeds the sum, which the copy must compute
  ;; from it, so the loop stays as it is.
  (func (export "add_sum") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $sum i32) (local $x i32)
    (loop $l
      (i32.store (local.get $d) (i32.add (local.tee $x (i32.load (local.get $s))) (i32.const 7)))
      (local.set $sum (i32.add (local.get $sum) (local.get $x)))
      (i32.store offset=4 (local.get $d) (i32.add (local.tee $x (i32.load offset=4 (local.get $s))) (i32.const 7)))
      (local.set $sum (i32.add (local.get $sum) (local.get $x)))
      (i32.store offset=8 (local.get $d) (i32.add (local.tee $x (i32.load offset=8 (local.get $s))) (i32.const 7)))
      (local.set $sum (i32.add (local.get $sum) (local.get $x)))
      (i32.store offset=12 (local.get $d) (i32.add (local.tee $x (i32.load offset=12 (local.get $s))) (i32.const 7)))
      (local.set $sum (i32.add (local.get $sum) (local.get $x)))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 4)))))
    (local.get $sum))

  ;; d[j] = s[j] + s[0] over two doubles per iteration (s[0] of the iteration: the first
  ;; lane's value added to both lanes), counting n down by two.
  (func (export "add_first") (param $d i32) (param $s i32) (param $n i32)
    (local $x f64)
    (loop $l
      (f64.store (local.get $d) (f64.add (local.tee $x (f64.load (local.get $s))) (local.get $x)))
      (f64.store offset=8 (local.get $d) (f64.add (f64.load offset=8 (local.get $s)) (local.get $x)))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 2))))))

;; The i32 at p + 4j + 2 set to the one at p + 4j plus 1, four per iteration, counting n
  ;; down by four: each lane reads two bytes the lane before wrote, through the same
  ;; pointer, so the loop stays as it is.
  (func (export "carry") (param $p i32) (param $n i32)
    (loop $l
      (i32.store offset=2 (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
      (i32.store offset=6 (local.get $p) (i32.add (i32.load offset=4 (local.get $p)) (i32.const 1)))
      (i32.store offset=10 (local.get $p) (i32.add (i32.load offset=8 (local.get $p)) (i32.const 1)))
      (i32.store offset=14 (local.get $p) (i32.add (i32.load offset=12 (local.get $p)) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 4))))))

  (func (export "get") (param $p i32) (result i64) (i64.load (local.get $p)))

  ;; FNV-style hash of all of memory, eight bytes at a time.
  (func (export "hash") (result i64)
    (local $p i32) (local $h i64)
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $p)))
                             (i64.const 0x100000001b3)))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 8)))
                        (i32.const 65536))))
    (local.get $h))
)
"#;

/// wasi-libc's memcpy loop: four i64s an iteration from s to d, n counting down by 32 while
/// it stays past its bound (unsigned), `GO_ON` (of `$n`): `n > 15` ("copy32"), `n >= 16`
/// ("copy32_ge") or `15 < n` ("copy32_bound_first"). Returns d + s + n, from which the code
/// after the loop goes on.
const COPY32: &str = r#"
  (func (export "NAME") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (loop $l
      (i64.store (local.get $d) (i64.load (local.get $s)))
      (i64.store (i32.add (local.get $d) (i32.const 8))
        (i64.load (i32.add (local.get $s) (i32.const 8))))
      (i64.store (i32.add (local.get $d) (i32.const 16))
        (i64.load (i32.add (local.get $s) (i32.const 16))))
      (i64.store (i32.add (local.get $d) (i32.const 24))
        (i64.load (i32.add (local.get $s) (i32.const 24))))
      (local.set $d (i32.add (local.get $d) (i32.const 32)))
      (local.set $s (i32.add (local.get $s) (i32.const 32)))
      (local.set $n (i32.sub (local.get $n) (i32.const 32)))
      (br_if $l GO_ON))
    (i32.add (i32.add (local.get $d) (local.get $s)) (local.get $n)))
"#;

/// d[i] += s[i] over four i32s an iteration, i counting up by 4 while `i < n` ("add_upto",
/// `CC` `lt_u`) or `i <= n` ("add_upto_le", `le_u`); returns i.
const ADD_UPTO: &str = r#"
  (func (export "NAME") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $d)
        (i32.add (i32.load (local.get $d)) (i32.load (local.get $s))))
      (i32.store offset=4 (local.get $d)
        (i32.add (i32.load offset=4 (local.get $d)) (i32.load offset=4 (local.get $s))))
      (i32.store offset=8 (local.get $d)
        (i32.add (i32.load offset=8 (local.get $d)) (i32.load offset=8 (local.get $s))))
      (i32.store offset=12 (local.get $d)
        (i32.add (i32.load offset=12 (local.get $d)) (i32.load offset=12 (local.get $s))))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $l (i32.CC (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                        (local.get $n))))
    (local.get $i))
"#;

/// [`MODULE`] with the forms of [`COPY32`] and [`ADD_UPTO`].
fn module() -> String {
    let module = MODULE.trim_end().strip_suffix(')').expect("a module");
    let mut text = module.to_string();
    for (name, go_on) in [
        ("copy32", "(i32.gt_u (local.get $n) (i32.const 15))"),
        ("copy32_ge", "(i32.ge_u (local.get $n) (i32.const 16))"),
        (
            "copy32_bound_first",
            "(i32.lt_u (i32.const 15) (local.get $n))",
        ),
    ] {
        text += &COPY32.replace("NAME", name).replace("GO_ON", go_on);
    }
    for (name, cc) in [("add_upto", "lt_u"), ("add_upto_le", "le_u")] {
        text += &ADD_UPTO.replace("NAME", name).replace("CC", cc);
    }
    text + ")"
}

const PAGE: usize = 65536;

/// The memory as the module leaves it: `fill`'s doubles, then the scalar loop of `axpy`.
struct Model {
    bytes: Vec<u8>,
}

impl Model {
    fn new() -> Model {
        Model {
            bytes: vec![0; PAGE],
        }
    }

    fn fill(&mut self, p: usize, n: usize, k: f64) {
        for i in 0..n {
            self.set_f64(p + 8 * i, i as f64 + (0.25 + k));
        }
    }

    fn f64(&self, p: usize) -> Option<f64> {
        let b = self.bytes.get(p..p + 8)?;
        Some(f64::from_le_bytes(b.try_into().unwrap()))
    }

    fn set_f64(&mut self, p: usize, v: f64) {
        self.bytes[p..p + 8].copy_from_slice(&v.to_le_bytes());
    }

    fn hash(&self) -> i64 {
        self.bytes.chunks(8).fold(0u64, |h, chunk| {
            let x = u64::from_le_bytes(chunk.try_into().unwrap());
            (h ^ x).wrapping_mul(0x100000001b3)
        }) as i64
    }

    fn fill16(&mut self, p: usize, n: usize, k: u32) {
        for i in 0..n {
            let v = (i as u32).wrapping_mul(40503).wrapping_add(k) as u16;
            self.bytes[p + 2 * i..p + 2 * i + 2].copy_from_slice(&v.to_le_bytes());
        }
    }

    fn u16(&self, p: u32) -> Option<u16> {
        let b = self.bytes.get(p as usize..p as usize + 2)?;
        Some(u16::from_le_bytes(b.try_into().unwrap()))
    }

    /// Writes `v` at `p`; false when that traps.
    fn set_u16(&mut self, p: u32, v: u16) -> bool {
        let Some(b) = self.bytes.get_mut(p as usize..p as usize + 2) else {
            return false;
        };
        b.copy_from_slice(&v.to_le_bytes());
        true
    }

    /// A loop as the module's counted loops run it: `round(model, d, s)` (`None` when it
    /// traps), then `d` and `s` step by `step` and `n` counts down by `lanes`, until `n` is
    /// zero. False when a round traps.
    fn counted(
        &mut self,
        (mut d, mut s, mut n): (u32, u32, u32),
        (step, lanes): (u32, u32),
        mut round: impl FnMut(&mut Model, u32, u32) -> Option<()>,
    ) -> bool {
        loop {
            if round(self, d, s).is_none() {
                return false;
            }
            d = d.wrapping_add(step);
            s = s.wrapping_add(step);
            n = n.wrapping_sub(lanes);
            if n == 0 {
                return true;
            }
        }
    }

    fn set_i32(&mut self, p: u32, v: i32) -> Option<()> {
        let p = p as usize;
        self.bytes
            .get_mut(p..p + 4)?
            .copy_from_slice(&v.to_le_bytes());
        Some(())
    }

    /// `slide` as the wasm does it (its pointer stepping down); false when it traps.
    fn slide(&mut self, p: u32, n: u32, w: u32) -> bool {
        let p = p.wrapping_sub(8);
        self.counted((p, p, n), (8u32.wrapping_neg(), 4), |model, p, _| {
            for offset in [0, 6, 4, 2] {
                let at = p.wrapping_add(offset);
                let m = u32::from(model.u16(at)?);
                let t = m.wrapping_sub(w);
                let v = if t > m { 0 } else { t };
                model.set_u16(at, v as u16).then_some(())?;
            }
            Some(())
        })
    }

    /// `add16`, `fold16` or `min16` as the wasm does them; false when they trap.
    fn lanes16(&mut self, op: Op16, d: u32, s: u32, n: u32, k: u32) -> bool {
        let k = k as i32;
        self.counted((d, s, n), (8, 4), |model, d, s| {
            for offset in [0, 2, 4, 6] {
                let x = model.u16(s.wrapping_add(offset))? as i16 as i32;
                let v = match op {
                    Op16::Add => (x as u16 as i32).wrapping_add(k),
                    Op16::Fold if x > k => x.wrapping_sub(k),
                    Op16::Fold => x.wrapping_add(k),
                    Op16::Min => x.min(k),
                };
                model
                    .set_u16(d.wrapping_add(offset), v as u16)
                    .then_some(())?;
            }
            Some(())
        })
    }

    /// `add_first` as the wasm does it; false when it traps.
    fn add_first(&mut self, d: u32, s: u32, n: u32) -> bool {
        self.counted((d, s, n), (16, 2), |model, d, s| {
            let first = model.f64(s as usize)?;
            for offset in [0, 8] {
                let x = model.f64(s.wrapping_add(offset) as usize)?;
                let at = d.wrapping_add(offset) as usize;
                (at + 8 <= PAGE).then_some(())?;
                model.set_f64(at, x + first);
            }
            Some(())
        })
    }

    /// `carry` as the wasm does it; false when it traps.
    fn carry(&mut self, p: u32, n: u32) -> bool {
        self.counted((p, p, n), (16, 4), |model, p, _| {
            for offset in [0, 4, 8, 12] {
                let x = model.i32(p.wrapping_add(offset) as usize)?;
                model.set_i32(p.wrapping_add(offset + 2), x.wrapping_add(1))?;
            }
            Some(())
        })
    }

    /// `add_sum` as the wasm does it: the sum, `None` when it traps.
    fn add_sum(&mut self, d: u32, s: u32, n: u32) -> Option<u32> {
        let mut sum = 0u32;
        let done = self.counted((d, s, n), (16, 4), |model, d, s| {
            for offset in [0, 4, 8, 12] {
                let x = model.i32(s.wrapping_add(offset) as usize)?;
                model.set_i32(d.wrapping_add(offset), x.wrapping_add(7))?;
                sum = sum.wrapping_add(x as u32);
            }
            Some(())
        });
        done.then_some(sum)
    }

    fn i32(&self, p: usize) -> Option<i32> {
        let b = self.bytes.get(p..p + 4)?;
        Some(i32::from_le_bytes(b.try_into().unwrap()))
    }

    /// `axpy` as the wasm does it, one access at a time; false when it traps.
    fn axpy(&mut self, a: f64, mut c: u32, mut b: u32, mut n: u32) -> bool {
        loop {
            for lane in 0..2 {
                let (cl, bl) = (c as usize + 8 * lane, b as usize + 8 * lane);
                let Some(x) = self.f64(bl) else { return false };
                let Some(y) = self.f64(cl) else { return false };
                if cl + 8 > PAGE {
                    return false;
                }
                self.set_f64(cl, a * x + y);
            }
            c = c.wrapping_add(16);
            b = b.wrapping_add(16);
            n = n.wrapping_sub(2);
            if n == 0 {
                return true;
            }
        }
    }

    /// `copy` as the wasm does it; false when it traps.
    fn copy(&mut self, mut d: u32, mut s: u32, mut n: u32) -> bool {
        loop {
            for lane in 0..2 {
                let (dl, sl) = (d as usize + 8 * lane, s as usize + 8 * lane);
                let Some(x) = self.f64(sl) else { return false };
                if dl + 8 > PAGE {
                    return false;
                }
                self.set_f64(dl, x);
            }
            d = d.wrapping_add(16);
            s = s.wrapping_add(16);
            n = n.wrapping_sub(2);
            if n == 0 {
                return true;
            }
        }
    }

    /// `copy_rest` as the wasm does it: what it returns, `None` when it traps.
    fn copy_rest(&mut self, mut d: u32, mut s: u32, n: u32) -> Option<u32> {
        if n >= 2 {
            if !self.copy(d, s, n & !1) {
                return None;
            }
            let bytes = 8 * (n & !1);
            d = d.wrapping_add(bytes);
            s = s.wrapping_add(bytes);
        }
        if n & 1 == 1 {
            let x = self.f64(s as usize)?;
            if d as usize + 8 > PAGE {
                return None;
            }
            self.set_f64(d as usize, x);
            d = d.wrapping_add(8);
        }
        Some(d)
    }

    /// `add_rest` as the wasm does it: what it returns, `None` when it traps.
    fn add_rest(&mut self, d: u32, s: u32, n: u32) -> Option<u32> {
        let add = |model: &mut Model, j: u32| {
            let dl = d.wrapping_add(j.wrapping_mul(8)) as usize;
            let sl = s.wrapping_add(j.wrapping_mul(8)) as usize;
            let sum = model.f64(dl)? + model.f64(sl)?;
            model.set_f64(dl, sum);
            Some(())
        };
        let mut i = 0u32;
        if n >= 2 {
            loop {
                add(self, i)?;
                add(self, i + 1)?;
                i = i.wrapping_add(2);
                if n & !1 == i {
                    break;
                }
            }
        }
        if n & 1 == 1 {
            add(self, i)?;
        }
        Some(i)
    }

    /// `copy32` (and its other forms, `go_on` their condition) as the wasm does it: what it
    /// returns, `None` when it traps.
    fn copy32(
        &mut self,
        mut d: u32,
        mut s: u32,
        mut n: u32,
        go_on: fn(u32) -> bool,
    ) -> Option<u32> {
        loop {
            for k in [0, 8, 16, 24] {
                let from = s.wrapping_add(k) as usize;
                let to = d.wrapping_add(k) as usize;
                let bytes: [u8; 8] = self.bytes.get(from..from + 8)?.try_into().unwrap();
                self.bytes.get_mut(to..to + 8)?.copy_from_slice(&bytes);
            }
            d = d.wrapping_add(32);
            s = s.wrapping_add(32);
            n = n.wrapping_sub(32);
            if !go_on(n) {
                return Some(d.wrapping_add(s).wrapping_add(n));
            }
        }
    }

    /// `add_upto` (`add_upto_le` when `inclusive`) as the wasm does it: what it returns,
    /// `None` when it traps.
    fn add_upto(&mut self, mut d: u32, mut s: u32, n: u32, inclusive: bool) -> Option<u32> {
        let mut i = 0u32;
        loop {
            for k in [0, 4, 8, 12] {
                let x = self.i32(d as usize + k)?;
                let y = self.i32(s as usize + k)?;
                self.set_i32(d + k as u32, x.wrapping_add(y))?;
            }
            d = d.wrapping_add(16);
            s = s.wrapping_add(16);
            i = i.wrapping_add(4);
            if !(i < n || (inclusive && i == n)) {
                return Some(i);
            }
        }
    }

    fn mix(&mut self, d: u32, s: u32, end: u32) -> bool {
        let mut i = 0u32;
        loop {
            for lane in 0..4 {
                let dl = d.wrapping_add(i) as usize + 4 * lane;
                let sl = s.wrapping_add(i) as usize + 4 * lane;
                let Some(x) = self.i32(sl) else { return false };
                let Some(y) = self.i32(dl) else { return false };
                if dl + 4 > PAGE {
                    return false;
                }
                let v = (x ^ 0x55).wrapping_add(y);
                self.bytes[dl..dl + 4].copy_from_slice(&v.to_le_bytes());
            }
            i = i.wrapping_add(16);
            if i == end {
                return true;
            }
        }
    }
}

/// Runs `run` on a fresh instance and on the model, then compares all of memory.
fn check(label: &str, setup: &[(usize, usize, f64)], run: Run) {
    for (mode, instance) in instances_both_checks(&module()) {
        check_on(&instance, &format!("{label} ({mode})"), setup, run);
    }
}

/// Runs `run` on `instance` (its memory set up from zero again) and on the model, then
/// compares all of memory.
fn check_on(instance: &Instance, label: &str, setup: &[(usize, usize, f64)], run: Run) {
    let mut model = Model::new();
    call(
        instance,
        "fill",
        &[i32(0), i32(PAGE as i32 / 8), f64(-0.25)],
    );
    model.fill(0, PAGE / 8, -0.25);
    for &(p, n, k) in setup {
        model.fill(p, n, k);
        call(instance, "fill", &[i32(p as i32), i32(n as i32), f64(k)]);
    }
    if let Run::Slide { .. } | Run::Lanes16 { .. } = run {
        let (n, k) = (PAGE / 2, 0x1234);
        model.fill16(0, n, k);
        call(instance, "fill16", &[i32(0), i32(n as i32), i32(k as i32)]);
    }
    // The name, the arguments, whether it completes and what it returns.
    let (name, args, completes, returns) = match run {
        Run::Axpy { a, c, b, n } => (
            "axpy",
            vec![f64(a), i32(c as i32), i32(b as i32), i32(n as i32)],
            model.axpy(a, c, b, n),
            None,
        ),
        Run::Copy { d, s, n } => unsigned("copy", &[d, s, n], model.copy(d, s, n)),
        Run::Copy32 { form, d, s, n } => {
            let (name, go_on): (&str, fn(u32) -> bool) = match form {
                Past::Above => ("copy32", |n| n > 15),
                Past::AtLeast => ("copy32_ge", |n| n >= 16),
                Past::BoundFirst => ("copy32_bound_first", |n| 15 < n),
            };
            returning(name, model.copy32(d, s, n, go_on), [d, s, n])
        }
        Run::AddUpto { inclusive, d, s, n } => {
            let name = if inclusive { "add_upto_le" } else { "add_upto" };
            returning(name, model.add_upto(d, s, n, inclusive), [d, s, n])
        }
        Run::AddRest { d, s, n } => returning("add_rest", model.add_rest(d, s, n), [d, s, n]),
        Run::CopyRest { d, s, n } => returning("copy_rest", model.copy_rest(d, s, n), [d, s, n]),
        Run::AddSum { d, s, n } => returning("add_sum", model.add_sum(d, s, n), [d, s, n]),
        Run::Carry { p, n } => unsigned("carry", &[p, n], model.carry(p, n)),
        Run::AddFirst { d, s, n } => unsigned("add_first", &[d, s, n], model.add_first(d, s, n)),
        Run::Mix { d, s, end } => unsigned("mix", &[d, s, end], model.mix(d, s, end)),
        Run::Slide { p, n, w } => unsigned("slide", &[p, n, w], model.slide(p, n, w)),
        Run::Lanes16 { op, d, s, n, k } => {
            let name = match op {
                Op16::Add => "add16",
                Op16::Fold => "fold16",
                Op16::Min => "min16",
            };
            unsigned(name, &[d, s, n, k], model.lanes16(op, d, s, n, k))
        }
    };
    match completes {
        true => {
            let results = call(instance, name, &args);
            if let Some(want) = returns {
                assert_eq!(results[0].unwrap_i32() as u32, want, "{label}: returned");
            }
        }
        false => assert_eq!(
            trap(instance, name, &args),
            TrapKind::OutOfBoundsMemory,
            "{label}"
        ),
    }
    if call1(instance, "hash", &[]).unwrap_i64() == model.hash() {
        return;
    }
    for p in (0..PAGE).step_by(8) {
        let got = call1(instance, "get", &[i32(p as i32)]).unwrap_i64();
        let want = i64::from_le_bytes(model.bytes[p..p + 8].try_into().unwrap());
        assert_eq!(got, want, "{label}: bytes at {p}");
    }
    panic!("{label}: hashes differ, bytes equal");
}

/// A call of a function of i32s that returns nothing: its name, arguments and whether it
/// completes.
fn unsigned(
    name: &'static str,
    args: &[u32],
    completes: bool,
) -> (&'static str, Vec<Val>, bool, Option<u32>) {
    let args = args.iter().map(|&a| i32(a as i32)).collect();
    (name, args, completes, None)
}

/// A call of a function of three i32s that returns one: its name, arguments, whether it
/// completes and what it returns (`returns`, `None` when it traps).
fn returning(
    name: &'static str,
    returns: Option<u32>,
    args: [u32; 3],
) -> (&'static str, Vec<Val>, bool, Option<u32>) {
    let args = args.iter().map(|&a| i32(a as i32)).collect();
    (name, args, returns.is_some(), returns)
}

/// The forms of `copy32`'s condition.
#[derive(Clone, Copy, Debug)]
enum Past {
    Above,
    AtLeast,
    BoundFirst,
}

#[derive(Clone, Copy, Debug)]
enum Run {
    Copy32 {
        form: Past,
        d: u32,
        s: u32,
        n: u32,
    },
    AddUpto {
        inclusive: bool,
        d: u32,
        s: u32,
        n: u32,
    },
    Axpy {
        a: f64,
        c: u32,
        b: u32,
        n: u32,
    },
    Copy {
        d: u32,
        s: u32,
        n: u32,
    },
    AddRest {
        d: u32,
        s: u32,
        n: u32,
    },
    CopyRest {
        d: u32,
        s: u32,
        n: u32,
    },
    AddSum {
        d: u32,
        s: u32,
        n: u32,
    },
    AddFirst {
        d: u32,
        s: u32,
        n: u32,
    },
    Carry {
        p: u32,
        n: u32,
    },
    Mix {
        d: u32,
        s: u32,
        end: u32,
    },
    Slide {
        p: u32,
        n: u32,
        w: u32,
    },
    Lanes16 {
        op: Op16,
        d: u32,
        s: u32,
        n: u32,
        k: u32,
    },
}

/// The loops of 16-bit elements `Run::Lanes16` runs.
#[derive(Clone, Copy, Debug)]
enum Op16 {
    Add,
    Fold,
    Min,
}

#[test]
fn axpy_with_arrays_apart_overlapping_or_the_same() {
    let setup = [(0, 2048, 0.0), (16384, 64, 100.0)];
    for (label, c, b, n) in [
        ("apart", 16384, 0, 64),
        ("two elements", 16384, 8, 2),
        ("b one element below c", 16384, 16384 - 8, 64),
        ("b one element above c", 16384, 16384 + 8, 64),
        ("b two elements below c", 16384, 16384 - 16, 64),
        ("the same array", 16384, 16384, 64),
        ("c at an odd address", 16385, 0, 32),
    ] {
        check(label, &setup, Run::Axpy { a: 1.5, c, b, n });
    }
}

/// The vector copy of a loop that computes runs two iterations per pass, after one alone
/// when their number is odd; that of a loop only moving data, one per pass: each number of
/// iterations from one to seven (left to the loop) and from 15 to 20, for each kind.
#[test]
fn small_iteration_counts_odd_and_even() {
    let setup = [(0, 2048, 0.0), (16384, 64, 100.0)];
    for iterations in (1..=7u32).chain(15..=20) {
        let (n, end) = (2 * iterations, 16 * iterations);
        for run in [
            Run::Axpy {
                a: 1.5,
                c: 16384,
                b: 8,
                n,
            },
            Run::Copy { d: 16384, s: 8, n },
            Run::Mix {
                d: 8192,
                s: 8196,
                end,
            },
        ] {
            check(&format!("{run:?}, {iterations} iterations"), &setup, run);
        }
    }
}

/// Loops whose counter or pointers the code after them goes on from, with each count from
/// one to nine and from 30 to 35, arrays apart or overlapping by one element either way, and running off the
/// end of memory; and loops whose lanes are also used one by one (a sum of the elements
/// loaded, the first lane added to every lane, each lane reading what the one before wrote),
/// which stay as they are.
#[test]
fn values_used_after_the_loop() {
    let setup = [(0, 2048, 0.0), (16384, 64, 100.0)];
    for n in (1..=9u32).chain(30..=35) {
        for (label, d, s) in [
            ("apart", 16384, 8),
            ("s one element above d", 16384, 16392),
            ("s one element below d", 16384, 16376),
        ] {
            check(
                &format!("add, {label}, {n}"),
                &setup,
                Run::AddRest { d, s, n },
            );
            check(
                &format!("copy, {label}, {n}"),
                &setup,
                Run::CopyRest { d, s, n },
            );
        }
    }
    for n in [4, 8, 64] {
        check(
            &format!("add and sum, {n}"),
            &setup,
            Run::AddSum { d: 16384, s: 8, n },
        );
        let run = Run::AddFirst { d: 16384, s: 8, n };
        check(&format!("add the first, {n}"), &setup, run);
        let run = Run::Carry {
            p: 16384,
            n: 16 * n,
        };
        check(&format!("carry, {n}"), &setup, run);
    }
    let (d, s, n) = (PAGE as u32 - 64, 0, 20);
    check("add off the end", &setup, Run::AddRest { d, s, n });
    check("copy off the end", &setup, Run::CopyRest { d, s, n });
}

#[test]
fn axpy_running_off_the_end_writes_what_the_scalar_loop_writes() {
    let setup = [(0, 2048, 0.0), (PAGE - 512, 64, 7.0)];
    // The last pair's second element is the first past the end: its first is written.
    let run = Run::Axpy {
        a: -0.5,
        c: (PAGE - 512 + 8) as u32,
        b: 0,
        n: 64,
    };
    check("off the end", &setup, run);
    // An odd count steps past zero: the loop runs until c leaves memory.
    let run = Run::Axpy {
        a: 2.0,
        c: (PAGE - 4096) as u32,
        b: 0,
        n: 7,
    };
    check("odd count", &setup, run);
}

#[test]
fn four_lane_integer_updates_with_overlaps() {
    let setup = [(0, 1024, 3.0), (8192, 512, 9.0)];
    for (label, d, s, end) in [
        ("apart", 8192, 0, 1024),
        ("s one lane above d", 8192, 8196, 1024),
        ("s one lane below d", 8192, 8188, 1024),
        ("in place", 8192, 8192, 512),
        ("end never met exactly", PAGE as u32 - 4096, 0, 4100),
    ] {
        check(label, &setup, Run::Mix { d, s, end });
    }
}

#[test]
fn random_placements_counts_and_overlaps() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    let setup = [(4096, 4096, 1.0)];
    for (mode, instance) in instances_both_checks(&module()) {
        for round in 0..150 {
            let near = next(4) == 0;
            let c = match near {
                true => PAGE as u64 - 8 * next(80) - next(2) * 4,
                false => next(PAGE as u64 - 4096) & !next(2).wrapping_mul(7),
            } as u32;
            let delta = match next(3) {
                0 => next(81) as i64 - 40,
                1 => 8 * (next(11) as i64 - 5),
                _ => next(PAGE as u64) as i64 - c as i64,
            };
            let b = (c as i64 + delta).clamp(0, PAGE as i64 - 1) as u32;
            let n = match next(5) {
                0 => 2 * next(4) as u32 + 1,
                _ => 2 * (1 + next(100) as u32),
            };
            let a = next(9) as f64 - 4.5;
            let label = format!("axpy {round} ({mode}): c {c}, b {b}, n {n}");
            check_on(&instance, &label, &setup, Run::Axpy { a, c, b, n });

            let d = (c & !3).min(PAGE as u32 - 16);
            let s = (d as i64 + 4 * (next(9) as i64 - 4)).clamp(0, PAGE as i64 - 16) as u32;
            let end = match next(4) {
                0 => 16 * next(200) as u32 + 4,
                _ => 16 * (1 + next(200) as u32),
            };
            let label = format!("mix {round} ({mode}): d {d}, s {s}, end {end}");
            check_on(&instance, &label, &setup, Run::Mix { d, s, end });

            // 16-bit lanes: a count of 4 to 400 elements, arrays up to eight lanes apart
            // (the slide, at an even or odd address, may run off the bottom of memory).
            let n = 4 * (1 + next(100) as u32);
            let d = (c & !1).min(PAGE as u32 - 16) | next(2) as u32;
            let s = (d as i64 + 2 * (next(17) as i64 - 8)).clamp(0, PAGE as i64 - 2) as u32;
            let k = next(0x2_0000) as u32;
            let op = [Op16::Add, Op16::Fold, Op16::Min][next(3) as usize];
            let run = Run::Lanes16 { op, d, s, n, k };
            check_on(
                &instance,
                &format!("{round} ({mode}): {run:?}"),
                &setup,
                run,
            );
            let run = Run::Slide { p: d, n, w: k };
            check_on(
                &instance,
                &format!("{round} ({mode}): {run:?}"),
                &setup,
                run,
            );
        }
    }
}

/// 16-bit elements in 32-bit lanes: zlib's hash slide (a select on an unsigned compare of
/// values each used twice, from the top down) for numbers of iterations below and around the
/// fewest the copy takes, windows from none to more than any element, and off the bottom of
/// memory.
#[test]
fn sixteen_bit_slide() {
    for iterations in [1, 2, 3, 14, 15, 16, 17, 18, 19, 64] {
        for w in [0, 1, 0x1234, 0x8000, 0xffff, 0x1_0000, u32::MAX] {
            let run = Run::Slide {
                p: 20000,
                n: 4 * iterations,
                w,
            };
            check(&format!("{run:?}"), &[], run);
        }
    }
    // From 64 bytes up, past zero: the first 32 entries slide, then the loop leaves memory.
    check(
        "off the bottom",
        &[],
        Run::Slide {
            p: 64,
            n: 160,
            w: 7,
        },
    );
    check(
        "at the top",
        &[],
        Run::Slide {
            p: PAGE as u32,
            n: 64,
            w: 7,
        },
    );
    check(
        "at an odd address",
        &[],
        Run::Slide {
            p: 999,
            n: 64,
            w: 300,
        },
    );
}

/// 16-bit sums cut to 16 bits, signed selects and signed minimums, with arrays apart, the same, and
/// overlapping by one to four lanes either way, and running off the end of memory.
#[test]
fn sixteen_bit_lanes_with_overlaps() {
    for (label, d, s, n) in [
        ("apart", 8192, 0, 64),
        ("in place", 8192, 8192, 64),
        ("s one lane above d", 8192, 8194, 64),
        ("s one lane below d", 8192, 8190, 64),
        ("s three lanes below d", 8192, 8186, 64),
        ("s four lanes below d", 8192, 8184, 64),
        ("odd addresses", 8193, 3001, 32),
        ("off the end", PAGE as u32 - 40, 0, 64),
        ("one iteration", 8192, 0, 4),
        ("three iterations", 8192, 0, 12),
        ("sixteen iterations", 8192, 0, 64),
        ("seventeen iterations", 8192, 0, 68),
    ] {
        // Small, past 16 bits, negative as 16 bits and as 32.
        for k in [1, 0x1_2345, 0x8000, 0xffff_8000] {
            for op in [Op16::Add, Op16::Fold, Op16::Min] {
                let run = Run::Lanes16 { op, d, s, n, k };
                check(&format!("{label}: {run:?}"), &[], run);
            }
        }
    }
}

/// Loops counted by a counter stepping past an invariant bound (C's `memcpy`, a copy loop
/// whose pointers and count the code after it goes on from; and a loop counting up that
/// computes): counts below, around and well above the fewest iterations the copy takes
/// (16), counts whose counter wraps past zero instead of meeting the bound (the loop then
/// runs on until it leaves memory, as the copy must not stop it sooner), arrays apart,
/// overlapping by less than an iteration either way, the same, and running off the end of
/// memory.
#[test]
fn counters_stepping_past_a_bound() {
    let setup = [(0, 4096, 0.5)];
    let counts = (0..=40u32)
        .chain([480, 495, 496, 511, 512, 513, 527, 528, 543, 544, 559, 560])
        .chain([1000, 1008, 1024, 4096, 4100, 4111, 4112, 4127]);
    for (mode, instance) in instances_both_checks(&module()) {
        for n in counts.clone() {
            for (label, d, s) in [
                ("apart", 16384, 0),
                ("s 8 above d", 16384, 16392),
                ("s 8 below d", 16384, 16376),
                ("s 24 below d", 16384, 16360),
                ("the same", 16384, 16384),
                ("near the end", PAGE as u32 - 2048, 1024),
            ] {
                for form in [Past::Above, Past::AtLeast, Past::BoundFirst] {
                    let run = Run::Copy32 { form, d, s, n };
                    check_on(
                        &instance,
                        &format!("{label} ({mode}): {run:?}"),
                        &setup,
                        run,
                    );
                }
                let n = n / 2;
                for inclusive in [false, true] {
                    let run = Run::AddUpto { inclusive, d, s, n };
                    check_on(
                        &instance,
                        &format!("{label} ({mode}): {run:?}"),
                        &setup,
                        run,
                    );
                }
            }
        }
    }
}
