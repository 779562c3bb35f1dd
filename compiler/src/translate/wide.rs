//! Wide arithmetic: 128-bit addition and subtraction of (low, high) `i64` pairs and the full
//! 128-bit product of two `i64`s, each leaving its result as two `i64`s (low first).

use cranelift_codegen::ir::{types, InstBuilder};
use wasmparser::Operator;

use super::FuncTranslator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_wide(&mut self, op: &Operator<'_>) -> bool {
        let (low, high) = match *op {
            Operator::I64Add128 | Operator::I64Sub128 => {
                let (b_low, b_high) = self.pop2();
                let (a_low, a_high) = self.pop2();
                let ins = self.builder.ins();
                // Cranelift lowers i128 add and sub to add/adc (adds/adc on aarch64) pairs.
                let a = ins.iconcat(a_low, a_high);
                let b = self.builder.ins().iconcat(b_low, b_high);
                let sum = if matches!(op, Operator::I64Add128) {
                    self.builder.ins().iadd(a, b)
                } else {
                    self.builder.ins().isub(a, b)
                };
                self.builder.ins().isplit(sum)
            }
            Operator::I64MulWideS | Operator::I64MulWideU => {
                let (a, b) = self.pop2();
                let low = self.builder.ins().imul(a, b);
                let high = if matches!(op, Operator::I64MulWideS) {
                    self.builder.ins().smulhi(a, b)
                } else {
                    self.builder.ins().umulhi(a, b)
                };
                (low, high)
            }
            _ => return false,
        };
        debug_assert_eq!(self.builder.func.dfg.value_type(low), types::I64);
        self.push(low);
        self.push(high);
        true
    }
}
