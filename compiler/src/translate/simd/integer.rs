//! Lane-wise integer operators: arithmetic (wrapping and saturating), shifts, comparisons,
//! min/max, averages, narrowing and widening, extended multiplication, pairwise addition, dot
//! product, `all_true` and `bitmask`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16X8, I32, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::Operator;

use crate::translate::FuncTranslator;

/// Which half of the lanes a widening operator takes.
#[derive(Clone, Copy)]
enum Half {
    Low,
    High,
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_simd_integer(&mut self, op: &Operator<'_>) -> bool {
        self.translate_int_lanewise(op)
            || self.translate_int_compare_vector(op)
            || self.translate_int_shape_change(op)
    }

    fn translate_int_lanewise(&mut self, op: &Operator<'_>) -> bool {
        let Some((ty, kind)) = lanewise(op) else {
            return false;
        };
        match kind {
            Lanewise::Shl | Lanewise::ShrS | Lanewise::ShrU => {
                // The count is an i32 taken modulo the lane width, as Cranelift's shifts do.
                let count = self.pop();
                let a = self.pop_vector(ty);
                let ins = self.builder.ins();
                let value = match kind {
                    Lanewise::Shl => ins.ishl(a, count),
                    Lanewise::ShrS => ins.sshr(a, count),
                    _ => ins.ushr(a, count),
                };
                self.push_vector(value);
            }
            Lanewise::Neg => self.vector_unary(ty, |t, a| t.builder.ins().ineg(a)),
            Lanewise::Abs => self.vector_unary(ty, |t, a| t.builder.ins().iabs(a)),
            Lanewise::Popcnt => self.vector_unary(ty, |t, a| t.builder.ins().popcnt(a)),
            Lanewise::AllTrue => {
                let a = self.pop_vector(ty);
                let flag = self.builder.ins().vall_true(a);
                let value = self.builder.ins().uextend(I32, flag);
                self.push(value);
            }
            Lanewise::Bitmask => {
                let a = self.pop_vector(ty);
                let value = self.builder.ins().vhigh_bits(I32, a);
                self.push(value);
            }
            _ => self.vector_binary(ty, |t, a, b| {
                let ins = t.builder.ins();
                match kind {
                    Lanewise::Add => ins.iadd(a, b),
                    Lanewise::Sub => ins.isub(a, b),
                    Lanewise::Mul => ins.imul(a, b),
                    Lanewise::AddSatS => ins.sadd_sat(a, b),
                    Lanewise::AddSatU => ins.uadd_sat(a, b),
                    Lanewise::SubSatS => ins.ssub_sat(a, b),
                    Lanewise::SubSatU => ins.usub_sat(a, b),
                    Lanewise::MinS => ins.smin(a, b),
                    Lanewise::MinU => ins.umin(a, b),
                    Lanewise::MaxS => ins.smax(a, b),
                    Lanewise::MaxU => ins.umax(a, b),
                    Lanewise::AvgrU => ins.avg_round(a, b),
                    _ => ins.sqmul_round_sat(a, b),
                }
            }),
        }
        true
    }

    fn translate_int_compare_vector(&mut self, op: &Operator<'_>) -> bool {
        let Some((ty, cc)) = comparison(op) else {
            return false;
        };
        self.vector_binary(ty, |t, a, b| t.builder.ins().icmp(cc, a, b));
        true
    }

    /// Operators whose result has another lane shape than their operands.
    fn translate_int_shape_change(&mut self, op: &Operator<'_>) -> bool {
        use Half::{High, Low};
        use Operator as O;
        match op {
            O::I8x16NarrowI16x8S => {
                self.vector_binary(I16X8, |t, a, b| t.builder.ins().snarrow(a, b))
            }
            O::I8x16NarrowI16x8U => {
                self.vector_binary(I16X8, |t, a, b| t.builder.ins().unarrow(a, b))
            }
            O::I16x8NarrowI32x4S => {
                self.vector_binary(I32X4, |t, a, b| t.builder.ins().snarrow(a, b))
            }
            O::I16x8NarrowI32x4U => {
                self.vector_binary(I32X4, |t, a, b| t.builder.ins().unarrow(a, b))
            }
            O::I16x8ExtendLowI8x16S => self.extend(I8X16, Low, true),
            O::I16x8ExtendHighI8x16S => self.extend(I8X16, High, true),
            O::I16x8ExtendLowI8x16U => self.extend(I8X16, Low, false),
            O::I16x8ExtendHighI8x16U => self.extend(I8X16, High, false),
            O::I32x4ExtendLowI16x8S => self.extend(I16X8, Low, true),
            O::I32x4ExtendHighI16x8S => self.extend(I16X8, High, true),
            O::I32x4ExtendLowI16x8U => self.extend(I16X8, Low, false),
            O::I32x4ExtendHighI16x8U => self.extend(I16X8, High, false),
            O::I64x2ExtendLowI32x4S => self.extend(I32X4, Low, true),
            O::I64x2ExtendHighI32x4S => self.extend(I32X4, High, true),
            O::I64x2ExtendLowI32x4U => self.extend(I32X4, Low, false),
            O::I64x2ExtendHighI32x4U => self.extend(I32X4, High, false),
            O::I16x8ExtMulLowI8x16S => self.ext_mul(I8X16, Low, true),
            O::I16x8ExtMulHighI8x16S => self.ext_mul(I8X16, High, true),
            O::I16x8ExtMulLowI8x16U => self.ext_mul(I8X16, Low, false),
            O::I16x8ExtMulHighI8x16U => self.ext_mul(I8X16, High, false),
            O::I32x4ExtMulLowI16x8S => self.ext_mul(I16X8, Low, true),
            O::I32x4ExtMulHighI16x8S => self.ext_mul(I16X8, High, true),
            O::I32x4ExtMulLowI16x8U => self.ext_mul(I16X8, Low, false),
            O::I32x4ExtMulHighI16x8U => self.ext_mul(I16X8, High, false),
            O::I64x2ExtMulLowI32x4S => self.ext_mul(I32X4, Low, true),
            O::I64x2ExtMulHighI32x4S => self.ext_mul(I32X4, High, true),
            O::I64x2ExtMulLowI32x4U => self.ext_mul(I32X4, Low, false),
            O::I64x2ExtMulHighI32x4U => self.ext_mul(I32X4, High, false),
            O::I16x8ExtAddPairwiseI8x16S => self.ext_add_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.ext_add_pairwise(I8X16, false),
            O::I32x4ExtAddPairwiseI16x8S => self.ext_add_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.ext_add_pairwise(I16X8, false),
            O::I32x4DotI16x8S => self.vector_binary(I16X8, |t, a, b| t.dot_signed(a, b)),
            _ => return false,
        }
        true
    }

    /// Widen half of the lanes of `a` (of type `from`) to twice their width.
    fn widen(&mut self, a: Value, half: Half, signed: bool) -> Value {
        let ins = self.builder.ins();
        match (half, signed) {
            (Half::Low, true) => ins.swiden_low(a),
            (Half::High, true) => ins.swiden_high(a),
            (Half::Low, false) => ins.uwiden_low(a),
            (Half::High, false) => ins.uwiden_high(a),
        }
    }

    fn extend(&mut self, from: Type, half: Half, signed: bool) {
        self.vector_unary(from, |t, a| t.widen(a, half, signed));
    }

    fn ext_mul(&mut self, from: Type, half: Half, signed: bool) {
        self.vector_binary(from, |t, a, b| {
            let a = t.widen(a, half, signed);
            let b = t.widen(b, half, signed);
            t.builder.ins().imul(a, b)
        });
    }

    fn ext_add_pairwise(&mut self, from: Type, signed: bool) {
        self.vector_unary(from, |t, a| {
            let low = t.widen(a, Half::Low, signed);
            let high = t.widen(a, Half::High, signed);
            t.builder.ins().iadd_pairwise(low, high)
        });
    }

    /// Signed products of lane pairs, each pair summed in lanes of twice the width (the shape
    /// Cranelift recognises as one `pmaddwd`/`smull`+`addp` sequence).
    pub(super) fn dot_signed(&mut self, a: Value, b: Value) -> Value {
        let (a_low, b_low) = (
            self.widen(a, Half::Low, true),
            self.widen(b, Half::Low, true),
        );
        let (a_high, b_high) = (
            self.widen(a, Half::High, true),
            self.widen(b, Half::High, true),
        );
        let low = self.builder.ins().imul(a_low, b_low);
        let high = self.builder.ins().imul(a_high, b_high);
        self.builder.ins().iadd_pairwise(low, high)
    }

    /// Sum adjacent lane pairs of `a`, signed, into lanes of twice the width.
    pub(super) fn add_pairwise_signed(&mut self, a: Value) -> Value {
        let low = self.widen(a, Half::Low, true);
        let high = self.widen(a, Half::High, true);
        self.builder.ins().iadd_pairwise(low, high)
    }
}

/// An integer operator that keeps the lane shape of its operands.
#[derive(Clone, Copy)]
enum Lanewise {
    Add,
    Sub,
    Mul,
    AddSatS,
    AddSatU,
    SubSatS,
    SubSatU,
    MinS,
    MinU,
    MaxS,
    MaxU,
    AvgrU,
    Q15MulrSat,
    Shl,
    ShrS,
    ShrU,
    Neg,
    Abs,
    Popcnt,
    AllTrue,
    Bitmask,
}

/// The lane shape and kind of a lane-wise integer operator.
fn lanewise(op: &Operator<'_>) -> Option<(Type, Lanewise)> {
    use Operator as O;
    Some(match op {
        O::I8x16Add => (I8X16, Lanewise::Add),
        O::I16x8Add => (I16X8, Lanewise::Add),
        O::I32x4Add => (I32X4, Lanewise::Add),
        O::I64x2Add => (I64X2, Lanewise::Add),
        O::I8x16Sub => (I8X16, Lanewise::Sub),
        O::I16x8Sub => (I16X8, Lanewise::Sub),
        O::I32x4Sub => (I32X4, Lanewise::Sub),
        O::I64x2Sub => (I64X2, Lanewise::Sub),
        O::I16x8Mul => (I16X8, Lanewise::Mul),
        O::I32x4Mul => (I32X4, Lanewise::Mul),
        O::I64x2Mul => (I64X2, Lanewise::Mul),
        O::I8x16AddSatS => (I8X16, Lanewise::AddSatS),
        O::I16x8AddSatS => (I16X8, Lanewise::AddSatS),
        O::I8x16AddSatU => (I8X16, Lanewise::AddSatU),
        O::I16x8AddSatU => (I16X8, Lanewise::AddSatU),
        O::I8x16SubSatS => (I8X16, Lanewise::SubSatS),
        O::I16x8SubSatS => (I16X8, Lanewise::SubSatS),
        O::I8x16SubSatU => (I8X16, Lanewise::SubSatU),
        O::I16x8SubSatU => (I16X8, Lanewise::SubSatU),
        O::I8x16MinS => (I8X16, Lanewise::MinS),
        O::I16x8MinS => (I16X8, Lanewise::MinS),
        O::I32x4MinS => (I32X4, Lanewise::MinS),
        O::I8x16MinU => (I8X16, Lanewise::MinU),
        O::I16x8MinU => (I16X8, Lanewise::MinU),
        O::I32x4MinU => (I32X4, Lanewise::MinU),
        O::I8x16MaxS => (I8X16, Lanewise::MaxS),
        O::I16x8MaxS => (I16X8, Lanewise::MaxS),
        O::I32x4MaxS => (I32X4, Lanewise::MaxS),
        O::I8x16MaxU => (I8X16, Lanewise::MaxU),
        O::I16x8MaxU => (I16X8, Lanewise::MaxU),
        O::I32x4MaxU => (I32X4, Lanewise::MaxU),
        O::I8x16AvgrU => (I8X16, Lanewise::AvgrU),
        O::I16x8AvgrU => (I16X8, Lanewise::AvgrU),
        O::I8x16Shl => (I8X16, Lanewise::Shl),
        O::I16x8Shl => (I16X8, Lanewise::Shl),
        O::I32x4Shl => (I32X4, Lanewise::Shl),
        O::I64x2Shl => (I64X2, Lanewise::Shl),
        O::I8x16ShrS => (I8X16, Lanewise::ShrS),
        O::I16x8ShrS => (I16X8, Lanewise::ShrS),
        O::I32x4ShrS => (I32X4, Lanewise::ShrS),
        O::I64x2ShrS => (I64X2, Lanewise::ShrS),
        O::I8x16ShrU => (I8X16, Lanewise::ShrU),
        O::I16x8ShrU => (I16X8, Lanewise::ShrU),
        O::I32x4ShrU => (I32X4, Lanewise::ShrU),
        O::I64x2ShrU => (I64X2, Lanewise::ShrU),
        O::I8x16Neg => (I8X16, Lanewise::Neg),
        O::I16x8Neg => (I16X8, Lanewise::Neg),
        O::I32x4Neg => (I32X4, Lanewise::Neg),
        O::I64x2Neg => (I64X2, Lanewise::Neg),
        O::I8x16Abs => (I8X16, Lanewise::Abs),
        O::I16x8Abs => (I16X8, Lanewise::Abs),
        O::I32x4Abs => (I32X4, Lanewise::Abs),
        O::I64x2Abs => (I64X2, Lanewise::Abs),
        O::I8x16AllTrue => (I8X16, Lanewise::AllTrue),
        O::I16x8AllTrue => (I16X8, Lanewise::AllTrue),
        O::I32x4AllTrue => (I32X4, Lanewise::AllTrue),
        O::I64x2AllTrue => (I64X2, Lanewise::AllTrue),
        O::I8x16Bitmask => (I8X16, Lanewise::Bitmask),
        O::I16x8Bitmask => (I16X8, Lanewise::Bitmask),
        O::I32x4Bitmask => (I32X4, Lanewise::Bitmask),
        O::I64x2Bitmask => (I64X2, Lanewise::Bitmask),
        O::I16x8Q15MulrSatS => (I16X8, Lanewise::Q15MulrSat),
        O::I8x16Popcnt => (I8X16, Lanewise::Popcnt),
        _ => return None,
    })
}

/// The lane shape and condition of an integer comparison.
fn comparison(op: &Operator<'_>) -> Option<(Type, IntCC)> {
    use IntCC::*;
    use Operator as O;
    Some(match op {
        O::I8x16Eq => (I8X16, Equal),
        O::I16x8Eq => (I16X8, Equal),
        O::I32x4Eq => (I32X4, Equal),
        O::I64x2Eq => (I64X2, Equal),
        O::I8x16Ne => (I8X16, NotEqual),
        O::I16x8Ne => (I16X8, NotEqual),
        O::I32x4Ne => (I32X4, NotEqual),
        O::I64x2Ne => (I64X2, NotEqual),
        O::I8x16LtS => (I8X16, SignedLessThan),
        O::I16x8LtS => (I16X8, SignedLessThan),
        O::I32x4LtS => (I32X4, SignedLessThan),
        O::I64x2LtS => (I64X2, SignedLessThan),
        O::I8x16LtU => (I8X16, UnsignedLessThan),
        O::I16x8LtU => (I16X8, UnsignedLessThan),
        O::I32x4LtU => (I32X4, UnsignedLessThan),
        O::I8x16GtS => (I8X16, SignedGreaterThan),
        O::I16x8GtS => (I16X8, SignedGreaterThan),
        O::I32x4GtS => (I32X4, SignedGreaterThan),
        O::I64x2GtS => (I64X2, SignedGreaterThan),
        O::I8x16GtU => (I8X16, UnsignedGreaterThan),
        O::I16x8GtU => (I16X8, UnsignedGreaterThan),
        O::I32x4GtU => (I32X4, UnsignedGreaterThan),
        O::I8x16LeS => (I8X16, SignedLessThanOrEqual),
        O::I16x8LeS => (I16X8, SignedLessThanOrEqual),
        O::I32x4LeS => (I32X4, SignedLessThanOrEqual),
        O::I64x2LeS => (I64X2, SignedLessThanOrEqual),
        O::I8x16LeU => (I8X16, UnsignedLessThanOrEqual),
        O::I16x8LeU => (I16X8, UnsignedLessThanOrEqual),
        O::I32x4LeU => (I32X4, UnsignedLessThanOrEqual),
        O::I8x16GeS => (I8X16, SignedGreaterThanOrEqual),
        O::I16x8GeS => (I16X8, SignedGreaterThanOrEqual),
        O::I32x4GeS => (I32X4, SignedGreaterThanOrEqual),
        O::I64x2GeS => (I64X2, SignedGreaterThanOrEqual),
        O::I8x16GeU => (I8X16, UnsignedGreaterThanOrEqual),
        O::I16x8GeU => (I16X8, UnsignedGreaterThanOrEqual),
        O::I32x4GeU => (I32X4, UnsignedGreaterThanOrEqual),
        _ => return None,
    })
}
