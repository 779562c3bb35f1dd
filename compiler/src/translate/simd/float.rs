//! Lane-wise float operators: arithmetic, min/max (IEEE and pseudo), rounding, comparisons, and
//! the conversions between float and integer vectors.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{F32X4, F64X2, I32X4, I64X2};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::Operator;

use crate::translate::FuncTranslator;

/// A float operator that keeps the lane shape of its operands.
#[derive(Clone, Copy)]
enum Lanewise {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    PMin,
    PMax,
    Ceil,
    Floor,
    Trunc,
    Nearest,
    Abs,
    Neg,
    Sqrt,
}

fn lanewise(op: &Operator<'_>) -> Option<(Type, Lanewise)> {
    use Lanewise::*;
    use Operator as O;
    Some(match op {
        O::F32x4Add => (F32X4, Add),
        O::F32x4Sub => (F32X4, Sub),
        O::F32x4Mul => (F32X4, Mul),
        O::F32x4Div => (F32X4, Div),
        O::F32x4Min => (F32X4, Min),
        O::F32x4Max => (F32X4, Max),
        O::F32x4PMin => (F32X4, PMin),
        O::F32x4PMax => (F32X4, PMax),
        O::F32x4Ceil => (F32X4, Ceil),
        O::F32x4Floor => (F32X4, Floor),
        O::F32x4Trunc => (F32X4, Trunc),
        O::F32x4Nearest => (F32X4, Nearest),
        O::F32x4Abs => (F32X4, Abs),
        O::F32x4Neg => (F32X4, Neg),
        O::F32x4Sqrt => (F32X4, Sqrt),
        O::F64x2Add => (F64X2, Add),
        O::F64x2Sub => (F64X2, Sub),
        O::F64x2Mul => (F64X2, Mul),
        O::F64x2Div => (F64X2, Div),
        O::F64x2Min => (F64X2, Min),
        O::F64x2Max => (F64X2, Max),
        O::F64x2PMin => (F64X2, PMin),
        O::F64x2PMax => (F64X2, PMax),
        O::F64x2Ceil => (F64X2, Ceil),
        O::F64x2Floor => (F64X2, Floor),
        O::F64x2Trunc => (F64X2, Trunc),
        O::F64x2Nearest => (F64X2, Nearest),
        O::F64x2Abs => (F64X2, Abs),
        O::F64x2Neg => (F64X2, Neg),
        O::F64x2Sqrt => (F64X2, Sqrt),
        _ => return None,
    })
}

fn comparison(op: &Operator<'_>) -> Option<(Type, FloatCC)> {
    use FloatCC::*;
    use Operator as O;
    Some(match op {
        O::F32x4Eq => (F32X4, Equal),
        O::F32x4Ne => (F32X4, NotEqual),
        O::F32x4Lt => (F32X4, LessThan),
        O::F32x4Gt => (F32X4, GreaterThan),
        O::F32x4Le => (F32X4, LessThanOrEqual),
        O::F32x4Ge => (F32X4, GreaterThanOrEqual),
        O::F64x2Eq => (F64X2, Equal),
        O::F64x2Ne => (F64X2, NotEqual),
        O::F64x2Lt => (F64X2, LessThan),
        O::F64x2Gt => (F64X2, GreaterThan),
        O::F64x2Le => (F64X2, LessThanOrEqual),
        O::F64x2Ge => (F64X2, GreaterThanOrEqual),
        _ => return None,
    })
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_simd_float(&mut self, op: &Operator<'_>) -> bool {
        if let Some((ty, kind)) = lanewise(op) {
            self.float_lanewise(ty, kind);
            return true;
        }
        if let Some((ty, cc)) = comparison(op) {
            self.vector_binary(ty, |t, a, b| t.builder.ins().fcmp(cc, a, b));
            return true;
        }
        self.translate_vector_conversion(op)
    }

    fn float_lanewise(&mut self, ty: Type, kind: Lanewise) {
        use Lanewise::*;
        match kind {
            Ceil | Floor | Trunc | Nearest | Abs | Neg | Sqrt => self.vector_unary(ty, |t, a| {
                let ins = t.builder.ins();
                match kind {
                    Ceil => ins.ceil(a),
                    Floor => ins.floor(a),
                    Trunc => ins.trunc(a),
                    Nearest => ins.nearest(a),
                    Abs => ins.fabs(a),
                    Neg => ins.fneg(a),
                    _ => ins.sqrt(a),
                }
            }),
            // pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a.
            PMin => self.vector_binary(ty, |t, a, b| t.pseudo_select(b, a, b, a)),
            PMax => self.vector_binary(ty, |t, a, b| t.pseudo_select(a, b, b, a)),
            _ => self.vector_binary(ty, |t, a, b| {
                let ins = t.builder.ins();
                match kind {
                    Add => ins.fadd(a, b),
                    Sub => ins.fsub(a, b),
                    Mul => ins.fmul(a, b),
                    Div => ins.fdiv(a, b),
                    Min => ins.fmin(a, b),
                    _ => ins.fmax(a, b),
                }
            }),
        }
    }

    /// Lane-wise `x < y ? then : otherwise` on float vectors (the shape Cranelift lowers to
    /// `minps`/`maxps` and their kin).
    pub(super) fn pseudo_select(
        &mut self,
        x: Value,
        y: Value,
        then: Value,
        otherwise: Value,
    ) -> Value {
        let ty = self.builder.func.dfg.value_type(x);
        let mask = self.builder.ins().fcmp(FloatCC::LessThan, x, y);
        let mask = self.as_vector(mask, ty);
        self.builder.ins().bitselect(mask, then, otherwise)
    }

    fn translate_vector_conversion(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        match op {
            O::I32x4TruncSatF32x4S => {
                self.vector_unary(F32X4, |t, a| t.builder.ins().fcvt_to_sint_sat(I32X4, a))
            }
            O::I32x4TruncSatF32x4U => {
                self.vector_unary(F32X4, |t, a| t.builder.ins().fcvt_to_uint_sat(I32X4, a))
            }
            O::I32x4TruncSatF64x2SZero => {
                self.vector_unary(F64X2, |t, a| t.trunc_sat_f64x2_zero(a, true))
            }
            O::I32x4TruncSatF64x2UZero => {
                self.vector_unary(F64X2, |t, a| t.trunc_sat_f64x2_zero(a, false))
            }
            O::F32x4ConvertI32x4S => {
                self.vector_unary(I32X4, |t, a| t.builder.ins().fcvt_from_sint(F32X4, a))
            }
            O::F32x4ConvertI32x4U => {
                self.vector_unary(I32X4, |t, a| t.builder.ins().fcvt_from_uint(F32X4, a))
            }
            O::F64x2ConvertLowI32x4S => self.vector_unary(I32X4, |t, a| {
                let wide = t.builder.ins().swiden_low(a);
                t.builder.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.vector_unary(I32X4, |t, a| {
                let wide = t.builder.ins().uwiden_low(a);
                t.builder.ins().fcvt_from_uint(F64X2, wide)
            }),
            O::F32x4DemoteF64x2Zero => self.vector_unary(F64X2, |t, a| t.builder.ins().fvdemote(a)),
            O::F64x2PromoteLowF32x4 => {
                self.vector_unary(F32X4, |t, a| t.builder.ins().fvpromote_low(a))
            }
            _ => return false,
        }
        true
    }

    /// Both lanes of `a` truncated with saturation to 32 bits, in lanes 0 and 1; lanes 2 and 3
    /// zero.
    pub(super) fn trunc_sat_f64x2_zero(&mut self, a: Value, signed: bool) -> Value {
        let zero = self.vector_zero(I64X2);
        if signed {
            let wide = self.builder.ins().fcvt_to_sint_sat(I64X2, a);
            self.builder.ins().snarrow(wide, zero)
        } else {
            let wide = self.builder.ins().fcvt_to_uint_sat(I64X2, a);
            self.builder.ins().uunarrow(wide, zero)
        }
    }
}
