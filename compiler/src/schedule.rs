//! Pure instructions moved up to their operands, after Cranelift's mid-end optimisation and
//! before lowering.
//!
//! The mid-end places each pure instruction just before the first instruction with side
//! effects that needs it. In a block that loads many values and combines them (a checksum's
//! unrolled loop: `a += p[0]; b += a; a += p[1]; b += a; ...`), every load is a side effect
//! and the additions are needed only by the branch at the end, so all the loads come first
//! and all the arithmetic last: sixteen loaded bytes live at once, which the register
//! allocator spills. Here an instruction that is the only user of a value computed earlier
//! in its block moves up to just after its latest operand: the value it uses up dies where
//! it is made, and its own result takes that register, so no more values are live at any
//! point than before. Instructions with side effects, constants and the terminator stay.
//!
//! Any change of order moves the register allocator's choices, for better or worse, well
//! beyond the values concerned (tried on every crowded block, zlib's `longest_match` ran 4%
//! more instructions for a reordered entry block). So a block is reordered only where it
//! matters: when more than [`CROWDED`] of its values are live at once, and the new order
//! lowers that peak by [`GAIN`] or more; every other block keeps the optimiser's order.
//!
//! The other way round, pure values all made at the top of a block and used one by one
//! further down move down to their first user ([`sink_to_uses`]), under the same rule.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{self, Inst, Opcode, Value, ValueDef};

/// Whether `inst` may be moved within its block: no side effects, no trap, no memory access,
/// not a constant (constants are placed where they are used) and not control flow.
pub(crate) fn movable(func: &ir::Function, inst: Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    !(op.can_trap()
        || op.can_load()
        || op.can_store()
        || op.other_side_effects()
        || op.is_call()
        || op.is_branch()
        || op.is_terminator()
        || op.is_return()
        || func.dfg.inst_results(inst).is_empty()
        || is_constant(op))
}

/// A block whose values made in it are at most this many live at once is left alone: they fit
/// in registers (x86-64 has 14 to allocate, with the frame pointer, and some hold values from
/// outside the block).
const CROWDED: usize = 10;

/// How much lower a block's peak of live values must become for its new order to be kept.
const GAIN: usize = 4;

/// The most values made by instructions of the block `insts` that are live at once in it
/// (a value used by the terminator or outside the block counts as live to the end).
/// `last_use` is scratch space, kept from block to block.
fn most_live(
    func: &ir::Function,
    insts: &[Inst],
    escapes: &SecondaryMap<Value, bool>,
    last_use: &mut SecondaryMap<Value, usize>,
) -> usize {
    let block = func.layout.inst_block(insts[0]);
    let end = insts.len();
    for &inst in insts {
        for &result in func.dfg.inst_results(inst) {
            last_use[result] = usize::MAX;
        }
    }
    for (at, &inst) in insts.iter().enumerate() {
        for value in func.dfg.inst_values(inst) {
            let value = func.dfg.resolve_aliases(value);
            if let ValueDef::Result(def, _) = func.dfg.value_def(value) {
                if func.layout.inst_block(def) == block {
                    last_use[value] = if func.dfg.insts[inst].opcode().is_terminator() {
                        end
                    } else {
                        at
                    };
                }
            }
        }
    }
    // Values used in other blocks live to the end; values never used die at once.
    let mut ends = vec![0usize; end + 1];
    let mut live = 0usize;
    let mut most = 0;
    for (at, &inst) in insts.iter().enumerate() {
        live -= std::mem::take(&mut ends[at]);
        for &result in func.dfg.inst_results(inst) {
            let dies = if escapes[result] {
                end
            } else {
                match last_use[result] {
                    usize::MAX => continue,
                    last => last,
                }
            };
            live += 1;
            ends[dies] += 1;
        }
        most = most.max(live);
    }
    most
}

/// How many times each value is used (as an instruction operand or a branch argument), and
/// which values an instruction of another block than the one making them uses.
struct Uses {
    counts: SecondaryMap<Value, u32>,
    escapes: SecondaryMap<Value, bool>,
}

fn uses(func: &ir::Function) -> Uses {
    let mut uses = Uses {
        counts: SecondaryMap::new(),
        escapes: SecondaryMap::new(),
    };
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for value in func.dfg.inst_values(inst) {
                let value = func.dfg.resolve_aliases(value);
                uses.counts[value] += 1;
                if let ValueDef::Result(def, _) = func.dfg.value_def(value) {
                    if func.layout.inst_block(def) != Some(block) {
                        uses.escapes[value] = true;
                    }
                }
            }
        }
    }
    uses
}

/// Move pure instructions up to their operands, then down to their users, block by block (see
/// the module comment).
pub fn shorten_live_ranges(func: &mut ir::Function) {
    let all_uses = uses(func);
    let Uses {
        counts: uses,
        escapes,
    } = &all_uses;
    let blocks: Vec<ir::Block> = func.layout.blocks().collect();
    let mut last_use = SecondaryMap::with_capacity(func.dfg.num_values());
    for block in blocks {
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        // No more values can be live at once than the block makes.
        let made: usize = insts.iter().map(|&i| func.dfg.inst_results(i).len()).sum();
        if made <= CROWDED {
            continue;
        }
        let peak = most_live(func, &insts, escapes, &mut last_use);
        if peak <= CROWDED {
            // Registers suffice: the order is left as the optimiser made it.
            continue;
        }
        for &inst in &insts {
            if !movable(func, inst) {
                continue;
            }
            let args: Vec<Value> = func
                .dfg
                .inst_args(inst)
                .iter()
                .map(|v| func.dfg.resolve_aliases(*v))
                .collect();
            // The latest operand made by an instruction of this block, whether the
            // instruction is the only user of one of them, and the changes of width of values
            // from outside the block that only it uses (they come along).
            let mut latest: Option<Inst> = None;
            let mut kills = false;
            let mut along = Vec::new();
            for &arg in &args {
                let ValueDef::Result(def, _) = func.dfg.value_def(arg) else {
                    continue;
                };
                if func.layout.inst_block(def) != Some(block) || uses[arg] != 1 {
                    if func.layout.inst_block(def) == Some(block)
                        && latest.is_none_or(|l| func.layout.pp_cmp(def, l).is_gt())
                    {
                        latest = Some(def);
                    }
                    continue;
                }
                let op = func.dfg.insts[def].opcode();
                if is_constant(op) {
                    if latest.is_none_or(|l| func.layout.pp_cmp(def, l).is_gt()) {
                        latest = Some(def);
                    }
                    continue;
                }
                if matches!(op, Opcode::Ireduce | Opcode::Uextend | Opcode::Sextend) {
                    // A change of width costs no register of its own: it frees one only if
                    // the value it changes dies with it.
                    let source = func.dfg.resolve_aliases(func.dfg.inst_args(def)[0]);
                    kills |= uses[source] == 1;
                    let from_outside = match func.dfg.value_def(source) {
                        ValueDef::Result(d, _) => func.layout.inst_block(d) != Some(block),
                        _ => true,
                    };
                    if from_outside {
                        along.push(def);
                        continue;
                    }
                } else {
                    kills = true;
                }
                if latest.is_none_or(|l| func.layout.pp_cmp(def, l).is_gt()) {
                    latest = Some(def);
                }
            }
            let Some(after) = latest.filter(|_| kills) else {
                continue;
            };
            if along.is_empty() && func.layout.next_inst(after) == Some(inst) {
                continue;
            }
            // `after` is neither the instruction nor one of those coming along.
            func.layout.remove_inst(inst);
            for &def in &along {
                func.layout.remove_inst(def);
            }
            let before = func
                .layout
                .next_inst(after)
                .expect("a block ends with its terminator, which is not moved");
            for def in along {
                func.layout.insert_inst(def, before);
            }
            func.layout.insert_inst(inst, before);
        }
        let reordered: Vec<Inst> = func.layout.block_insts(block).collect();
        if most_live(func, &reordered, escapes, &mut last_use) + GAIN > peak {
            // Not worth it: any change of order moves the register allocator's choices, for
            // better or worse, so the block keeps the optimiser's.
            set_order(func, block, &insts);
        }
        sink_to_uses(func, block, &all_uses);
    }
}

/// Puts the instructions of `block` in the order `insts`.
fn set_order(func: &mut ir::Function, block: ir::Block, insts: &[Inst]) {
    for &inst in insts {
        func.layout.remove_inst(inst);
    }
    for &inst in insts {
        func.layout.append_inst(inst, block);
    }
}

/// Pure instructions moved down to just before their first user, for a block whose values are
/// all made early and used late. The mid-end elaborates a block's values depth first from the
/// instructions that need them, leftmost operand first: in an expression of one long chain
/// (a CRC's unrolled bit loop, `crc = step(crc, data >> k)` for every `k`), every `data >> k`
/// comes at the top, all live until the chain reaches them. Kept only when the block's peak of
/// live values, counting the values from outside the block it uses, falls by [`GAIN`] or more.
fn sink_to_uses(func: &mut ir::Function, block: ir::Block, uses: &Uses) {
    let Uses { counts, escapes } = uses;
    let insts: Vec<Inst> = func.layout.block_insts(block).collect();
    let peak = most_live_with_inputs(func, &insts, escapes);
    if peak <= CROWDED {
        return;
    }
    let mut users: std::collections::HashMap<Value, Vec<Inst>> = Default::default();
    for &inst in &insts {
        for value in func.dfg.inst_values(inst) {
            users
                .entry(func.dfg.resolve_aliases(value))
                .or_default()
                .push(inst);
        }
    }
    // Last first, so that each instruction's users are already where they end up.
    for &inst in insts.iter().rev() {
        if !movable(func, inst) {
            continue;
        }
        let &[result] = func.dfg.inst_results(inst) else {
            continue;
        };
        if escapes[result] {
            continue;
        }
        let Some(first) = users.get(&result).and_then(|users| {
            users
                .iter()
                .copied()
                .min_by(|a, b| func.layout.pp_cmp(*a, *b))
        }) else {
            continue;
        };
        if func.layout.next_inst(inst) == Some(first) {
            continue;
        }
        // A constant only this instruction uses comes along (it is an immediate operand, or
        // made again where it is needed).
        let own_constants: Vec<Inst> = func
            .dfg
            .inst_args(inst)
            .iter()
            .filter_map(
                |&arg| match func.dfg.value_def(func.dfg.resolve_aliases(arg)) {
                    ValueDef::Result(def, _)
                        if is_constant(func.dfg.insts[def].opcode())
                            && func.layout.inst_block(def) == Some(block)
                            && counts[func.dfg.resolve_aliases(arg)] == 1 =>
                    {
                        Some(def)
                    }
                    _ => None,
                },
            )
            .collect();
        func.layout.remove_inst(inst);
        func.layout.insert_inst(inst, first);
        for def in own_constants {
            func.layout.remove_inst(def);
            func.layout.insert_inst(def, inst);
        }
    }
    let sunk: Vec<Inst> = func.layout.block_insts(block).collect();
    if most_live_with_inputs(func, &sunk, escapes) + GAIN > peak {
        set_order(func, block, &insts);
    }
}

/// [`most_live`], also counting the block's parameters and the values made outside the block
/// that it uses: each is live from the block's start to its last use here (to the end if the
/// terminator uses it).
fn most_live_with_inputs(
    func: &ir::Function,
    insts: &[Inst],
    escapes: &SecondaryMap<Value, bool>,
) -> usize {
    let block = func.layout.inst_block(insts[0]);
    let end = insts.len();
    let mut last_use: std::collections::HashMap<Value, usize> = Default::default();
    for (at, &inst) in insts.iter().enumerate() {
        let last = match func.dfg.insts[inst].opcode().is_terminator() {
            true => end,
            false => at,
        };
        for value in func.dfg.inst_values(inst) {
            last_use.insert(func.dfg.resolve_aliases(value), last);
        }
    }
    let mut ends = vec![0usize; end + 1];
    let mut live = 0usize;
    for (&value, &last) in &last_use {
        let made_here = match func.dfg.value_def(value) {
            ValueDef::Result(def, _) => func.layout.inst_block(def) == block,
            _ => false,
        };
        if !made_here {
            live += 1;
            ends[last] += 1;
        }
    }
    let mut most = live;
    for (at, &inst) in insts.iter().enumerate() {
        live -= std::mem::take(&mut ends[at]);
        for &result in func.dfg.inst_results(inst) {
            let dies = match (escapes[result], last_use.get(&result)) {
                (true, _) => end,
                (false, Some(&last)) => last,
                (false, None) => continue,
            };
            live += 1;
            ends[dies] += 1;
        }
        most = most.max(live);
    }
    most
}

/// Whether `op` makes a constant (of any type).
pub(crate) fn is_constant(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::Iconst
            | Opcode::F16const
            | Opcode::F32const
            | Opcode::F64const
            | Opcode::F128const
            | Opcode::Vconst
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types::I32, InstBuilder};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `crc = (crc ^ (data >> k)) & mask` for `k` in `0..shifts`, with every `data >> k` made
    /// first, as the mid-end elaborates such a chain. Returns the function and the shifts.
    fn chain_with_shifts_first(shifts: i64) -> (ir::Function, Vec<Inst>) {
        let mut func = crate::test_ir::function(&[I32, I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let (data, mut crc) = (params[0], params[1]);
        let shifted: Vec<Value> = (0..shifts)
            .map(|k| {
                let k = b.ins().iconst(I32, k);
                b.ins().ushr(data, k)
            })
            .collect();
        let mask = b.ins().iconst(I32, 0x7fff);
        for value in shifted {
            let mixed = b.ins().bxor(crc, value);
            crc = b.ins().band(mixed, mask);
        }
        b.ins().return_(&[crc]);
        crate::test_ir::finish(b);
        let shifts: Vec<Inst> = func
            .layout
            .block_insts(func.layout.entry_block().expect("one block"))
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Ushr)
            .collect();
        (func, shifts)
    }

    #[test]
    fn values_made_first_and_used_late_move_down_to_their_users() {
        let (mut func, shifts) = chain_with_shifts_first(16);
        assert_eq!(shifts.len(), 16);
        shorten_live_ranges(&mut func);
        for shift in shifts {
            let result = func.dfg.first_result(shift);
            let next = func.layout.next_inst(shift).expect("not the last");
            assert!(
                func.dfg.inst_args(next).contains(&result),
                "{} is not just before its user:\n{}",
                func.dfg.display_inst(shift),
                func.display()
            );
            // Its own constant came along.
            let constant = func.layout.prev_inst(shift).expect("not the first");
            assert_eq!(func.dfg.insts[constant].opcode(), Opcode::Iconst);
        }
    }

    #[test]
    fn an_uncrowded_block_keeps_its_order() {
        let (mut func, _) = chain_with_shifts_first(6);
        let block = func.layout.entry_block().expect("one block");
        let before: Vec<Inst> = func.layout.block_insts(block).collect();
        shorten_live_ranges(&mut func);
        let after: Vec<Inst> = func.layout.block_insts(block).collect();
        assert_eq!(before, after);
    }
}
