//! Loops comparing bytes one at a time, read eight at a time (`byte_compares.rs` in the
//! compiler): wasi-libc's `memcmp` as clang emits it, the same loop reading at offsets and a
//! loop testing for equality the other way round, run through the real pipeline with both
//! kinds of bounds checks against a model of the byte loop. Covered: strings equal to their
//! end, differing at every position of a word and of the tail, counts around a word, both
//! strings the same bytes, overlapping strings, strings running off the end of memory (a
//! trap only when the loop reaches the end, not when a difference comes first) and a count
//! of zero (2^32 iterations: a trap at the end of memory).

mod support;
use support::*;
use wasmaot_runtime::{Instance, TrapKind};

const MODULE: &str = r#"
(module
  (memory (export "mem") 1)

  ;; wasi-libc's memcmp, as clang -O2 emits it.
  (func (export "memcmp") (param i32 i32 i32) (result i32)
    (local i32 i32 i32)
    i32.const 0
    local.set 3
    block
      local.get 2
      i32.eqz
      br_if 0
      block
        loop
          local.get 0
          i32.load8_u
          local.tee 4
          local.get 1
          i32.load8_u
          local.tee 5
          i32.ne
          br_if 1
          local.get 1
          i32.const 1
          i32.add
          local.set 1
          local.get 0
          i32.const 1
          i32.add
          local.set 0
          local.get 2
          i32.const -1
          i32.add
          local.tee 2
          br_if 0
          br 2
        end
      end
      local.get 4
      local.get 5
      i32.sub
      local.set 3
    end
    local.get 3)

  ;; The bytes at p + 3 and q + 5 compared; the loop entered whatever n is (0 runs 2^32
  ;; times); returns the difference, or 256 + the count left when the count ran out first.
  (func (export "offsets") (param $p i32) (param $q i32) (param $n i32) (result i32)
    (local $a i32) (local $b i32)
    (block $differ
      (loop $l
        (local.set $a (i32.load8_u offset=3 (local.get $p)))
        (local.set $b (i32.load8_u offset=5 (local.get $q)))
        (br_if $differ (i32.ne (local.get $a) (local.get $b)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (return (i32.add (i32.const 256) (local.get $n))))
    (i32.sub (local.get $a) (local.get $b)))

  ;; How many leading bytes of p and q are equal, up to n (n >= 1): the test the other way.
  (func (export "prefix") (param $p i32) (param $q i32) (param $n i32) (result i32)
    (local $i i32)
    (block $out
      (loop $l
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $l (i32.ne (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0)))
            (br $out)))))
    (local.get $i))
)
"#;

const PAGE: usize = 65536;

/// What a function does: its result, or `None` for a trap (reading past the end).
type Outcome = Option<i32>;

fn byte(mem: &[u8], at: u64) -> Option<u8> {
    mem.get(usize::try_from(at).ok()?).copied()
}

/// The byte loop of `memcmp` (entered with n != 0) or `offsets` (entered always).
fn model_compare(mem: &[u8], p: u32, q: u32, n: u32, disp: (u64, u64), memcmp: bool) -> Outcome {
    if memcmp && n == 0 {
        return Some(0);
    }
    let (mut p, mut q, mut n) = (p, q, n);
    loop {
        let a = byte(mem, u64::from(p) + disp.0)?;
        let b = byte(mem, u64::from(q) + disp.1)?;
        if a != b {
            return Some(i32::from(a) - i32::from(b));
        }
        p = p.wrapping_add(1);
        q = q.wrapping_add(1);
        n = n.wrapping_sub(1);
        if n == 0 {
            return Some(if memcmp { 0 } else { 256 });
        }
    }
}

fn model_prefix(mem: &[u8], p: u32, q: u32, n: u32) -> Outcome {
    let mut i = 0i32;
    let (mut p, mut q, mut n) = (p, q, n);
    loop {
        if byte(mem, u64::from(p))? != byte(mem, u64::from(q))? {
            return Some(i);
        }
        i += 1;
        p = p.wrapping_add(1);
        q = q.wrapping_add(1);
        n = n.wrapping_sub(1);
        if n == 0 {
            return Some(i);
        }
    }
}

struct Case {
    p: u32,
    q: u32,
    n: u32,
}

/// Memory filled with a pattern of few distinct bytes (long equal runs are common), then
/// each function run on each case against the model.
fn check_cases(instance: &Instance, label: &str, cases: &[Case], seed: u64) {
    let mut mem = vec![0u8; PAGE];
    let mut s = seed;
    for b in mem.iter_mut() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *b = ((s >> 60) % 3) as u8 * 0x7f;
    }
    let memory = memory(instance, "mem");
    with_store(|st| memory.write(st, 0, &mem)).expect("fits");
    for case in cases {
        let args = [i32(case.p as i32), i32(case.q as i32), i32(case.n as i32)];
        let mut runs: Vec<(&str, Outcome)> = vec![
            (
                "memcmp",
                model_compare(&mem, case.p, case.q, case.n, (0, 0), true),
            ),
            (
                "offsets",
                model_compare(&mem, case.p, case.q, case.n, (3, 5), false),
            ),
        ];
        // `prefix` is entered with n >= 1 only.
        if case.n != 0 {
            runs.push(("prefix", model_prefix(&mem, case.p, case.q, case.n)));
        }
        for (name, want) in runs {
            let what = format!("{label}: {name}({}, {}, {})", case.p, case.q, case.n);
            match want {
                Some(v) => assert_eq!(call1(instance, name, &args).unwrap_i32(), v, "{what}"),
                None => assert_eq!(
                    trap(instance, name, &args),
                    TrapKind::OutOfBoundsMemory,
                    "{what}"
                ),
            }
        }
    }
}

/// Two equal strings of `n` bytes at `p` and `q`, differing at `at` if given.
fn set_strings(instance: &Instance, p: u32, q: u32, n: u32, at: Option<u32>) {
    let memory = memory(instance, "mem");
    let text: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
    with_store(|st| {
        memory.write(st, p as usize, &text)?;
        memory.write(st, q as usize, &text)?;
        if let Some(at) = at {
            memory.write(st, (q + at) as usize, &[text[at as usize] ^ 0x40])?;
        }
        Ok::<_, wasmaot_runtime::Error>(())
    })
    .expect("fits");
}

#[test]
fn a_difference_at_each_position_is_found() {
    for (mode, instance) in instances_both_checks(MODULE) {
        for n in [1, 7, 8, 9, 15, 16, 17, 31, 64, 100] {
            for at in (0..n).chain([n]) {
                set_strings(&instance, 1000, 3001, n, (at < n).then_some(at));
                let args = [i32(1000), i32(3001), i32(n as i32)];
                let got = call1(&instance, "memcmp", &args).unwrap_i32();
                let want = match at < n {
                    true => {
                        let a = (at % 251) as i32;
                        a - (a ^ 0x40)
                    }
                    false => 0,
                };
                assert_eq!(got, want, "{mode}: n {n}, difference at {at}");
                let prefix = call1(&instance, "prefix", &args).unwrap_i32();
                assert_eq!(prefix, at.min(n) as i32, "{mode}: prefix, n {n}, at {at}");
            }
        }
    }
}

#[test]
fn strings_at_the_end_of_memory_trap_only_where_the_loop_does() {
    let end = PAGE as u32;
    let cases: Vec<Case> = [
        (end - 20, 100, 20),
        (end - 20, 100, 21),
        (end - 20, 100, 40),
        (100, end - 9, 9),
        (100, end - 9, 10),
        (end - 8, end - 16, 8),
        (end - 8, end - 16, 9),
        (end - 30, end - 30, 30),
        (end - 30, end - 30, 31),
        (end - 30, end - 30, 0),
        (end, end, 1),
        (end - 5, 100, 5),
        (end - 5, end - 13, 4),
        (end - 7, end - 7, 7),
        (end - 9, end - 9, 8),
        (u32::MAX - 3, 10, 12),
        (10, u32::MAX, 100),
    ]
    .into_iter()
    .map(|(p, q, n)| Case { p, q, n })
    .collect();
    for (mode, instance) in instances_both_checks(MODULE) {
        check_cases(&instance, mode, &cases, 7);
        // Equal strings to the end of memory: a trap only past it. `offsets` reads at p + 3
        // and q + 5.
        let (p, q) = (end - 40, end - 80);
        set_strings(&instance, p, q, 40, None);
        for (name, at, whole) in [
            ("memcmp", (p, q), 0),
            ("offsets", (p - 3, q - 5), 256),
            ("prefix", (p, q), 40),
        ] {
            let args = |n: u32| [i32(at.0 as i32), i32(at.1 as i32), i32(n as i32)];
            let got = call1(&instance, name, &args(40)).unwrap_i32();
            assert_eq!(got, whole, "{mode}: {name} to the end");
            let got = trap(&instance, name, &args(41));
            assert_eq!(
                got,
                TrapKind::OutOfBoundsMemory,
                "{mode}: {name} past the end"
            );
        }
    }
}

#[test]
fn random_strings_agree_with_the_byte_loop() {
    let mut s = 0x2545f4914f6cdd1du64;
    let mut next = |m: u32| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % u64::from(m)) as u32
    };
    let cases: Vec<Case> = (0..400)
        .map(|i| {
            let p = next(PAGE as u32);
            let q = match i % 4 {
                0 => p,
                1 => p.wrapping_add(next(9)),
                _ => next(PAGE as u32),
            };
            let n = match i % 3 {
                0 => next(12),
                1 => next(80),
                _ => next(PAGE as u32 + 64),
            };
            Case { p, q, n }
        })
        .collect();
    for (mode, instance) in instances_both_checks(MODULE) {
        for seed in [1, 2] {
            check_cases(&instance, mode, &cases, seed);
        }
    }
}
