//! A subtraction of a constant made an addition of the constant's negation, after the
//! mid-end.
//!
//! x86-64 subtracts in place (`sub $k, %reg`), so `x - k` with `x` still needed afterwards
//! takes a copy first (`mov %rcx, %rsi; sub $0x70, %esi`), where `x + (-k)` is one
//! three-operand `lea -0x70(%rcx), %esi` (Cranelift lowers every 32- and 64-bit `iadd` to an
//! address computation, emitted as `add` when the register allocator gives the sum the
//! register of `x`). clang's wasm makes a function's stack frame as `sp - size` and keeps `sp`
//! to restore it, and the mid-end makes such a subtraction again in every block that uses it:
//! SQLite ran 69 M such copies (1% of its instructions). Cranelift's aarch64 lowering turns an
//! addition of a negative immediate back into a `sub`, so the rewrite costs nothing there.
//!
//! The sums are equal modulo 2^n for every constant; a 64-bit constant whose negation does not
//! fit in a sign-extended 32-bit immediate (only `i64::MIN` and the values beyond 32 bits) is
//! left as it is, since the addition would have to load it into a register too.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{self, types, InstBuilder, InstructionData, Opcode, Value};

use crate::narrow_masks::constant;

/// Rewrites each `isub x, (iconst k)` of `func` on 32- or 64-bit integers as
/// `iadd x, (iconst -k)`; returns how many it rewrote.
pub fn add_negated_constants(func: &mut ir::Function) -> usize {
    let mut rewritten = 0;
    let mut cursor = FuncCursor::new(func);
    while cursor.next_block().is_some() {
        while let Some(inst) = cursor.next_inst() {
            let InstructionData::Binary {
                opcode: Opcode::Isub,
                args: [x, k],
            } = cursor.func.dfg.insts[inst]
            else {
                continue;
            };
            let ty = cursor.func.dfg.ctrl_typevar(inst);
            let Some(negated) = negation(cursor.func, k, ty) else {
                continue;
            };
            let constant = cursor.ins().iconst(ty, negated);
            cursor.func.replace(inst).iadd(x, constant);
            rewritten += 1;
        }
    }
    rewritten
}

/// `-k` as the immediate of an `iconst` of type `ty`, if `k` is a constant and `ty` a 32- or
/// 64-bit integer type whose addition takes the negation as a 32-bit immediate.
fn negation(func: &ir::Function, k: Value, ty: ir::Type) -> Option<i64> {
    let k = constant(func, k)?;
    match ty {
        // An `i32` immediate is kept as its 32 bits, zero-extended.
        types::I32 => Some(i64::from((k as u32).wrapping_neg())),
        types::I64 => {
            let negated = (k as i64).wrapping_neg();
            i32::try_from(negated).is_ok().then_some(negated)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{I16, I32, I64};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `f(x) = (x - k) * x` on `ty`: `x` is used after the subtraction.
    fn subtract(ty: ir::Type, k: i64) -> ir::Function {
        let mut func = crate::test_ir::function(&[ty], &[ty]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let x = crate::test_ir::enter(&mut b)[0];
        let k = b.ins().iconst(ty, k);
        let difference = b.ins().isub(x, k);
        let product = b.ins().imul(difference, x);
        b.ins().return_(&[product]);
        crate::test_ir::finish(b);
        func
    }

    /// The constants the function's `iadd`s add, and how many `isub`s it has left.
    fn additions(func: &ir::Function) -> (Vec<i64>, usize) {
        let mut added = Vec::new();
        let mut subtractions = 0;
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                match func.dfg.insts[inst] {
                    InstructionData::Binary {
                        opcode: Opcode::Iadd,
                        args: [_, k],
                    } => added.extend(constant(func, k).map(|k| k as i64)),
                    InstructionData::Binary {
                        opcode: Opcode::Isub,
                        ..
                    } => subtractions += 1,
                    _ => {}
                }
            }
        }
        (added, subtractions)
    }

    #[test]
    fn subtractions_of_constants_become_additions_of_their_negations() {
        let mut func = subtract(I32, 0x70);
        assert_eq!(add_negated_constants(&mut func), 1);
        assert_eq!(additions(&func), (vec![0xffff_ff90], 0));
        let mut func = subtract(I32, 0xffff_ff90);
        assert_eq!(add_negated_constants(&mut func), 1);
        assert_eq!(additions(&func), (vec![0x70], 0));
        let mut func = subtract(I64, -5);
        assert_eq!(add_negated_constants(&mut func), 1);
        assert_eq!(additions(&func), (vec![5], 0));
    }

    /// The length of the x86-64 code of `func`, lowered without the mid-end.
    fn x86_64_code_length(func: ir::Function) -> usize {
        let isa = crate::isa::target_isa(
            "x86_64-unknown-linux-gnu",
            crate::isa::OptLevel::O0,
            crate::isa::TargetCpu::Baseline,
        )
        .expect("x86-64 is a target");
        let mut context = cranelift_codegen::Context::for_function(func);
        let compiled = context
            .compile(&*isa, &mut Default::default())
            .expect("the function compiles");
        compiled.code_buffer().len()
    }

    #[test]
    fn a_subtraction_from_a_value_used_again_takes_no_copy_on_x86_64() {
        // `mov %rdi,%rax; sub $0x70,%eax` (6 bytes) becomes `lea -0x70(%rdi),%eax` (3 bytes).
        let before = x86_64_code_length(subtract(I32, 0x70));
        let mut func = subtract(I32, 0x70);
        add_negated_constants(&mut func);
        assert_eq!(x86_64_code_length(func), before - 3);
    }

    #[test]
    fn wide_negations_and_narrow_types_stay_subtractions() {
        for (ty, k) in [(I64, i64::MIN), (I64, 1 << 40), (I64, -(1 << 31)), (I16, 3)] {
            let mut func = subtract(ty, k);
            assert_eq!(add_negated_constants(&mut func), 0, "{ty} {k}");
            assert_eq!(additions(&func), (vec![], 1), "{ty} {k}");
        }
    }
}
