//! Values a roomy call-free loop reads, copied into values of its own just before it, after
//! the mid-end.
//!
//! A value made before a loop that calls nothing may still live across calls elsewhere in the
//! function (a function's arguments, read again after each call it makes). The register
//! allocator keeps such a value in a stack slot, and within the loop loads it again before
//! each use when the pieces of its live range it splits off are not given a register, even
//! with registers free: `strings_sort`'s `merge_sort` copied its records back (`v[k] =
//! tmp[k]`, four records a round) with a load of the destination's base before each of its 16
//! stores, the function's arguments being needed after its recursive calls.
//!
//! Here, in a function that calls, each outermost loop that calls nothing, has one way in
//! (from the block that immediately dominates its header, by a plain or conditional branch)
//! and needs fewer integer registers than there are, gets a copy of each integer value made
//! before it that its code reads at least [`MIN_USES`] times a round (a sum folded into
//! several addresses reads its operands in each), made on that way in (`v | 0`, one
//! instruction; on a block of its own when the branch may go elsewhere), and reads the copy
//! instead. The copy lives only within the loop, which calls nothing: the allocator keeps it
//! in a register.

use rustc_hash::{FxHashMap, FxHashSet};

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{self, Block, InstBuilder, InstructionData, Opcode, Value, ValueDef};
use cranelift_codegen::loop_analysis::Loop;

use crate::loop_spills::{call_free_outermost, counts, extended_from, use_blocks};
use crate::shape::Shape;
use crate::sibling_copies::made_in;

/// Registers left free in a loop after its copies are made (the estimate of what it needs
/// is rough).
const MARGIN: usize = 2;

/// How many times a loop must read a value for a copy to pay: a value the allocator keeps in
/// a stack slot and a loop reads once a round costs a load, or nothing where the load becomes
/// an operand of the instruction using it, against the copy's one or two instructions each
/// time the loop is entered and a register (wasi-libc's `malloc`, whose loops read values a
/// few times each and run few rounds, ran one more register move a call with them copied).
const MIN_USES: usize = 3;

/// How many sums and extensions deep a value's reads are followed into the addresses the
/// instruction selector folds them into (a wasm access to memory 0 in an executable:
/// a 32-bit sum, its extension, the sum with memory's base).
const FOLDS: usize = 4;

/// A loop that may get copies.
struct Plan {
    lp: Loop,
    /// The block it is entered from.
    entry: Block,
    blocks: Vec<Block>,
    inside: FxHashSet<Block>,
    /// The values made before it that it reads often enough.
    read: Vec<Value>,
    /// The estimate of the registers it needs ([`pressure`]).
    needed: usize,
}

/// Copies the values read in the roomy call-free loops of `func` as above, for a machine with
/// `registers` integer registers to allocate. Returns how many copies it made.
pub fn copy_loop_invariants(func: &mut ir::Function, shape: &Shape, registers: usize) -> usize {
    let calls = func.layout.blocks().any(|block| {
        func.layout
            .block_insts(block)
            .any(|i| func.dfg.insts[i].opcode().is_call())
    });
    if !calls || shape.loops.loops().next().is_none() {
        return 0;
    }
    let targets = call_free_outermost(func, shape);
    if targets.is_empty() {
        return 0;
    }
    let mut plans: Vec<Plan> = Vec::new();
    let mut wanted: SecondaryMap<Value, bool> = SecondaryMap::new();
    for (lp, blocks) in targets {
        let header = shape.loops.loop_header(lp);
        let inside: FxHashSet<Block> = blocks.iter().copied().collect();
        let Some(entry) = single_entry(func, shape, header, &inside) else {
            continue;
        };
        let read = read_from_before(func, &blocks, &inside);
        if read.is_empty() {
            continue;
        }
        let needed = pressure(func, &blocks);
        if needed + MARGIN > registers {
            continue;
        }
        for &v in &read {
            wanted[v] = true;
        }
        plans.push(Plan {
            lp,
            entry,
            blocks,
            inside,
            read,
            needed,
        });
    }
    if plans.is_empty() {
        return 0;
    }
    let outside = use_blocks(func, &wanted);
    let mut copied = 0;
    for Plan {
        lp,
        entry,
        blocks,
        inside,
        read,
        needed,
    } in plans
    {
        let live_on = read
            .iter()
            .filter(|v| {
                outside[*v]
                    .iter()
                    .any(|&b| !inside.contains(&b) && maybe_after(shape, lp, b))
            })
            .count();
        if needed + live_on + MARGIN > registers {
            continue;
        }
        copied += copy_in(func, entry, shape.loops.loop_header(lp), &blocks, &read);
    }
    copied
}

/// Whether block `b`, outside loop `lp`, may run after it: it comes later in reverse
/// post-order, or the loop is inside another one (whose next round may reach `b`). In wasm's
/// reducible control flow, a block reached from the loop by a path without a back edge comes
/// later in that order.
fn maybe_after(shape: &Shape, lp: Loop, b: Block) -> bool {
    let header = shape.loops.loop_header(lp);
    shape.rpo[b] > shape.rpo[header] || shape.loops.loop_parent(lp).is_some()
}

/// The block the loop of `blocks` (its header `header`) is entered from, when there is one
/// such block, it immediately dominates the header, and it ends in a plain or conditional
/// branch with one way to the header.
fn single_entry(
    func: &ir::Function,
    shape: &Shape,
    header: Block,
    inside: &FxHashSet<Block>,
) -> Option<Block> {
    let mut from_outside = shape
        .cfg
        .pred_iter(header)
        .map(|pred| pred.block)
        .filter(|b| !inside.contains(b));
    let entry = from_outside.next()?;
    if from_outside.any(|b| b != entry) || shape.domtree.idom(header) != Some(entry) {
        return None;
    }
    let end = func.layout.last_inst(entry)?;
    let to_header = func.dfg.insts[end]
        .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        .iter()
        .filter(|call| call.block(&func.dfg.value_lists) == header)
        .count();
    let branch = matches!(func.dfg.insts[end].opcode(), Opcode::Jump | Opcode::Brif);
    (branch && to_header == 1).then_some(entry)
}

/// The integer values the loop of `blocks` reads at least [`MIN_USES`] times that are made
/// outside it, in the order of their first use.
fn read_from_before(
    func: &ir::Function,
    blocks: &[Block],
    inside: &FxHashSet<Block>,
) -> Vec<Value> {
    let made_inside = |v: Value| made_in(func, v).is_some_and(|b| inside.contains(&b));
    let mut users: FxHashMap<Value, Vec<ir::Inst>> = FxHashMap::default();
    let mut read = Vec::new();
    for &block in blocks {
        for inst in func.layout.block_insts(block) {
            for v in func.dfg.inst_values(inst) {
                let v = func.dfg.resolve_aliases(v);
                let first = !users.contains_key(&v);
                users.entry(v).or_default().push(inst);
                if first && counts(func, v) && !made_inside(v) && !addressing(func, v) {
                    read.push(v);
                }
            }
        }
    }
    let mut known = FxHashMap::default();
    read.retain(|&v| reads(func, &users, &mut known, v, 0) >= MIN_USES);
    read
}

/// How many times the code of a loop reads `v`, whose users in the loop are `users`: once for
/// each user, except that the instruction selector folds a sum or an extension into each
/// address that uses it, so that `v` is read by each user of those, followed [`FOLDS`] levels
/// down. (Each value's count is kept in `known`: one reached again at another depth keeps
/// the first.)
fn reads(
    func: &ir::Function,
    users: &FxHashMap<Value, Vec<ir::Inst>>,
    known: &mut FxHashMap<Value, usize>,
    v: Value,
    depth: usize,
) -> usize {
    if let Some(&n) = known.get(&v) {
        return n;
    }
    let Some(insts) = users.get(&v) else {
        return 0;
    };
    let mut n = 0usize;
    for &inst in insts {
        let folded = matches!(
            func.dfg.insts[inst].opcode(),
            Opcode::Iadd | Opcode::Uextend
        );
        n = n.saturating_add(match func.dfg.inst_results(inst) {
            [r] if folded && depth < FOLDS && users.contains_key(r) => {
                reads(func, users, known, *r, depth + 1)
            }
            _ => 1,
        });
    }
    known.insert(v, n);
    n
}

/// Whether `v` is a sum with a constant or a shift by a constant: the instruction selector
/// folds it into the addresses of the loads and stores that use it, so that its operands are
/// what a loop reading it keeps in registers (Lua's `luaD_precall` read `L` through the sum
/// of memory's base and `L`, which a copy would have made in a register of its own).
fn addressing(func: &ir::Function, v: Value) -> bool {
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return false;
    };
    let constant = |x: Value| crate::hoist::is_constant(func, x);
    match func.dfg.insts[inst] {
        InstructionData::Binary {
            opcode: Opcode::Iadd | Opcode::Isub | Opcode::Ishl,
            args: [a, b],
        } => constant(a) || constant(b),
        _ => false,
    }
}

/// An upper estimate of the integer registers the loop of `blocks` needs at once: the values
/// that may be live across its blocks (read from before it, its blocks' parameters, values
/// used in a block other than their own or not at all in it) all the time, plus the most
/// values made and used in one block that are live at once there. Values sharing a register
/// (extensions and truncations of one) count once.
fn pressure(func: &ir::Function, blocks: &[Block]) -> usize {
    let mut used_in: FxHashMap<Value, Block> = FxHashMap::default();
    let mut wide: FxHashSet<Value> = FxHashSet::default();
    for &block in blocks {
        wide.extend(func.dfg.block_params(block).iter().copied());
        for inst in func.layout.block_insts(block) {
            for v in func.dfg.inst_values(inst) {
                let v = func.dfg.resolve_aliases(v);
                if made_in(func, v) != Some(block) {
                    wide.insert(v);
                }
                used_in.insert(v, block);
            }
        }
    }
    for &block in blocks {
        for inst in func.layout.block_insts(block) {
            for &r in func.dfg.inst_results(inst) {
                if !used_in.contains_key(&r) {
                    wide.insert(r);
                }
            }
        }
    }
    let register = |v: Value| extended_from(func, v);
    let wide_registers: FxHashSet<Value> = wide
        .iter()
        .filter(|&&v| counts(func, v))
        .map(|&v| register(v))
        .collect();
    let mut local_peak = 0;
    for &block in blocks {
        let mut live: FxHashSet<Value> = FxHashSet::default();
        for inst in func.layout.block_insts(block).rev() {
            for &r in func.dfg.inst_results(inst) {
                live.remove(&register(r));
            }
            for v in func.dfg.inst_values(inst) {
                let v = func.dfg.resolve_aliases(v);
                let r = register(v);
                if counts(func, v) && !wide_registers.contains(&r) {
                    live.insert(r);
                }
            }
            local_peak = local_peak.max(live.len());
        }
    }
    wide_registers.len() + local_peak
}

/// Makes a copy of each of the `read` values on the way from `entry` into the loop of
/// `header` and `blocks`, and has the loop read the copies. Returns how many it made.
fn copy_in(
    func: &mut ir::Function,
    entry: Block,
    header: Block,
    blocks: &[Block],
    read: &[Value],
) -> usize {
    let end = func
        .layout
        .last_inst(entry)
        .expect("a block ends in a branch");
    let srcloc = func.srclocs[end];
    let at = match func.dfg.insts[end].opcode() {
        Opcode::Jump => end,
        _ => edge_block(func, end, header),
    };
    let mut cursor = FuncCursor::new(func).at_inst(at);
    let mut copies = FxHashMap::default();
    for &v in read {
        // `v | 0`: the instruction selector looks through an addition of 0 into an address,
        // reading `v` itself, but not through this.
        let ty = cursor.func.dfg.value_type(v);
        let zero = cursor.ins().iconst(ty, 0);
        let copy = cursor.ins().bor(v, zero);
        let inst = cursor.func.dfg.value_def(copy).unwrap_inst();
        cursor.func.srclocs[inst] = srcloc;
        copies.insert(v, copy);
    }
    let func = cursor.func;
    for &block in blocks {
        let insts: Vec<ir::Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            let now: Vec<Value> = func
                .dfg
                .inst_values(inst)
                .map(|v| {
                    let v = func.dfg.resolve_aliases(v);
                    copies.get(&v).copied().unwrap_or(v)
                })
                .collect();
            let mut now = now.into_iter();
            func.dfg.map_inst_values(inst, |v| now.next().unwrap_or(v));
        }
    }
    copies.len()
}

/// A new block on the edge from the conditional branch `branch` to `header`, placed before
/// `header`: the branch goes there instead, and the new block jumps on with the branch's
/// arguments. Returns the new block's jump (what goes on the way in goes before it), so that
/// the copies are made only when the loop is entered.
fn edge_block(func: &mut ir::Function, branch: ir::Inst, header: Block) -> ir::Inst {
    let block = func.dfg.make_block();
    func.layout.insert_block(block, header);
    let ir::DataFlowGraph {
        insts,
        jump_tables,
        exception_tables,
        value_lists,
        ..
    } = &mut func.dfg;
    let call = insts[branch]
        .branch_destination_mut(jump_tables, exception_tables)
        .iter_mut()
        .find(|call| call.block(value_lists) == header)
        .expect("the branch goes to the header");
    let args: Vec<ir::BlockArg> = call.args(value_lists).collect();
    *call = ir::BlockCall::new(block, [], value_lists);
    let mut cursor = FuncCursor::new(func).at_bottom(block);
    cursor.ins().jump(header, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::I64;
    use cranelift_codegen::ir::Function;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// How the loop of [`summing`] is entered and what the function calls.
    #[derive(Clone, Copy, PartialEq)]
    enum Case {
        /// A call before the loop, one way in.
        CallBefore,
        /// No call anywhere.
        NoCall,
        /// A call in the loop.
        CallInLoop,
        /// A call before the loop, which is entered from two blocks.
        TwoWaysIn,
        /// A call before the loop, entered or not by a conditional branch.
        Guarded,
    }

    /// `f(p0..p{k-1}, n, flag)`: `acc += mix(acc, p0, p1, ...)` for `n` rounds, then
    /// `acc + p0`; the loop reads every parameter three times in every round, and `p0` also
    /// after it.
    fn summing(params: usize, shape: Case) -> Function {
        summing_with(params, 3, shape)
    }

    /// [`summing`] with each parameter read `reads` times a round (1 to 3).
    fn summing_with(params: usize, reads: usize, shape: Case) -> Function {
        let mut func = crate::test_ir::function(&vec![I64; params + 2], &[I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (top, exit) = (b.create_block(), b.create_block());
        b.append_block_param(top, I64);
        b.append_block_param(top, I64);
        let callee = crate::test_ir::external_callee(&mut b);
        if shape != Case::NoCall && shape != Case::CallInLoop {
            b.ins().call(callee, &[]);
        }
        let zero = b.ins().iconst(I64, 0);
        let n = entry[params];
        if shape == Case::TwoWaysIn {
            let other = b.create_block();
            b.ins()
                .brif(entry[params + 1], top, &[n.into(), zero.into()], other, &[]);
            b.switch_to_block(other);
            let one = b.ins().iconst(I64, 1);
            b.ins().jump(top, &[n.into(), one.into()]);
        } else if shape == Case::Guarded {
            let skip = b.create_block();
            b.ins()
                .brif(entry[params + 1], top, &[n.into(), zero.into()], skip, &[]);
            b.switch_to_block(skip);
            b.ins().return_(&[zero]);
        } else {
            b.ins().jump(top, &[n.into(), zero.into()]);
        }
        b.switch_to_block(top);
        let [i, acc] = b.block_params(top).try_into().expect("two");
        let mut mixed = acc;
        for &p in &entry[..params] {
            mixed = b.ins().bxor(mixed, p);
            if reads > 1 {
                mixed = b.ins().rotl(mixed, p);
            }
            if reads > 2 {
                mixed = b.ins().iadd(mixed, p);
            }
        }
        let acc = b.ins().iadd(acc, mixed);
        if shape == Case::CallInLoop {
            b.ins().call(callee, &[]);
        }
        let one = b.ins().iconst(I64, 1);
        let next = b.ins().isub(i, one);
        b.ins()
            .brif(next, top, &[next.into(), acc.into()], exit, &[]);
        b.switch_to_block(exit);
        let result = b.ins().iadd(acc, entry[0]);
        b.ins().return_(&[result]);
        crate::test_ir::finish(b);
        func
    }

    fn copy(func: &mut Function) -> usize {
        let shape = Shape::new(func);
        copy_loop_invariants(func, &shape, 14)
    }

    fn reads(func: &Function, block: Block, value: Value) -> bool {
        func.layout
            .block_insts(block)
            .any(|i| func.dfg.inst_values(i).any(|v| v == value))
    }

    #[test]
    fn a_roomy_loop_reads_copies_made_on_its_way_in() {
        let mut func = summing(4, Case::CallBefore);
        let params = func
            .dfg
            .block_params(func.layout.entry_block().unwrap())
            .to_vec();
        assert_eq!(copy(&mut func), 4);
        let blocks: Vec<Block> = func.layout.blocks().collect();
        let (entry, top, exit) = (blocks[0], blocks[1], blocks[2]);
        for &p in &params[..4] {
            assert!(!reads(&func, top, p), "the loop reads {p}");
        }
        // Each copy is `p | 0`, made in the entry block just before its branch.
        let made: Vec<ir::Inst> = func
            .layout
            .block_insts(entry)
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Bor)
            .collect();
        assert_eq!(made.len(), 4);
        for (inst, &p) in made.iter().zip(&params) {
            let args = func.dfg.inst_args(*inst);
            assert_eq!(args[0], p);
            assert!(reads(&func, top, func.dfg.first_result(*inst)));
        }
        let last = func.layout.last_inst(entry).unwrap();
        assert_eq!(func.layout.prev_inst(last), Some(made[3]));
        // After the loop, the parameter itself.
        assert!(reads(&func, exit, params[0]));
        cranelift_codegen::verify_function(
            &func,
            &cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder()),
        )
        .expect("valid");
    }

    #[test]
    fn a_loop_entered_by_a_conditional_branch_gets_its_copies_on_that_edge() {
        let mut func = summing(3, Case::Guarded);
        let entry = func.layout.entry_block().unwrap();
        let params = func.dfg.block_params(entry).to_vec();
        assert_eq!(copy(&mut func), 3);
        // The branch goes to a new block, before the loop, making the copies.
        let branch = func.layout.last_inst(entry).unwrap();
        let targets: Vec<Block> = func.dfg.insts[branch]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            .iter()
            .map(|call| call.block(&func.dfg.value_lists))
            .collect();
        let edge = targets[0];
        let top = func.layout.next_block(edge).unwrap();
        assert_eq!(func.dfg.num_blocks(), 5);
        // It jumps to the loop with what the branch passed.
        let jump = func.layout.last_inst(edge).unwrap();
        let on = func.dfg.insts[jump]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)[0];
        assert_eq!(on.block(&func.dfg.value_lists), top);
        assert_eq!(on.len(&func.dfg.value_lists), 2);
        assert_eq!(func.dfg.block_params(top).len(), 2);
        let ops: Vec<Opcode> = func
            .layout
            .block_insts(edge)
            .map(|i| func.dfg.insts[i].opcode())
            .collect();
        assert_eq!(ops.iter().filter(|&&o| o == Opcode::Bor).count(), 3);
        assert_eq!(ops.last(), Some(&Opcode::Jump));
        assert!(!func
            .layout
            .block_insts(entry)
            .any(|i| func.dfg.insts[i].opcode() == Opcode::Bor));
        for &p in &params[..3] {
            assert!(!reads(&func, top, p), "the loop reads {p}");
        }
        cranelift_codegen::verify_function(
            &func,
            &cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder()),
        )
        .expect("valid");
    }

    #[test]
    fn loops_crowded_calling_or_entered_twice_and_functions_without_calls_are_left_alone() {
        assert_eq!(copy(&mut summing(4, Case::NoCall)), 0);
        assert_eq!(copy(&mut summing(4, Case::CallInLoop)), 0);
        assert_eq!(copy(&mut summing(4, Case::TwoWaysIn)), 0);
        // 12 read, the count, the sum and the values made in each round: over 14 less the
        // margin.
        assert_eq!(copy(&mut summing(12, Case::CallBefore)), 0);
        // Read twice a round: not worth a copy.
        assert_eq!(copy(&mut summing_with(4, 2, Case::CallBefore)), 0);
    }
}
