//! The fast path of a function too large to inline whole, for its callers to inline.
//!
//! C code often starts a function with a cheap test and an early return (`if (x->flags & F)
//! return 0;`); natively the compiler sets the frame up after the test, on the path that needs
//! it. Cranelift sets the whole frame up, callee-saved registers included, before the first
//! instruction. The callers of such a function inline its start instead: the blocks from the
//! entry that call nothing, up to [`FAST_PATH`] instructions, whose paths end in a return; an
//! edge out of them becomes a call of the whole function with the original arguments, which
//! does the start again.
//!
//! Doing the start twice must not change what the function does, so on every path that can
//! leave the copied blocks nothing may have an effect but a store to one of the function's
//! own globals (a `global.set`: a trusted store at a constant offset from the vmctx); before
//! the call, those globals get back the values they had on entry (read there). A trap on such
//! a path leaves the state the function itself would have left, trapping at the same
//! instruction. Blocks from which no path leaves (the fast path's end) may store anything.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{
    self, Block, BlockCall, ExtFuncData, ExternalName, Function, InstBuilder, InstructionData,
    MemFlagsData, Opcode, UserExternalName, Value,
};

/// The most instructions the copied blocks may have (as [`costs_code`] counts them).
pub const FAST_PATH: usize = 24;
/// The most blocks they may have, cold ones (which do not count as instructions) included.
const FAST_PATH_BLOCKS: usize = 16;

/// The fast path of `func`, defined function `index`, with every other way out a call of
/// `func`; `None` if `func` has no such path (every path from the entry calls, loops or has an
/// effect that cannot be undone before it could return).
pub fn fast_path(func: &Function, index: u32) -> Option<Function> {
    let entry = func.layout.entry_block()?;
    let cfg = ControlFlowGraph::with_function(func);
    let order = reverse_post_order(&cfg, entry);
    let mut place: SecondaryMap<Block, u32> = SecondaryMap::with_default(u32::MAX);
    for (i, &block) in order.iter().enumerate() {
        place[block] = i as u32;
    }
    let kept = copied_blocks(func, &cfg, &order, &place)?;
    if !likely(func, &cfg, &order, &kept) {
        return None;
    }
    let leaves = |block: Block| cfg.succ_iter(block).any(|s| !kept[s]);
    let exits = order
        .iter()
        .filter(|&&b| kept[b])
        .flat_map(|&b| cfg.succ_iter(b));
    if exits
        .filter(|&s| !kept[s])
        .any(|s| enters_loop(func, &cfg, &place, s))
    {
        return None;
    }
    // The blocks from which a path leaves the copy, found from the last.
    let mut leaving: SecondaryMap<Block, bool> = SecondaryMap::new();
    for &block in order.iter().rev().filter(|&&b| kept[b]) {
        leaving[block] = leaves(block) || cfg.succ_iter(block).any(|s| leaving[s]);
    }
    if !leaving[entry] {
        return None;
    }
    let params = func.dfg.block_params(entry);
    let mut globals: Vec<(Base, i32, ir::Type)> = Vec::new();
    for &block in order.iter().filter(|&&b| leaving[b]) {
        for inst in func.layout.block_insts(block) {
            let data = &func.dfg.insts[inst];
            let opcode = data.opcode();
            if !opcode.can_store() && !opcode.other_side_effects() {
                continue;
            }
            let InstructionData::Store {
                opcode: Opcode::Store,
                args: [value, base],
                flags,
                offset,
            } = *data
            else {
                return None;
            };
            if func.dfg.mem_flags[flags] != MemFlagsData::trusted() {
                return None;
            }
            let base = match func.dfg.value_def(base).inst().map(|i| &func.dfg.insts[i]) {
                // An executable's vmctx is a constant.
                Some(&InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    imm,
                }) => Base::Constant(func.dfg.value_type(base), imm.bits()),
                _ if params.contains(&base) => Base::Parameter(base),
                _ => return None,
            };
            let global = (base, i32::from(offset), func.dfg.value_type(value));
            if !globals.contains(&global) {
                globals.push(global);
            }
        }
    }
    Some(build(func, index, entry, &kept, &globals))
}

/// Whether an instruction counts towards [`FAST_PATH`]: as for inlining whole functions
/// ([`crate::inline`]), but constants do not count either (the translation makes many, which
/// the mid-end merges or folds into the instructions that use them).
fn costs_code(opcode: Opcode) -> bool {
    crate::inline::costs_code(opcode)
        && !matches!(
            opcode,
            Opcode::Iconst | Opcode::F32const | Opcode::F64const | Opcode::Vconst
        )
}

/// Where a global is stored: at an offset from a parameter of the function (its vmctx) or
/// from a constant address (an executable's vmctx).
#[derive(Clone, Copy, PartialEq)]
enum Base {
    Parameter(Value),
    Constant(ir::Type, i64),
}

/// Whether the copied blocks look like the usual way through the function, as far as the code
/// tells: not one case of a `switch` (a jump table with a target left to the call), and not a
/// return of constants only (`if (n == 0) return NULL;`), which C code writes for the
/// unusual cases.
fn likely(
    func: &Function,
    cfg: &ControlFlowGraph,
    order: &[Block],
    kept: &SecondaryMap<Block, bool>,
) -> bool {
    let mut constants_only = true;
    for &block in order.iter().filter(|&&b| kept[b]) {
        let Some(last) = func.layout.last_inst(block) else {
            continue;
        };
        match func.dfg.insts[last] {
            InstructionData::BranchTable { table, .. } => {
                let pool = &func.dfg.value_lists;
                let targets = func.dfg.jump_tables[table].all_branches();
                if targets.iter().any(|call| !kept[call.block(pool)]) {
                    return false;
                }
            }
            InstructionData::MultiAry {
                opcode: Opcode::Return,
                ..
            } => {
                let values = func.dfg.inst_args(last);
                constants_only &= !values.is_empty()
                    && values
                        .iter()
                        .all(|&v| constant(func, cfg, kept, v, CONSTANT_DEPTH));
            }
            _ => {}
        }
    }
    !constants_only
}

/// How many block parameters [`constant`] looks through (each step looks at every copied
/// predecessor, at most [`FAST_PATH_BLOCKS`]).
const CONSTANT_DEPTH: u32 = 4;

/// Whether `value` is an integer constant (possibly extended or truncated), or a parameter of
/// a copied block that every copied predecessor passes such a constant.
fn constant(
    func: &Function,
    cfg: &ControlFlowGraph,
    kept: &SecondaryMap<Block, bool>,
    value: Value,
    depth: u32,
) -> bool {
    let dfg = &func.dfg;
    match dfg.value_def(value) {
        ir::ValueDef::Result(inst, _) => match dfg.insts[inst].opcode() {
            Opcode::Iconst => true,
            Opcode::Uextend | Opcode::Sextend | Opcode::Ireduce => {
                constant(func, cfg, kept, dfg.inst_args(inst)[0], depth)
            }
            _ => false,
        },
        ir::ValueDef::Param(block, index) if depth > 0 => {
            let mut any = false;
            for pred in cfg.pred_iter(block).filter(|p| kept[p.block]) {
                let calls = dfg.insts[pred.inst]
                    .branch_destination(&dfg.jump_tables, &dfg.exception_tables);
                for call in calls.iter().filter(|c| c.block(&dfg.value_lists) == block) {
                    let arg = call.args(&dfg.value_lists).nth(index);
                    let Some(ir::BlockArg::Value(arg)) = arg else {
                        return false;
                    };
                    if !constant(func, cfg, kept, arg, depth - 1) {
                        return false;
                    }
                    any = true;
                }
            }
            any
        }
        _ => false,
    }
}

/// Whether `block` is a loop's header or jumps to one, directly or through one more jump:
/// then the fast path is a loop's skipping, which is rare (loops are written to run).
fn enters_loop(
    func: &Function,
    cfg: &ControlFlowGraph,
    place: &SecondaryMap<Block, u32>,
    mut block: Block,
) -> bool {
    for _ in 0..3 {
        let here = place[block];
        if cfg
            .pred_iter(block)
            .any(|p| place[p.block] != u32::MAX && place[p.block] >= here)
        {
            return true;
        }
        let next = func
            .layout
            .last_inst(block)
            .and_then(|last| match func.dfg.insts[last] {
                InstructionData::Jump { destination, .. } => {
                    Some(destination.block(&func.dfg.value_lists))
                }
                _ => None,
            });
        match next {
            Some(next) => block = next,
            None => return false,
        }
    }
    false
}

/// The blocks reachable from `entry` in reverse post-order.
fn reverse_post_order(cfg: &ControlFlowGraph, entry: Block) -> Vec<Block> {
    let mut seen: SecondaryMap<Block, bool> = SecondaryMap::new();
    let mut post = Vec::new();
    let mut stack = vec![(entry, false)];
    while let Some((block, done)) = stack.pop() {
        if done {
            post.push(block);
            continue;
        }
        if seen[block] {
            continue;
        }
        seen[block] = true;
        stack.push((block, true));
        // Successors pushed last are visited first; any order gives a reverse post-order.
        let successors: Vec<Block> = cfg.succ_iter(block).collect();
        for &s in successors.iter().rev() {
            if !seen[s] {
                stack.push((s, false));
            }
        }
    }
    post.reverse();
    post
}

/// The blocks the fast path copies: from the entry, in reverse post-order, each block that
/// calls nothing, is no loop's header and is reached from a block already taken, while the
/// instructions fit in [`FAST_PATH`]; then only those from which a return is reached in them.
/// `None` if the entry is not among them.
fn copied_blocks(
    func: &Function,
    cfg: &ControlFlowGraph,
    order: &[Block],
    place: &SecondaryMap<Block, u32>,
) -> Option<SecondaryMap<Block, bool>> {
    let mut kept: SecondaryMap<Block, bool> = SecondaryMap::new();
    let (mut size, mut blocks) = (0, 0);
    for (i, &block) in order.iter().enumerate() {
        let preds = || cfg.pred_iter(block).map(|p| p.block);
        let reached = i == 0 || preds().any(|p| kept[p]);
        let header = preds().any(|p| place[p] != u32::MAX && place[p] >= i as u32);
        let insts = || func.layout.block_insts(block);
        let calls = insts().any(|inst| func.dfg.insts[inst].opcode().is_call());
        let cost = match func.layout.is_cold(block) {
            true => 0,
            false => insts()
                .filter(|&inst| costs_code(func.dfg.insts[inst].opcode()))
                .count(),
        };
        if reached && !header && !calls && size + cost <= FAST_PATH && blocks < FAST_PATH_BLOCKS {
            kept[block] = true;
            size += cost;
            blocks += 1;
        } else if i == 0 {
            return None;
        }
    }
    // Keep the blocks that lead to a return: from the others the function is called anyway.
    let mut returns: SecondaryMap<Block, bool> = SecondaryMap::new();
    for &block in order.iter().rev().filter(|&&b| kept[b]) {
        let last = func.layout.last_inst(block)?;
        returns[block] = func.dfg.insts[last].opcode() == Opcode::Return
            || cfg.succ_iter(block).any(|s| returns[s]);
    }
    if !returns[order[0]] {
        return None;
    }
    Some(returns)
}

/// `func` with only the `kept` blocks, every edge out of them going to a new cold block that
/// stores back the entry values of `globals` and returns what a call of `func` returns.
fn build(
    func: &Function,
    index: u32,
    entry: Block,
    kept: &SecondaryMap<Block, bool>,
    globals: &[(Base, i32, ir::Type)],
) -> Function {
    let mut copy = func.clone();
    let blocks: Vec<Block> = copy.layout.blocks().collect();
    for &block in blocks.iter().filter(|&&b| !kept[b]) {
        copy.layout.remove_block_and_insts(block);
    }
    let slow = copy.dfg.make_block();
    copy.layout.append_block(slow);
    copy.layout.set_cold(slow);
    for &block in blocks.iter().filter(|&&b| kept[b]) {
        let Some(last) = copy.layout.last_inst(block) else {
            continue;
        };
        let dfg = &mut copy.dfg;
        let targets: Vec<usize> = dfg.insts[last]
            .branch_destination(&dfg.jump_tables, &dfg.exception_tables)
            .iter()
            .enumerate()
            .filter(|(_, call)| !kept[call.block(&dfg.value_lists)])
            .map(|(i, _)| i)
            .collect();
        for i in targets {
            let out = BlockCall::new(slow, [], &mut dfg.value_lists);
            dfg.insts[last]
                .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)[i] = out;
        }
    }
    let params = copy.dfg.block_params(entry).to_vec();
    let mut pos = FuncCursor::new(&mut copy);
    pos.goto_first_insertion_point(entry);
    let mut entry_values: Vec<(Value, Value)> = Vec::new();
    for &(base, offset, ty) in globals {
        let base = match base {
            Base::Parameter(value) => value,
            Base::Constant(ty, bits) => pos.ins().iconst(ty, bits),
        };
        let value = pos.ins().load(ty, MemFlagsData::trusted(), base, offset);
        entry_values.push((base, value));
    }
    pos.goto_bottom(slow);
    for (&(_, offset, _), &(base, value)) in globals.iter().zip(&entry_values) {
        pos.ins()
            .store(MemFlagsData::trusted(), value, base, offset);
    }
    let name = pos.func.declare_imported_user_function(UserExternalName {
        namespace: 0,
        index,
    });
    let signature = pos.func.signature.clone();
    let signature = pos.func.import_signature(signature);
    let whole = pos.func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: true,
        patchable: false,
    });
    let call = pos.ins().call(whole, &params);
    let results = pos.func.dfg.inst_results(call).to_vec();
    pos.ins().return_(&results);
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::I32;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// How `f(vmctx, p)` starts, as clang writes a function with a stack frame: the stack
    /// pointer (a global at vmctx + 16) less 16 is stored back; then, if the byte at `p` is 0,
    /// the old stack pointer is stored back and the byte after `p` returned. Else `slow`
    /// (which gets the lowered stack pointer) is built by the caller. `store_first` adds a
    /// store to linear memory before the test; with `fixed`, the globals are at a constant
    /// address (an executable's vmctx) rather than at the vmctx parameter.
    fn early_return(
        store_first: bool,
        fixed: bool,
        slow: impl FnOnce(&mut FunctionBuilder, Value, Value),
    ) -> Function {
        let (mut func, heap) = crate::test_ir::wasm_function(&[I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let p = params[1];
        let vmctx = match fixed {
            true => b.ins().iconst(ir::types::I64, 0x5000_0000),
            false => params[0],
        };
        let (fast, rest) = (b.create_block(), b.create_block());
        let sp = b.ins().load(I32, MemFlagsData::trusted(), vmctx, 16);
        let sixteen = b.ins().iconst(I32, 16);
        let lowered = b.ins().isub(sp, sixteen);
        b.ins().store(MemFlagsData::trusted(), lowered, vmctx, 16);
        let base = crate::test_ir::memory_base(&mut b, vmctx);
        let wide = b.ins().uextend(ir::types::I64, p);
        let at = b.ins().iadd(base, wide);
        if store_first {
            b.ins().store(heap, p, at, 0);
        }
        let byte = b.ins().uload8(I32, heap, at, 0);
        b.ins().brif(byte, rest, &[], fast, &[]);
        b.switch_to_block(fast);
        b.ins().store(MemFlagsData::trusted(), sp, vmctx, 16);
        let next = b.ins().uload8(I32, heap, at, 1);
        b.ins().return_(&[next]);
        b.switch_to_block(rest);
        slow(&mut b, vmctx, lowered);
        crate::test_ir::finish(b);
        func
    }

    /// A slow path that calls `f` and returns 7.
    fn calls(b: &mut FunctionBuilder, _vmctx: Value, _sp: Value) {
        let callee = crate::test_ir::external_callee(b);
        b.ins().call(callee, &[]);
        let seven = b.ins().iconst(I32, 7);
        b.ins().return_(&[seven]);
    }

    fn opcodes(func: &Function, block: Block) -> Vec<Opcode> {
        func.layout
            .block_insts(block)
            .map(|inst| func.dfg.insts[inst].opcode())
            .collect()
    }

    #[test]
    fn the_start_up_to_a_call_is_kept_and_the_call_made_with_the_globals_restored() {
        for fixed in [false, true] {
            restores_globals(early_return(false, fixed, calls), fixed);
        }
    }

    fn restores_globals(func: Function, fixed: bool) {
        let copy = fast_path(&func, 5).expect("a fast path");
        let blocks: Vec<Block> = copy.layout.blocks().collect();
        // The entry, the fast return and the new slow block; the block that calls is gone.
        assert_eq!(blocks.len(), 3, "{}", copy.display());
        let slow = blocks[2];
        assert!(copy.layout.is_cold(slow));
        assert_eq!(
            opcodes(&copy, slow),
            [Opcode::Store, Opcode::Call, Opcode::Return],
            "{}",
            copy.display()
        );
        // The stack pointer is read first (from the vmctx parameter, or from its constant
        // address made again), stored back as it was on entry before the call, which is of
        // the function itself with its own arguments.
        let entry = blocks[0];
        let mut first = copy.layout.first_inst(entry).unwrap();
        if fixed {
            assert_eq!(copy.dfg.insts[first].opcode(), Opcode::Iconst);
            first = copy.layout.next_inst(first).unwrap();
        }
        assert_eq!(copy.dfg.insts[first].opcode(), Opcode::Load);
        let old = copy.dfg.first_result(first);
        let insts: Vec<_> = copy.layout.block_insts(slow).collect();
        assert_eq!(copy.dfg.inst_args(insts[0])[0], old);
        let ir::InstructionData::Call { func_ref, .. } = copy.dfg.insts[insts[1]] else {
            panic!("a call");
        };
        let ExternalName::User(name) = copy.dfg.ext_funcs[func_ref].name else {
            panic!("a user name");
        };
        assert_eq!(copy.params.user_named_funcs()[name].index, 5);
        assert_eq!(
            copy.dfg.inst_args(insts[1]),
            copy.dfg.block_params(entry),
            "the function's own arguments"
        );
    }

    #[test]
    fn no_fast_path_after_a_store_to_memory_before_a_loop_or_without_an_early_return() {
        assert!(fast_path(&early_return(true, false, calls), 0).is_none());
        // A return that skips a loop is not taken to be the usual path (loops are written
        // to run); a function that calls in its entry has no fast path either.
        let looping = early_return(false, false, |b, vmctx, sp| {
            let header = b.create_block();
            b.append_block_param(header, I32);
            b.ins().jump(header, &[sp.into()]);
            b.switch_to_block(header);
            let n = b.block_params(header)[0];
            let one = b.ins().iconst(I32, 1);
            let less = b.ins().isub(n, one);
            b.ins().store(MemFlagsData::trusted(), less, vmctx, 16);
            b.ins()
                .brif(less, header, &[less.into()], header, &[n.into()]);
        });
        assert!(fast_path(&looping, 0).is_none());
        let (mut func, _) = crate::test_ir::wasm_function(&[I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        calls(&mut b, params[0], params[1]);
        crate::test_ir::finish(b);
        assert!(fast_path(&func, 0).is_none());
    }

    #[test]
    fn a_long_block_is_left_to_the_call() {
        let long = |b: &mut FunctionBuilder, vmctx: Value, sp: Value| {
            let mut v = sp;
            for _ in 0..FAST_PATH {
                v = b.ins().iadd(v, sp);
            }
            b.ins().store(MemFlagsData::trusted(), v, vmctx, 16);
            b.ins().return_(&[v]);
        };
        // The start fits, the long block does not: it is left to the call.
        let copy = fast_path(&early_return(false, true, long), 0).expect("a fast path");
        assert_eq!(copy.layout.blocks().count(), 3);
    }
}
