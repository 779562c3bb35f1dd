//! Addresses of table lookups computed in 64 bits, for the backends to fold.
//!
//! An access to a 32-bit memory adds the memory's base to its zero-extended i32 address. For a
//! lookup in a table at a constant address indexed by a small value (Lua's dispatch table,
//! `disptab[op & 0x7f]`, or a CRC table, `crc[(c ^ b) & 0xff]`), the address is
//! `(x << 2) + TABLE` in i32 arithmetic. That may wrap in general, so the backends compute it
//! in full and then extend it (`shl; lea` on x86-64), where a C compiler folds the scale and the
//! table into the load's addressing mode. When the bits its operands can have show that the sum
//! and the shift cannot wrap, they are made here in i64 from the zero-extended operands: the
//! same value, which the backends fold into the address.

use cranelift_codegen::ir::{
    types, Function, InstBuilder, InstructionData, Opcode, Value, ValueDef,
};

use super::FuncTranslator;
use crate::narrow_masks::{constant, type_bits, width_rule};

/// Less than this added to an i32 address used by an earlier access cannot wrap around: the
/// runtime keeps 32-bit memories of 64 KiB pages that much short of 4 GiB.
const NO_WRAP_MARGIN: u64 = (1 << 32) - wasmaot_abi::MEMORY32_MAX_BYTES;

/// How deep an address's arithmetic is followed.
const MAX_DEPTH: u32 = 6;

impl FuncTranslator<'_, '_> {
    /// The i32 memory address `value` zero-extended to i64: computed in i64 when it is a sum
    /// or shift that cannot wrap, else as [`Self::zero_extend`] makes it.
    pub(super) fn widen_address(&mut self, value: Value) -> Value {
        match self.wide_form(value, MAX_DEPTH) {
            Some(wide) => wide,
            None => self.zero_extend(value),
        }
    }

    /// The i32 memory address `value` zero-extended to i64 as a value and a constant to add
    /// to it: a sum with a constant that cannot wrap gives its constant apart, for the access's
    /// offset (x86-64 folds a load into an arithmetic instruction only with an address of at
    /// most a base, a scaled index and an offset).
    pub(super) fn widen_address_parts(&mut self, value: Value) -> (Value, u64) {
        if let Some((other, c)) = sum_with_constant(self.builder.func, value) {
            let fits = bits(self.builder.func, other, MAX_DEPTH).max(64 - c.leading_zeros()) < 32;
            if fits || self.accessed_plus_small(other, c) {
                return (self.wide_operand(other, MAX_DEPTH - 1), c);
            }
        }
        (self.widen_address(value), 0)
    }

    /// The i32 `value` zero-extended, made as a sum in i64 when it is an address an access in
    /// this block used plus less than 64 KiB, which cannot wrap: an address kept in a local
    /// (`p + 8`, teed for a load and a store of the same element) then reaches the access
    /// as `p` and an offset the backends fold.
    pub(super) fn widen_accessed_sum(&mut self, value: Value) -> Option<Value> {
        let (other, c) = sum_with_constant(self.builder.func, value)?;
        if !self.accessed_plus_small(other, c) {
            return None;
        }
        let wide = self.wide_operand(other, MAX_DEPTH - 1);
        Some(self.builder.ins().iadd_imm_u(wide, c as i64))
    }

    /// Whether `other + c` cannot wrap because an earlier access in the current block used
    /// `other` and `c` is below [`NO_WRAP_MARGIN`].
    fn accessed_plus_small(&self, other: Value, c: u64) -> bool {
        c < NO_WRAP_MARGIN && self.was_accessed(other)
    }

    /// Record that an access to a 32-bit memory at the i32 address `index` comes next, in the
    /// current block: past it, `index` is below [`wasmaot_abi::MEMORY32_MAX_BYTES`].
    pub(super) fn note_accessed(&mut self, index: Value) {
        if let Some(block) = self.builder.current_block() {
            let key = self.address_key(index);
            self.accessed.insert((block, key));
        }
    }

    /// Whether an earlier access in the current block used the i32 address `value`: then
    /// `value` is at most 4 GiB less 64 KiB (the access would have trapped otherwise), and
    /// adding less than 64 KiB to it cannot wrap around.
    fn was_accessed(&self, value: Value) -> bool {
        let key = self.address_key(value);
        self.builder
            .current_block()
            .is_some_and(|block| self.accessed.contains(&(block, key)))
    }

    /// What identifies the address `value`: the 64-bit variable it was read from, when it was
    /// read from a wide local (each read is an `ireduce` of its own), else itself.
    fn address_key(&self, value: Value) -> Value {
        let value = self.builder.func.dfg.resolve_aliases(value);
        self.zero_extended.get(&value).copied().unwrap_or(value)
    }

    /// `value` (i32) made in i64 when it is a sum or a shift by a constant that cannot wrap.
    fn wide_form(&mut self, value: Value, depth: u32) -> Option<Value> {
        if depth == 0 {
            return None;
        }
        let func = &self.builder.func;
        let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
            return None;
        };
        match func.dfg.insts[inst] {
            InstructionData::Binary {
                opcode: Opcode::Iadd,
                args: [a, b],
            } => {
                let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
                let widest = bits(func, a, depth).max(bits(func, b, depth));
                if widest >= 32 {
                    return None;
                }
                let a = self.wide_operand(a, depth - 1);
                let b = self.wide_operand(b, depth - 1);
                Some(self.builder.ins().iadd(a, b))
            }
            InstructionData::Binary {
                opcode: Opcode::Ishl,
                args: [a, amount],
            } => {
                let shift = constant(func, func.dfg.resolve_aliases(amount))? & 31;
                let a = func.dfg.resolve_aliases(a);
                if bits(func, a, depth) + shift as u32 > 32 {
                    return None;
                }
                let a = self.wide_operand(a, depth - 1);
                Some(self.builder.ins().ishl_imm_u(a, shift as i64))
            }
            _ => None,
        }
    }

    /// The i32 `value` zero-extended to i64, in the cheapest form at hand.
    fn wide_operand(&mut self, value: Value, depth: u32) -> Value {
        if let Some(c) = constant(self.builder.func, value) {
            return self.builder.ins().iconst(types::I64, c as i64);
        }
        match self.wide_form(value, depth) {
            Some(wide) => wide,
            None => self.zero_extend(value),
        }
    }
}

/// `value` as a sum of another value and a constant (either operand), if it is one.
fn sum_with_constant(func: &Function, value: Value) -> Option<(Value, u64)> {
    let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
        return None;
    };
    let InstructionData::Binary {
        opcode: Opcode::Iadd,
        args: [a, b],
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    match (constant(func, a), constant(func, b)) {
        (_, Some(c)) => Some((a, c)),
        (Some(c), None) => Some((b, c)),
        (None, None) => None,
    }
}

/// How many low bits of `value` may be non-zero (all of its type's when not known), following
/// its arithmetic `depth` deep by the rules of [`width_rule`].
fn bits(func: &Function, value: Value, depth: u32) -> u32 {
    if let Some(c) = constant(func, value) {
        return 64 - c.leading_zeros();
    }
    let full = type_bits(func, value);
    if depth == 0 {
        return full;
    }
    let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
        return full;
    };
    width_rule(func, inst, value, |operand| bits(func, operand, depth - 1))
}
