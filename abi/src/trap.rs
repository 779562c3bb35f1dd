//! Trap kinds. The compiler records one per trapping instruction in the trap table; the runtime
//! maps a fault back to it and reports it with the spec's wording.

/// Why wasm code stopped. The discriminant is what the trap table stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TrapKind {
    /// A load or store outside linear memory.
    OutOfBoundsMemory = 1,
    /// `div`/`rem` by zero.
    IntegerDivideByZero = 2,
    /// Signed division overflow, or a float-to-int conversion out of range.
    IntegerOverflow = 3,
    /// Float-to-int conversion of NaN.
    InvalidConversion = 4,
    /// The `unreachable` instruction.
    Unreachable = 5,
    /// `call_indirect` to a function of another type.
    IndirectCallTypeMismatch = 6,
    /// `call_indirect` to a null table entry.
    UninitializedElement = 7,
    /// Table access out of bounds (including `call_indirect` past the end).
    OutOfBoundsTable = 8,
    /// The stack limit was reached.
    StackExhausted = 9,
    /// A segment access out of bounds in `memory.init`/`table.init` and friends is reported as
    /// [`TrapKind::OutOfBoundsMemory`] or [`TrapKind::OutOfBoundsTable`]; this one is for
    /// references that must not be null.
    NullReference = 10,
    /// `call_indirect` with an index past the end of the table.
    UndefinedElement = 11,
    /// `call_ref` or `return_call_ref` of a null reference.
    NullFunctionReference = 12,
    /// `throw_ref` of a null exception reference.
    NullExceptionReference = 13,
    /// The host interrupted the store's code (recorded at interruption checks; the runtime
    /// reports [`TrapKind::DeadlineExceeded`] instead when a deadline was the reason).
    Interrupted = 14,
    /// The store's deadline passed.
    DeadlineExceeded = 15,
    /// The store's fuel ran out.
    OutOfFuel = 16,
}

impl TrapKind {
    /// Every kind, for tables and tests.
    pub const ALL: [TrapKind; 16] = [
        TrapKind::OutOfBoundsMemory,
        TrapKind::IntegerDivideByZero,
        TrapKind::IntegerOverflow,
        TrapKind::InvalidConversion,
        TrapKind::Unreachable,
        TrapKind::IndirectCallTypeMismatch,
        TrapKind::UninitializedElement,
        TrapKind::OutOfBoundsTable,
        TrapKind::StackExhausted,
        TrapKind::NullReference,
        TrapKind::UndefinedElement,
        TrapKind::NullFunctionReference,
        TrapKind::NullExceptionReference,
        TrapKind::Interrupted,
        TrapKind::DeadlineExceeded,
        TrapKind::OutOfFuel,
    ];

    /// The message, in the words of the WebAssembly spec test suite.
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::OutOfBoundsMemory => "out of bounds memory access",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::InvalidConversion => "invalid conversion to integer",
            TrapKind::Unreachable => "unreachable",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::UninitializedElement => "uninitialized element",
            TrapKind::OutOfBoundsTable => "out of bounds table access",
            TrapKind::StackExhausted => "call stack exhausted",
            TrapKind::NullReference => "null reference",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::NullExceptionReference => "null exception reference",
            TrapKind::Interrupted => "interrupted",
            TrapKind::DeadlineExceeded => "deadline exceeded",
            TrapKind::OutOfFuel => "fuel exhausted",
        }
    }

    /// The kind stored as `byte`, if any.
    pub fn from_u8(byte: u8) -> Option<TrapKind> {
        TrapKind::ALL.iter().copied().find(|k| *k as u8 == byte)
    }
}

impl core::fmt::Display for TrapKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_bytes() {
        for kind in TrapKind::ALL {
            assert_eq!(TrapKind::from_u8(kind as u8), Some(kind));
        }
        assert_eq!(TrapKind::from_u8(0), None);
    }
}
