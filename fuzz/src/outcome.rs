//! What both engines report, in one vocabulary: values as bits, traps as one enum, and the
//! final state of a module's exports. Each engine maps its own types into these; the
//! differential target compares nothing else.

use std::fmt;

/// A value type of an exported function's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}

/// A value: numbers as their bits (so NaN payloads survive), references by null-ness only,
/// since handles of two engines cannot be compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef { null: bool },
    ExternRef { null: bool },
}

/// A trap, as both engines name it. Where one engine distinguishes cases the other does not
/// (wasmaot's "undefined element" against wasmi's table access out of bounds), the common
/// kind is the coarser one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trap {
    OutOfBoundsMemory,
    OutOfBoundsTable,
    /// A call through a null table element or null function reference.
    NullFunction,
    IndirectCallTypeMismatch,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversion,
    Unreachable,
    StackExhausted,
    /// A null reference where a non-null one is required (`ref.as_non_null`).
    NullReference,
    /// A host function returned an error.
    Host,
}

impl Trap {
    /// The spec's words for it.
    pub fn message(self) -> &'static str {
        match self {
            Trap::OutOfBoundsMemory => "out of bounds memory access",
            Trap::OutOfBoundsTable => "out of bounds table access",
            Trap::NullFunction => "uninitialized element",
            Trap::IndirectCallTypeMismatch => "indirect call type mismatch",
            Trap::IntegerDivideByZero => "integer divide by zero",
            Trap::IntegerOverflow => "integer overflow",
            Trap::InvalidConversion => "invalid conversion to integer",
            Trap::Unreachable => "unreachable",
            Trap::StackExhausted => "call stack exhausted",
            Trap::NullReference => "null reference",
            Trap::Host => "host function error",
        }
    }
}

/// How a call (or an instantiation) ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Returned(Vec<Value>),
    Trapped(Trap),
    /// Anything else: a type error, missing resources, a failure that is no trap.
    Failed(String),
}

/// The contents of a module's exported globals, memories and tables after the calls, in
/// export order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub globals: Vec<(String, Value)>,
    pub memories: Vec<(String, Vec<u8>)>,
    /// Each element's null-ness and kind.
    pub tables: Vec<(String, Vec<Value>)>,
}

impl State {
    /// The state with each kind of export in name order.
    pub fn sorted(mut self) -> State {
        self.globals.sort_by(|a, b| a.0.cmp(&b.0));
        self.memories.sort_by(|a, b| a.0.cmp(&b.0));
        self.tables.sort_by(|a, b| a.0.cmp(&b.0));
        self
    }
}

/// How strictly floating-point bits are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NanRule {
    /// The module canonicalises every NaN it computes: all bits must agree.
    Exact,
    /// NaN payloads and signs are nondeterministic: two NaNs agree whatever their bits.
    AnyNan,
}

fn f32_nan(bits: u32) -> bool {
    f32::from_bits(bits).is_nan()
}

fn f64_nan(bits: u64) -> bool {
    f64::from_bits(bits).is_nan()
}

/// Whether two v128 values agree lane by lane, reading them as `f32x4` or as `f64x2` (the
/// type of the lanes is not known), two NaN lanes counting as equal.
fn v128_agree_any_nan(a: u128, b: u128) -> bool {
    let as_f32 = (0..4).all(|i| {
        let (x, y) = ((a >> (32 * i)) as u32, (b >> (32 * i)) as u32);
        x == y || (f32_nan(x) && f32_nan(y))
    });
    let as_f64 = (0..2).all(|i| {
        let (x, y) = ((a >> (64 * i)) as u64, (b >> (64 * i)) as u64);
        x == y || (f64_nan(x) && f64_nan(y))
    });
    as_f32 || as_f64
}

/// Whether two values agree under `rule`.
pub fn values_agree(a: Value, b: Value, rule: NanRule) -> bool {
    if a == b {
        return true;
    }
    match (rule, a, b) {
        (NanRule::Exact, _, _) => false,
        (NanRule::AnyNan, Value::F32(x), Value::F32(y)) => f32_nan(x) && f32_nan(y),
        (NanRule::AnyNan, Value::F64(x), Value::F64(y)) => f64_nan(x) && f64_nan(y),
        (NanRule::AnyNan, Value::V128(x), Value::V128(y)) => v128_agree_any_nan(x, y),
        _ => false,
    }
}

/// Whether two outcomes agree under `rule`.
pub fn outcomes_agree(a: &Outcome, b: &Outcome, rule: NanRule) -> bool {
    match (a, b) {
        (Outcome::Returned(x), Outcome::Returned(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_agree(*p, *q, rule))
        }
        (Outcome::Trapped(x), Outcome::Trapped(y)) => traps_agree(*x, *y),
        _ => false,
    }
}

/// Whether two traps agree. wasmi reports every failed float-to-integer conversion as a bad
/// conversion, where the spec (and wasmaot) say "integer overflow" for a value out of range
/// and "invalid conversion" for NaN only; the trap codes cannot tell a division overflow
/// from a conversion, so these two count as one.
pub fn traps_agree(a: Trap, b: Trap) -> bool {
    let conversion = |t| matches!(t, Trap::IntegerOverflow | Trap::InvalidConversion);
    a == b || (conversion(a) && conversion(b))
}

/// Where two final states differ, or `None` when they agree.
pub fn state_difference(a: &State, b: &State, rule: NanRule) -> Option<String> {
    if a.globals.len() != b.globals.len() {
        return Some("different numbers of exported globals".to_string());
    }
    for ((name, x), (_, y)) in a.globals.iter().zip(&b.globals) {
        if !values_agree(*x, *y, rule) {
            return Some(format!("global {name:?}: wasmaot {x:?}, wasmi {y:?}"));
        }
    }
    if a.memories.len() != b.memories.len() {
        return Some("different numbers of exported memories".to_string());
    }
    for ((name, x), (_, y)) in a.memories.iter().zip(&b.memories) {
        if x.len() != y.len() {
            return Some(format!(
                "memory {name:?}: wasmaot {} bytes, wasmi {} bytes",
                x.len(),
                y.len()
            ));
        }
        if let Some(at) = x.iter().zip(y).position(|(p, q)| p != q) {
            return Some(format!(
                "memory {name:?} at byte {at:#x}: wasmaot {:#04x}, wasmi {:#04x}",
                x[at], y[at]
            ));
        }
    }
    if a.tables.len() != b.tables.len() {
        return Some("different numbers of exported tables".to_string());
    }
    for ((name, x), (_, y)) in a.tables.iter().zip(&b.tables) {
        if x.len() != y.len() {
            return Some(format!(
                "table {name:?}: wasmaot {} elements, wasmi {}",
                x.len(),
                y.len()
            ));
        }
        if let Some(at) = x.iter().zip(y).position(|(p, q)| p != q) {
            return Some(format!(
                "table {name:?} element {at}: wasmaot {:?}, wasmi {:?}",
                x[at], y[at]
            ));
        }
    }
    None
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(values) => write!(f, "returned {values:?}"),
            Outcome::Trapped(trap) => write!(f, "trapped: {}", trap.message()),
            Outcome::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nans_agree_by_bits_only_when_canonical() {
        let (a, b) = (Value::F32(0x7fc0_0000), Value::F32(0xffc0_0001));
        assert!(values_agree(a, b, NanRule::AnyNan));
        assert!(!values_agree(a, b, NanRule::Exact));
        assert!(!values_agree(
            Value::F64(0),
            Value::F64(1 << 63),
            NanRule::AnyNan
        ));
    }

    #[test]
    fn v128_nan_lanes_agree_in_either_lane_shape() {
        let quiet = 0x7fc0_0000u128;
        let other = 0x7fc0_0001u128;
        assert!(values_agree(
            Value::V128(quiet << 32 | 7),
            Value::V128(other << 32 | 7),
            NanRule::AnyNan
        ));
        assert!(!values_agree(
            Value::V128(8),
            Value::V128(7),
            NanRule::AnyNan
        ));
    }

    #[test]
    fn conversion_traps_agree_with_overflow() {
        assert!(traps_agree(Trap::IntegerOverflow, Trap::InvalidConversion));
        assert!(!traps_agree(Trap::IntegerOverflow, Trap::Unreachable));
    }
}
