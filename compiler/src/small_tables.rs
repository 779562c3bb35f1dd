//! A `br_table` whose entries go to few places besides its default, made a chain of compares,
//! after the mid-end.
//!
//! clang's wasm makes a `br_table` of many C `switch`es that a native build tests with a
//! compare or two: SQLite's record comparison branches on a field's serial type with
//! `br_table` 9 1 1 1 1 1 1 0 1 (types 0 and 7 apart, the rest alike), run 8 M times in its
//! benchmark, where the native code tests for 7 and 0. Lowered as a jump table, that is a
//! bounds clamp, a load of the entry, an addition and an indirect jump (seven instructions on
//! x86-64), and the indirect jump is predicted from the one place for every field. Here the
//! entries that do not go where the default goes are taken as runs of neighbouring indexes
//! with the same destination; a table of at most [`MAX_RUNS`] runs becomes a compare and a
//! conditional branch per run (an equality for a run of one index, an unsigned range test
//! otherwise) in index order, the last falling to the default. Destinations keep their block
//! arguments.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    self, condcodes::IntCC, Block, BlockArg, BlockCall, Inst, InstBuilder, InstructionData, Value,
};

/// The most runs of entries not going where the default goes for which a table becomes
/// compares: a run costs a compare and a branch (three instructions for a range not starting
/// at 0), so the fourth run's destination and the default would be reached after more
/// instructions than the jump table takes.
pub const MAX_RUNS: usize = 3;

/// Entries `first..=last` of a table, all going to `call`.
#[derive(Debug)]
struct Run {
    first: u64,
    last: u64,
    call: BlockCall,
}

/// Rewrites each `br_table` of `func` with at most [`MAX_RUNS`] runs as above; returns how
/// many it rewrote.
pub fn branch_small_tables(func: &mut ir::Function) -> usize {
    let mut tables = Vec::new();
    for block in func.layout.blocks() {
        let Some(inst) = func.layout.last_inst(block) else {
            continue;
        };
        if let InstructionData::BranchTable { arg, table, .. } = func.dfg.insts[inst] {
            let runs = runs(func, table);
            if runs.len() <= MAX_RUNS {
                let default = func.dfg.jump_tables[table].default_block();
                tables.push((block, inst, arg, runs, default));
            }
        }
    }
    let rewritten = tables.len();
    for (block, inst, index, runs, default) in tables {
        compare_chain(func, block, inst, index, &runs, default);
    }
    rewritten
}

/// The runs of `table`'s entries that do not go where its default goes.
fn runs(func: &ir::Function, table: ir::JumpTable) -> Vec<Run> {
    let data = &func.dfg.jump_tables[table];
    let default = data.default_block();
    let mut runs: Vec<Run> = Vec::new();
    for (i, &call) in data.as_slice().iter().enumerate() {
        let i = i as u64;
        if same_call(func, call, default) {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.last + 1 == i && same_call(func, run.call, call) => run.last = i,
            _ => {
                runs.push(Run {
                    first: i,
                    last: i,
                    call,
                });
                if runs.len() > MAX_RUNS {
                    break;
                }
            }
        }
    }
    runs
}

/// Whether two block calls go to the same block with the same arguments.
fn same_call(func: &ir::Function, a: BlockCall, b: BlockCall) -> bool {
    let pool = &func.dfg.value_lists;
    a.block(pool) == b.block(pool) && a.args(pool).eq(b.args(pool))
}

/// The block and arguments of `call`.
fn destination(func: &ir::Function, call: BlockCall) -> (Block, Vec<BlockArg>) {
    let pool = &func.dfg.value_lists;
    (call.block(pool), call.args(pool).collect())
}

/// Replaces the `br_table` `inst` ending `block`, on `index`, by a branch per run of `runs`,
/// each test in a block of its own after `block`, and the last branch's other way to
/// `default`.
fn compare_chain(
    func: &mut ir::Function,
    block: Block,
    inst: Inst,
    index: Value,
    runs: &[Run],
    default: BlockCall,
) {
    let srcloc = func.srcloc(inst);
    func.layout.remove_inst(inst);
    let (default_block, default_args) = destination(func, default);
    let ty = func.dfg.value_type(index);
    let mut at = block;
    for (n, run) in runs.iter().enumerate() {
        let (target, target_args) = destination(func, run.call);
        let next = (n + 1 < runs.len()).then(|| {
            let next = func.dfg.make_block();
            func.layout.insert_block_after(next, at);
            next
        });
        let mut pos = FuncCursor::new(func).at_bottom(at).with_srcloc(srcloc);
        let taken = if run.first == run.last {
            let k = pos.ins().iconst(ty, run.first as i64);
            pos.ins().icmp(IntCC::Equal, index, k)
        } else {
            let offset = match run.first {
                0 => index,
                first => {
                    // An immediate narrower than 64 bits is kept zero-extended.
                    let mask = u64::MAX >> (64 - ty.bits());
                    let minus = pos.ins().iconst(ty, (first.wrapping_neg() & mask) as i64);
                    pos.ins().iadd(index, minus)
                }
            };
            let span = pos.ins().iconst(ty, (run.last - run.first) as i64);
            pos.ins().icmp(IntCC::UnsignedLessThanOrEqual, offset, span)
        };
        match next {
            Some(next) => pos.ins().brif(taken, target, &target_args, next, &[]),
            None => pos
                .ins()
                .brif(taken, target, &target_args, default_block, &default_args),
        };
        at = next.unwrap_or(at);
    }
    if runs.is_empty() {
        let mut pos = FuncCursor::new(func).at_bottom(block).with_srcloc(srcloc);
        pos.ins().jump(default_block, &default_args);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ir::count;
    use cranelift_codegen::ir::{types::I32, JumpTableData, Opcode};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `f(x, v)`: a `br_table` on `x` whose entries go to the blocks numbered in `entries` and
    /// whose default goes to block `default`; block `k` returns `v + k`, which it is passed.
    fn table(entries: &[usize], default: usize) -> ir::Function {
        let mut func = crate::test_ir::function(&[I32, I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let count = entries.iter().copied().max().unwrap_or(0).max(default) + 1;
        let blocks: Vec<Block> = (0..count).map(|_| b.create_block()).collect();
        let v = [BlockArg::Value(params[1])];
        let call = |b: &mut FunctionBuilder, k: usize| {
            BlockCall::new(blocks[k], v.iter().copied(), &mut b.func.dfg.value_lists)
        };
        let default_call = call(&mut b, default);
        let calls: Vec<BlockCall> = entries.iter().map(|&k| call(&mut b, k)).collect();
        let jt = b.create_jump_table(JumpTableData::new(default_call, &calls));
        b.ins().br_table(params[0], jt);
        for (k, &block) in blocks.iter().enumerate() {
            let v = b.append_block_param(block, I32);
            b.switch_to_block(block);
            let sum = b.ins().iadd_imm_u(v, k as i64);
            b.ins().return_(&[sum]);
        }
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn a_table_of_three_runs_becomes_three_branches() {
        // Index 0 alone, 7 alone, and 9 to 10 go elsewhere than the default.
        let mut func = table(&[2, 1, 1, 1, 1, 1, 1, 0, 1, 3, 3], 1);
        assert_eq!(branch_small_tables(&mut func), 1);
        assert_eq!(count(&func, Opcode::BrTable), 0);
        assert_eq!(count(&func, Opcode::Brif), 3);
        assert_eq!(count(&func, Opcode::Icmp), 3);
        let mut func = table(&[1, 1, 1], 1);
        assert_eq!(branch_small_tables(&mut func), 1);
        assert_eq!(count(&func, Opcode::Jump), 1);
    }

    #[test]
    fn a_table_of_four_runs_stays_a_table() {
        let mut func = table(&[0, 1, 0, 1, 0], 2);
        assert_eq!(branch_small_tables(&mut func), 0);
        assert_eq!(count(&func, Opcode::BrTable), 1);
        assert_eq!(count(&func, Opcode::Brif), 0);
    }
}
