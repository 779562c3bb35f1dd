//! A test of `a ^ b` or `a - b` against zero made a compare of `a` with `b`, after the mid-end.
//!
//! clang's wasm tests two values for equality as `(a ^ b) == 0` where the native code compares
//! them (CoreMark's list search by data, `if ((item->data->data16 & 0xff) == x)`, run 55.8 M
//! times: `i32.xor` then `i32.eqz`). Cranelift keeps the `xor` and tests its result (`xor
//! %eax,%ebx; test %ebx,%ebx; je`), where `cmp %eax,%ebx; je` does the same in one
//! instruction less; the mid-end rewrites only `x == x ^ y`. `a - b` is equal to zero exactly
//! when `a` equals `b` too (modulo 2^n).
//!
//! Here an `icmp eq` or `ne` of such a value with the constant 0, and a `brif` on it (a test
//! for non-zero), compare `a` with `b` instead, when that test is the value's only use (else
//! the `xor` or `sub` stays for its other users, and `a` and `b` would be kept alive longer
//! for no instruction saved) and is in the block that makes the value (so that `a` and `b`
//! live no further than the block they were already used in). Integer scalars only.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{
    self, condcodes::IntCC, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef,
};

use crate::narrow_masks::constant;

/// Rewrites the tests of `func` as above; returns how many it rewrote.
pub fn compare_operands(func: &mut ir::Function) -> usize {
    let uses = use_counts(func);
    let mut rewritten = 0;
    let mut cursor = FuncCursor::new(func);
    while cursor.next_block().is_some() {
        while let Some(inst) = cursor.next_inst() {
            let (tested, cc) = match cursor.func.dfg.insts[inst] {
                InstructionData::IntCompare {
                    opcode: Opcode::Icmp,
                    cond: cc @ (IntCC::Equal | IntCC::NotEqual),
                    args: [x, zero],
                } if constant(cursor.func, zero) == Some(0) => (x, cc),
                InstructionData::Brif { arg, .. } => (arg, IntCC::NotEqual),
                _ => continue,
            };
            let tested = cursor.func.dfg.resolve_aliases(tested);
            if uses[tested] != 1 {
                continue;
            }
            let Some((difference, a, b)) = operands(cursor.func, tested) else {
                continue;
            };
            if cursor.func.layout.inst_block(difference) != cursor.current_block() {
                continue;
            }
            if cursor.func.dfg.insts[inst].opcode() == Opcode::Brif {
                let compare = cursor.ins().icmp(cc, a, b);
                cursor.func.dfg.inst_args_mut(inst)[0] = compare;
            } else {
                cursor.func.replace(inst).icmp(cc, a, b);
            }
            cursor.func.layout.remove_inst(difference);
            rewritten += 1;
        }
    }
    rewritten
}

/// The instruction making `v` and its operands, if it is a `bxor` or an `isub` of integer
/// scalars of at most 64 bits.
fn operands(func: &ir::Function, v: Value) -> Option<(Inst, Value, Value)> {
    let ValueDef::Result(def, _) = func.dfg.value_def(v) else {
        return None;
    };
    let ty = func.dfg.value_type(v);
    if !ty.is_int() || ty.bits() > 64 {
        return None;
    }
    match func.dfg.insts[def] {
        InstructionData::Binary {
            opcode: Opcode::Bxor | Opcode::Isub,
            args: [a, b],
        } => Some((def, a, b)),
        _ => None,
    }
}

/// How many times each value is used: as an operand or a branch argument.
fn use_counts(func: &ir::Function) -> SecondaryMap<Value, u32> {
    let mut uses: SecondaryMap<Value, u32> = SecondaryMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for v in func.dfg.inst_values(inst) {
                uses[func.dfg.resolve_aliases(v)] += 1;
            }
        }
    }
    uses
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ir::count;
    use cranelift_codegen::ir::types::{I32, I64};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// What a test of `a op b` makes of it: `Compare(cc, k)` is `icmp cc (a op b), k`,
    /// `Branch` a `brif` on it; with `twice`, `a op b` is also returned.
    #[derive(Clone, Copy)]
    enum Test {
        Compare(IntCC, i64),
        Branch,
    }

    /// `f(a, b)` on `ty`: `test` of `a op b`, returning 1 or 0 (and `a op b` with `twice`).
    fn tested(ty: ir::Type, op: Opcode, test: Test, twice: bool) -> ir::Function {
        let returns: &[ir::Type] = if twice { &[I32, ty] } else { &[I32] };
        let mut func = crate::test_ir::function(&[ty, ty], returns);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let (x, y) = (params[0], params[1]);
        let value = match op {
            Opcode::Bxor => b.ins().bxor(x, y),
            _ => b.ins().isub(x, y),
        };
        let results = |b: &mut FunctionBuilder, flag: Value| {
            let flag = b.ins().uextend(I32, flag);
            let mut values = vec![flag];
            if twice {
                values.push(value);
            }
            b.ins().return_(&values);
        };
        match test {
            Test::Compare(cc, k) => {
                let k = b.ins().iconst(ty, k);
                let flag = b.ins().icmp(cc, value, k);
                results(&mut b, flag);
            }
            Test::Branch => {
                let (yes, no) = (b.create_block(), b.create_block());
                b.ins().brif(value, yes, &[], no, &[]);
                for (block, flag) in [(yes, 1), (no, 0)] {
                    b.switch_to_block(block);
                    let flag = b.ins().iconst(ir::types::I8, flag);
                    results(&mut b, flag);
                }
            }
        }
        crate::test_ir::finish(b);
        func
    }

    /// The operands of the function's `icmp`, if it has one, as parameter indexes.
    fn compared(func: &ir::Function) -> Option<(IntCC, usize, usize)> {
        let params = func.dfg.block_params(func.layout.entry_block()?).to_vec();
        let index = |v: Value| params.iter().position(|&p| p == v);
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .find_map(|inst| match func.dfg.insts[inst] {
                InstructionData::IntCompare {
                    cond, args: [a, b], ..
                } => Some((cond, index(a)?, index(b)?)),
                _ => None,
            })
    }

    #[test]
    fn tests_of_a_difference_against_zero_compare_its_operands() {
        for (ty, op) in [
            (I32, Opcode::Bxor),
            (I64, Opcode::Isub),
            (I64, Opcode::Bxor),
        ] {
            for cc in [IntCC::Equal, IntCC::NotEqual] {
                let mut func = tested(ty, op, Test::Compare(cc, 0), false);
                assert_eq!(compare_operands(&mut func), 1, "{op} {cc}");
                assert_eq!(compared(&func), Some((cc, 0, 1)), "{op} {cc}");
                assert_eq!(count(&func, op), 0, "{op} {cc}");
            }
            let mut func = tested(ty, op, Test::Branch, false);
            assert_eq!(compare_operands(&mut func), 1, "{op} brif");
            assert_eq!(compared(&func), Some((IntCC::NotEqual, 0, 1)), "{op} brif");
            assert_eq!(count(&func, op), 0, "{op} brif");
        }
    }

    #[test]
    fn other_tests_and_values_used_again_stay() {
        for test in [
            Test::Compare(IntCC::SignedLessThan, 0),
            Test::Compare(IntCC::Equal, 1),
        ] {
            let mut func = tested(I32, Opcode::Bxor, test, false);
            assert_eq!(compare_operands(&mut func), 0);
            assert_eq!(count(&func, Opcode::Bxor), 1);
        }
        for test in [Test::Compare(IntCC::Equal, 0), Test::Branch] {
            let mut func = tested(I32, Opcode::Isub, test, true);
            assert_eq!(compare_operands(&mut func), 0);
            assert_eq!(count(&func, Opcode::Isub), 1);
        }
    }
}
