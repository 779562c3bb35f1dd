//! Loop-invariant pure instructions hoisted out of their loops, after the mid-end.
//!
//! The mid-end hoists a pure value out of a loop when it elaborates the value in a block of
//! the loop while that loop is on its stack. It walks the dominator tree, and pops a loop when
//! it reaches a block outside it: a block of the loop that the walk reaches after one of the
//! loop's exits (a sibling in the tree) gets its values placed where they are used, in the
//! loop. zlib's `longest_match` computed its `limit` (`strstart > MAX_DIST ? strstart -
//! MAX_DIST : 0`, four instructions) in every round of its hottest loop that way. Here every
//! pure instruction of a loop whose operands are all made outside it moves to the end of the
//! block that immediately dominates the loop's header, as far out as its operands allow.
//!
//! The mid-end makes constants and additions, subtractions and bitwise operations with a
//! constant again in each block that uses them, to keep fewer values live; those stay where
//! they are, and an instruction that moves takes its own copies of them along. Float
//! constants are the exception, moved out of loops that call nothing on their own
//! ([`hoist_float_constants`]).

use std::collections::HashMap;

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{self, Block, Inst, InstructionData, Opcode, Value, ValueDef};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};

use crate::shape::Shape;

/// Moves the loop-invariant pure instructions of `func` out of their loops. Returns how many
/// moved.
pub fn hoist_loop_invariants(func: &mut ir::Function, shape: &Shape) -> usize {
    let (domtree, loops) = (&shape.domtree, &shape.loops);
    if loops.loops().next().is_none() {
        return 0;
    }
    // Where each value is made now (a moved instruction's results, in their new block).
    let mut made_in: SecondaryMap<Value, Option<Block>> = SecondaryMap::new();
    let mut moved = 0;
    let order: Vec<Block> = domtree.cfg_rpo().copied().collect();
    for block in order {
        let Some(innermost) = loops.innermost_loop(block) else {
            continue;
        };
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            if !hoistable(func, inst) {
                continue;
            }
            let Some(target_loop) =
                outermost_invariant_loop(func, loops, innermost, inst, &made_in, &mut Vec::new())
            else {
                continue;
            };
            let header = loops.loop_header(target_loop);
            let Some(target) = domtree.idom(header) else {
                continue;
            };
            let before = func
                .layout
                .last_inst(target)
                .expect("a block ends in a branch");
            copy_rematerialised_operands(func, loops, target_loop, inst, before, &made_in);
            func.layout.remove_inst(inst);
            func.layout.insert_inst(inst, before);
            for &result in func.dfg.inst_results(inst) {
                made_in[result] = Some(target);
            }
            moved += 1;
        }
    }
    moved
}

/// Moves the non-zero float constants (`f32const`, `f64const`) left in loops that call nothing
/// to the end of the block that immediately dominates the outermost such loop around them,
/// one per constant there. Returns how many moved.
///
/// The mid-end makes a constant again in every block that uses it. A float constant that
/// becomes an operand in memory costs nothing there (`vmulsd const(%rip),...`), and still
/// becomes one after the move; but one needed in a register (a dividend, the first operand of
/// a compare) is a `movabs` and a `vmovq` each time, in every round of a loop:
/// `mandelbrot`'s `4.0 < x*x + y*y`. Moved out, it is made once and kept in a register. Not out
/// of a loop that calls: no float register survives a call, so the constant would be saved
/// to a stack slot around each one. Zero stays (an `xorps`, no immediate).
pub fn hoist_float_constants(func: &mut ir::Function, shape: &Shape) -> usize {
    let (domtree, loops) = (&shape.domtree, &shape.loops);
    if loops.loops().next().is_none() {
        return 0;
    }
    let mut calls: SecondaryMap<Loop, bool> = SecondaryMap::new();
    for block in func.layout.blocks() {
        let insts = func.layout.block_insts(block);
        if insts
            .into_iter()
            .any(|i| func.dfg.insts[i].opcode().is_call())
        {
            let mut lp = loops.innermost_loop(block);
            while let Some(current) = lp {
                calls[current] = true;
                lp = loops.loop_parent(current);
            }
        }
    }
    // The constant already moved to a block, by (block, type, bits); what each moved
    // duplicate's uses take instead.
    let mut made: HashMap<(Block, ir::Type, u64), Value> = HashMap::new();
    let mut replaced: HashMap<Value, Value> = HashMap::new();
    let order: Vec<Block> = domtree.cfg_rpo().copied().collect();
    for block in order {
        let mut target = None;
        let mut lp = loops.innermost_loop(block);
        while let Some(current) = lp.filter(|&l| !calls[l]) {
            target = Some(current);
            lp = loops.loop_parent(current);
        }
        let Some(dest) = target.and_then(|lp| domtree.idom(loops.loop_header(lp))) else {
            continue;
        };
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            let bits = match func.dfg.insts[inst] {
                InstructionData::UnaryIeee32 { imm, .. } => u64::from(imm.bits()),
                InstructionData::UnaryIeee64 { imm, .. } => imm.bits(),
                _ => continue,
            };
            if bits == 0 {
                continue;
            }
            let result = func.dfg.first_result(inst);
            let key = (dest, func.dfg.value_type(result), bits);
            func.layout.remove_inst(inst);
            match made.get(&key) {
                Some(&kept) => {
                    replaced.insert(result, kept);
                }
                None => {
                    let before = func
                        .layout
                        .last_inst(dest)
                        .expect("a block ends in a branch");
                    func.layout.insert_inst(inst, before);
                    made.insert(key, result);
                }
            }
        }
    }
    if !replaced.is_empty() {
        let all: Vec<Inst> = func
            .layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .collect();
        for inst in all {
            func.dfg
                .map_inst_values(inst, |v| replaced.get(&v).copied().unwrap_or(v));
        }
    }
    made.len() + replaced.len()
}

/// A pure instruction with operands and one result, which the mid-end does not make again in
/// each block (see [`rematerialised`]).
fn hoistable(func: &ir::Function, inst: Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    crate::schedule::movable(func, inst)
        && func.dfg.inst_results(inst).len() == 1
        && !func.dfg.inst_args(inst).is_empty()
        && !rematerialised(func, inst)
        && !matches!(op, Opcode::Uextend | Opcode::Sextend | Opcode::Ireduce)
}

/// Whether the mid-end makes `inst` again in each block that uses it: a constant, or an
/// addition, subtraction or bitwise operation with a constant operand, or a `bnot`.
pub(crate) fn rematerialised(func: &ir::Function, inst: Inst) -> bool {
    match func.dfg.insts[inst] {
        InstructionData::UnaryImm { .. }
        | InstructionData::UnaryIeee32 { .. }
        | InstructionData::UnaryIeee64 { .. } => true,
        InstructionData::Unary {
            opcode: Opcode::Bnot,
            ..
        } => true,
        InstructionData::Binary { opcode, args } => {
            matches!(
                opcode,
                Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor
            ) && args.iter().any(|&arg| is_constant(func, arg))
        }
        _ => false,
    }
}

pub(crate) fn is_constant(func: &ir::Function, value: Value) -> bool {
    match func.dfg.value_def(func.dfg.resolve_aliases(value)) {
        ValueDef::Result(def, _) => matches!(
            func.dfg.insts[def],
            InstructionData::UnaryImm { .. }
                | InstructionData::UnaryIeee32 { .. }
                | InstructionData::UnaryIeee64 { .. }
        ),
        _ => false,
    }
}

/// The block `value` is made in now.
fn block_of(
    func: &ir::Function,
    value: Value,
    made_in: &SecondaryMap<Value, Option<Block>>,
) -> Block {
    let value = func.dfg.resolve_aliases(value);
    if let Some(block) = made_in[value] {
        return block;
    }
    match func.dfg.value_def(value) {
        ValueDef::Result(inst, _) => func.layout.inst_block(inst).expect("in the layout"),
        ValueDef::Param(block, _) => block,
        ValueDef::Union(..) => unreachable!("no unions after the mid-end"),
    }
}

/// The outermost loop around `innermost` (itself included) outside which every operand of
/// `inst` is available: made outside it, or a value the mid-end makes again where it is used
/// whose own operands are (`visiting` guards against cycles through block parameters).
fn outermost_invariant_loop(
    func: &ir::Function,
    loops: &LoopAnalysis,
    innermost: Loop,
    inst: Inst,
    made_in: &SecondaryMap<Value, Option<Block>>,
    visiting: &mut Vec<Inst>,
) -> Option<Loop> {
    let mut best = None;
    let mut lp = Some(innermost);
    while let Some(current) = lp {
        if !available_outside(func, loops, current, inst, made_in, visiting) {
            break;
        }
        best = Some(current);
        lp = loops.loop_parent(current);
    }
    best
}

fn available_outside(
    func: &ir::Function,
    loops: &LoopAnalysis,
    lp: Loop,
    inst: Inst,
    made_in: &SecondaryMap<Value, Option<Block>>,
    visiting: &mut Vec<Inst>,
) -> bool {
    if visiting.contains(&inst) || visiting.len() > 8 {
        return false;
    }
    visiting.push(inst);
    let args = func.dfg.inst_args(inst);
    // The instruction that moves uses at least one value made outside the loop itself, not
    // only copies of values the mid-end makes where they are used.
    let outside = |arg: &Value| {
        !loops.is_in_loop(block_of(func, func.dfg.resolve_aliases(*arg), made_in), lp)
    };
    if visiting.len() == 1 && !args.iter().any(outside) {
        visiting.pop();
        return false;
    }
    let ok = args.iter().all(|&arg| {
        let arg = func.dfg.resolve_aliases(arg);
        if !loops.is_in_loop(block_of(func, arg, made_in), lp) {
            return true;
        }
        match func.dfg.value_def(arg) {
            ValueDef::Result(def, _) if rematerialised(func, def) && made_in[arg].is_none() => {
                available_outside(func, loops, lp, def, made_in, visiting)
            }
            _ => false,
        }
    });
    visiting.pop();
    ok
}

/// Gives `inst` its own copies, placed before `before`, of the operands made in `lp` that the
/// mid-end makes again where they are used (their operands are available there).
fn copy_rematerialised_operands(
    func: &mut ir::Function,
    loops: &LoopAnalysis,
    lp: Loop,
    inst: Inst,
    before: Inst,
    made_in: &SecondaryMap<Value, Option<Block>>,
) {
    let count = func.dfg.inst_args(inst).len();
    for i in 0..count {
        let arg = func.dfg.resolve_aliases(func.dfg.inst_args(inst)[i]);
        if !loops.is_in_loop(block_of(func, arg, made_in), lp) {
            continue;
        }
        let ValueDef::Result(def, _) = func.dfg.value_def(arg) else {
            unreachable!("checked available outside the loop");
        };
        let copy = func.dfg.clone_inst(def);
        func.layout.insert_inst(copy, before);
        copy_rematerialised_operands(func, loops, lp, copy, copy, made_in);
        let value = func.dfg.first_result(copy);
        func.dfg.inst_args_mut(inst)[i] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `hoist_loop_invariants` on `func`, with its control flow found first.
    fn hoist(func: &mut ir::Function) -> usize {
        let shape = Shape::new(func);
        hoist_loop_invariants(func, &shape)
    }
    use cranelift_codegen::ir::{types, types::I32, InstBuilder};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `sum += x * (a - b + 7)` for `n` rounds, where `a - b + 7` is computed in the loop.
    fn loop_with_invariant() -> (ir::Function, Inst, Block) {
        let mut func = crate::test_ir::function(&[I32; 4], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let (entry, top, exit) = (b.create_block(), b.create_block(), b.create_block());
        b.append_block_params_for_function_params(entry);
        b.append_block_param(top, I32);
        b.append_block_param(top, I32);
        b.switch_to_block(entry);
        let [a, bb, x, n] = b.block_params(entry).try_into().expect("four");
        let zero = b.ins().iconst(I32, 0);
        b.ins().jump(top, &[n.into(), zero.into()]);
        b.switch_to_block(top);
        let [i, sum] = b.block_params(top).try_into().expect("two");
        let difference = b.ins().isub(a, bb);
        let seven = b.ins().iconst(I32, 7);
        let plus = b.ins().iadd(difference, seven);
        let product = b.ins().imul(x, plus);
        let sum = b.ins().iadd(sum, product);
        crate::test_ir::count_down_and_return(b, top, exit, i, sum);
        let ValueDef::Result(product, _) = func.dfg.value_def(product) else {
            unreachable!()
        };
        (func, product, entry)
    }

    /// A loop that uses `p + 24`, widened to 64 bits, and `(p + 24) * (p + 8)`: values the
    /// mid-end makes from a constant where they are used.
    fn loop_with_cheap_invariants() -> ir::Function {
        let mut func = crate::test_ir::function(&[I32, I32], &[types::I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let (entry, top, exit) = (b.create_block(), b.create_block(), b.create_block());
        b.append_block_params_for_function_params(entry);
        b.append_block_param(top, I32);
        b.append_block_param(top, types::I64);
        b.switch_to_block(entry);
        let [p, n] = b.block_params(entry).try_into().expect("two");
        let zero = b.ins().iconst(types::I64, 0);
        b.ins().jump(top, &[n.into(), zero.into()]);
        b.switch_to_block(top);
        let [i, sum] = b.block_params(top).try_into().expect("two");
        let k24 = b.ins().iconst(I32, 24);
        let address = b.ins().iadd(p, k24);
        let wide = b.ins().uextend(types::I64, address);
        let k8 = b.ins().iconst(I32, 8);
        let other = b.ins().iadd(p, k8);
        let product = b.ins().imul(address, other);
        let product = b.ins().uextend(types::I64, product);
        let sum = b.ins().iadd(sum, wide);
        let sum = b.ins().iadd(sum, product);
        crate::test_ir::count_down_and_return(b, top, exit, i, sum);
        func
    }

    #[test]
    fn cheap_values_made_only_from_copies_stay_in_the_loop() {
        let mut func = loop_with_cheap_invariants();
        let before = func.display().to_string();
        assert_eq!(hoist(&mut func), 0, "{}", func.display());
        assert_eq!(func.display().to_string(), before);
    }

    #[test]
    fn invariant_values_leave_the_loop_with_copies_of_their_constants() {
        let (mut func, product, entry) = loop_with_invariant();
        let top = func.layout.next_block(entry).expect("the loop");
        // `a - b` and `x * (a - b + 7)` move; `+ 7` is copied along; the running sum stays.
        assert_eq!(hoist(&mut func), 2, "{}", func.display());
        assert_eq!(func.layout.inst_block(product), Some(entry));
        let in_loop: Vec<Opcode> = func
            .layout
            .block_insts(top)
            .map(|inst| func.dfg.insts[inst].opcode())
            .collect();
        assert_eq!(
            in_loop,
            [
                Opcode::Iconst,
                Opcode::Iadd,
                Opcode::Iadd,
                Opcode::Iconst,
                Opcode::Isub,
                Opcode::Brif
            ],
            "{}",
            func.display()
        );
        let in_entry = func.layout.block_insts(entry).count();
        assert_eq!(in_entry, 6, "{}", func.display());
    }
}
