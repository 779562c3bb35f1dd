//! Values a crowded loop only reads, kept in a stack slot across it, after the mid-end.
//!
//! When a loop needs more registers than the machine has, the register allocator spills some
//! values to stack slots. For a value made before the loop and only read in it, the slot
//! never changes once written; but the allocator splits the value's live range and gives the
//! pieces between uses a register where one is free, so that it copies the value back from
//! that register to the slot on every back edge, and reloads it on edges where it was not
//! used at all. zlib's `longest_match` stored four unchanged values to their slots in each
//! round of its hottest loop, and reloaded two more on its most taken exit from the
//! comparison: 6 of its 20 instructions a round.
//!
//! Here, in a loop that calls nothing whose peak of live integer values exceeds the registers
//! there are by [`CROWDED`] or more, as many values made before it as the excess, those used
//! the least in it, are stored to a stack slot of their own once, just before the loop, and
//! each block that uses one after that loads it again just before its first use: the value is
//! no longer live across the loop, only the loads are, where they are used. Which ones: those
//! with no use in the loop first (read only after it), then those used only in blocks that do
//! not run in every round, the fewest uses first; never one used in a loop nested in it.
//!
//! Only loops whose own values (made or read in them) could crowd them are looked at: finding
//! what is live where takes time in proportion to the function, once for each function with
//! such a loop.

use std::collections::{HashMap, HashSet};

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    self, ArgumentPurpose, Block, InstBuilder, InstructionData, Opcode, StackSlotData,
    StackSlotKind, Value, ValueDef,
};
use cranelift_codegen::loop_analysis::Loop;

use crate::shape::Shape;

/// Functions with more blocks than this are left alone (the liveness takes time and memory
/// in proportion to blocks times live values).
const MAX_BLOCKS: usize = 20_000;

/// How many more integer values than registers must be live at once in a loop before any is
/// spilled. The count is rough (it cannot see which values the instruction selector folds
/// into others, nor how the allocator splits them), and most loops it counts a few over keep
/// all their values in registers: spilling for them cost CoreMark's `matrix_test` 9% more
/// instructions.
const CROWDED: usize = 4;

/// How much a use weighs for each loop it is nested in below the crowded one; a value used
/// in a nested loop is never spilled (it would be loaded again in every round of that loop).
const NESTED_WEIGHT: u32 = 8;

/// How much a use in a block that runs in every round of its loop weighs, against one in a
/// block that may not.
const EVERY_ROUND_WEIGHT: u32 = 4;

/// Spills values live across the crowded call-free loops of `func` as above, for a machine
/// with `registers` integer registers to allocate. Returns how many values it spilled.
pub fn spill_loop_invariants(func: &mut ir::Function, shape: &Shape, registers: usize) -> usize {
    let loops = &shape.loops;
    if loops.loops().next().is_none() || func.layout.blocks().count() > MAX_BLOCKS {
        return 0;
    }
    let targets: Vec<(Loop, Vec<Block>)> = call_free_outermost(func, shape)
        .into_iter()
        .filter(|(_, blocks)| referenced(func, blocks) >= registers + CROWDED)
        .collect();
    if targets.is_empty() {
        return 0;
    }
    // (Branch arguments and operands name values, not their aliases, from here on.)
    func.dfg.resolve_all_aliases();
    let mut live = Liveness::new(func, shape);
    let kept = Registers::new(func);
    let mut wanted: SecondaryMap<Value, bool> = SecondaryMap::new();
    for (lp, _) in &targets {
        let header = loops.loop_header(*lp);
        for &v in live.live_in[header]
            .iter()
            .chain(func.dfg.block_params(header))
        {
            wanted[v] = true;
        }
    }
    let mut uses = use_blocks(func, &wanted);
    let mut spilled = 0;
    for (lp, blocks) in targets {
        let idle = idle_params(func, shape, lp, &uses);
        let peak = peak_pressure(func, shape, &live, &kept, &idle, &blocks);
        if peak < registers + CROWDED {
            continue;
        }
        let header = loops.loop_header(lp);
        let Some(preheader) = shape.domtree.idom(header) else {
            continue;
        };
        let reached = reachable_from(shape, header);
        // The values live into the loop, by the register they share.
        let mut groups: HashMap<Value, Vec<Value>> = HashMap::new();
        for &value in &live.live_in[header] {
            groups.entry(kept.of(func, value)).or_default().push(value);
        }
        let mut candidates: Vec<(u32, Value, Vec<Value>)> = groups
            .into_iter()
            .filter(|(register, values)| {
                counts(func, *register)
                    && values
                        .iter()
                        .all(|&v| spillable(func, shape, header, &reached, v, &uses[&v]))
            })
            .map(|(register, values)| {
                let weight = values
                    .iter()
                    .map(|&v| use_weight(shape, lp, &uses[&v]))
                    .fold(0u32, u32::saturating_add);
                (weight, register, values)
            })
            .collect();
        candidates.sort_unstable_by_key(|(weight, register, _)| (*weight, register.as_u32()));
        let cheap = candidates
            .iter()
            .take_while(|(weight, _, _)| *weight < NESTED_WEIGHT)
            .take(peak - registers);
        let mut gone = HashSet::new();
        for (_, _, values) in cheap {
            for &value in values {
                let blocks = uses.get_mut(&value).expect("live, so used");
                let mut reloaded: Vec<Block> = blocks
                    .iter()
                    .copied()
                    .filter(|&b| shape.domtree.block_dominates(header, b))
                    .collect();
                reloaded.dedup();
                spill(func, preheader, &reloaded, value);
                spilled += 1;
                gone.insert(value);
                blocks.retain(|&b| !shape.domtree.block_dominates(header, b));
                blocks.push(preheader);
            }
        }
        // The uses of the values spilled, in the loop and after it, are loads now: they are
        // live no further than their stores before the loop (the loops that follow are apart
        // from this one).
        if !gone.is_empty() {
            for &block in &reached {
                if shape.domtree.block_dominates(header, block) {
                    live.live_in[block].retain(|v| !gone.contains(v));
                }
            }
        }
    }
    spilled
}

/// How many integer registers the values the loop of `blocks` itself makes or reads take
/// (values sharing a register counted once, constants left out): a bound on how crowded its
/// own values can make it, cheap to find. Values only passed through the loop are left to the
/// register allocator, which keeps them in stack slots at no cost inside the loop when it
/// must.
fn referenced(func: &ir::Function, blocks: &[Block]) -> usize {
    let mut seen = HashSet::new();
    for &block in blocks {
        seen.extend(func.dfg.block_params(block).iter().copied());
        for inst in func.layout.block_insts(block) {
            seen.extend(func.dfg.inst_results(inst).iter().copied());
            seen.extend(
                func.dfg
                    .inst_values(inst)
                    .map(|v| func.dfg.resolve_aliases(v)),
            );
        }
    }
    let registers: HashSet<Value> = seen
        .into_iter()
        .filter(|&v| counts(func, v))
        .map(|v| extended_from(func, v))
        .collect();
    registers.len()
}

/// The value a chain of integer extensions and truncations starts from.
pub(crate) fn extended_from(func: &ir::Function, mut value: Value) -> Value {
    while let ValueDef::Result(inst, _) = func.dfg.value_def(value) {
        match func.dfg.insts[inst] {
            InstructionData::Unary {
                opcode: Opcode::Uextend | Opcode::Ireduce,
                arg,
            } if func.dfg.value_type(arg).is_int() => value = arg,
            _ => break,
        }
    }
    value
}

/// The loops that call nothing and are not inside such a loop, each with its blocks in
/// layout order.
pub(crate) fn call_free_outermost(func: &ir::Function, shape: &Shape) -> Vec<(Loop, Vec<Block>)> {
    let loops = &shape.loops;
    let calls = shape.loops_that_call(func);
    let mut found: Vec<(Loop, Vec<Block>)> = Vec::new();
    let mut index: SecondaryMap<Loop, Option<usize>> = SecondaryMap::new();
    for block in func.layout.blocks() {
        let mut target = None;
        let mut lp = loops.innermost_loop(block);
        while let Some(current) = lp.filter(|&l| !calls[l]) {
            target = Some(current);
            lp = loops.loop_parent(current);
        }
        let Some(target) = target else { continue };
        let i = *index[target].get_or_insert_with(|| {
            found.push((target, Vec::new()));
            found.len() - 1
        });
        found[i].1.push(block);
    }
    found
}

/// Whether `value` takes an integer register of its own: a 32- or 64-bit integer not made by a
/// constant (the instruction selector folds those into their users or makes them where they
/// are used; narrower integers are mostly conditions, folded into their branch or select).
pub(crate) fn counts(func: &ir::Function, value: Value) -> bool {
    let ty = func.dfg.value_type(value);
    (ty == ir::types::I32 || ty == ir::types::I64) && !crate::hoist::is_constant(func, value)
}

/// Whether `inst` is left out of the code: it has no effect and none of its results is `live`
/// (the instruction selector emits nothing for it).
fn unused(func: &ir::Function, inst: ir::Inst, live: impl Fn(Value) -> bool) -> bool {
    let results = func.dfg.inst_results(inst);
    !results.is_empty() && crate::schedule::movable(func, inst) && results.iter().all(|&r| !live(r))
}

/// The values live at the start of each block (sorted), for the blocks reached.
struct Liveness {
    live_in: SecondaryMap<Block, Vec<Value>>,
}

/// A set of values with a bit per value of the function. It remembers the values put in, so
/// that emptying it takes time in proportion to them, not to the function.
struct Scratch {
    bits: Vec<u64>,
    touched: Vec<Value>,
}

impl Scratch {
    fn new(values: usize) -> Scratch {
        Scratch {
            bits: vec![0; values.div_ceil(64)],
            touched: Vec::new(),
        }
    }

    fn contains(&self, v: Value) -> bool {
        let i = v.as_u32() as usize;
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    fn insert(&mut self, v: Value) {
        let i = v.as_u32() as usize;
        if self.bits[i / 64] & (1 << (i % 64)) == 0 {
            self.bits[i / 64] |= 1 << (i % 64);
            self.touched.push(v);
        }
    }

    fn remove(&mut self, v: Value) {
        let i = v.as_u32() as usize;
        self.bits[i / 64] &= !(1 << (i % 64));
    }

    /// The values held (sorted), leaving the set empty.
    fn take(&mut self) -> Vec<Value> {
        let mut held: Vec<Value> = Vec::new();
        for k in 0..self.touched.len() {
            let v = self.touched[k];
            if self.contains(v) {
                held.push(v);
                self.remove(v);
            }
        }
        self.touched.clear();
        held.sort_unstable();
        held
    }
}

impl Liveness {
    fn new(func: &ir::Function, shape: &Shape) -> Liveness {
        let mut live_in: SecondaryMap<Block, Vec<Value>> = SecondaryMap::new();
        // Blocks to visit (each queued at most once at a time), in post-order first; a block
        // whose live-in set changes queues its predecessors again.
        let mut work: Vec<Block> = shape.domtree.cfg_rpo().copied().collect();
        let mut queued: SecondaryMap<Block, bool> = SecondaryMap::new();
        for &block in &work {
            queued[block] = true;
        }
        let mut live = Scratch::new(func.dfg.num_values());
        while let Some(block) = work.pop() {
            queued[block] = false;
            for succ in shape.cfg.succ_iter(block) {
                for &v in &live_in[succ] {
                    live.insert(v);
                }
            }
            for inst in func.layout.block_insts(block).rev() {
                if unused(func, inst, |v| live.contains(v)) {
                    continue;
                }
                for &result in func.dfg.inst_results(inst) {
                    live.remove(result);
                }
                for arg in func.dfg.inst_values(inst) {
                    live.insert(arg);
                }
            }
            for &param in func.dfg.block_params(block) {
                live.remove(param);
            }
            let set = live.take();
            if set != live_in[block] {
                live_in[block] = set;
                for pred in shape.cfg.pred_iter(block) {
                    if !queued[pred.block] && shape.rpo[pred.block] != u32::MAX {
                        queued[pred.block] = true;
                        work.push(pred.block);
                    }
                }
            }
        }
        Liveness { live_in }
    }

    /// The values live at the end of `block` before its terminator's operands: those live
    /// into a successor other than its parameters.
    fn live_out(&self, shape: &Shape, block: Block) -> HashSet<Value> {
        let mut live = HashSet::new();
        for succ in shape.cfg.succ_iter(block) {
            live.extend(self.live_in[succ].iter().copied());
        }
        live
    }
}

/// Which register each value takes, for counting them.
struct Registers {
    /// The additions of a constant used only as the address of loads and stores: the
    /// instruction selector folds them into the accesses' addressing modes.
    folded: SecondaryMap<Value, bool>,
}

impl Registers {
    fn new(func: &ir::Function) -> Registers {
        // The additions of a constant, then those of them used otherwise than as an address.
        let mut folded: SecondaryMap<Value, bool> = SecondaryMap::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                if let InstructionData::Binary {
                    opcode: Opcode::Iadd,
                    args,
                } = func.dfg.insts[inst]
                {
                    if args.iter().any(|&a| crate::hoist::is_constant(func, a)) {
                        folded[func.dfg.first_result(inst)] = true;
                    }
                }
            }
        }
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let address = match func.dfg.insts[inst] {
                    InstructionData::Load { arg, .. } => Some(arg),
                    InstructionData::Store { args, .. } if args[0] != args[1] => Some(args[1]),
                    _ => None,
                };
                for v in func.dfg.inst_values(inst) {
                    if Some(v) != address {
                        folded[v] = false;
                    }
                }
            }
        }
        Registers { folded }
    }

    /// The value whose register `value` shares: a zero extension or a truncation of an
    /// integer takes its operand's register (the instruction selector emits nothing for it
    /// when the operand's upper bits are already clear, which those of 32-bit operations
    /// are), and a folded address takes none but its other operand's.
    fn of(&self, func: &ir::Function, mut value: Value) -> Value {
        loop {
            value = extended_from(func, value);
            let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
                return value;
            };
            match func.dfg.insts[inst] {
                InstructionData::Binary {
                    opcode: Opcode::Iadd,
                    args,
                } if self.folded[value] => {
                    value = match crate::hoist::is_constant(func, args[0]) {
                        true => args[1],
                        false => args[0],
                    }
                }
                _ => return value,
            }
        }
    }
}

/// The most integer registers live at once at any instruction of the loop of `blocks`
/// (values sharing a register count once).
fn peak_pressure(
    func: &ir::Function,
    shape: &Shape,
    live: &Liveness,
    registers: &Registers,
    idle: &HashSet<Value>,
    blocks: &[Block],
) -> usize {
    let counted = |v: Value| counts(func, v) && !idle.contains(&v);
    let mut peak = 0;
    for &block in blocks {
        let mut current = live.live_out(shape, block);
        // How many counted values of `current` take each register.
        let mut taken: HashMap<Value, u32> = HashMap::new();
        for &v in current.iter().filter(|&&v| counted(v)) {
            *taken.entry(registers.of(func, v)).or_default() += 1;
        }
        for inst in func.layout.block_insts(block).rev() {
            if unused(func, inst, |v| current.contains(&v)) {
                continue;
            }
            // Live after it, with its results; then live before it, with its operands (a
            // result may take the register of an operand used for the last time).
            let mut new_registers: Vec<Value> = Vec::new();
            for &result in func.dfg.inst_results(inst) {
                let register = registers.of(func, result);
                if counted(result)
                    && !taken.contains_key(&register)
                    && !new_registers.contains(&register)
                {
                    new_registers.push(register);
                }
            }
            let after = taken.len() + new_registers.len();
            for &result in func.dfg.inst_results(inst) {
                if current.remove(&result) && counted(result) {
                    let register = registers.of(func, result);
                    let count = taken.get_mut(&register).expect("counted when inserted");
                    *count -= 1;
                    if *count == 0 {
                        taken.remove(&register);
                    }
                }
            }
            for arg in func.dfg.inst_values(inst) {
                if current.insert(arg) && counted(arg) {
                    *taken.entry(registers.of(func, arg)).or_default() += 1;
                }
            }
            peak = peak.max(after).max(taken.len());
        }
    }
    peak
}

/// The parameters of `lp`'s header that every branch back to it passes unchanged and that
/// nothing else in the loop uses: the register allocator keeps them in a stack slot across
/// the loop at no cost when registers run short, with nothing to move on the back edges.
fn idle_params(
    func: &ir::Function,
    shape: &Shape,
    lp: Loop,
    uses: &HashMap<Value, Vec<Block>>,
) -> HashSet<Value> {
    let header = shape.loops.loop_header(lp);
    let pool = &func.dfg.value_lists;
    let mut idle = HashSet::new();
    for (index, &param) in func.dfg.block_params(header).iter().enumerate() {
        let mut passed = 0;
        let mut unchanged = true;
        for pred in shape.cfg.pred_iter(header) {
            if !shape.loops.is_in_loop(pred.block, lp) {
                continue;
            }
            let data = &func.dfg.insts[pred.inst];
            for call in data.branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables) {
                if call.block(pool) != header {
                    continue;
                }
                match call.args(pool).nth(index).and_then(|a| a.as_value()) {
                    Some(arg) if arg == param => passed += 1,
                    _ => unchanged = false,
                }
            }
        }
        let used_in_loop = uses.get(&param).map_or(0, |blocks| {
            blocks
                .iter()
                .filter(|&&b| shape.loops.is_in_loop(b, lp))
                .count()
        });
        if unchanged && passed > 0 && used_in_loop == passed {
            idle.insert(param);
        }
    }
    idle
}

/// Whether `value`, live into the loop headed by `header`, may be spilled: not the vmctx (the
/// code Cranelift generates reads it), and not used in a block reached from the loop that its
/// header does not dominate (there it would stay live across the loop anyway).
fn spillable(
    func: &ir::Function,
    shape: &Shape,
    header: Block,
    reached: &HashSet<Block>,
    value: Value,
    uses: &[Block],
) -> bool {
    if let ValueDef::Param(block, index) = func.dfg.value_def(value) {
        if Some(block) == func.layout.entry_block()
            && func.signature.params.get(index).map(|p| p.purpose)
                == Some(ArgumentPurpose::VMContext)
        {
            return false;
        }
    }
    uses.iter()
        .all(|&block| shape.domtree.block_dominates(header, block) || !reached.contains(&block))
}

/// The blocks control may reach from `header`.
fn reachable_from(shape: &Shape, header: Block) -> HashSet<Block> {
    let mut seen = HashSet::from([header]);
    let mut stack = vec![header];
    while let Some(block) = stack.pop() {
        for next in shape.cfg.succ_iter(block) {
            if seen.insert(next) {
                stack.push(next);
            }
        }
    }
    seen
}

/// How much keeping a value in a stack slot would cost in `lp`, given the blocks of its
/// `uses`: its uses there, each weighted by nesting and by whether its block runs in every
/// round.
fn use_weight(shape: &Shape, lp: Loop, uses: &[Block]) -> u32 {
    let loops = &shape.loops;
    let depth = loops.loop_level(loops.loop_header(lp)).level();
    let mut weight = 0u32;
    for &block in uses {
        if !loops.is_in_loop(block, lp) {
            continue;
        }
        let inner = loops.innermost_loop(block).expect("in a loop");
        let nested = loops.loop_level(block).level().saturating_sub(depth);
        let mut w = NESTED_WEIGHT.saturating_pow(nested as u32);
        if every_round(shape, inner, block) {
            w = w.saturating_mul(EVERY_ROUND_WEIGHT);
        }
        weight = weight.saturating_add(w);
    }
    weight
}

/// Whether `block` runs in every round of `lp`: it dominates every block of the loop that
/// branches back to the header.
fn every_round(shape: &Shape, lp: Loop, block: Block) -> bool {
    let header = shape.loops.loop_header(lp);
    shape
        .cfg
        .pred_iter(header)
        .filter(|pred| shape.loops.is_in_loop(pred.block, lp))
        .all(|pred| shape.domtree.block_dominates(block, pred.block))
}

/// The block of each use of each `wanted` value (one entry per use, in layout order), aliases
/// taken for the values they stand for.
pub(crate) fn use_blocks(
    func: &ir::Function,
    wanted: &SecondaryMap<Value, bool>,
) -> HashMap<Value, Vec<Block>> {
    let mut uses: HashMap<Value, Vec<Block>> = HashMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for arg in func.dfg.inst_values(inst) {
                let arg = func.dfg.resolve_aliases(arg);
                if wanted[arg] {
                    uses.entry(arg).or_default().push(block);
                }
            }
        }
    }
    uses
}

/// Stores `value` to a new stack slot at the end of `preheader` and loads it again in each of
/// the `blocks` that use it, before its first use there.
fn spill(func: &mut ir::Function, preheader: Block, blocks: &[Block], value: Value) {
    let ty = func.dfg.value_type(value);
    let size = ty.bytes();
    let slot = func.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        size,
        size.trailing_zeros() as u8,
    ));
    let end = func
        .layout
        .last_inst(preheader)
        .expect("a block ends in a branch");
    let mut cursor = FuncCursor::new(func).at_inst(end);
    cursor.ins().stack_store(I64, value, slot, 0);
    for &block in blocks {
        let mut copy = None;
        let insts: Vec<ir::Inst> = cursor.func.layout.block_insts(block).collect();
        for inst in insts {
            if !cursor.func.dfg.inst_values(inst).any(|arg| arg == value) {
                continue;
            }
            let copy = *copy.get_or_insert_with(|| {
                let srcloc = cursor.func.srclocs[inst];
                cursor.goto_inst(inst);
                let copy = cursor.ins().stack_load(I64, ty, slot, 0);
                let load = cursor.func.dfg.value_def(copy).unwrap_inst();
                let address = cursor.func.layout.prev_inst(load).expect("its stack_addr");
                cursor.func.srclocs[load] = srcloc;
                cursor.func.srclocs[address] = srcloc;
                copy
            });
            cursor
                .func
                .dfg
                .map_inst_values(inst, |arg| if arg == value { copy } else { arg });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::I64;
    use cranelift_codegen::ir::{Function, Opcode};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `acc = (acc + p0) ^ p1 ... ` over `params` values each round for `n` rounds, then
    /// `acc + last`: every parameter is read in every round but the last, read after the loop
    /// only. With `call`, the loop also calls a function.
    fn crowded(params: usize, call: bool) -> Function {
        let mut func = crate::test_ir::function(&vec![I64; params + 2], &[I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (top, exit) = (b.create_block(), b.create_block());
        b.append_block_param(top, I64);
        b.append_block_param(top, I64);
        let zero = b.ins().iconst(I64, 0);
        let n = entry[params];
        b.ins().jump(top, &[n.into(), zero.into()]);
        b.switch_to_block(top);
        let [i, mut acc] = b.block_params(top).try_into().expect("two");
        for (k, &p) in entry[..params].iter().enumerate() {
            acc = match k % 2 {
                0 => b.ins().iadd(acc, p),
                _ => b.ins().bxor(acc, p),
            };
        }
        if call {
            let callee = crate::test_ir::external_callee(&mut b);
            b.ins().call(callee, &[]);
        }
        let one = b.ins().iconst(I64, 1);
        let next = b.ins().isub(i, one);
        b.ins()
            .brif(next, top, &[next.into(), acc.into()], exit, &[]);
        b.switch_to_block(exit);
        let result = b.ins().iadd(acc, entry[params + 1]);
        b.ins().return_(&[result]);
        crate::test_ir::finish(b);
        func
    }

    fn spill(func: &mut Function) -> usize {
        let shape = Shape::new(func);
        spill_loop_invariants(func, &shape, 14)
    }

    /// The peak of live integer registers in the function's loop.
    fn peak(func: &Function) -> usize {
        let shape = Shape::new(func);
        let live = Liveness::new(func, &shape);
        let (lp, blocks) = call_free_outermost(func, &shape).remove(0);
        let mut all: SecondaryMap<Value, bool> = SecondaryMap::new();
        for v in func.dfg.values() {
            all[v] = true;
        }
        let idle = idle_params(func, &shape, lp, &use_blocks(func, &all));
        peak_pressure(func, &shape, &live, &Registers::new(func), &idle, &blocks)
    }

    fn count(func: &Function, block: Block, opcode: Opcode) -> usize {
        func.layout
            .block_insts(block)
            .filter(|&i| func.dfg.insts[i].opcode() == opcode)
            .count()
    }

    #[test]
    fn crowded_loop_keeps_the_least_used_values_in_stack_slots() {
        let mut func = crowded(20, false);
        let params = func
            .dfg
            .block_params(func.layout.entry_block().unwrap())
            .to_vec();
        // 20 read in the loop, the count, the sum, the value read after it.
        let before = peak(&func);
        assert!(before > 20, "peak {before}");
        let spilled = spill(&mut func);
        assert!(spilled >= 1, "spilled {spilled}");
        let blocks: Vec<Block> = func.layout.blocks().collect();
        let (entry, top, exit) = (blocks[0], blocks[1], blocks[2]);
        assert_eq!(count(&func, entry, Opcode::Store), spilled);
        assert_eq!(count(&func, top, Opcode::Load), spilled - 1);
        // The value read only after the loop is spilled first, loaded where it is read.
        let last = params[21];
        assert!(func
            .layout
            .block_insts(exit)
            .all(|i| !func.dfg.inst_values(i).any(|v| v == last)));
        assert_eq!(count(&func, exit, Opcode::Load), 1);
        // The values left in the loop fit the registers, give or take the one just loaded.
        let after = peak(&func);
        assert!(after <= 15, "peak {after}");
        cranelift_codegen::verify_function(
            &func,
            &cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder()),
        )
        .expect("valid");
    }

    #[test]
    fn loops_within_the_registers_or_calling_are_left_alone() {
        let mut roomy = crowded(8, false);
        assert_eq!(spill(&mut roomy), 0);
        let mut calling = crowded(20, true);
        assert_eq!(spill(&mut calling), 0);
    }
}
