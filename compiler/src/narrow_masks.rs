//! Masks that keep only bits already known to be zero are removed, before the mid-end.
//!
//! A C `unsigned char` or `uint16_t` variable of a loop is an i8 or i16 value in LLVM, which
//! the wasm backend widens to i32 and masks again (`i32.and 255`) where a use needs it zero-
//! extended, also when every value the variable takes comes from an `i32.load8_u` or an
//! earlier mask. Through a loop, those values reach the mask as a block parameter, which the
//! mid-end does not see through: CoreMark's state machine ran `movzbl (mem); ... mov; and
//! $0xff; cmp` for every character. Here each integer value a mask depends on gets the number
//! of low bits that can be non-zero, block parameters from every branch that passes them (a
//! fixed point, from none upwards, over those values only), and a `band` with a constant
//! covering all of them becomes its operand.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{
    self, Block, BlockArg, BlockCall, InstructionData, Opcode, Value, ValueDef,
};

/// Removes the masks whose constant keeps every bit its operand can have. Returns how many.
pub fn remove_redundant_masks(func: &mut ir::Function) -> usize {
    // Each mask with a constant, and the operand whose bits it keeps. Only a mask whose
    // lowest bit is set can keep all the bits of anything but zero.
    let mut candidates = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let InstructionData::Binary {
                opcode: Opcode::Band,
                args: [a, b],
            } = func.dfg.insts[inst]
            {
                let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
                for (value, mask) in [(a, constant(func, b)), (b, constant(func, a))] {
                    match mask {
                        Some(mask) if mask & 1 == 1 && widths_known(func, value) => {
                            candidates.push((inst, value, mask));
                            break;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if candidates.is_empty() {
        return 0;
    }
    let roots: Vec<Value> = candidates.iter().map(|&(_, value, _)| value).collect();
    let widths = value_widths(func, &roots);
    let mut removed = 0;
    for (inst, value, mask) in candidates {
        let bits = widths[value];
        let kept = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        if mask & kept == kept {
            let result = func.dfg.first_result(inst);
            func.dfg.detach_inst_results(inst);
            func.dfg.change_to_alias(result, value);
            func.layout.remove_inst(inst);
            removed += 1;
        }
    }
    removed
}

/// Whether `value` is an integer of at most 64 bits (the widths say nothing of others).
fn widths_known(func: &ir::Function, value: Value) -> bool {
    let ty = func.dfg.value_type(value);
    ty.is_int() && ty.bits() <= 64
}

/// The constant `value` is made from, zero-extended from its type to 64 bits.
pub(crate) fn constant(func: &ir::Function, value: Value) -> Option<u64> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => {
            let bits = func.dfg.value_type(value).bits();
            let raw = imm.bits() as u64;
            Some(if bits >= 64 {
                raw
            } else {
                raw & ((1u64 << bits) - 1)
            })
        }
        _ => None,
    }
}

/// The number of bits a value's type has (64 for anything that is not a narrower integer).
pub(crate) fn type_bits(func: &ir::Function, value: Value) -> u32 {
    let ty = func.dfg.value_type(value);
    if ty.is_int() {
        ty.bits().min(64)
    } else {
        64
    }
}

/// Rounds of the fixed point before growing parameters go to their type's width.
const WIDEN_AFTER: u32 = 4;

/// For `roots` and every value their widths depend on, how many of its low bits may be
/// non-zero (its type's width if unknown); other values are not computed.
fn value_widths(func: &ir::Function, roots: &[Value]) -> SecondaryMap<Value, u32> {
    let calls_to = branches_to_each_block(func);
    // The values the roots' widths depend on: operands of the instructions that make them,
    // and the arguments each branch passes to block parameters.
    let mut in_slice: SecondaryMap<Value, bool> = SecondaryMap::new();
    let mut params = Vec::new();
    let mut stack: Vec<Value> = roots.to_vec();
    while let Some(value) = stack.pop() {
        if std::mem::replace(&mut in_slice[value], true) {
            continue;
        }
        match func.dfg.value_def(value) {
            ValueDef::Result(inst, _) => {
                stack.extend(dependencies(func, inst).map(|v| func.dfg.resolve_aliases(v)))
            }
            ValueDef::Param(block, index) => {
                params.push((value, block, index));
                for call in &calls_to[block] {
                    if let Some(BlockArg::Value(arg)) = call.args(&func.dfg.value_lists).nth(index)
                    {
                        stack.push(func.dfg.resolve_aliases(arg));
                    }
                }
            }
            ValueDef::Union(..) => {}
        }
    }
    // The slice in layout order, each block's parameters before its instructions: values
    // flow forwards within a round, and around loops from one round to the next.
    let mut items = Vec::new();
    for block in func.layout.blocks() {
        for (index, &param) in func.dfg.block_params(block).iter().enumerate() {
            if in_slice[param] {
                items.push(Item::Param(param, block, index));
            }
        }
        for inst in func.layout.block_insts(block) {
            if func.dfg.inst_results(inst).iter().any(|&r| in_slice[r]) {
                items.push(Item::Inst(inst));
            }
        }
    }
    // From none upwards: a block parameter starts at 0 and grows to the widest argument any
    // branch passes it, until nothing changes (each value only grows, at most to 64). The
    // entry block's parameters, and those some branch passes something other than a value,
    // are unknown.
    let mut widths: SecondaryMap<Value, u32> = SecondaryMap::with_default(0);
    let entry = func.layout.entry_block();
    for &(param, block, index) in &params {
        let opaque = calls_to[block].iter().any(|call| {
            !matches!(
                call.args(&func.dfg.value_lists).nth(index),
                Some(BlockArg::Value(_))
            )
        });
        if Some(block) == entry || opaque {
            widths[param] = type_bits(func, param);
        }
    }
    // A loop counter grows by a bit a round: after a few rounds, a parameter that still grows
    // goes to its type's width at once.
    let mut rounds = 0;
    let mut changed = true;
    while changed {
        changed = false;
        rounds += 1;
        let widen = rounds > WIDEN_AFTER;
        for &item in &items {
            match item {
                Item::Inst(inst) => {
                    for &result in func.dfg.inst_results(inst) {
                        let width = result_width(func, inst, result, &widths);
                        if width > widths[result] {
                            widths[result] = width;
                            changed = true;
                        }
                    }
                }
                Item::Param(param, block, index) => {
                    for call in &calls_to[block] {
                        let Some(BlockArg::Value(arg)) =
                            call.args(&func.dfg.value_lists).nth(index)
                        else {
                            continue;
                        };
                        let width = widths[func.dfg.resolve_aliases(arg)];
                        if width > widths[param] {
                            widths[param] = match widen {
                                true => type_bits(func, param),
                                false => width,
                            };
                            changed = true;
                        }
                    }
                }
            }
        }
    }
    widths
}

/// A value of the slice [`value_widths`] computes: a block parameter (the block and its
/// index in it) or an instruction's results.
#[derive(Clone, Copy)]
enum Item {
    Param(Value, Block, usize),
    Inst(ir::Inst),
}

/// The branches (as the block calls of block terminators) to each block.
fn branches_to_each_block(func: &ir::Function) -> SecondaryMap<Block, Vec<BlockCall>> {
    let mut calls_to: SecondaryMap<Block, Vec<BlockCall>> = SecondaryMap::new();
    for block in func.layout.blocks() {
        let Some(last) = func.layout.last_inst(block) else {
            continue;
        };
        for &call in func.dfg.insts[last]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        {
            calls_to[call.block(&func.dfg.value_lists)].push(call);
        }
    }
    calls_to
}

/// The operands whose widths [`result_width`] reads for `inst`'s result.
fn dependencies(func: &ir::Function, inst: ir::Inst) -> impl Iterator<Item = Value> + '_ {
    let args = func.dfg.inst_args(inst);
    let read: &[Value] = match func.dfg.insts[inst] {
        InstructionData::Unary {
            opcode: Opcode::Uextend | Opcode::Ireduce,
            ..
        }
        | InstructionData::Binary { .. } => args,
        InstructionData::Ternary {
            opcode: Opcode::Select,
            ..
        } => &args[1..],
        _ => &[],
    };
    read.iter().copied()
}

/// How many low bits of `result`, made by `inst`, may be non-zero.
fn result_width(
    func: &ir::Function,
    inst: ir::Inst,
    result: Value,
    widths: &SecondaryMap<Value, u32>,
) -> u32 {
    width_rule(func, inst, result, |value| widths[value])
}

/// How many low bits of `result`, made by `inst`, may be non-zero, given `operand`, which
/// tells the same of each operand it is asked about (aliases resolved): the rules both this
/// pass and [`crate::translate`]'s table lookups follow. Constants, narrow unsigned loads and
/// comparisons bound their results; masks, sums, products, divisions, shifts by constants,
/// extensions and selects pass their operands' bounds on; anything else may set every bit
/// of its type.
pub(crate) fn width_rule(
    func: &ir::Function,
    inst: ir::Inst,
    result: Value,
    mut operand: impl FnMut(Value) -> u32,
) -> u32 {
    let full = type_bits(func, result);
    if !widths_known(func, result) || func.dfg.inst_results(inst).len() != 1 {
        return full;
    }
    let args = func.dfg.inst_args(inst);
    let mut arg = |i: usize| operand(func.dfg.resolve_aliases(args[i]));
    // Shift amounts are taken modulo the type's width.
    let shift = |i: usize| {
        constant(func, func.dfg.resolve_aliases(args[i])).map(|k| (k % u64::from(full)) as u32)
    };
    let width = match func.dfg.insts[inst] {
        InstructionData::UnaryImm { .. } => match constant(func, result) {
            Some(c) => 64 - c.leading_zeros(),
            None => full,
        },
        InstructionData::Load { opcode, .. } => match opcode {
            Opcode::Uload8 => 8,
            Opcode::Uload16 => 16,
            Opcode::Uload32 => 32,
            _ => full,
        },
        InstructionData::Unary {
            opcode: Opcode::Uextend | Opcode::Ireduce,
            ..
        } => arg(0),
        InstructionData::Binary { opcode, .. } => match opcode {
            Opcode::Band => arg(0).min(arg(1)),
            Opcode::Bor | Opcode::Bxor => arg(0).max(arg(1)),
            Opcode::Iadd => arg(0).max(arg(1)) + 1,
            Opcode::Imul => arg(0) + arg(1),
            Opcode::Udiv => arg(0),
            Opcode::Urem => arg(0).min(arg(1)),
            Opcode::Ushr => match shift(1) {
                Some(k) => arg(0).saturating_sub(k),
                None => arg(0),
            },
            Opcode::Ishl => match shift(1) {
                Some(k) => arg(0) + k,
                None => full,
            },
            _ => full,
        },
        InstructionData::IntCompare { .. } => 1,
        InstructionData::Ternary {
            opcode: Opcode::Select,
            ..
        } => arg(1).max(arg(2)),
        _ => full,
    };
    width.min(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types, types::I32, InstBuilder, MemFlagsData};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// A loop over bytes at `p`: `c = load8_u(p)` before it and at its end, and
    /// `(c & mask) == 44` at its top, where `c` is a block parameter, passed on through a
    /// chain of `stages` blocks (each taking it as a parameter) before the mask. With `widen`,
    /// the back edge passes `c + 0x10000` instead, which the mask must then keep clearing.
    fn byte_loop(mask: i64, widen: bool, stages: usize) -> ir::Function {
        let mut func = crate::test_ir::function(&[types::I64], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let (entry, top, exit) = (b.create_block(), b.create_block(), b.create_block());
        b.append_block_params_for_function_params(entry);
        b.append_block_param(top, I32);
        b.append_block_param(top, types::I64);
        b.append_block_param(exit, I32);
        b.switch_to_block(entry);
        let p = b.block_params(entry)[0];
        let first = b.ins().uload8(I32, MemFlagsData::trusted(), p, 0);
        b.ins().jump(top, &[first.into(), p.into()]);
        b.switch_to_block(top);
        let (mut c, q) = (b.block_params(top)[0], b.block_params(top)[1]);
        for _ in 0..stages {
            let stage = b.create_block();
            b.append_block_param(stage, I32);
            b.ins().jump(stage, &[c.into()]);
            b.switch_to_block(stage);
            c = b.block_params(stage)[0];
        }
        let mask = b.ins().iconst(I32, mask);
        let masked = b.ins().band(c, mask);
        let comma = b.ins().icmp_imm_u(ir::condcodes::IntCC::Equal, masked, 44);
        let next = b.ins().iadd_imm_u(q, 1);
        let mut byte = b.ins().uload8(I32, MemFlagsData::trusted(), next, 0);
        if widen {
            let far = b.ins().iconst(I32, 0x1_0000);
            byte = b.ins().iadd(byte, far);
        }
        b.ins().brif(
            comma,
            exit,
            &[masked.into()],
            top,
            &[byte.into(), next.into()],
        );
        b.switch_to_block(exit);
        let result = b.block_params(exit)[0];
        b.ins().return_(&[result]);
        crate::test_ir::finish(b);
        func
    }

    fn masks(func: &ir::Function) -> usize {
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .filter(|&inst| func.dfg.insts[inst].opcode() == Opcode::Band)
            .count()
    }

    #[test]
    fn a_mask_of_bytes_passed_around_a_loop_goes() {
        for mask in [0xff, 0xffff, -1] {
            let mut func = byte_loop(mask, false, 0);
            assert_eq!(remove_redundant_masks(&mut func), 1, "mask {mask:#x}");
            assert_eq!(masks(&func), 0);
        }
    }

    #[test]
    fn a_mask_that_clears_bits_stays() {
        // Bits the bytes can have: 0x7f drops the top one.
        let mut func = byte_loop(0x7f, false, 0);
        assert_eq!(remove_redundant_masks(&mut func), 0);
        assert_eq!(masks(&func), 1);
        // One branch passes wider values: every mask of 16 bits or less stays.
        for mask in [0xff, 0xffff] {
            let mut func = byte_loop(mask, true, 0);
            assert_eq!(remove_redundant_masks(&mut func), 0, "mask {mask:#x}");
        }
        // A mask of 32 bits keeps even those.
        let mut func = byte_loop(-1, true, 0);
        assert_eq!(remove_redundant_masks(&mut func), 1);
    }

    /// `(load8_u(p) << shift) & mask`.
    fn shifted_byte(shift: i64, mask: i64) -> ir::Function {
        let mut func = crate::test_ir::function(&[types::I64], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let byte = b.ins().uload8(I32, MemFlagsData::trusted(), p, 0);
        let amount = b.ins().iconst(I32, shift);
        let shifted = b.ins().ishl(byte, amount);
        let mask = b.ins().iconst(I32, mask);
        let masked = b.ins().band(shifted, mask);
        b.ins().return_(&[masked]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn a_shift_by_a_constant_widens_by_its_amount() {
        // A byte shifted by 2 has 10 bits: 0x3ff keeps them, 0x1ff does not.
        let mut func = shifted_byte(2, 0x3ff);
        assert_eq!(remove_redundant_masks(&mut func), 1);
        let mut func = shifted_byte(2, 0x1ff);
        assert_eq!(remove_redundant_masks(&mut func), 0);
        // The amount is taken modulo 32: a shift by 34 is one by 2.
        let mut func = shifted_byte(34, 0x1ff);
        assert_eq!(remove_redundant_masks(&mut func), 0);
        let mut func = shifted_byte(34, 0x3ff);
        assert_eq!(remove_redundant_masks(&mut func), 1);
    }

    #[test]
    fn widths_flow_through_a_chain_of_blocks_within_a_round() {
        // Longer than the rounds before widening: the byte must reach the mask by flowing
        // forwards through the chain in one round, not one block per round.
        let mut func = byte_loop(0xff, false, 2 * WIDEN_AFTER as usize);
        assert_eq!(remove_redundant_masks(&mut func), 1, "{}", func.display());
        assert_eq!(masks(&func), 0);
    }
}
