//! Run WAT through the real pipeline: compile to an object, link a shared object with `cc`,
//! load it with the runtime's embedding API, instantiate. Every instance a test makes lives in
//! that test thread's store (`with_store`), so instances can import from each other.
#![allow(dead_code)]

use std::cell::RefCell;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmaot_compiler::{BoundsChecks, Options};
use wasmaot_runtime::{Error, Extern, Func, Instance, Memory, Module, Store, Trap, TrapKind, Val};
use wasmparser::{FunctionBody, Operator, Parser, Payload};

fn scratch_path(ext: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(format!("m{n}.{ext}"))
}

/// Compile `wat` with `options` and load it.
pub fn load_with(wat: &str, options: &Options) -> Module {
    load_wasm(&wat::parse_str(wat).expect("valid WAT"), options)
}

/// Compile the binary module `wasm` with `options` and load it.
pub fn load_wasm(wasm: &[u8], options: &Options) -> Module {
    let object = wasmaot_compiler::compile(wasm, options, &|| {}).expect("compiles");
    let so = scratch_path("so");
    wasmaot_compiler::link::link_shared(&object, &so).expect("links");
    // SAFETY: the file was just written by the compiler and the system linker.
    unsafe { Module::load(&so) }.expect("loads")
}

pub fn load(wat: &str) -> Module {
    load_with(wat, &Options::default())
}

pub fn explicit_checks() -> Options {
    Options {
        bounds_checks: BoundsChecks::Explicit,
        ..Options::default()
    }
}

/// Guard pages (the default) and explicit bounds checks, labelled.
pub fn both_bounds_checks() -> [(&'static str, Options); 2] {
    [
        ("guard", Options::default()),
        ("explicit", explicit_checks()),
    ]
}

/// `wat` instantiated once per [`both_bounds_checks`] configuration.
pub fn instances_both_checks(wat: &str) -> Vec<(&'static str, Instance)> {
    both_bounds_checks()
        .into_iter()
        .map(|(label, options)| {
            let m = new_instance(&load_with(wat, &options), &[]).expect("instantiates");
            (label, m)
        })
        .collect()
}

thread_local! {
    /// The store of the running test.
    static STORE: RefCell<Store> = RefCell::new(Store::new());
}

/// Run `f` with the test thread's store.
pub fn with_store<R>(f: impl FnOnce(&mut Store) -> R) -> R {
    STORE.with(|s| f(&mut s.borrow_mut()))
}

/// Instantiate `module` with `imports` in the test's store.
pub fn new_instance(module: &Module, imports: &[Extern]) -> Result<Instance, Error> {
    with_store(|s| Instance::new(s, module, imports))
}

pub fn instance(wat: &str) -> Instance {
    new_instance(&load(wat), &[]).expect("instantiates")
}

pub fn instance_with(wat: &str, imports: &[Extern]) -> Instance {
    new_instance(&load(wat), imports).expect("instantiates")
}

/// The exported function `name` of `instance`.
pub fn func(instance: &Instance, name: &str) -> Func {
    with_store(|s| instance.get_func(s, name)).unwrap_or_else(|| panic!("export {name}"))
}

/// The exported memory `name` of `instance`.
pub fn memory(instance: &Instance, name: &str) -> Memory {
    with_store(|s| instance.get_memory(s, name)).unwrap_or_else(|| panic!("export {name}"))
}

/// The export `name` of `instance`.
pub fn export(instance: &Instance, name: &str) -> Extern {
    with_store(|s| instance.get_export(s, name)).unwrap_or_else(|| panic!("export {name}"))
}

/// Call `func` in the test's store.
pub fn call_func(func: Func, args: &[Val]) -> Result<Vec<Val>, Error> {
    with_store(|s| func.call(s, args))
}

/// Call export `name`; panics on a trap.
pub fn call(instance: &Instance, name: &str, args: &[Val]) -> Vec<Val> {
    call_func(func(instance, name), args).unwrap_or_else(|e| panic!("{name}{args:?} failed: {e}"))
}

pub fn call1(instance: &Instance, name: &str, args: &[Val]) -> Val {
    let results = call(instance, name, args);
    assert_eq!(results.len(), 1, "{name} returns one value");
    results[0]
}

/// Call export `name` and expect it to trap with `kind`.
pub fn trap(instance: &Instance, name: &str, args: &[Val]) -> TrapKind {
    match call_func(func(instance, name), args) {
        Err(Error::Trap(Trap::Wasm { kind, .. })) => kind,
        other => panic!("{name}{args:?}: expected a trap, got {other:?}"),
    }
}

/// A backtrace frame as (function name, wasm offset).
pub type Frame = (Option<String>, Option<u32>);

/// Call `func`, expect a trap, and return its kind and backtrace.
pub fn trap_frames(func: Func, args: &[Val]) -> (Option<TrapKind>, Vec<Frame>) {
    let trap: Trap = match call_func(func, args) {
        Err(Error::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    };
    let frames = trap
        .backtrace()
        .iter()
        .map(|f| (f.func_name.clone(), f.wasm_offset))
        .collect();
    (trap.kind(), frames)
}

/// `(Some(name), Some(offset))`, a frame as [`trap_frames`] gives it.
pub fn frame(name: &str, offset: u32) -> Frame {
    (Some(name.to_string()), Some(offset))
}

pub fn i32(v: i32) -> Val {
    Val::I32(v)
}
pub fn i64(v: i64) -> Val {
    Val::I64(v)
}
pub fn f32(v: f32) -> Val {
    Val::F32(v.to_bits())
}
pub fn f64(v: f64) -> Val {
    Val::F64(v.to_bits())
}

// `v128` values: built from lanes (lane 0 first) and read back as lanes.

fn v128_from_lanes<const W: usize, const N: usize>(lanes: [[u8; W]; N]) -> Val {
    assert_eq!(W * N, 16, "a v128 has 16 bytes");
    let mut bytes = [0u8; 16];
    for (i, lane) in lanes.iter().enumerate() {
        bytes[i * W..(i + 1) * W].copy_from_slice(lane);
    }
    Val::V128(u128::from_le_bytes(bytes))
}

fn v128_to_lanes<const W: usize, const N: usize>(v: Val) -> [[u8; W]; N] {
    assert_eq!(W * N, 16, "a v128 has 16 bytes");
    let bytes = v.unwrap_v128().to_le_bytes();
    std::array::from_fn(|i| bytes[i * W..(i + 1) * W].try_into().expect("lane"))
}

pub fn u8x16(lanes: [u8; 16]) -> Val {
    Val::V128(u128::from_le_bytes(lanes))
}
pub fn i8x16(lanes: [i8; 16]) -> Val {
    u8x16(lanes.map(|l| l as u8))
}
pub fn i16x8(lanes: [i16; 8]) -> Val {
    v128_from_lanes(lanes.map(i16::to_le_bytes))
}
pub fn u16x8(lanes: [u16; 8]) -> Val {
    v128_from_lanes(lanes.map(u16::to_le_bytes))
}
pub fn i32x4(lanes: [i32; 4]) -> Val {
    v128_from_lanes(lanes.map(i32::to_le_bytes))
}
pub fn u32x4(lanes: [u32; 4]) -> Val {
    v128_from_lanes(lanes.map(u32::to_le_bytes))
}
pub fn i64x2(lanes: [i64; 2]) -> Val {
    v128_from_lanes(lanes.map(i64::to_le_bytes))
}
pub fn u64x2(lanes: [u64; 2]) -> Val {
    v128_from_lanes(lanes.map(u64::to_le_bytes))
}
/// Float lanes, kept bit for bit.
pub fn f32x4(lanes: [f32; 4]) -> Val {
    u32x4(lanes.map(f32::to_bits))
}
pub fn f64x2(lanes: [f64; 2]) -> Val {
    u64x2(lanes.map(f64::to_bits))
}

pub fn lanes_u8(v: Val) -> [u8; 16] {
    v.unwrap_v128().to_le_bytes()
}
pub fn lanes_i8(v: Val) -> [i8; 16] {
    lanes_u8(v).map(|b| b as i8)
}
pub fn lanes_i16(v: Val) -> [i16; 8] {
    v128_to_lanes(v).map(i16::from_le_bytes)
}
pub fn lanes_u16(v: Val) -> [u16; 8] {
    v128_to_lanes(v).map(u16::from_le_bytes)
}
pub fn lanes_i32(v: Val) -> [i32; 4] {
    v128_to_lanes(v).map(i32::from_le_bytes)
}
pub fn lanes_u32(v: Val) -> [u32; 4] {
    v128_to_lanes(v).map(u32::from_le_bytes)
}
pub fn lanes_i64(v: Val) -> [i64; 2] {
    v128_to_lanes(v).map(i64::from_le_bytes)
}
pub fn lanes_u64(v: Val) -> [u64; 2] {
    v128_to_lanes(v).map(u64::from_le_bytes)
}

/// The SIMD code paths worth running a test through: the host CPU's, and the target's baseline
/// (SSE2 only on x86-64), whose lowerings differ.
pub fn simd_targets() -> [(&'static str, Options); 2] {
    [
        ("native", Options::default()),
        (
            "baseline",
            Options {
                target_cpu: wasmaot_compiler::TargetCpu::Baseline,
                ..Options::default()
            },
        ),
    ]
}

/// `wat` instantiated once per [`simd_targets`] entry, with that entry's name.
pub fn simd_instances(wat: &str) -> Vec<(&'static str, Instance)> {
    simd_targets()
        .into_iter()
        .map(|(name, options)| {
            let module = load_with(wat, &options);
            (name, new_instance(&module, &[]).expect("instantiates"))
        })
        .collect()
}

// Tables of calls in a wast-like notation, one case per line (a line starting with `=>` or with a
// value continues the case before it; `;;` starts a comment):
//
//     export arg* => result*
//
// A value is `shape(lane ...)`, its shape one of i32 i64 f32 f64 (one lane) or i8x16 i16x8 i32x4
// i64x2 f32x4 f64x2. Integer lanes are decimal or `0x` hex, signed or not; float lanes are Rust
// float literals, `inf`, `nan`, `nan:0xPAYLOAD` (each with an optional `-`), or `0xBITS` for an
// exact bit pattern. A result lane may also be `nan:canonical` or `nan:arithmetic` (either
// sign), or alternatives `a|b|...`, any of which is accepted (the first alone when the table is
// checked with `first_choice_only`).

/// One value a result lane may take.
#[derive(Clone, Copy, Debug)]
enum LanePattern {
    Bits(u64),
    CanonicalNan,
    ArithmeticNan,
}

/// A value of a table: its shape, and per lane the values it may take.
struct ValuePattern {
    shape: String,
    bits: u32,
    float: bool,
    lanes: Vec<Vec<LanePattern>>,
}

fn shape_info(shape: &str) -> (u32, usize, bool) {
    match shape {
        "i32" => (32, 1, false),
        "i64" => (64, 1, false),
        "f32" => (32, 1, true),
        "f64" => (64, 1, true),
        "i8x16" => (8, 16, false),
        "i16x8" => (16, 8, false),
        "i32x4" => (32, 4, false),
        "i64x2" => (64, 2, false),
        "f32x4" => (32, 4, true),
        "f64x2" => (64, 2, true),
        other => panic!("unknown shape {other:?}"),
    }
}

fn parse_lane(text: &str, bits: u32, float: bool) -> LanePattern {
    let mask = u64::MAX >> (64 - bits);
    let hex = |digits: &str| {
        u64::from_str_radix(&digits.replace('_', ""), 16)
            .unwrap_or_else(|_| panic!("bad hex in {text:?}"))
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if !float {
        let magnitude = match body.strip_prefix("0x") {
            Some(digits) => i128::from(hex(digits)),
            None => body
                .replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("bad {text:?}")),
        };
        let value = if negative { -magnitude } else { magnitude };
        assert!(
            value >= -(1i128 << (bits - 1)) && value <= i128::from(mask),
            "{text} does not fit in {bits} bits"
        );
        return LanePattern::Bits(value as u64 & mask);
    }
    let mantissa = if bits == 32 { 23 } else { 52 };
    let sign = if negative { 1u64 << (bits - 1) } else { 0 };
    let exponent = (mask >> 1) & !((1u64 << mantissa) - 1);
    match body {
        "nan:canonical" => return LanePattern::CanonicalNan,
        "nan:arithmetic" => return LanePattern::ArithmeticNan,
        "nan" => return LanePattern::Bits(sign | exponent | (1 << (mantissa - 1))),
        "inf" => return LanePattern::Bits(sign | exponent),
        _ => {}
    }
    if let Some(payload) = body.strip_prefix("nan:0x") {
        return LanePattern::Bits(sign | exponent | hex(payload));
    }
    if let Some(raw) = body.strip_prefix("0x") {
        assert!(!negative, "a bit pattern has no sign: {text:?}");
        return LanePattern::Bits(hex(raw));
    }
    let value = if bits == 32 {
        text.parse::<f32>().map(|v| u64::from(v.to_bits()))
    } else {
        text.parse::<f64>().map(f64::to_bits)
    };
    LanePattern::Bits(value.unwrap_or_else(|_| panic!("bad float {text:?}")))
}

fn parse_values(text: &str) -> Vec<ValuePattern> {
    let mut values = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (shape, tail) = rest
            .split_once('(')
            .unwrap_or_else(|| panic!("expected shape(lanes) in {text:?}"));
        let (inside, tail) = tail
            .split_once(')')
            .unwrap_or_else(|| panic!("unclosed value in {text:?}"));
        let shape = shape.trim();
        let (bits, count, float) = shape_info(shape);
        let lanes: Vec<Vec<LanePattern>> = inside
            .split_whitespace()
            .map(|lane| {
                lane.split('|')
                    .map(|alt| parse_lane(alt, bits, float))
                    .collect()
            })
            .collect();
        assert_eq!(lanes.len(), count, "{shape} takes {count} lanes: {text:?}");
        values.push(ValuePattern {
            shape: shape.to_string(),
            bits,
            float,
            lanes,
        });
        rest = tail.trim();
    }
    values
}

impl ValuePattern {
    /// The value itself, for an argument (one exact pattern a lane).
    fn value(&self) -> Val {
        let lane = |i: usize| match self.lanes[i].as_slice() {
            [LanePattern::Bits(bits)] => *bits,
            _ => panic!("an argument lane is one exact value ({})", self.shape),
        };
        match self.shape.as_str() {
            "i32" => Val::I32(lane(0) as u32 as i32),
            "i64" => Val::I64(lane(0) as i64),
            "f32" => Val::F32(lane(0) as u32),
            "f64" => Val::F64(lane(0)),
            _ => Val::V128((0..self.lanes.len()).fold(0u128, |acc, i| {
                acc | u128::from(lane(i)) << (i as u32 * self.bits)
            })),
        }
    }

    /// The lanes of `v`, if it has this pattern's type.
    fn lanes_of(&self, v: Val) -> Option<Vec<u64>> {
        let ty_matches = match (self.shape.as_str(), v) {
            ("i32", Val::I32(_)) | ("i64", Val::I64(_)) => true,
            ("f32", Val::F32(_)) | ("f64", Val::F64(_)) => true,
            (_, Val::V128(_)) => self.lanes.len() > 1,
            _ => false,
        };
        let raw: u128 = match v {
            Val::I32(x) => u128::from(x as u32),
            Val::I64(x) => u128::from(x as u64),
            Val::F32(bits) => u128::from(bits),
            Val::F64(bits) => u128::from(bits),
            Val::V128(bits) => bits,
            _ => 0,
        };
        let mask = u64::MAX >> (64 - self.bits);
        ty_matches.then(|| {
            (0..self.lanes.len())
                .map(|i| (raw >> (i as u32 * self.bits)) as u64 & mask)
                .collect()
        })
    }

    fn matches(&self, v: Val, first_choice_only: bool) -> bool {
        let (quiet, magnitude) = if self.bits == 32 {
            (0x7fc0_0000, 0x7fff_ffff)
        } else {
            (0x7ff8_0000_0000_0000, 0x7fff_ffff_ffff_ffff)
        };
        let Some(got) = self.lanes_of(v) else {
            return false;
        };
        got.iter().zip(&self.lanes).all(|(&g, allowed)| {
            let allowed = if first_choice_only {
                &allowed[..1]
            } else {
                allowed
            };
            allowed.iter().any(|pattern| match *pattern {
                LanePattern::Bits(bits) => g == bits,
                LanePattern::CanonicalNan => g & magnitude == quiet,
                LanePattern::ArithmeticNan => g & quiet == quiet,
            })
        })
    }

    /// `v` written in this pattern's shape, for failure messages.
    fn show(&self, v: Val) -> String {
        let Some(lanes) = self.lanes_of(v) else {
            return format!("{v:?}");
        };
        let shown: Vec<String> = lanes
            .iter()
            .map(|&bits| match (self.float, self.bits) {
                (true, 32) if f32::from_bits(bits as u32).is_nan() => format!("{bits:#010x}"),
                (true, 32) => format!("{:?}", f32::from_bits(bits as u32)),
                (true, _) if f64::from_bits(bits).is_nan() => format!("{bits:#018x}"),
                (true, _) => format!("{:?}", f64::from_bits(bits)),
                (false, w) => format!("{}", ((bits << (64 - w)) as i64) >> (64 - w)),
            })
            .collect();
        format!("{}({})", self.shape, shown.join(" "))
    }
}

/// The cases of `table`, continuation lines joined, comments dropped.
fn table_cases(table: &str) -> Vec<String> {
    let mut cases: Vec<String> = Vec::new();
    for line in table.lines() {
        let line = line.split(";;").next().unwrap_or("").trim();
        let first = line.split_whitespace().next().unwrap_or("");
        if line.is_empty() {
            continue;
        }
        if first.starts_with("=>") || first.contains('(') {
            let case = cases
                .last_mut()
                .expect("a continuation line follows a case");
            case.push(' ');
            case.push_str(line);
        } else {
            cases.push(line.to_string());
        }
    }
    cases
}

/// Call every case of `table` (notation above) on `m` and check its results; `label` names the
/// configuration in failure messages.
pub fn check_table(m: &Instance, label: &str, table: &str) {
    check_table_with(m, label, table, false);
}

/// [`check_table`], optionally accepting only the first of a lane's alternatives.
pub fn check_table_with(m: &Instance, label: &str, table: &str, first_choice_only: bool) {
    for case in table_cases(table) {
        let (call_text, want_text) = case
            .split_once("=>")
            .unwrap_or_else(|| panic!("no `=>` in {case:?}"));
        let call_text = call_text.trim();
        let (name, args_text) = call_text
            .split_once(char::is_whitespace)
            .unwrap_or((call_text, ""));
        let args: Vec<Val> = parse_values(args_text).iter().map(|a| a.value()).collect();
        let want = parse_values(want_text);
        let got = call(m, name, &args);
        assert_eq!(got.len(), want.len(), "[{label}] {case}: result count");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                w.matches(*g, first_choice_only),
                "[{label}] {case}\n     got: {}",
                w.show(*g)
            );
        }
    }
}

/// The bodies of the module's defined functions.
pub fn bodies(wasm: &[u8]) -> Vec<FunctionBody<'_>> {
    Parser::new(0)
        .parse_all(wasm)
        .filter_map(|payload| match payload.expect("parses") {
            Payload::CodeSectionEntry(body) => Some(body),
            _ => None,
        })
        .collect()
}

/// Module offsets of the operators of defined function `func` that `pick` accepts, in order.
pub fn op_offsets(wasm: &[u8], func: usize, pick: impl Fn(&Operator<'_>) -> bool) -> Vec<u32> {
    let bodies = bodies(wasm);
    let mut reader = bodies[func].get_operators_reader().expect("operators");
    let mut offsets = Vec::new();
    while !reader.eof() {
        let offset = reader.original_position();
        if pick(&reader.read().expect("operator")) {
            offsets.push(offset as u32);
        }
    }
    offsets
}

/// Module offset of the first operator of defined function `func` that `pick` accepts.
pub fn op_offset(wasm: &[u8], func: usize, pick: impl Fn(&Operator<'_>) -> bool) -> u32 {
    match op_offsets(wasm, func, pick).first() {
        Some(&offset) => offset,
        None => panic!("no such operator in function {func}"),
    }
}

/// The bytes of the first symbol of `file` whose name `matches` (code or data).
pub fn symbol_bytes(file: &object::File, matches: impl Fn(&str) -> bool) -> Vec<u8> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let symbol = file
        .symbols()
        .find(|s| s.name().is_ok_and(&matches))
        .expect("a symbol of that name");
    let section = file
        .section_by_index(symbol.section_index().expect("defined"))
        .expect("its section");
    let at = (symbol.address() - section.address()) as usize;
    section.data().expect("contents")[at..at + symbol.size() as usize].to_vec()
}
