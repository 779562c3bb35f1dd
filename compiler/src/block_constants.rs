//! Integer constants made again in each block that uses them, after the mid-end.
//!
//! The mid-end means to make a constant in every block that uses it (a `mov` of an immediate
//! costs less than a register held from block to block, and nothing where lowering folds the
//! constant into its user as an immediate). It does so for the first copy of a constant only:
//! a copy it made for one block is not itself made again further down, so the blocks that
//! block dominates share it. The executable's fixed vmctx, passed to every call, was made in
//! the block of one call and kept for a call in the block after it, across the first call: a
//! callee-saved register saved and restored by the function for one `mov` (Lua's
//! `luaD_callnoyield`: `mov $0x50000000,%edi; mov %rdi,%r12; call ...; mov %r12,%rdi`).
//!
//! Here a use of an integer constant made in another block gets a copy in its own block, made
//! just before the block's first use of it, unless the block is in a loop that calls nothing
//! and that the original is made outside of: there the original costs a register the loop
//! does not need to save, and a copy would cost an instruction in every round (wasi-libc's
//! `strspn` makes the `1` its loop shifts before the loop; a copy ran 5.5% more of its
//! instructions). Float and vector constants are left where they are: they take a load from
//! the constant pool, not an immediate (see [`crate::hoist::hoist_float_constants`]).

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{self, Block, Opcode, Value, ValueDef};
use cranelift_codegen::loop_analysis::Loop;
use rustc_hash::FxHashMap;

use crate::shape::Shape;

/// Gives each block of `func` its own copies of the integer constants made elsewhere that it
/// uses; returns how many copies were made.
pub fn copy_constants_into_blocks(func: &mut ir::Function, shape: &Shape) -> usize {
    let calls = shape.loops_that_call(func);
    let mut made = 0;
    // The operands of the instruction at hand, aliases resolved (kept from one to the next).
    let mut values: Vec<Value> = Vec::new();
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        // This block's copy of each constant made elsewhere, by the original's value.
        let mut copies: FxHashMap<Value, Value> = FxHashMap::default();
        let mut next = func.layout.first_inst(block);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            // A jump table's block calls may be shared: its arguments are left alone.
            if func.dfg.insts[inst].opcode() == Opcode::BrTable {
                continue;
            }
            values.clear();
            values.extend(
                func.dfg
                    .inst_values(inst)
                    .map(|v| func.dfg.resolve_aliases(v)),
            );
            let mut changes = false;
            for value in values.iter_mut() {
                if let Some(&copy) = copies.get(value) {
                    *value = copy;
                    changes = true;
                    continue;
                }
                if !constant_from_elsewhere(func, *value, block)
                    || !worth_a_copy(func, shape, &calls, *value, block)
                {
                    continue;
                }
                let ValueDef::Result(def, _) = func.dfg.value_def(*value) else {
                    unreachable!("a constant is an instruction's result");
                };
                let copy = func.dfg.clone_inst(def);
                func.layout.insert_inst(copy, inst);
                let result = func.dfg.first_result(copy);
                copies.insert(*value, result);
                *value = result;
                changes = true;
                made += 1;
            }
            if changes {
                func.dfg.overwrite_inst_values(inst, values.iter().copied());
            }
        }
    }
    made
}

/// Whether `value` is an integer constant made in a block other than `block`.
fn constant_from_elsewhere(func: &ir::Function, value: Value, block: Block) -> bool {
    let ValueDef::Result(def, _) = func.dfg.value_def(value) else {
        return false;
    };
    func.dfg.insts[def].opcode() == Opcode::Iconst
        && func.dfg.value_type(value).bits() <= 64
        && func
            .layout
            .inst_block(def)
            .is_some_and(|made| made != block)
}

/// Whether a copy of `value`, made in another block, is worth making in `block`: always
/// unless `block` is in a loop that `value`'s block is not in; then only when that loop
/// calls, so that the original would be live across a call.
fn worth_a_copy(
    func: &ir::Function,
    shape: &Shape,
    calls: &SecondaryMap<Loop, bool>,
    value: Value,
    block: Block,
) -> bool {
    let Some(made) = crate::sibling_copies::made_in(func, value) else {
        return false;
    };
    match shape.loops.innermost_loop(block) {
        None => true,
        Some(lp) => shape.loops.is_in_loop(made, lp) || calls[lp],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{F64, I32, I64};
    use cranelift_codegen::ir::{Function, InstBuilder};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `f(flag)`: `c = 0x5000_0000` and `g(c)` in the entry block, then, if `flag`, `g(c)`
    /// again and a jump passing `c` (or `flag`) to the exit block, which returns its
    /// parameter plus `c`; also a float constant made in the entry and used in the exit.
    fn shared_constant() -> Function {
        let mut func = crate::test_ir::function(&[I64], &[I64, F64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (again, exit) = (b.create_block(), b.create_block());
        b.append_block_param(exit, I64);
        let signature = b.import_signature({
            let mut sig = ir::Signature::new(cranelift_codegen::isa::CallConv::SystemV);
            sig.params.push(ir::AbiParam::new(I64));
            sig
        });
        let callee = b.import_function(ir::ExtFuncData {
            name: ir::ExternalName::testcase("g"),
            signature,
            patchable: false,
            colocated: false,
        });
        let c = b.ins().iconst(I64, 0x5000_0000);
        let half = b.ins().f64const(0.5);
        b.ins().call(callee, &[c]);
        b.ins().brif(entry[0], again, &[], exit, &[entry[0].into()]);
        b.switch_to_block(again);
        b.ins().call(callee, &[c]);
        b.ins().jump(exit, &[c.into()]);
        b.switch_to_block(exit);
        let param = b.block_params(exit)[0];
        let sum = b.ins().iadd(param, c);
        b.ins().return_(&[sum, half]);
        crate::test_ir::finish(b);
        func
    }

    /// [`copy_constants_into_blocks`] on `func`, with its shape found first.
    fn copy(func: &mut Function) -> usize {
        let shape = Shape::new(func);
        copy_constants_into_blocks(func, &shape)
    }

    /// The integer constants each block makes, by value, and the values of them its
    /// instructions use.
    fn constants_in(func: &Function, block: Block) -> (Vec<i64>, usize) {
        let mut made = Vec::new();
        let mut used = 0;
        for inst in func.layout.block_insts(block) {
            if let ir::InstructionData::UnaryImm { imm, .. } = func.dfg.insts[inst] {
                made.push(imm.bits());
            }
            used += func
                .dfg
                .inst_values(inst)
                .filter(|&v| match func.dfg.value_def(v) {
                    ValueDef::Result(def, _) => {
                        func.dfg.insts[def].opcode() == Opcode::Iconst
                            && func.layout.inst_block(def) == Some(block)
                    }
                    _ => false,
                })
                .count();
        }
        (made, used)
    }

    #[test]
    fn each_block_makes_the_constants_it_uses() {
        let mut func = shared_constant();
        let blocks: Vec<Block> = func.layout.blocks().collect();
        assert_eq!(constants_in(&func, blocks[1]), (vec![], 0));
        assert_eq!(copy(&mut func), 2);
        cranelift_codegen::verify_function(
            &func,
            &cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder()),
        )
        .expect("valid");
        // The entry keeps its own; the second block makes one for its call and its jump's
        // argument (one copy for both), the exit one for its sum.
        assert_eq!(constants_in(&func, blocks[0]), (vec![0x5000_0000], 1));
        assert_eq!(constants_in(&func, blocks[1]), (vec![0x5000_0000], 2));
        assert_eq!(constants_in(&func, blocks[2]), (vec![0x5000_0000], 1));
        // The float constant still comes from the entry.
        let exit_floats = func
            .layout
            .block_insts(blocks[2])
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::F64const)
            .count();
        assert_eq!(exit_floats, 0);
        // Run again, nothing is left to copy.
        assert_eq!(copy(&mut func), 0);
    }

    /// `f(n)`: `c = 3` in the entry block, then a loop of `n` rounds adding `c` to a sum,
    /// calling an outside function in each round when `calling`; returns the sum.
    fn loop_reading_constant(calling: bool) -> Function {
        let mut func = crate::test_ir::function(&[I64], &[I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (top, exit) = (b.create_block(), b.create_block());
        b.append_block_param(top, I64);
        b.append_block_param(top, I64);
        let callee = crate::test_ir::external_callee(&mut b);
        let c = b.ins().iconst(I64, 3);
        let zero = b.ins().iconst(I64, 0);
        b.ins().jump(top, &[entry[0].into(), zero.into()]);
        b.switch_to_block(top);
        let [i, sum] = b.block_params(top).try_into().expect("two");
        if calling {
            b.ins().call(callee, &[]);
        }
        let sum = b.ins().iadd(sum, c);
        crate::test_ir::count_down_and_return(b, top, exit, i, sum);
        func
    }

    #[test]
    fn a_loop_that_calls_makes_its_own_copy() {
        let mut func = loop_reading_constant(true);
        assert_eq!(copy(&mut func), 1);
        let top = func.layout.blocks().nth(1).expect("the loop");
        assert_eq!(constants_in(&func, top), (vec![3, 1], 2));
    }

    #[test]
    fn a_loop_that_calls_nothing_reads_the_original() {
        let mut func = loop_reading_constant(false);
        let before = func.display().to_string();
        assert_eq!(copy(&mut func), 0);
        assert_eq!(func.display().to_string(), before);
    }

    #[test]
    fn a_function_of_one_block_is_unchanged() {
        let mut func = crate::test_ir::function(&[I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let c = b.ins().iconst(I32, 7);
        let sum = b.ins().iadd(entry[0], c);
        let product = b.ins().imul(sum, c);
        b.ins().return_(&[product]);
        crate::test_ir::finish(b);
        let before = func.display().to_string();
        assert_eq!(copy(&mut func), 0);
        assert_eq!(func.display().to_string(), before);
    }
}
