//! Copies of one pure computation in sibling branches, merged into one before the branch,
//! after the mid-end.
//!
//! The mid-end places a pure value where it is used. A value used down both sides of a
//! branch (and by nothing before it) is made on each side, and a value built from it is too.
//! SQLite's varint decoder (`btreeParseCellPtrIndex`) accumulates `acc = acc << 7 | b & 127`
//! byte by byte, and leaves the loop of bytes at each byte whose top bit is clear: every exit
//! made the whole chain again from the loaded bytes, so all the bytes stayed live to the last
//! exit and the function saved four callee-saved registers that the native one does not.
//!
//! Here identical pure instructions (same operation, same operands, constants compared by
//! value) are merged into one at their blocks' nearest common dominator, when
//!
//! - every branch out of that block leads to one of them (each successor dominates a copy):
//!   the value is needed whichever way the branch goes, so making it once before is no more
//!   work than before;
//! - and the operands that are not constants are used by nothing else that the block reaches:
//!   they die where the merged value is made, so no more values are live anywhere than
//!   before. Without this rule Lua's interpreter loop (`luaV_execute`) ran 4.4% more
//!   instructions. Whether a use is reached is decided cheaply, and "reached" when in doubt
//!   (see [`Shape::reaches`]).
//!
//! A copy already in the common dominator takes the others' place, unless it adds a constant
//! to a value: the mid-end makes such a sum again in each block on purpose, and lowering
//! folds it into an address there (the fixed memory's base, a field's offset). Lua's
//! interpreter loop ran 1.3% more instructions with those merged too.
//!
//! Merging one level makes the next level's copies identical, so the pass repeats until
//! nothing merges, at most [`ROUNDS`] times.

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::ir::{self, Block, Inst, InstructionData, Opcode, Type, Value, ValueDef};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::schedule::is_constant;
use crate::shape::Shape;

/// The most rounds of merging: a chain of copies `n` deep merges in `n` rounds.
const ROUNDS: usize = 12;

/// Merges the copies of pure computations in `func`'s sibling branches; returns how many
/// copies went.
pub fn merge_sibling_copies(func: &mut ir::Function, shape: &Shape) -> usize {
    let mut finder = Finder::new();
    let mut groups = finder.groups(func, None);
    if groups.is_empty() {
        return 0;
    }
    let mut merged = 0;
    for _ in 0..ROUNDS {
        // Found when a merge first needs them.
        let mut uses = None;
        let mut made = FxHashSet::default();
        for group in &groups {
            if let Some(value) = merge(func, shape, &mut uses, &groups, group) {
                made.insert(value);
                merged += group.len() - 1;
            }
        }
        if made.is_empty() {
            break;
        }
        groups = finder.groups(func, Some(&made));
        if groups.is_empty() {
            break;
        }
    }
    if merged > 0 {
        func.dfg.resolve_all_aliases();
    }
    merged
}

/// The instructions of `func`, in layout order.
fn all_insts(func: &ir::Function) -> impl Iterator<Item = Inst> + '_ {
    let blocks = func.layout.blocks();
    blocks.flat_map(|b| func.layout.block_insts(b))
}

/// The instructions that use a value outside the block that makes it.
struct Uses {
    elsewhere: FxHashMap<Value, Vec<Inst>>,
}

impl Uses {
    /// The uses of the operands of `groups` (all that [`Uses::dies_at`] is asked about).
    fn find(func: &ir::Function, groups: &[Vec<Inst>]) -> Uses {
        let mut elsewhere: FxHashMap<Value, Vec<Inst>> = FxHashMap::default();
        for group in groups {
            for &arg in func.dfg.inst_args(group[0]) {
                elsewhere.insert(func.dfg.resolve_aliases(arg), Vec::new());
            }
        }
        for inst in all_insts(func) {
            let block = func.layout.inst_block(inst);
            for arg in func.dfg.inst_values(inst) {
                let arg = func.dfg.resolve_aliases(arg);
                if let Some(users) = elsewhere.get_mut(&arg) {
                    if made_in(func, arg) != block {
                        users.push(inst);
                    }
                }
            }
        }
        Uses { elsewhere }
    }

    /// Whether `value` is a constant, or is used, apart from `group` and its own block, only
    /// where control cannot go from the end of `top`.
    fn dies_at(
        &self,
        func: &ir::Function,
        shape: &Shape,
        value: Value,
        group: &[Inst],
        top: Block,
    ) -> bool {
        if let ValueDef::Result(def, _) = func.dfg.value_def(value) {
            if is_constant(func.dfg.insts[def].opcode()) {
                return true;
            }
        }
        // A value this round's merges made is not known: taken as used further on.
        let Some(users) = self.elsewhere.get(&value) else {
            return false;
        };
        users.iter().all(|user| {
            group.contains(user)
                || func
                    .layout
                    .inst_block(*user)
                    .is_some_and(|block| !shape.reaches(top, block))
        })
    }
}

/// The block that makes `value`, if it is in the layout.
pub(crate) fn made_in(func: &ir::Function, value: Value) -> Option<Block> {
    match func.dfg.value_def(value) {
        ValueDef::Param(block, _) => Some(block),
        ValueDef::Result(def, _) => func.layout.inst_block(def),
        _ => None,
    }
}

/// Finds the groups of identical instructions.
struct Finder {
    /// The first value seen of each constant.
    constants: FxHashMap<(InstructionData, Type), Value>,
    /// See [`address_parts`]; found once, when first needed (a merge only joins values of
    /// the same kind).
    addresses: Option<FxHashSet<Value>>,
}

impl Finder {
    fn new() -> Finder {
        Finder {
            constants: FxHashMap::default(),
            addresses: None,
        }
    }

    /// The groups of two or more identical pure instructions among `insts`, each in the order
    /// of `insts`; with `made`, only of instructions using one of those values.
    fn groups(&mut self, func: &ir::Function, made: Option<&FxHashSet<Value>>) -> Vec<Vec<Inst>> {
        // Each instruction's group, numbered in the order first seen, so the result does not
        // depend on the hash map's order.
        let mut numbers: FxHashMap<(InstructionData, Type), u32> = FxHashMap::default();
        let mut members: Vec<(u32, Inst)> = Vec::new();
        let mut sizes: Vec<u32> = Vec::new();
        for inst in all_insts(func) {
            if !candidate(func, inst) {
                continue;
            }
            if let Some(made) = made {
                let args = func.dfg.inst_args(inst);
                if !args
                    .iter()
                    .any(|&a| made.contains(&func.dfg.resolve_aliases(a)))
                {
                    continue;
                }
            }
            let mut key = func.dfg.insts[inst];
            for arg in key.arguments_mut(&mut ir::ValueListPool::new()) {
                *arg = self.canonical(func, *arg);
            }
            let next = sizes.len() as u32;
            let number = *numbers
                .entry((key, func.dfg.ctrl_typevar(inst)))
                .or_insert(next);
            if number == next {
                sizes.push(0);
            }
            sizes[number as usize] += 1;
            members.push((number, inst));
        }
        members.retain(|&(number, _)| sizes[number as usize] > 1);
        // Stable: each group keeps the order of `insts`.
        members.sort_by_key(|&(number, _)| number);
        let mut groups: Vec<Vec<Inst>> = members
            .chunk_by(|a, b| a.0 == b.0)
            .map(|chunk| chunk.iter().map(|&(_, inst)| inst).collect())
            .collect();
        if groups.iter().any(|group| arithmetic(func, group[0])) {
            let addresses = self.addresses.get_or_insert_with(|| address_parts(func));
            groups.retain(|group| {
                let value = func.dfg.first_result(group[0]);
                !arithmetic(func, group[0]) || !addresses.contains(&value)
            });
        }
        groups
    }

    /// `value` with aliases resolved, or the first value seen of a constant.
    fn canonical(&mut self, func: &ir::Function, value: Value) -> Value {
        let value = func.dfg.resolve_aliases(value);
        if let ValueDef::Result(def, _) = func.dfg.value_def(value) {
            let data = func.dfg.insts[def];
            if is_constant(data.opcode()) {
                let key = (data, func.dfg.value_type(value));
                return *self.constants.entry(key).or_insert(value);
            }
        }
        value
    }
}

/// The values that make up the address of a load or store through additions, shifts and
/// widenings (a memory's base plus an index, `i << 3` for an index of 8-byte elements, a
/// field's offset): lowering folds those into the access's address when they are in its
/// block, and one value merged ahead of a branch would take an instruction and a register
/// of its own. Found from the last instruction to the first, so (in the layout's order, where
/// a value is made before it is used almost always) an address's parts come after it.
fn address_parts(func: &ir::Function) -> FxHashSet<Value> {
    let mut parts = FxHashSet::default();
    let insts: Vec<Inst> = all_insts(func).collect();
    for &inst in insts.iter().rev() {
        let data = &func.dfg.insts[inst];
        let address = match *data {
            InstructionData::Load { arg, .. } => Some(arg),
            InstructionData::Store {
                args: [_, address], ..
            } => Some(address),
            _ => None,
        };
        if let Some(address) = address {
            parts.insert(func.dfg.resolve_aliases(address));
            continue;
        }
        let results = func.dfg.inst_results(inst);
        if arithmetic(func, inst) && results.len() == 1 && parts.contains(&results[0]) {
            for &arg in func.dfg.inst_args(inst) {
                parts.insert(func.dfg.resolve_aliases(arg));
            }
        }
    }
    parts
}

/// Whether `inst` may be part of an address (see [`address_parts`]).
fn arithmetic(func: &ir::Function, inst: Inst) -> bool {
    matches!(
        func.dfg.insts[inst].opcode(),
        Opcode::Iadd | Opcode::Isub | Opcode::Ishl | Opcode::Uextend | Opcode::Sextend
    )
}

/// A pure instruction with operands, all held in the instruction (not in a list), and one
/// result; not a change of width, which costs nothing, and which lowering folds into its user
/// where both are in one block.
fn candidate(func: &ir::Function, inst: Inst) -> bool {
    matches!(
        func.dfg.insts[inst],
        InstructionData::Unary { .. }
            | InstructionData::Binary { .. }
            | InstructionData::BinaryImm8 { .. }
            | InstructionData::Ternary { .. }
            | InstructionData::TernaryImm8 { .. }
            | InstructionData::IntCompare { .. }
            | InstructionData::FloatCompare { .. }
            | InstructionData::Shuffle { .. }
    ) && crate::schedule::movable(func, inst)
        && func.dfg.inst_results(inst).len() == 1
        && !matches!(
            func.dfg.insts[inst].opcode(),
            Opcode::Uextend | Opcode::Sextend | Opcode::Ireduce
        )
}

/// Whether `inst` adds a constant to a value, or subtracts one: lowering folds that into an
/// address in the same block (the base of a fixed memory, a field's offset), which one sum
/// made before a branch would undo.
fn offset(func: &ir::Function, inst: Inst) -> bool {
    matches!(func.dfg.insts[inst].opcode(), Opcode::Iadd | Opcode::Isub)
        && func
            .dfg
            .inst_args(inst)
            .iter()
            .any(|&arg| crate::hoist::is_constant(func, arg))
}

/// Merges the identical instructions `group` into one where that pays (see the module's
/// comment); returns the value that stands for them all.
fn merge(
    func: &mut ir::Function,
    shape: &Shape,
    uses: &mut Option<Uses>,
    groups: &[Vec<Inst>],
    group: &[Inst],
) -> Option<Value> {
    let blocks: Option<Vec<Block>> = group
        .iter()
        .map(|&inst| func.layout.inst_block(inst))
        .collect();
    let blocks = blocks?;
    if blocks.iter().any(|&b| shape.rpo[b] == u32::MAX) {
        return None;
    }
    let top = blocks[1..]
        .iter()
        .fold(blocks[0], |a, &b| shape.common_dominator(a, b));
    let keeper = match group.iter().position(|&inst| block_of(func, inst) == top) {
        Some(_) if offset(func, group[0]) => return None,
        // A copy in the common dominator itself comes before the others on every path.
        Some(i) => group[i],
        None => {
            let domtree = &shape.domtree;
            let needed_everywhere = shape
                .cfg
                .succ_iter(top)
                .all(|s| blocks.iter().any(|&b| domtree.block_dominates(s, b)));
            let before = func
                .layout
                .last_inst(top)
                .expect("a block ends in a branch");
            let uses = uses.get_or_insert_with(|| Uses::find(func, groups));
            let operands = func.dfg.inst_args(group[0]);
            let operands_die = operands.iter().all(|&arg| {
                let arg = func.dfg.resolve_aliases(arg);
                uses.dies_at(func, shape, arg, group, top)
            });
            // Not from after a loop into it, where it would be made in every round, unless
            // the loop made it already.
            let same_loop = shape
                .loops
                .innermost_loop(top)
                .is_none_or(|lp| blocks.iter().any(|&b| shape.loops.is_in_loop(b, lp)));
            if !needed_everywhere
                || !same_loop
                || !operands_die
                || !operands_available(func, domtree, group[0], top)
            {
                return None;
            }
            let keeper = group[0];
            func.layout.remove_inst(keeper);
            func.layout.insert_inst(keeper, before);
            copy_constants(func, domtree, keeper, top);
            keeper
        }
    };
    let value = func.dfg.first_result(keeper);
    for &inst in group {
        if inst != keeper {
            let result = func.dfg.first_result(inst);
            func.layout.remove_inst(inst);
            func.dfg.clear_results(inst);
            func.dfg.change_to_alias(result, value);
        }
    }
    Some(value)
}

fn block_of(func: &ir::Function, inst: Inst) -> Block {
    func.layout.inst_block(inst).expect("in the layout")
}

/// Whether every operand of `inst` that is not a constant is made in a block that dominates
/// `top`, before its terminator.
fn operands_available(
    func: &ir::Function,
    domtree: &DominatorTree,
    inst: Inst,
    top: Block,
) -> bool {
    func.dfg.inst_args(inst).iter().all(|&arg| {
        let arg = func.dfg.resolve_aliases(arg);
        match func.dfg.value_def(arg) {
            ValueDef::Param(block, _) => domtree.block_dominates(block, top),
            ValueDef::Result(def, _) if is_constant(func.dfg.insts[def].opcode()) => true,
            ValueDef::Result(def, _) => match func.layout.inst_block(def) {
                Some(block) if block == top => func.layout.last_inst(top) != Some(def),
                Some(block) => domtree.block_dominates(block, top),
                None => false,
            },
            _ => false,
        }
    })
}

/// Gives `inst`, moved to the end of `top`, its own copies of the constants it uses that are
/// made where they do not dominate it.
fn copy_constants(func: &mut ir::Function, domtree: &DominatorTree, inst: Inst, top: Block) {
    for i in 0..func.dfg.inst_args(inst).len() {
        let arg = func.dfg.resolve_aliases(func.dfg.inst_args(inst)[i]);
        let ValueDef::Result(def, _) = func.dfg.value_def(arg) else {
            continue;
        };
        // A constant made in `top` comes before its terminator, so before `inst`.
        let dominates = func
            .layout
            .inst_block(def)
            .is_some_and(|block| domtree.block_dominates(block, top));
        if dominates || !is_constant(func.dfg.insts[def].opcode()) {
            continue;
        }
        let copy = func.dfg.clone_inst(def);
        func.layout.insert_inst(copy, inst);
        func.dfg.inst_args_mut(inst)[i] = func.dfg.first_result(copy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `merge_sibling_copies` on `func`, with its control flow found first.
    fn merge_all(func: &mut ir::Function) -> usize {
        let shape = Shape::new(func);
        merge_sibling_copies(func, &shape)
    }
    use cranelift_codegen::ir::{types::I32, types::I64, InstBuilder, MemFlagsData};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// The opcodes of `block`, terminator included.
    fn opcodes(func: &ir::Function, block: Block) -> Vec<Opcode> {
        let insts = func.layout.block_insts(block);
        insts.map(|inst| func.dfg.insts[inst].opcode()).collect()
    }

    /// `if c { x << 7 } else { (x << 7) + c }`, each branch making `x << 7`; with
    /// `keep_x`, the second branch also adds `x`.
    fn shifted_in_both_branches(keep_x: bool) -> (ir::Function, [Block; 3]) {
        let mut func = crate::test_ir::function(&[I32, I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let [x, c] = crate::test_ir::enter(&mut b).try_into().expect("two");
        let entry = b.current_block().expect("entry");
        let (left, right) = (b.create_block(), b.create_block());
        b.ins().brif(c, left, &[], right, &[]);
        b.switch_to_block(left);
        let seven = b.ins().iconst(I32, 7);
        let shifted = b.ins().ishl(x, seven);
        b.ins().return_(&[shifted]);
        b.switch_to_block(right);
        let seven = b.ins().iconst(I32, 7);
        let shifted = b.ins().ishl(x, seven);
        let mut sum = b.ins().iadd(shifted, c);
        if keep_x {
            sum = b.ins().iadd(sum, x);
        }
        b.ins().return_(&[sum]);
        crate::test_ir::finish(b);
        (func, [entry, left, right])
    }

    #[test]
    fn copies_down_both_branches_become_one_before_the_branch() {
        let (mut func, [entry, left, right]) = shifted_in_both_branches(false);
        assert_eq!(merge_all(&mut func), 1, "{}", func.display());
        let ops = |block| opcodes(&func, block);
        assert_eq!(ops(entry), [Opcode::Iconst, Opcode::Ishl, Opcode::Brif]);
        assert_eq!(ops(left), [Opcode::Iconst, Opcode::Return]);
        assert_eq!(ops(right), [Opcode::Iconst, Opcode::Iadd, Opcode::Return]);
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid");
    }

    #[test]
    fn an_operand_used_further_on_keeps_the_copies_apart() {
        let (mut func, _) = shifted_in_both_branches(true);
        let before = func.display().to_string();
        assert_eq!(merge_all(&mut func), 0);
        assert_eq!(func.display().to_string(), before);
    }

    /// A loop whose header leaves to `first_exit` and whose body leaves to `second_exit`, both
    /// making `x << 7`.
    #[test]
    fn copies_after_a_loop_do_not_move_into_it() {
        let mut func = crate::test_ir::function(&[I32, I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let [x, n] = crate::test_ir::enter(&mut b).try_into().expect("two");
        let [header, body, first_exit, second_exit] = [(); 4].map(|_| b.create_block());
        b.append_block_param(header, I32);
        b.ins().jump(header, &[n.into()]);
        b.switch_to_block(header);
        let i = b.block_params(header)[0];
        b.ins().brif(i, body, &[], first_exit, &[]);
        b.switch_to_block(body);
        let one = b.ins().iconst(I32, 1);
        let next = b.ins().isub(i, one);
        let odd = b.ins().band(next, one);
        b.ins().brif(odd, header, &[next.into()], second_exit, &[]);
        for exit in [first_exit, second_exit] {
            b.switch_to_block(exit);
            let seven = b.ins().iconst(I32, 7);
            let shifted = b.ins().ishl(x, seven);
            b.ins().return_(&[shifted]);
        }
        crate::test_ir::finish(b);
        assert_eq!(merge_all(&mut func), 0, "{}", func.display());
        assert_eq!(opcodes(&func, header), [Opcode::Brif]);
    }

    #[test]
    fn parts_of_addresses_stay_with_their_accesses() {
        let mut func = crate::test_ir::function(&[I64, I64, I32], &[I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let [base, index, c] = crate::test_ir::enter(&mut b).try_into().expect("three");
        let (left, right) = (b.create_block(), b.create_block());
        b.ins().brif(c, left, &[], right, &[]);
        for (block, offset) in [(left, 0), (right, 8)] {
            b.switch_to_block(block);
            let address = b.ins().iadd(base, index);
            let flags = MemFlagsData::new();
            let value = b.ins().load(I64, flags, address, offset);
            b.ins().return_(&[value]);
        }
        crate::test_ir::finish(b);
        assert_eq!(merge_all(&mut func), 0, "{}", func.display());
    }

    /// A block that makes `x & 255` and `x + 16`, and a branch below it that makes both again.
    #[test]
    fn a_copy_above_takes_the_place_of_those_below_unless_it_is_an_offset() {
        let mut func = crate::test_ir::function(&[I32, I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let [x, c] = crate::test_ir::enter(&mut b).try_into().expect("two");
        let entry = b.current_block().expect("entry");
        let (then, done) = (b.create_block(), b.create_block());
        b.append_block_param(done, I32);
        let mask = b.ins().iconst(I32, 255);
        let low = b.ins().band(x, mask);
        let sixteen = b.ins().iconst(I32, 16);
        let sum = b.ins().iadd(x, sixteen);
        let both = b.ins().bxor(low, sum);
        b.ins().brif(c, then, &[], done, &[both.into()]);
        b.switch_to_block(then);
        let mask = b.ins().iconst(I32, 255);
        let low = b.ins().band(x, mask);
        let sixteen = b.ins().iconst(I32, 16);
        let sum = b.ins().iadd(x, sixteen);
        let both = b.ins().imul(low, sum);
        b.ins().jump(done, &[both.into()]);
        b.switch_to_block(done);
        let result = b.block_params(done)[0];
        b.ins().return_(&[result]);
        crate::test_ir::finish(b);
        assert_eq!(merge_all(&mut func), 1, "{}", func.display());
        assert_eq!(
            opcodes(&func, then),
            [
                Opcode::Iconst,
                Opcode::Iconst,
                Opcode::Iadd,
                Opcode::Imul,
                Opcode::Jump
            ],
            "{}",
            func.display()
        );
        assert_eq!(opcodes(&func, entry).len(), 6);
    }
}
