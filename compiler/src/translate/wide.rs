//! Wide arithmetic: 128-bit addition and subtraction of (low, high) `i64` pairs and the full
//! 128-bit product of two `i64`s, each leaving its result as two `i64`s (low first).

use cranelift_codegen::ir::InstBuilder;
use wasmparser::Operator;

use super::FuncTranslator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_wide(&mut self, op: &Operator<'_>) -> bool {
        let (low, high) = match *op {
            Operator::I64Add128 | Operator::I64Sub128 => {
                let (b_low, b_high) = self.pop2();
                let (a_low, a_high) = self.pop2();
                // Cranelift lowers i128 add and sub to add/adc (adds/adc on aarch64) pairs.
                let a = self.builder.ins().iconcat(a_low, a_high);
                let b = self.builder.ins().iconcat(b_low, b_high);
                let sum = if matches!(op, Operator::I64Add128) {
                    self.builder.ins().iadd(a, b)
                } else {
                    self.builder.ins().isub(a, b)
                };
                self.builder.ins().isplit(sum)
            }
            Operator::I64MulWideS | Operator::I64MulWideU => {
                // The low half is the same for both signednesses; only the high half differs.
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
        self.push(low);
        self.push(high);
        true
    }
}
