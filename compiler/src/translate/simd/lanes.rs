//! `v128.const`, splats, lane extraction and replacement, shuffles and swizzles, the bitwise
//! operators and `v128.any_true`.

use cranelift_codegen::ir::types::{F32X4, F64X2, I16, I16X8, I32, I32X4, I64X2, I8, I8X16};
use cranelift_codegen::ir::{ConstantData, InstBuilder, Type};
use wasmparser::Operator;

use super::V128;
use crate::translate::FuncTranslator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_lanes(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        match *op {
            O::V128Const { value } => {
                let data = ConstantData::from(value.bytes().to_vec());
                let constant = self.builder.func.dfg.constants.insert(data);
                let value = self.builder.ins().vconst(V128, constant);
                self.push(value);
            }
            O::I8x16Splat => self.splat(I8X16, Some(I8)),
            O::I16x8Splat => self.splat(I16X8, Some(I16)),
            O::I32x4Splat => self.splat(I32X4, None),
            O::I64x2Splat => self.splat(I64X2, None),
            O::F32x4Splat => self.splat(F32X4, None),
            O::F64x2Splat => self.splat(F64X2, None),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, Widen::Signed),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, Widen::Unsigned),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, Widen::Signed),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, Widen::Unsigned),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, Widen::None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, Widen::None),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, Widen::None),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, Widen::None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane, Some(I8)),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane, Some(I16)),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane, None),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane, None),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane, None),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane, None),
            O::I8x16Shuffle { lanes } => {
                let (a, b) = self.pop_vector2(I8X16);
                let mask = ConstantData::from(lanes.to_vec());
                let mask = self.builder.func.dfg.immediates.push(mask);
                let value = self.builder.ins().shuffle(a, b, mask);
                self.push_vector(value);
            }
            O::I8x16Swizzle => self.vector_binary(I8X16, |t, a, b| t.builder.ins().swizzle(a, b)),
            O::V128Not => self.vector_unary(V128, |t, a| t.builder.ins().bnot(a)),
            O::V128And => self.vector_binary(V128, |t, a, b| t.builder.ins().band(a, b)),
            O::V128AndNot => self.vector_binary(V128, |t, a, b| t.builder.ins().band_not(a, b)),
            O::V128Or => self.vector_binary(V128, |t, a, b| t.builder.ins().bor(a, b)),
            O::V128Xor => self.vector_binary(V128, |t, a, b| t.builder.ins().bxor(a, b)),
            O::V128Bitselect => {
                let (a, b, mask) = self.pop_vector3(V128);
                let value = self.builder.ins().bitselect(mask, a, b);
                self.push_vector(value);
            }
            O::V128AnyTrue => {
                let a = self.pop_vector(V128);
                let flag = self.builder.ins().vany_true(a);
                let value = self.builder.ins().uextend(I32, flag);
                self.push(value);
            }
            _ => return false,
        }
        true
    }

    /// Splat the scalar on the stack into every lane of `ty`; `narrow` is the lane type when
    /// the wasm operand (an `i32`) is wider than the lane.
    fn splat(&mut self, ty: Type, narrow: Option<Type>) {
        let mut scalar = self.pop();
        if let Some(lane) = narrow {
            scalar = self.builder.ins().ireduce(lane, scalar);
        }
        let value = self.builder.ins().splat(ty, scalar);
        self.push_vector(value);
    }

    fn extract_lane(&mut self, ty: Type, lane: u8, widen: Widen) {
        let vector = self.pop_vector(ty);
        let scalar = self.builder.ins().extractlane(vector, lane);
        let value = match widen {
            Widen::None => scalar,
            Widen::Signed => self.builder.ins().sextend(I32, scalar),
            Widen::Unsigned => self.builder.ins().uextend(I32, scalar),
        };
        self.push(value);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8, narrow: Option<Type>) {
        let mut scalar = self.pop();
        let vector = self.pop_vector(ty);
        if let Some(lane_ty) = narrow {
            scalar = self.builder.ins().ireduce(lane_ty, scalar);
        }
        let value = self.builder.ins().insertlane(vector, scalar, lane);
        self.push_vector(value);
    }
}

/// How an extracted lane narrower than `i32` becomes one.
#[derive(Clone, Copy)]
enum Widen {
    None,
    Signed,
    Unsigned,
}
