//! Constants and the numeric instructions: integer and float arithmetic, comparisons,
//! conversions, reinterpretations, sign extension and saturating truncation.

use cranelift_codegen::ir::condcodes::{CondCode, FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{types, InstBuilder, InstructionData, Opcode, Type, Value};
use wasmparser::Operator;

use super::FuncTranslator;
use crate::error::Result;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<bool> {
        Ok(self.translate_const(op)
            || self.translate_int_compare(op)
            || self.translate_float_compare(op)
            || self.translate_int_unary(op)
            || self.translate_int_binary(op)
            || self.translate_float_unary(op)
            || self.translate_float_binary(op)
            || self.translate_conversion(op)
            || self.translate_wide(op))
    }

    fn translate_const(&mut self, op: &Operator<'_>) -> bool {
        let value = match *op {
            Operator::I32Const { value } => self.builder.ins().iconst(types::I32, i64::from(value)),
            Operator::I64Const { value } => self.builder.ins().iconst(types::I64, value),
            Operator::F32Const { value } => {
                self.builder.ins().f32const(Ieee32::with_bits(value.bits()))
            }
            Operator::F64Const { value } => {
                self.builder.ins().f64const(Ieee64::with_bits(value.bits()))
            }
            _ => return false,
        };
        self.push(value);
        true
    }

    /// Push a comparison result (an `i8` in Cranelift) as wasm's `i32`.
    fn push_bool(&mut self, flag: Value) {
        let value = self.builder.ins().uextend(types::I32, flag);
        self.push(value);
    }

    fn translate_int_compare(&mut self, op: &Operator<'_>) -> bool {
        use IntCC::*;
        let cc = match op {
            Operator::I32Eqz | Operator::I64Eqz => {
                let a = self.pop();
                if let Some((cc, x, y)) = self.float_compare_of(a) {
                    let flag = self.builder.ins().fcmp(cc.complement(), x, y);
                    self.push_bool(flag);
                    return true;
                }
                let flag = self.builder.ins().icmp_imm_u(Equal, a, 0);
                self.push_bool(flag);
                return true;
            }
            Operator::I32Eq | Operator::I64Eq => Equal,
            Operator::I32Ne | Operator::I64Ne => NotEqual,
            Operator::I32LtS | Operator::I64LtS => SignedLessThan,
            Operator::I32LtU | Operator::I64LtU => UnsignedLessThan,
            Operator::I32GtS | Operator::I64GtS => SignedGreaterThan,
            Operator::I32GtU | Operator::I64GtU => UnsignedGreaterThan,
            Operator::I32LeS | Operator::I64LeS => SignedLessThanOrEqual,
            Operator::I32LeU | Operator::I64LeU => UnsignedLessThanOrEqual,
            Operator::I32GeS | Operator::I64GeS => SignedGreaterThanOrEqual,
            Operator::I32GeU | Operator::I64GeU => UnsignedGreaterThanOrEqual,
            _ => return false,
        };
        let (a, b) = self.pop2();
        let flag = self.builder.ins().icmp(cc, a, b);
        self.push_bool(flag);
        true
    }

    /// The condition and operands of the float comparison whose wasm result `value` is (an
    /// `fcmp` widened to `i32`). Its `i32.eqz` is the complementary comparison (`gt` becomes
    /// "unordered or `le`": true for NaN as the `eqz` is), which a branch or a select tests
    /// directly, where a test of the widened flag materialises it first (`seta; movzbl;
    /// test; je` on x86-64). Cranelift's mid-end folds this for `icmp` only.
    fn float_compare_of(&self, value: Value) -> Option<(FloatCC, Value, Value)> {
        let dfg = &self.builder.func.dfg;
        let InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } = dfg.insts[dfg.value_def(value).inst()?]
        else {
            return None;
        };
        match dfg.insts[dfg.value_def(arg).inst()?] {
            InstructionData::FloatCompare {
                opcode: Opcode::Fcmp,
                cond,
                args: [x, y],
            } => Some((cond, x, y)),
            _ => None,
        }
    }

    fn translate_float_compare(&mut self, op: &Operator<'_>) -> bool {
        use FloatCC::*;
        let cc = match op {
            Operator::F32Eq | Operator::F64Eq => Equal,
            Operator::F32Ne | Operator::F64Ne => NotEqual,
            Operator::F32Lt | Operator::F64Lt => LessThan,
            Operator::F32Gt | Operator::F64Gt => GreaterThan,
            Operator::F32Le | Operator::F64Le => LessThanOrEqual,
            Operator::F32Ge | Operator::F64Ge => GreaterThanOrEqual,
            _ => return false,
        };
        let (a, b) = self.pop2();
        let flag = self.builder.ins().fcmp(cc, a, b);
        self.push_bool(flag);
        true
    }

    fn translate_int_unary(&mut self, op: &Operator<'_>) -> bool {
        let is_unary = matches!(
            op,
            Operator::I32Clz
                | Operator::I64Clz
                | Operator::I32Ctz
                | Operator::I64Ctz
                | Operator::I32Popcnt
                | Operator::I64Popcnt
                | Operator::I32Extend8S
                | Operator::I32Extend16S
                | Operator::I64Extend8S
                | Operator::I64Extend16S
                | Operator::I64Extend32S
        );
        if !is_unary {
            return false;
        }
        let a = self.pop();
        let value = match op {
            Operator::I32Clz | Operator::I64Clz => self.builder.ins().clz(a),
            Operator::I32Ctz | Operator::I64Ctz => self.builder.ins().ctz(a),
            Operator::I32Popcnt | Operator::I64Popcnt => self.builder.ins().popcnt(a),
            Operator::I32Extend8S => self.sign_extend_low(a, types::I8, types::I32),
            Operator::I32Extend16S => self.sign_extend_low(a, types::I16, types::I32),
            Operator::I64Extend8S => self.sign_extend_low(a, types::I8, types::I64),
            Operator::I64Extend16S => self.sign_extend_low(a, types::I16, types::I64),
            _ => self.sign_extend_low(a, types::I32, types::I64),
        };
        self.push(value);
        true
    }

    fn sign_extend_low(&mut self, a: Value, narrow: Type, wide: Type) -> Value {
        let low = self.builder.ins().ireduce(narrow, a);
        self.builder.ins().sextend(wide, low)
    }

    fn translate_int_binary(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let is_binary = matches!(
            op,
            O::I32Add
                | O::I64Add
                | O::I32Sub
                | O::I64Sub
                | O::I32Mul
                | O::I64Mul
                | O::I32DivS
                | O::I64DivS
                | O::I32DivU
                | O::I64DivU
                | O::I32RemS
                | O::I64RemS
                | O::I32RemU
                | O::I64RemU
                | O::I32And
                | O::I64And
                | O::I32Or
                | O::I64Or
                | O::I32Xor
                | O::I64Xor
                | O::I32Shl
                | O::I64Shl
                | O::I32ShrS
                | O::I64ShrS
                | O::I32ShrU
                | O::I64ShrU
                | O::I32Rotl
                | O::I64Rotl
                | O::I32Rotr
                | O::I64Rotr
        );
        if !is_binary {
            return false;
        }
        let (a, b) = self.pop2();
        let ins = self.builder.ins();
        // Cranelift's division traps on zero and on signed overflow, its `srem` of MIN by -1 is
        // 0, and its shifts and rotates take the amount modulo the width: all as wasm says.
        let value = match op {
            O::I32Add | O::I64Add => ins.iadd(a, b),
            O::I32Sub | O::I64Sub => ins.isub(a, b),
            O::I32Mul | O::I64Mul => return self.multiply(a, b),
            O::I32DivS | O::I64DivS => ins.sdiv(a, b),
            O::I32DivU | O::I64DivU => ins.udiv(a, b),
            O::I32RemS | O::I64RemS => ins.srem(a, b),
            O::I32RemU | O::I64RemU => ins.urem(a, b),
            O::I32And | O::I64And => ins.band(a, b),
            O::I32Or | O::I64Or => ins.bor(a, b),
            O::I32Xor | O::I64Xor => ins.bxor(a, b),
            O::I32Shl | O::I64Shl => ins.ishl(a, b),
            O::I32ShrS | O::I64ShrS => ins.sshr(a, b),
            O::I32ShrU | O::I64ShrU => ins.ushr(a, b),
            O::I32Rotl | O::I64Rotl => ins.rotl(a, b),
            _ => ins.rotr(a, b),
        };
        self.push(value);
        true
    }

    /// `a * b`. A product by 3, 5 or 9 (times a power of two) is a shift and an add, which
    /// both targets do in one cycle (`lea`, `add ..., lsl`) where a multiply takes three or more:
    /// the difference shows in loops whose critical path holds such a product.
    fn multiply(&mut self, a: Value, b: Value) -> bool {
        let factor = |this: &Self, v: Value| {
            let dfg = &this.builder.func.dfg;
            let inst = dfg.value_def(v).inst()?;
            match dfg.insts[inst] {
                InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    imm,
                } => shift_add_form(imm.bits() as u64, dfg.value_type(v).bits()),
                _ => None,
            }
        };
        let (x, form) = match (factor(self, b), factor(self, a)) {
            (Some(form), _) => (a, Some(form)),
            (None, Some(form)) => (b, Some(form)),
            (None, None) => (a, None),
        };
        let value = match form {
            Some((inner, outer)) => {
                let shifted = self.builder.ins().ishl_imm_u(x, i64::from(inner));
                let sum = self.builder.ins().iadd(x, shifted);
                if outer == 0 {
                    sum
                } else {
                    self.builder.ins().ishl_imm_u(sum, i64::from(outer))
                }
            }
            None => self.builder.ins().imul(a, b),
        };
        self.push(value);
        true
    }

    fn translate_float_unary(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let is_unary = matches!(
            op,
            O::F32Abs
                | O::F64Abs
                | O::F32Neg
                | O::F64Neg
                | O::F32Ceil
                | O::F64Ceil
                | O::F32Floor
                | O::F64Floor
                | O::F32Trunc
                | O::F64Trunc
                | O::F32Nearest
                | O::F64Nearest
                | O::F32Sqrt
                | O::F64Sqrt
        );
        if !is_unary {
            return false;
        }
        let a = self.pop();
        let ins = self.builder.ins();
        let value = match op {
            O::F32Abs | O::F64Abs => ins.fabs(a),
            O::F32Neg | O::F64Neg => ins.fneg(a),
            O::F32Ceil | O::F64Ceil => ins.ceil(a),
            O::F32Floor | O::F64Floor => ins.floor(a),
            O::F32Trunc | O::F64Trunc => ins.trunc(a),
            O::F32Nearest | O::F64Nearest => ins.nearest(a),
            _ => ins.sqrt(a),
        };
        self.push(value);
        true
    }

    fn translate_float_binary(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let is_binary = matches!(
            op,
            O::F32Add
                | O::F64Add
                | O::F32Sub
                | O::F64Sub
                | O::F32Mul
                | O::F64Mul
                | O::F32Div
                | O::F64Div
                | O::F32Min
                | O::F64Min
                | O::F32Max
                | O::F64Max
                | O::F32Copysign
                | O::F64Copysign
        );
        if !is_binary {
            return false;
        }
        let (a, b) = self.pop2();
        let ins = self.builder.ins();
        // Cranelift's fmin/fmax propagate NaN and order -0 below +0, as wasm requires.
        let value = match op {
            O::F32Add | O::F64Add => ins.fadd(a, b),
            O::F32Sub | O::F64Sub => ins.fsub(a, b),
            O::F32Mul | O::F64Mul => ins.fmul(a, b),
            O::F32Div | O::F64Div => ins.fdiv(a, b),
            O::F32Min | O::F64Min => ins.fmin(a, b),
            O::F32Max | O::F64Max => ins.fmax(a, b),
            _ => ins.fcopysign(a, b),
        };
        self.push(value);
        true
    }

    fn translate_conversion(&mut self, op: &Operator<'_>) -> bool {
        use types::{F32, F64, I32, I64};
        use Operator as O;
        let is_conversion = matches!(
            op,
            O::I32WrapI64
                | O::I64ExtendI32S
                | O::I64ExtendI32U
                | O::I32TruncF32S
                | O::I32TruncF64S
                | O::I64TruncF32S
                | O::I64TruncF64S
                | O::I32TruncF32U
                | O::I32TruncF64U
                | O::I64TruncF32U
                | O::I64TruncF64U
                | O::I32TruncSatF32S
                | O::I32TruncSatF64S
                | O::I64TruncSatF32S
                | O::I64TruncSatF64S
                | O::I32TruncSatF32U
                | O::I32TruncSatF64U
                | O::I64TruncSatF32U
                | O::I64TruncSatF64U
                | O::F32ConvertI32S
                | O::F32ConvertI64S
                | O::F64ConvertI32S
                | O::F64ConvertI64S
                | O::F32ConvertI32U
                | O::F32ConvertI64U
                | O::F64ConvertI32U
                | O::F64ConvertI64U
                | O::F32DemoteF64
                | O::F64PromoteF32
                | O::I32ReinterpretF32
                | O::I64ReinterpretF64
                | O::F32ReinterpretI32
                | O::F64ReinterpretI64
        );
        if !is_conversion {
            return false;
        }
        let a = self.pop();
        if matches!(op, O::I64ExtendI32U) {
            let value = self.zero_extend(a);
            self.push(value);
            return true;
        }
        let flags = cranelift_codegen::ir::MemFlagsData::new();
        let ins = self.builder.ins();
        // fcvt_to_{s,u}int trap on NaN (invalid conversion) and out of range (integer
        // overflow), the _sat forms saturate and map NaN to 0: both exactly wasm's rules.
        let value = match op {
            O::I32WrapI64 => ins.ireduce(I32, a),
            O::I64ExtendI32S => ins.sextend(I64, a),
            O::I32TruncF32S | O::I32TruncF64S => ins.fcvt_to_sint(I32, a),
            O::I64TruncF32S | O::I64TruncF64S => ins.fcvt_to_sint(I64, a),
            O::I32TruncF32U | O::I32TruncF64U => ins.fcvt_to_uint(I32, a),
            O::I64TruncF32U | O::I64TruncF64U => ins.fcvt_to_uint(I64, a),
            O::I32TruncSatF32S | O::I32TruncSatF64S => ins.fcvt_to_sint_sat(I32, a),
            O::I64TruncSatF32S | O::I64TruncSatF64S => ins.fcvt_to_sint_sat(I64, a),
            O::I32TruncSatF32U | O::I32TruncSatF64U => ins.fcvt_to_uint_sat(I32, a),
            O::I64TruncSatF32U | O::I64TruncSatF64U => ins.fcvt_to_uint_sat(I64, a),
            O::F32ConvertI32S | O::F32ConvertI64S => ins.fcvt_from_sint(F32, a),
            O::F64ConvertI32S | O::F64ConvertI64S => ins.fcvt_from_sint(F64, a),
            O::F32ConvertI32U | O::F32ConvertI64U => ins.fcvt_from_uint(F32, a),
            O::F64ConvertI32U | O::F64ConvertI64U => ins.fcvt_from_uint(F64, a),
            O::F32DemoteF64 => ins.fdemote(F32, a),
            O::F64PromoteF32 => ins.fpromote(F64, a),
            O::I32ReinterpretF32 => ins.bitcast(I32, flags, a),
            O::I64ReinterpretF64 => ins.bitcast(I64, flags, a),
            O::F32ReinterpretI32 => ins.bitcast(F32, flags, a),
            _ => ins.bitcast(F64, flags, a),
        };
        self.push(value);
        true
    }
}

/// For a multiplier `(1 + 2^inner) << outer` with `inner` in 1..=3 (3, 5 or 9 times a power of
/// two), the pair (inner, outer); `None` for any other value of `bits` width, including powers
/// of two, which Cranelift already turns into shifts.
fn shift_add_form(value: u64, bits: u32) -> Option<(u32, u32)> {
    let value = if bits >= 64 {
        value
    } else {
        value & ((1u64 << bits) - 1)
    };
    if value == 0 {
        return None;
    }
    let outer = value.trailing_zeros();
    let odd = value >> outer;
    let inner = match odd {
        3 => 1,
        5 => 2,
        9 => 3,
        _ => return None,
    };
    Some((inner, outer))
}

#[cfg(test)]
mod tests {
    use super::shift_add_form;

    #[test]
    fn shift_add_form_covers_three_five_nine_times_powers_of_two() {
        assert_eq!(shift_add_form(3, 32), Some((1, 0)));
        assert_eq!(shift_add_form(5, 64), Some((2, 0)));
        assert_eq!(shift_add_form(9, 32), Some((3, 0)));
        assert_eq!(shift_add_form(24, 32), Some((1, 3)));
        assert_eq!(shift_add_form(40, 64), Some((2, 3)));
        // An i32 constant is stored sign-extended; only its low 32 bits count.
        assert_eq!(shift_add_form(0xffff_ffff_0000_0003, 32), Some((1, 0)));
        for other in [0, 1, 2, 4, 7, 11, 15, 17, 0xffff_ffff] {
            assert_eq!(shift_add_form(other, 32), None, "{other}");
        }
        assert_eq!(shift_add_form(3 << 62, 64), Some((1, 62)));
    }
}
