//! Relaxed SIMD. Each operator may give any of a few results the spec allows; by default the
//! one the host computes fastest, or, with [`SimdTarget::deterministic`], the one fixed result
//! of the spec's deterministic profile, the same on every CPU and target (it is what the
//! portable Cranelift instructions compute: `swizzle`, saturating truncation, fused
//! multiply-add, `bitselect`, IEEE `fmin`/`fmax`, `sqmul_round_sat`, signed dot products).
//!
//! [`SimdTarget::deterministic`]: super::SimdTarget::deterministic

use cranelift_codegen::ir::types::{F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::Operator;

use crate::translate::FuncTranslator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_relaxed_simd(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let target = self.env.simd;
        let fast_x86 = target.x86 && !target.deterministic;
        match op {
            O::I8x16RelaxedSwizzle => self.vector_binary(I8X16, |t, a, b| {
                if fast_x86 && target.has_ssse3 {
                    // pshufb: an index with its top bit set gives 0, others use the low 4 bits.
                    t.builder.ins().x86_pshufb(a, b)
                } else {
                    t.builder.ins().swizzle(a, b)
                }
            }),
            O::I32x4RelaxedTruncF32x4S => self.vector_unary(F32X4, |t, a| {
                if fast_x86 {
                    // cvttps2dq: NaN and out-of-range lanes give i32::MIN.
                    t.builder.ins().x86_cvtt2dq(I32X4, a)
                } else {
                    t.builder.ins().fcvt_to_sint_sat(I32X4, a)
                }
            }),
            O::I32x4RelaxedTruncF32x4U => {
                self.vector_unary(F32X4, |t, a| t.builder.ins().fcvt_to_uint_sat(I32X4, a))
            }
            O::I32x4RelaxedTruncF64x2SZero => self.vector_unary(F64X2, |t, a| {
                if fast_x86 {
                    // cvttpd2dq, in the shape Cranelift matches: lanes 2 and 3 zero.
                    let wide = t.builder.ins().x86_cvtt2dq(I64X2, a);
                    let zero = t.vector_zero(I64X2);
                    t.builder.ins().snarrow(wide, zero)
                } else {
                    t.trunc_sat_f64x2_zero(a, true)
                }
            }),
            O::I32x4RelaxedTruncF64x2UZero => {
                self.vector_unary(F64X2, |t, a| t.trunc_sat_f64x2_zero(a, false))
            }
            O::F32x4RelaxedMadd => self.multiply_add(F32X4, false),
            O::F32x4RelaxedNmadd => self.multiply_add(F32X4, true),
            O::F64x2RelaxedMadd => self.multiply_add(F64X2, false),
            O::F64x2RelaxedNmadd => self.multiply_add(F64X2, true),
            O::I8x16RelaxedLaneselect => self.lane_select(I8X16),
            O::I16x8RelaxedLaneselect => self.lane_select(I16X8),
            O::I32x4RelaxedLaneselect => self.lane_select(I32X4),
            O::I64x2RelaxedLaneselect => self.lane_select(I64X2),
            O::F32x4RelaxedMin => self.relaxed_min_max(F32X4, true),
            O::F32x4RelaxedMax => self.relaxed_min_max(F32X4, false),
            O::F64x2RelaxedMin => self.relaxed_min_max(F64X2, true),
            O::F64x2RelaxedMax => self.relaxed_min_max(F64X2, false),
            O::I16x8RelaxedQ15mulrS => self.vector_binary(I16X8, |t, a, b| {
                if fast_x86 && target.has_ssse3 {
                    // pmulhrsw: differs only for i16::MIN * i16::MIN, which wraps.
                    t.builder.ins().x86_pmulhrsw(a, b)
                } else {
                    t.builder.ins().sqmul_round_sat(a, b)
                }
            }),
            O::I16x8RelaxedDotI8x16I7x16S => {
                self.vector_binary(I8X16, |t, a, b| t.relaxed_dot_i16(a, b))
            }
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let accumulator = self.pop_vector(I32X4);
                let (a, b) = self.pop_vector2(I8X16);
                let sums = if fast_x86 && target.has_ssse3 {
                    // pmaddubsw's saturated 16-bit pair sums, then pairs of those.
                    let dot = self.builder.ins().x86_pmaddubsw(a, b);
                    self.add_pairwise_signed(dot)
                } else {
                    self.dot_i8_to_i32(a, b)
                };
                let value = self.builder.ins().iadd(sums, accumulator);
                self.push_vector(value);
            }
            _ => return false,
        }
        true
    }

    /// `a * b + c`, or `-(a * b) + c` when `negate`: fused unless the host lacks FMA and
    /// results may differ.
    fn multiply_add(&mut self, ty: Type, negate: bool) {
        let (mut a, b, c) = self.pop_vector3(ty);
        let target = self.env.simd;
        if negate {
            a = self.builder.ins().fneg(a);
        }
        let value = if target.has_fma || target.deterministic || !target.x86 {
            self.builder.ins().fma(a, b, c)
        } else {
            let product = self.builder.ins().fmul(a, b);
            self.builder.ins().fadd(product, c)
        };
        self.push_vector(value);
    }

    /// `relaxed_laneselect(a, b, mask)`: lanes of `a` where the mask is set, of `b` elsewhere.
    fn lane_select(&mut self, ty: Type) {
        let (a, b, mask) = self.pop_vector3(ty);
        let target = self.env.simd;
        // x86 has byte, 32-bit and 64-bit blends (on the mask's top bit), none for 16 bits.
        let blend = target.x86 && !target.deterministic && target.has_sse41 && ty != I16X8;
        let value = if blend {
            self.builder.ins().blendv(mask, a, b)
        } else {
            self.builder.ins().bitselect(mask, a, b)
        };
        self.push_vector(value);
    }

    fn relaxed_min_max(&mut self, ty: Type, min: bool) {
        let (a, b) = self.pop_vector2(ty);
        let target = self.env.simd;
        let value = if target.x86 && !target.deterministic {
            // minps/maxps: the second operand when either is NaN or both are zeros.
            if min {
                self.pseudo_select(a, b, a, b)
            } else {
                self.pseudo_select(b, a, a, b)
            }
        } else if min {
            self.builder.ins().fmin(a, b)
        } else {
            self.builder.ins().fmax(a, b)
        };
        self.push_vector(value);
    }

    /// Sums of four adjacent products of the signed bytes of `a` and `b`, exact in 32 bits
    /// (the deterministic profile: no 16-bit intermediate wraps or saturates).
    fn dot_i8_to_i32(&mut self, a: Value, b: Value) -> Value {
        let (a_low, b_low) = (
            self.builder.ins().swiden_low(a),
            self.builder.ins().swiden_low(b),
        );
        let (a_high, b_high) = (
            self.builder.ins().swiden_high(a),
            self.builder.ins().swiden_high(b),
        );
        // Each product of two bytes fits in 16 bits (at most 128 * 128).
        let low = self.builder.ins().imul(a_low, b_low);
        let high = self.builder.ins().imul(a_high, b_high);
        let low = self.add_pairwise_signed(low);
        let high = self.add_pairwise_signed(high);
        self.builder.ins().iadd_pairwise(low, high)
    }

    /// Products of the signed bytes of `a` and `b` (`b`'s meant to be 7-bit), adjacent pairs
    /// summed into 16-bit lanes.
    fn relaxed_dot_i16(&mut self, a: Value, b: Value) -> Value {
        let target = self.env.simd;
        if target.x86 && !target.deterministic && target.has_ssse3 {
            // pmaddubsw: `b` taken as unsigned, the sums saturated.
            self.builder.ins().x86_pmaddubsw(a, b)
        } else {
            self.dot_signed(a, b)
        }
    }
}
