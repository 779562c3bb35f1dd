//! Fixed-width SIMD (`v128`) and relaxed SIMD, lowered to Cranelift's vector types so that each
//! operator becomes vector instructions.
//!
//! Every `v128` on the operand stack, in a local, a global or a block parameter has the one
//! canonical Cranelift type `i8x16`; an operator reinterprets its operands as the lane shape it
//! works on and its result back (`bitcast` between vector types costs no instruction). Keeping one
//! type means control flow, locals and calls never need to know about lane shapes. After
//! translation, loads and stores whose value is used as one lane type take that type
//! (`crate::vector_loads`), for lowering to fold them into the arithmetic.
//!
//! The families live beside this file: [`lanes`] (constants, splat, lane access, shuffles,
//! bitwise and boolean tests), [`integer`], [`float`], [`memory`] and [`relaxed`].

mod float;
mod integer;
mod lanes;
mod memory;
mod relaxed;

use cranelift_codegen::ir::{types, Endianness, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::Operator;

use super::FuncTranslator;
use crate::error::Result;

/// The canonical Cranelift type of a `v128`.
pub const V128: Type = types::I8X16;

/// What the target offers the SIMD lowering, and how relaxed operators are to behave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimdTarget {
    /// Relaxed operators give the one fixed result of the deterministic profile on every target
    /// and CPU, instead of the fastest one the host offers.
    pub deterministic: bool,
    pub x86: bool,
    pub has_ssse3: bool,
    pub has_sse41: bool,
    /// Fused multiply-add in hardware (always on aarch64).
    pub has_fma: bool,
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_simd(&mut self, op: &Operator<'_>) -> Result<bool> {
        Ok(self.translate_simd_memory(op)
            || self.translate_lanes(op)
            || self.translate_simd_integer(op)
            || self.translate_simd_float(op)
            || self.translate_relaxed_simd(op))
    }

    /// Reinterpret vector `value` as `ty` (no instruction when it already is).
    fn as_vector(&mut self, value: Value, ty: Type) -> Value {
        if self.builder.func.dfg.value_type(value) == ty {
            return value;
        }
        let flags = MemFlagsData::new().with_endianness(Endianness::Little);
        self.builder.ins().bitcast(ty, flags, value)
    }

    /// Pop a `v128` as lanes of type `ty`.
    fn pop_vector(&mut self, ty: Type) -> Value {
        let value = self.pop();
        self.as_vector(value, ty)
    }

    fn pop_vector2(&mut self, ty: Type) -> (Value, Value) {
        let b = self.pop_vector(ty);
        let a = self.pop_vector(ty);
        (a, b)
    }

    fn pop_vector3(&mut self, ty: Type) -> (Value, Value, Value) {
        let c = self.pop_vector(ty);
        let (a, b) = self.pop_vector2(ty);
        (a, b, c)
    }

    /// Push a vector result in the canonical type.
    fn push_vector(&mut self, value: Value) {
        let value = self.as_vector(value, V128);
        self.push(value);
    }

    /// Pop two vectors of `ty`, combine them with `f`, push the result.
    fn vector_binary(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop_vector2(ty);
        let result = f(self, a, b);
        self.push_vector(result);
    }

    /// Pop one vector of `ty`, transform it with `f`, push the result.
    fn vector_unary(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop_vector(ty);
        let result = f(self, a);
        self.push_vector(result);
    }

    /// An all-zero vector of `ty`.
    pub(in crate::translate) fn vector_zero(&mut self, ty: Type) -> Value {
        let constant = self.builder.func.dfg.constants.insert(vec![0u8; 16].into());
        self.builder.ins().vconst(ty, constant)
    }
}
