//! A block parameter that is always another parameter plus a constant, made from it in the
//! block instead of being passed, after the mid-end.
//!
//! Lua's interpreter fetches each instruction with `i = *(pc++)`, and clang's wasm for its
//! loop carries two locals round it: the address the next instruction is fetched from, and
//! that address plus 4, which every case passes on as the next round's fetch address along
//! with itself plus 4. Cranelift takes both as parameters of the loop's header: two values
//! live through the whole loop, across its calls, where one holds the same information
//! (`luaV_execute` kept one in a stack slot, loaded and stored back in every round).
//!
//! Here, when on every branch to a block the argument for one parameter `q` is the argument
//! for another, `p`, plus the same constant (`p + k` in 64 bits, or, for a zero-extended
//! 32-bit value, `uextend(ireduce(p) + k)`, the form of a wasm32 pointer advanced by `k`),
//! the block makes `q` from `p` at its top and `q` is no longer passed.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    self, types, Block, BlockArg, BlockCall, Inst, InstBuilder, InstructionData, Opcode, Value,
    ValueDef,
};
use rustc_hash::{FxHashMap, FxHashSet};

/// How an argument is another argument plus a constant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Offset {
    /// `p + k` on 64-bit values.
    Wide(i64),
    /// `uextend(ireduce(p) + k)`: 32-bit arithmetic on a value kept zero-extended.
    Narrow(i32),
}

/// Replaces the parameters of `func`'s blocks that are always another parameter plus a
/// constant; returns how many went.
pub fn derive_offset_params(func: &mut ir::Function) -> usize {
    let incoming = edges_into_blocks(func);
    let mut removed = 0;
    let entry = func.layout.entry_block();
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        if Some(block) == entry {
            continue;
        }
        let Some(edges) = incoming.get(&block) else {
            continue;
        };
        while let Some((p, q, offset)) = find_pair(func, block, edges) {
            let base = func.dfg.block_params(block)[p];
            let index = q;
            let old = func.dfg.block_params(block)[index];
            let first = func
                .layout
                .first_inst(block)
                .expect("a block ends in a branch");
            let mut cursor = FuncCursor::new(func).at_inst(first);
            let made = match offset {
                Offset::Wide(k) => {
                    let k = cursor.ins().iconst(types::I64, k);
                    cursor.ins().iadd(base, k)
                }
                Offset::Narrow(k) => {
                    let low = cursor.ins().ireduce(types::I32, base);
                    let k = cursor.ins().iconst(types::I32, i64::from(k));
                    let sum = cursor.ins().iadd(low, k);
                    cursor.ins().uextend(types::I64, sum)
                }
            };
            func.dfg.remove_block_param(old);
            func.dfg.change_to_alias(old, made);
            for &edge in edges {
                remove_argument(func, edge, index);
            }
            removed += 1;
        }
    }
    if removed > 0 {
        func.dfg.resolve_all_aliases();
    }
    removed
}

/// A branch to a block: the branch and which of its destinations, or a jump table and which
/// of its branches (the default first).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Edge {
    Branch(Inst, usize),
    Table(ir::JumpTable, usize),
}

/// Every edge into each block; a block reached otherwise than by plain value arguments (an
/// exception edge) is left out.
fn edges_into_blocks(func: &ir::Function) -> FxHashMap<Block, Vec<Edge>> {
    let mut edges: FxHashMap<Block, Vec<Edge>> = FxHashMap::default();
    let mut excluded: FxHashSet<Block> = FxHashSet::default();
    let mut tables: FxHashSet<ir::JumpTable> = FxHashSet::default();
    let pool = &func.dfg.value_lists;
    for block in func.layout.blocks() {
        let Some(inst) = func.layout.last_inst(block) else {
            continue;
        };
        match &func.dfg.insts[inst] {
            InstructionData::Jump { destination, .. } => {
                edges
                    .entry(destination.block(pool))
                    .or_default()
                    .push(Edge::Branch(inst, 0));
            }
            InstructionData::Brif { blocks, .. } => {
                for (i, call) in blocks.iter().enumerate() {
                    edges
                        .entry(call.block(pool))
                        .or_default()
                        .push(Edge::Branch(inst, i));
                }
            }
            InstructionData::BranchTable { table, .. } => {
                if !tables.insert(*table) {
                    continue;
                }
                let data = &func.dfg.jump_tables[*table];
                for (i, call) in data.all_branches().iter().enumerate() {
                    edges
                        .entry(call.block(pool))
                        .or_default()
                        .push(Edge::Table(*table, i));
                }
            }
            other => {
                for call in
                    other.branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
                {
                    excluded.insert(call.block(pool));
                }
            }
        }
    }
    edges.retain(|block, _| !excluded.contains(block));
    edges
}

/// Takes argument `index` out of the block call of `edge`, which gets a list of its own (a
/// list two calls might share is not changed in place).
fn remove_argument(func: &mut ir::Function, edge: Edge, index: usize) {
    let old = edge_call(func, edge);
    let block = old.block(&func.dfg.value_lists);
    let args: Vec<BlockArg> = old
        .args(&func.dfg.value_lists)
        .enumerate()
        .filter_map(|(i, a)| (i != index).then_some(a))
        .collect();
    let new = BlockCall::new(block, args, &mut func.dfg.value_lists);
    match edge {
        Edge::Branch(inst, i) => match &mut func.dfg.insts[inst] {
            InstructionData::Jump { destination, .. } => *destination = new,
            InstructionData::Brif { blocks, .. } => blocks[i] = new,
            _ => unreachable!("edges are jumps and brifs"),
        },
        Edge::Table(table, i) => func.dfg.jump_tables[table].all_branches_mut()[i] = new,
    }
}

/// The block call of `edge`.
fn edge_call(func: &ir::Function, edge: Edge) -> BlockCall {
    match edge {
        Edge::Branch(inst, i) => match func.dfg.insts[inst] {
            InstructionData::Jump { destination, .. } => destination,
            InstructionData::Brif { blocks, .. } => blocks[i],
            _ => unreachable!("edges are jumps and brifs"),
        },
        Edge::Table(table, i) => func.dfg.jump_tables[table].all_branches()[i],
    }
}

/// The most parameters a block may have for [`find_pair`] to look at its pairs (their number
/// grows as the square; a hostile module's loop may carry thousands of locals).
const MAX_PARAMS: usize = 64;

/// A pair of `block`'s parameters `(p, q, offset)`: on every edge of `edges`, `q`'s
/// argument is `p`'s plus `offset`.
fn find_pair(func: &ir::Function, block: Block, edges: &[Edge]) -> Option<(usize, usize, Offset)> {
    let params = func.dfg.block_params(block);
    if params.len() < 2 || params.len() > MAX_PARAMS || edges.is_empty() {
        return None;
    }
    let args: Vec<Vec<Value>> = edges
        .iter()
        .map(|&edge| {
            edge_call(func, edge)
                .args(&func.dfg.value_lists)
                .filter_map(|a| match a {
                    BlockArg::Value(v) => Some(func.dfg.resolve_aliases(v)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    if args.iter().any(|a| a.len() != params.len()) {
        return None;
    }
    for q in 0..params.len() {
        if func.dfg.value_type(params[q]) != types::I64 {
            continue;
        }
        for p in 0..params.len() {
            if p == q || func.dfg.value_type(params[p]) != types::I64 {
                continue;
            }
            let first = offset_of(func, args[0][p], args[0][q]);
            let Some(offset) = first else { continue };
            if args
                .iter()
                .all(|a| offset_of(func, a[p], a[q]) == Some(offset))
            {
                return Some((p, q, offset));
            }
        }
    }
    None
}

/// How `derived` is `base` plus a constant, if it is.
fn offset_of(func: &ir::Function, base: Value, derived: Value) -> Option<Offset> {
    if let (Some((root, k)), Some((base_root, base_k))) =
        (wide_sum(func, derived, DEPTH), wide_sum(func, base, DEPTH))
    {
        if root == base_root && k != base_k {
            return Some(Offset::Wide(k.wrapping_sub(base_k)));
        }
    }
    // A zero-extended 32-bit sum: its low half is `base`'s plus a constant.
    let (Opcode::Uextend, args) = operation(func, derived)? else {
        return None;
    };
    let narrow = func.dfg.resolve_aliases(args[0]);
    if func.dfg.value_type(narrow) != types::I32 {
        return None;
    }
    let (root, k) = low_sum(func, narrow, DEPTH);
    let (base_root, base_k) = low_sum(func, base, DEPTH);
    (root == base_root && k != base_k).then(|| Offset::Narrow(k.wrapping_sub(base_k) as i32))
}

/// How many instructions deep [`wide_sum`] and [`low_sum`] look (a hostile module's chain of
/// sums does not exhaust the compiler's stack).
const DEPTH: usize = 8;

/// `(root, k)` with `value == root + k` in 64-bit arithmetic, found through 64-bit additions
/// of a constant.
fn wide_sum(func: &ir::Function, value: Value, depth: usize) -> Option<(Value, i64)> {
    if func.dfg.value_type(value) != types::I64 {
        return None;
    }
    if depth > 0 {
        if let Some((Opcode::Iadd, args)) = operation(func, value) {
            if let Some((x, k)) = with_constant(func, args) {
                let (root, more) = wide_sum(func, x, depth - 1)?;
                return Some((root, more.wrapping_add(k)));
            }
        }
    }
    Some((value, 0))
}

/// `(root, k)` with the low 32 bits of `value` equal to those of `root` plus `k` (modulo
/// 2^32), found through additions of a constant, truncations and zero-extensions.
fn low_sum(func: &ir::Function, value: Value, depth: usize) -> (Value, u32) {
    if depth == 0 {
        return (value, 0);
    }
    match operation(func, value) {
        Some((Opcode::Iadd, args)) => match with_constant(func, args) {
            Some((x, k)) => {
                let (root, more) = low_sum(func, x, depth - 1);
                (root, more.wrapping_add(k as u32))
            }
            None => (value, 0),
        },
        Some((Opcode::Ireduce | Opcode::Uextend, args))
            if func.dfg.value_type(args[0]).bits() >= 32
                && func.dfg.value_type(value).bits() >= 32 =>
        {
            low_sum(func, func.dfg.resolve_aliases(args[0]), depth - 1)
        }
        _ => (value, 0),
    }
}

/// The opcode and operands of the instruction that makes `value`.
fn operation(func: &ir::Function, value: Value) -> Option<(Opcode, Vec<Value>)> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
        return None;
    };
    let data = &func.dfg.insts[inst];
    Some((data.opcode(), func.dfg.inst_args(inst).to_vec()))
}

/// The operand and the constant of a two-operand instruction with one constant operand.
fn with_constant(func: &ir::Function, args: Vec<Value>) -> Option<(Value, i64)> {
    let [a, b] = <[Value; 2]>::try_from(args).ok()?;
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    match (
        crate::narrow_masks::constant(func, a),
        crate::narrow_masks::constant(func, b),
    ) {
        (None, Some(k)) => Some((a, k as i64)),
        (Some(k), None) => Some((b, k as i64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{I32, I64};
    use cranelift_codegen::ir::Function;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `f(start, n)`: a loop over `pc` (i64, zero-extended) and `next`, entered with `start`
    /// and `start + 4` (32-bit, zero-extended) and going round with `next` and `next + 4`
    /// (with `skew`, `next + 8` on the way round: no longer always `pc + 4`); returns the sum
    /// of the words loaded from `pc`.
    fn fetch_loop(skew: bool) -> Function {
        let mut func = crate::test_ir::function(&[I32, I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (top, exit) = (b.create_block(), b.create_block());
        for ty in [I64, I64, I32, I32] {
            b.append_block_param(top, ty);
        }
        let start = b.ins().uextend(I64, entry[0]);
        let four = b.ins().iadd_imm_s(entry[0], 4);
        let next = b.ins().uextend(I64, four);
        let zero = b.ins().iconst(I32, 0);
        b.ins().jump(
            top,
            &[start.into(), next.into(), entry[1].into(), zero.into()],
        );
        b.switch_to_block(top);
        let [pc, next, n, sum] = b.block_params(top).try_into().expect("four");
        let word = b.ins().load(I32, ir::MemFlagsData::trusted(), pc, 0);
        let sum = b.ins().iadd(sum, word);
        let n = b.ins().iadd_imm_s(n, -1);
        let low = b.ins().ireduce(I32, next);
        let after = b.ins().iadd_imm_s(low, if skew { 8 } else { 4 });
        let after = b.ins().uextend(I64, after);
        b.ins().brif(
            n,
            top,
            &[next.into(), after.into(), n.into(), sum.into()],
            exit,
            &[],
        );
        b.switch_to_block(exit);
        b.ins().return_(&[sum]);
        crate::test_ir::finish(b);
        func
    }

    fn derive(func: &mut Function) -> usize {
        let removed = derive_offset_params(func);
        cranelift_codegen::verify_function(
            &*func,
            &cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder()),
        )
        .expect("valid");
        removed
    }

    #[test]
    fn a_parameter_always_another_plus_four_is_made_in_the_block() {
        let mut func = fetch_loop(false);
        assert_eq!(derive(&mut func), 1);
        let top = func.layout.blocks().nth(1).expect("the loop");
        assert_eq!(func.dfg.block_params(top).len(), 3);
    }

    /// A block with parameters `(a, b)` entered from a `br_table` (two entries and the
    /// default) and a `jump`, each passing `(x, x + 16)` in 64 bits for some `x`, one of
    /// them `(y + 4, y + 20)`; returns `a ^ b`.
    fn table_entries() -> Function {
        let mut func = crate::test_ir::function(&[I64, I32], &[I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (other, join) = (b.create_block(), b.create_block());
        b.append_block_param(join, I64);
        b.append_block_param(join, I64);
        let x = entry[0];
        let sixteen = b.ins().iconst(I64, 16);
        let x16 = b.ins().iadd(x, sixteen);
        let pool = &mut b.func.dfg.value_lists;
        let to_join = ir::BlockCall::new(join, [x.into(), x16.into()], pool);
        let to_other = ir::BlockCall::new(other, [], pool);
        let table = b.create_jump_table(ir::JumpTableData::new(to_join, &[to_other, to_join]));
        b.ins().br_table(entry[1], table);
        b.switch_to_block(other);
        let four = b.ins().iconst(I64, 4);
        let y4 = b.ins().iadd(x, four);
        let twenty = b.ins().iconst(I64, 20);
        let y20 = b.ins().iadd(x, twenty);
        b.ins().jump(join, &[y4.into(), y20.into()]);
        b.switch_to_block(join);
        let [a, c] = b.block_params(join).try_into().expect("two");
        let result = b.ins().bxor(a, c);
        b.ins().return_(&[result]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn edges_from_a_jump_table_lose_the_argument_too() {
        let mut func = table_entries();
        assert_eq!(derive(&mut func), 1);
        let join = func.layout.blocks().nth(2).expect("the join");
        assert_eq!(func.dfg.block_params(join).len(), 1);
    }

    /// A block of `count` i64 parameters entered by one jump passing `x`, `x + 4` and then
    /// `x` again for the rest.
    fn many_params(count: usize) -> Function {
        let mut func = crate::test_ir::function(&[I64], &[I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let join = b.create_block();
        for _ in 0..count {
            b.append_block_param(join, I64);
        }
        let four = b.ins().iconst(I64, 4);
        let x4 = b.ins().iadd(entry[0], four);
        let mut args: Vec<ir::BlockArg> = vec![entry[0].into(), x4.into()];
        args.resize(count, entry[0].into());
        b.ins().jump(join, &args);
        b.switch_to_block(join);
        let params = b.block_params(join).to_vec();
        let mut acc = params[0];
        for &param in &params[1..] {
            acc = b.ins().bxor(acc, param);
        }
        b.ins().return_(&[acc]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn a_block_of_too_many_parameters_is_left_alone() {
        let mut func = many_params(MAX_PARAMS);
        assert!(derive(&mut func) > 0);
        let mut func = many_params(MAX_PARAMS + 1);
        assert_eq!(derive(&mut func), 0);
    }

    #[test]
    fn a_parameter_that_differs_on_one_edge_stays() {
        let mut func = fetch_loop(true);
        let before = func.display().to_string();
        assert_eq!(derive(&mut func), 0);
        assert_eq!(func.display().to_string(), before);
    }
}
