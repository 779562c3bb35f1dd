//! `v128` loads and stores: whole vectors, extending loads, splatting loads, zero-filling loads,
//! and single-lane loads and stores. Addresses and bounds are handled as for scalar accesses.

use cranelift_codegen::ir::types::{I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16};
use cranelift_codegen::ir::{InstBuilder, Type};
use wasmparser::{MemArg, Operator};

use super::V128;
use crate::translate::FuncTranslator;

/// How the bytes read by a vector load become a vector.
#[derive(Clone, Copy)]
enum VectorLoad {
    Full,
    /// Eight bytes, each half, quarter... widened: `sload8x8` and kin.
    Extend {
        from: Type,
        signed: bool,
    },
    /// One scalar of `lane` type into every lane of the vector `ty`.
    Splat {
        lane: Type,
        ty: Type,
    },
    /// One scalar into lane 0 of `ty`, the rest zero.
    Zero {
        lane: Type,
        ty: Type,
    },
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_simd_memory(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        use VectorLoad::*;
        let (memarg, shape) = match *op {
            O::V128Load { memarg } => (memarg, Full),
            O::V128Load8x8S { memarg } => (memarg, extend(I8X16, true)),
            O::V128Load8x8U { memarg } => (memarg, extend(I8X16, false)),
            O::V128Load16x4S { memarg } => (memarg, extend(I16X8, true)),
            O::V128Load16x4U { memarg } => (memarg, extend(I16X8, false)),
            O::V128Load32x2S { memarg } => (memarg, extend(I32X4, true)),
            O::V128Load32x2U { memarg } => (memarg, extend(I32X4, false)),
            O::V128Load8Splat { memarg } => (memarg, splat(I8, I8X16)),
            O::V128Load16Splat { memarg } => (memarg, splat(I16, I16X8)),
            O::V128Load32Splat { memarg } => (memarg, splat(I32, I32X4)),
            O::V128Load64Splat { memarg } => (memarg, splat(I64, I64X2)),
            O::V128Load32Zero { memarg } => (memarg, zero(I32, I32X4)),
            O::V128Load64Zero { memarg } => (memarg, zero(I64, I64X2)),
            O::V128Store { memarg } => {
                let value = self.pop();
                self.store_value(memarg, value, 16);
                return true;
            }
            O::V128Load8Lane { memarg, lane } => return self.load_lane(memarg, I8X16, lane),
            O::V128Load16Lane { memarg, lane } => return self.load_lane(memarg, I16X8, lane),
            O::V128Load32Lane { memarg, lane } => return self.load_lane(memarg, I32X4, lane),
            O::V128Load64Lane { memarg, lane } => return self.load_lane(memarg, I64X2, lane),
            O::V128Store8Lane { memarg, lane } => return self.store_lane(memarg, I8X16, lane),
            O::V128Store16Lane { memarg, lane } => return self.store_lane(memarg, I16X8, lane),
            O::V128Store32Lane { memarg, lane } => return self.store_lane(memarg, I32X4, lane),
            O::V128Store64Lane { memarg, lane } => return self.store_lane(memarg, I64X2, lane),
            _ => return false,
        };
        self.vector_load(memarg, shape);
        true
    }

    fn vector_load(&mut self, memarg: MemArg, shape: VectorLoad) {
        let index = self.pop();
        let size = match shape {
            VectorLoad::Full => 16,
            VectorLoad::Extend { .. } => 8,
            VectorLoad::Splat { lane, .. } | VectorLoad::Zero { lane, .. } => lane.bytes() as u8,
        };
        let (addr, offset, flags) = self.heap_address(memarg, index, size);
        let ins = self.builder.ins();
        let value = match shape {
            VectorLoad::Full => ins.load(V128, flags, addr, offset),
            VectorLoad::Extend { from, signed } => match (from, signed) {
                (I8X16, true) => ins.sload8x8(flags, addr, offset),
                (I8X16, false) => ins.uload8x8(flags, addr, offset),
                (I16X8, true) => ins.sload16x4(flags, addr, offset),
                (I16X8, false) => ins.uload16x4(flags, addr, offset),
                (_, true) => ins.sload32x2(flags, addr, offset),
                (_, false) => ins.uload32x2(flags, addr, offset),
            },
            VectorLoad::Splat { lane, ty } => {
                let scalar = ins.load(lane, flags, addr, offset);
                self.builder.ins().splat(ty, scalar)
            }
            VectorLoad::Zero { lane, ty } => {
                let scalar = ins.load(lane, flags, addr, offset);
                self.builder.ins().scalar_to_vector(ty, scalar)
            }
        };
        self.push_vector(value);
    }

    fn load_lane(&mut self, memarg: MemArg, ty: Type, lane: u8) -> bool {
        let vector = self.pop_vector(ty);
        let index = self.pop();
        let lane_ty = ty.lane_type();
        let (addr, offset, flags) = self.heap_address(memarg, index, lane_ty.bytes() as u8);
        let scalar = self.builder.ins().load(lane_ty, flags, addr, offset);
        let value = self.builder.ins().insertlane(vector, scalar, lane);
        self.push_vector(value);
        true
    }

    fn store_lane(&mut self, memarg: MemArg, ty: Type, lane: u8) -> bool {
        let vector = self.pop_vector(ty);
        let scalar = self.builder.ins().extractlane(vector, lane);
        self.store_value(memarg, scalar, ty.lane_type().bytes() as u8);
        true
    }
}

fn extend(from: Type, signed: bool) -> VectorLoad {
    VectorLoad::Extend { from, signed }
}

fn splat(lane: Type, ty: Type) -> VectorLoad {
    VectorLoad::Splat { lane, ty }
}

fn zero(lane: Type, ty: Type) -> VectorLoad {
    VectorLoad::Zero { lane, ty }
}
