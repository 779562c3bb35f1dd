//! Loops whose unrolled copies become vector operations.
//!
//! A C compiler targeting wasm without SIMD still unrolls a loop like `c[j] += a * b[j]`:
//! each iteration holds two (or four) copies of the body, on neighbouring elements. Natively
//! the same loop is vectorised. This pass finds, in a loop of one block, stores of 2 × 64 or
//! 4 × 32 bits (or 4 × 16 bits of 32-bit values, `i32.store16`) to neighbouring addresses
//! whose values are computed the same way, and builds a second copy of the loop in which each
//! such set is one vector store of one vector computation (loads of neighbouring elements
//! becoming one vector load, 16-bit ones widened to 32-bit lanes, a value every copy shares
//! becoming a splat, a select on a compare of 32-bit lanes a vector compare and mask, a value
//! used twice in a lane one node). When the loop computes (not only moves data), the copy
//! runs two iterations per pass, after one alone when their number is odd: the second
//! iteration of a pass addresses memory from the first's addresses plus one step.
//!
//! The copy runs only when a check before the loop proves it does exactly what the loop
//! does; else the loop runs as it was. The check computes, from the values the loop starts
//! with:
//! - the number of iterations, from a counter stepping by a power of two to zero (or to an
//!   invariant bound), or from an i32 counter stepping past an invariant bound (unsigned:
//!   down while above it, up while below it), provided it does not wrap before it gets
//!   there;
//! - for each linear-memory access, the bytes it touches over all iterations, which must lie
//!   in memory. Then no access of the loop traps, and each address is the exact sum its
//!   arithmetic describes (no 32-bit wrap);
//! - that the copies' addresses are neighbours (lane `i` at lane 0's address plus `i` lanes);
//! - for each two accesses the copy runs in another order (one of them a store), that they
//!   touch different bytes: in every iteration when both step alike, else over the loop.
//!
//! What holds between accesses through the same address operand is known when compiling:
//! such lanes always neighbour, and two such accesses the copy reorders that overlap mean no
//! copy; accesses through one operand share one range test. The count comes first, and fewer
//! than [`MIN_ITERATIONS`] go to the loop without the rest of the check.
//!
//! Only loops with nothing else to observe qualify: no call, nothing that may trap but the
//! linear-memory accesses the check covers, and no store but those. Values of the loop used
//! after it (a counter or pointer the code after an unrolled loop goes on from) reach their
//! users through a block both the loop and its copy leave to, which takes them as
//! parameters; a value the copy does not compute (a lane a vector replaces) may not be one
//! of them, and a loop that only moves data has such values only in a small function that
//! calls nothing, moving at least [`WIDE_MOVE`] bytes an iteration. Memory 0 only, 32-bit
//! with guard pages (the runtime's length read once: only a call can grow memory, and a
//! memory shared with other threads only grows).

use std::collections::HashMap;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::{
    self, types, ArgumentPurpose, Block, BlockArg, Endianness, Inst, InstBuilder, InstructionData,
    MemFlagsData, Opcode, Type, Value, ValueDef,
};

use crate::narrow_masks::constant;

/// What the pass needs to know of memory 0.
#[derive(Clone, Copy, Debug)]
pub struct Memory0 {
    /// The constant address memory 0 is placed at, if any.
    pub fixed_base: Option<i64>,
    /// The address the vmctx is placed at, or 0 ([`crate::translate::vmctx_value`]).
    pub fixed_vmctx: u64,
    /// Where the vmctx holds memory 0's base.
    pub base_offset: i32,
    /// Where the vmctx holds the address of memory 0's `VMMemory`.
    pub memory_ptr_offset: i32,
    /// Where the `VMMemory` holds the length in bytes.
    pub length_field: i32,
    /// The alias region's user id of linear memory.
    pub region: u32,
}

impl Memory0 {
    /// Memory 0's length in bytes, read where `pos` is (an i64), through `vmctx`, the
    /// function's vmctx parameter.
    pub fn length(&self, pos: &mut FuncCursor, vmctx: Value) -> Value {
        let vmctx = crate::translate::vmctx_value(pos.ins(), self.fixed_vmctx, vmctx);
        let flags = MemFlagsData::trusted().with_readonly();
        let memory_ptr = pos
            .ins()
            .load(types::I64, flags, vmctx, self.memory_ptr_offset);
        let trusted = MemFlagsData::trusted();
        pos.ins()
            .load(types::I64, trusted, memory_ptr, self.length_field)
    }
}

/// The fewest iterations for which the copy runs: below, the check costs more than the copy
/// saves (CoreMark's 9-by-9 matrices, two iterations of a loop of 16-bit elements unrolled
/// four times, ran 17% more instructions in `matrix_test` with the copy taken).
const MIN_ITERATIONS: i64 = 16;
/// The most checks one loop's copy may need before it is not worth it.
const MAX_CHECKS: usize = 48;
/// The fewest bytes a loop that only moves data, and whose values are used after it, must
/// store an iteration to be copied (two vector stores), in a function that calls nothing
/// and has at most [`SMALL_LEAF`] instructions.
const WIDE_MOVE: u32 = 32;
/// The most instructions a function may have for [`WIDE_MOVE`] to apply.
const SMALL_LEAF: usize = 1000;
/// The largest step, in bytes, an access may take per iteration.
const MAX_STRIDE: i64 = 1 << 16;

/// Vectorises the loops of `func` that qualify; returns how many.
pub fn vectorise_loops(func: &mut ir::Function, memory: &Memory0) -> usize {
    let Some(vmctx) = func.special_param(ArgumentPurpose::VMContext) else {
        return 0;
    };
    let headers: Vec<Block> = func
        .layout
        .blocks()
        .filter(|&b| self_loop(func, b).is_some())
        .collect();
    if headers.is_empty() {
        return 0;
    }
    let insts = || {
        func.layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b))
    };
    let leaf = !insts().any(|i| func.dfg.insts[i].opcode().is_call());
    let small_leaf = leaf && insts().count() <= SMALL_LEAF;
    let mut done = 0;
    // The graph, built when a loop first qualifies and again after each change.
    let mut cfg: Option<ControlFlowGraph> = None;
    for header in headers {
        let Some(plan) = Plan::new(func, memory, header, small_leaf) else {
            continue;
        };
        let graph = cfg.get_or_insert_with(|| ControlFlowGraph::with_function(func));
        let entry: Vec<Inst> = graph
            .pred_iter(header)
            .map(|p| p.inst)
            .filter(|&i| func.layout.inst_block(i) != Some(header))
            .collect();
        let [entry] = entry[..] else { continue };
        if targets(func, entry, header) != 1 {
            continue;
        }
        plan.apply(func, memory, vmctx, entry);
        done += 1;
        cfg = None;
    }
    done
}

/// The exit of `block` when it ends in a `brif` to itself and to another block.
fn self_loop(func: &ir::Function, block: Block) -> Option<Block> {
    let term = func.layout.last_inst(block)?;
    let InstructionData::Brif { blocks, .. } = func.dfg.insts[term] else {
        return None;
    };
    let pool = &func.dfg.value_lists;
    let (a, b) = (blocks[0].block(pool), blocks[1].block(pool));
    match (a == block, b == block) {
        (true, false) => Some(b),
        (false, true) => Some(a),
        _ => None,
    }
}

/// How many of `inst`'s destinations are `block`.
pub(crate) fn targets(func: &ir::Function, inst: Inst, block: Block) -> usize {
    func.dfg.insts[inst]
        .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        .iter()
        .filter(|call| call.block(&func.dfg.value_lists) == block)
        .count()
}

/// How a loop parameter changes from one iteration to the next.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    /// Passed on unchanged.
    Invariant,
    /// Plus a constant, in its own width.
    Add(i64),
    /// An i64 holding a zero-extended i32 that gains a constant as an i32: usable only
    /// through `ireduce`.
    Zext32(i64),
    Other,
}

/// An integer value of the loop as a function of the iteration `t`: its value at `t = 0`
/// plus `stride × t`, in its width (an i32 stride sign-extended). `zext`: the i64 is a
/// zero-extended i32 of that kind, exact only where the check shows it does not wrap.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Lin {
    stride: i64,
    zext: bool,
}

/// One linear-memory access of the loop.
#[derive(Clone, Copy, Debug)]
struct Access {
    inst: Inst,
    store: bool,
    /// Bytes accessed.
    size: u8,
    /// The native address operand, `base + x`, and the immediate offset.
    addr: Value,
    x: Value,
    imm: i32,
    /// The bytes from memory 0's base to `x`'s: the immediate offset, plus a constant the
    /// address adds (with a fixed base, the mid-end folds the base into such a constant).
    disp: i64,
    lin: Lin,
    /// For finding neighbours: the address less its constant part, and that part.
    root: (Value, bool),
    offset: i64,
}

/// A vector computation, one node per operator, in lanes. A value the scalar loop uses
/// twice (a loaded element compared and subtracted) is one node reached twice, emitted once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Splat(Value),
    /// Loads: the accesses of each lane (16-bit loads widened to 32-bit lanes, or loads of
    /// the lane type).
    Load(Vec<usize>),
    Unary(Opcode, Box<Node>),
    Binary(Opcode, Box<Node>, Box<Node>),
    /// `select(icmp cc x y, a, b)` in each lane: `[x, y, a, b]`, all of the lane type.
    Select(IntCC, Box<[Node; 4]>),
}

/// A vector store: the accesses of its lanes and the value stored.
struct Group {
    lanes: Vec<usize>,
    ty: Type,
    value: Node,
}

/// A check the copy needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Check {
    /// Access `b` is `lane` lanes after access `a`.
    Neighbour { a: usize, b: usize, lane: i64 },
    /// Accesses `a` and `b` touch different bytes.
    Disjoint { a: usize, b: usize },
}

/// How the loop's exit condition counts its iterations.
#[derive(Clone, Copy, Debug)]
enum Count {
    /// It goes on while `a - b` (`b` `None`: zero), stepping by `lin`, is not zero.
    Zero(Value, Option<Value>, Lin),
    /// It goes on while the i32 `counter`, stepping by `stride`, is past the loop-invariant
    /// `bound` plus `adjust` (unsigned): above it when counting down, below it when counting
    /// up. `>= b` is `> b - 1` and `<= b` is `< b + 1`, worked out in 64 bits.
    Past {
        counter: Value,
        bound: Value,
        stride: i64,
        adjust: i64,
    },
}

struct Plan {
    header: Block,
    params: Vec<Value>,
    /// What the loop passes to `params` when it goes on.
    back_args: Vec<Value>,
    steps: Vec<Step>,
    accesses: Vec<Access>,
    groups: Vec<Group>,
    /// The instructions the groups replace.
    consumed: Vec<Inst>,
    checks: Vec<Check>,
    /// What ends the loop.
    count: Count,
    /// The loop's values used after it, in the order first used.
    live_out: Vec<Value>,
}

impl Plan {
    /// `small_leaf`: the function calls nothing and has at most [`SMALL_LEAF`] instructions.
    fn new(func: &ir::Function, memory: &Memory0, header: Block, small_leaf: bool) -> Option<Plan> {
        let term = func.layout.last_inst(header)?;
        let InstructionData::Brif {
            arg: cond, blocks, ..
        } = func.dfg.insts[term]
        else {
            return None;
        };
        let pool = &func.dfg.value_lists;
        let stays_on_true = blocks[0].block(pool) == header;
        let back = blocks[if stays_on_true { 0 } else { 1 }];
        let back_args: Vec<Value> = back
            .args(pool)
            .map(|arg| match arg {
                BlockArg::Value(v) => Some(v),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let params = func.dfg.block_params(header).to_vec();
        let mut analysis = Analysis {
            func,
            header,
            steps: Vec::new(),
            memo: HashMap::new(),
        };
        analysis.steps = params
            .iter()
            .zip(&back_args)
            .map(|(&p, &a)| analysis.step(p, a))
            .collect();

        // Every instruction: an access the check covers, or nothing to observe.
        let mut accesses = Vec::new();
        let mut position = HashMap::new();
        let mut insts = Vec::new();
        for inst in func.layout.block_insts(header) {
            if inst == term {
                break;
            }
            position.insert(inst, insts.len());
            insts.push(inst);
            let data = &func.dfg.insts[inst];
            let opcode = data.opcode();
            if let Some(flags) = data.memflags() {
                let flags = func.dfg.mem_flags[flags];
                let linear = flags
                    .alias_region()
                    .is_some_and(|r| func.dfg.alias_regions[r].user_id == memory.region);
                if linear || flags.trap_code().is_some() {
                    accesses.push(analysis.access(memory, inst)?);
                } else if opcode.can_store() || !opcode.can_load() {
                    return None;
                }
                continue;
            }
            if opcode.is_call() || opcode.can_trap() || opcode.other_side_effects() {
                return None;
            }
            if opcode.can_load() || opcode.can_store() {
                return None;
            }
        }

        let count = analysis.count(cond, stays_on_true)?;
        let mut uses: HashMap<Value, u32> = HashMap::new();
        for inst in func.layout.block_insts(header) {
            for v in func.dfg.inst_values(inst) {
                *uses.entry(func.dfg.resolve_aliases(v)).or_default() += 1;
            }
        }
        let mut matcher = Matcher {
            func,
            header,
            accesses: &accesses,
            uses: &uses,
            consumed: Vec::new(),
            made: Vec::new(),
        };
        let groups = matcher.groups();
        if groups.is_empty() {
            return None;
        }
        let consumed = matcher.consumed;
        let checks = checks(&accesses, &groups, &position)?;
        let live_out = live_out(func, header);
        let replaced = |v: &Value| match func.dfg.value_def(*v) {
            ValueDef::Result(inst, _) => consumed.contains(&inst),
            _ => false,
        };
        // A loop that only moves data gains little from its copy (one iteration per pass),
        // and the block its exit then needs moved the register allocator's choices in the
        // rest of the function: `strings_sort`'s `merge_sort`, whose short copy loops pass
        // on their counters, ran 9% more instructions (its merge loop, 3 more a round).
        // A loop moving at least [`WIDE_MOVE`] bytes an iteration in a small function that
        // calls nothing is another matter: such a loop is a `memcpy`'s (wasi-libc's moves 32
        // bytes an iteration as four i64s, then goes on from its pointers and count), where
        // the copy halves the accesses, and no value is kept across a call. Elsewhere the same
        // blocks cost more than they save: QuickJS's `JS_CallInternal`, whose loop setting a
        // frame's variables to `undefined` (64 bytes an iteration) was copied, ran 2% longer
        // (0.85 s against 0.83 s, medians of 9 runs of a script), and `merge_sort` (small,
        // but recursive) 3.4% more instructions.
        let wide = small_leaf && stored_bytes(&groups) >= WIDE_MOVE;
        if live_out.iter().any(replaced) || (!live_out.is_empty() && !computes(&groups) && !wide) {
            return None;
        }
        let back_args = back_args
            .iter()
            .map(|&v| func.dfg.resolve_aliases(v))
            .collect();
        Some(Plan {
            header,
            params,
            back_args,
            steps: analysis.steps,
            accesses,
            groups,
            consumed,
            checks,
            count,
            live_out,
        })
    }

    /// Builds the check before the loop and the loop's vector copy. A loop that computes
    /// (not only moves data) runs two iterations per pass, after one alone when their number
    /// is odd; see [`Plan::computes`].
    fn apply(&self, func: &mut ir::Function, memory: &Memory0, vmctx: Value, entry: Inst) {
        let header = self.header;
        if !self.live_out.is_empty() {
            self.join_exit(func);
        }
        let twice = self.computes();
        let check = func.dfg.make_block();
        let vector = func.dfg.make_block();
        let types: Vec<Type> = self
            .params
            .iter()
            .map(|&p| func.dfg.value_type(p))
            .collect();
        let params_of = |func: &mut ir::Function, block: Block| -> Vec<Value> {
            types
                .iter()
                .map(|&ty| func.dfg.append_block_param(block, ty))
                .collect()
        };
        let check_params = params_of(func, check);
        let vector_params = params_of(func, vector);
        func.layout.insert_block(check, header);
        func.layout.insert_block_after(vector, header);
        retarget(&mut func.dfg, entry, header, check);

        let mut pos = FuncCursor::new(func).at_bottom(check);
        let (ok, last) = self.emit_checks(&mut pos, memory, vmctx, &check_params);
        let args: Vec<BlockArg> = check_params.iter().map(|&v| v.into()).collect();
        let mut first = self.start_map(&vector_params);
        let mut splats = HashMap::new();
        if !twice {
            pos.ins().brif(ok, vector, &args, header, &args);
            pos.goto_bottom(vector);
            self.emit_body(&mut pos, &mut first, None, &mut splats);
            self.emit_terminator(&mut pos, &first, vector);
            return;
        }

        let parity = pos.func.dfg.make_block();
        let once = pos.func.dfg.make_block();
        let once_params = params_of(pos.func, once);
        pos.func.layout.insert_block_after(once, header);
        pos.func.layout.insert_block_after(parity, header);
        pos.ins().brif(ok, parity, &[], header, &args);
        // `last` odd: an even number of iterations.
        pos.goto_bottom(parity);
        let odd = pos.ins().band_imm_s(last, 1);
        pos.ins().brif(odd, vector, &args, once, &args);

        let mut map = self.start_map(&once_params);
        pos.goto_bottom(once);
        self.emit_body(&mut pos, &mut map, None, &mut HashMap::new());
        self.emit_terminator(&mut pos, &map, vector);

        pos.goto_bottom(vector);
        self.emit_body(&mut pos, &mut first, None, &mut splats);
        let (mut second, made) = self.second_map(&mut pos, &first);
        self.emit_body(&mut pos, &mut second, Some(&first), &mut splats);
        self.emit_terminator(&mut pos, &second, vector);
        // Made before the second copy's instructions, they would be live beside the first
        // copy's values the second copy still uses: each goes down to its first user.
        for &inst in made.iter().rev() {
            sink_to_first_use(pos.func, inst);
        }
    }

    /// Makes the loop leave to a block of its own that takes the values used after the loop
    /// as parameters, and passes them on where they were used: the copy, which leaves to the
    /// same block with its own values, then reaches the same users.
    fn join_exit(&self, func: &mut ir::Function) {
        let header = self.header;
        let exit = self_loop(func, header).expect("a loop of one block");
        let term = func
            .layout
            .last_inst(header)
            .expect("a loop ends in a branch");
        let join = func.dfg.make_block();
        func.layout.insert_block(join, exit);
        let mut param_of = HashMap::new();
        for &v in &self.live_out {
            let ty = func.dfg.value_type(v);
            param_of.insert(v, func.dfg.append_block_param(join, ty));
        }
        let renamed = |func: &ir::Function, v: Value| {
            let v = func.dfg.resolve_aliases(v);
            param_of.get(&v).copied().unwrap_or(v)
        };
        let blocks: Vec<Block> = func.layout.blocks().filter(|&b| b != header).collect();
        for block in blocks {
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            for inst in insts {
                let values: Vec<Value> = func.dfg.inst_values(inst).collect();
                let new: Vec<Value> = values.iter().map(|&v| renamed(func, v)).collect();
                if new != values {
                    func.dfg.overwrite_inst_values(inst, new.into_iter());
                }
            }
        }
        // The loop's exit edge: its arguments move to the join's jump on to the exit.
        let dfg = &mut func.dfg;
        let pool = &mut dfg.value_lists;
        let mut exit_args = Vec::new();
        for call in
            dfg.insts[term].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
        {
            if call.block(pool) != exit {
                continue;
            }
            exit_args = call.args(pool).collect();
            call.clear(pool);
            call.set_block(join, pool);
            for &v in &self.live_out {
                call.append_argument(v, pool);
            }
        }
        let exit_args: Vec<BlockArg> = exit_args
            .into_iter()
            .map(|arg| match arg {
                BlockArg::Value(v) => BlockArg::Value(renamed(func, v)),
                other => other,
            })
            .collect();
        let mut pos = FuncCursor::new(func).at_bottom(join);
        pos.ins().jump(exit, &exit_args);
    }

    /// Whether a group computes its value (not only loads it, or stores a splat). A loop
    /// that only moves data waits on its loads and stores: running it two iterations per
    /// pass saves little, and the extra blocks moved the register allocator's choices in
    /// the rest of the function (`strings_sort`'s `merge_sort`, whose copy loops run
    /// rarely, ran 6.7% more instructions in its merge loop).
    fn computes(&self) -> bool {
        computes(&self.groups)
    }

    /// The checks, in `check`: a value that is nonzero when all hold, and the iterations
    /// less one (an i64).
    fn emit_checks(
        &self,
        pos: &mut FuncCursor,
        memory: &Memory0,
        vmctx: Value,
        params: &[Value],
    ) -> (Value, Value) {
        let mut start = Start {
            header: self.header,
            params,
            steps: &self.steps,
            memo: HashMap::new(),
        };
        let (mut ok, last) = match self.count {
            Count::Zero(a, b, lin) => {
                // Iterations less one: the first t at which `a - b` steps to zero.
                let mut d = start.value(pos, a);
                if let Some(b) = b {
                    let b = start.value(pos, b);
                    d = pos.ins().isub(d, b);
                }
                let ty = pos.func.dfg.value_type(d);
                let step = lin.stride.unsigned_abs();
                let n = match lin.stride > 0 {
                    true => pos.ins().ineg(d),
                    false => d,
                };
                let rest = pos.ins().band_imm_s(n, (step - 1) as i64);
                let mut ok = pos.ins().icmp_imm_s(IntCC::Equal, rest, 0);
                let mut last = pos.ins().ushr_imm_u(n, i64::from(step.trailing_zeros()));
                if ty == types::I32 {
                    last = pos.ins().uextend(types::I64, last);
                } else {
                    let small = pos.ins().icmp_imm_s(IntCC::UnsignedLessThan, last, 1 << 32);
                    ok = pos.ins().band(ok, small);
                }
                (ok, last)
            }
            Count::Past {
                counter,
                bound,
                stride,
                adjust,
            } => {
                // In 64 bits, where nothing wraps: the counter goes on from c0 by `stride`
                // and leaves at the first t at which it is no longer past the bound, if it
                // has not wrapped by then (a wrapped counter goes on past where the copy
                // would stop: then the loop runs as it is). Before that t it is past the
                // bound, so the loop runs exactly t + 1 times.
                let c0 = start.value(pos, counter);
                let c0 = pos.ins().uextend(types::I64, c0);
                let b = start.value(pos, bound);
                let b = pos.ins().uextend(types::I64, b);
                let b = pos.ins().iadd_imm_s(b, adjust);
                let step = stride.unsigned_abs();
                let shift = i64::from(step.trailing_zeros());
                // How far the counter is past the bound; not past at all leaves at t = 0.
                let past = match stride < 0 {
                    true => pos.ins().isub(c0, b),
                    false => pos.ins().isub(b, c0),
                };
                let ok = pos.ins().icmp_imm_s(IntCC::SignedGreaterThan, past, 0);
                let rounded = pos.ins().iadd_imm_s(past, step as i64 - 1);
                let last = pos.ins().sshr_imm_s(rounded, shift);
                let travel = pos.ins().ishl_imm_u(last, shift);
                let end = match stride < 0 {
                    true => pos.ins().isub(c0, travel),
                    false => pos.ins().iadd(c0, travel),
                };
                let unwrapped = match stride < 0 {
                    true => pos
                        .ins()
                        .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, end, 0),
                    false => {
                        pos.ins()
                            .icmp_imm_s(IntCC::SignedLessThanOrEqual, end, i64::from(u32::MAX))
                    }
                };
                (pos.ins().band(ok, unwrapped), last)
            }
        };
        // Few iterations go to the loop before the rest of the check is computed.
        let few = pos
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, last, MIN_ITERATIONS - 1);
        let more = pos.func.dfg.make_block();
        let args: Vec<BlockArg> = params.iter().map(|&v| v.into()).collect();
        pos.ins().brif(few, self.header, &args, more, &[]);
        let current = pos.current_block().expect("the check block");
        pos.func.layout.insert_block_after(more, current);
        pos.goto_bottom(more);

        let length = memory.length(pos, vmctx);

        // The bytes the accesses at each address operand touch over the loop: from the
        // operand's lowest value (at least 0) to its highest plus the furthest access's end.
        let mut operands: Vec<(Value, Lin, i64)> = Vec::new();
        for access in &self.accesses {
            let end = access.disp + i64::from(access.size);
            match operands
                .iter_mut()
                .find(|(x, lin, _)| *x == access.x && *lin == access.lin)
            {
                Some(operand) => operand.2 = operand.2.max(end),
                None => operands.push((access.x, access.lin, end)),
            }
        }
        let mut bounds = HashMap::new();
        for &(x, lin, end) in &operands {
            let x0 = start.value(pos, x);
            let x0 = match pos.func.dfg.value_type(x0) {
                types::I32 => pos.ins().uextend(types::I64, x0),
                _ => x0,
            };
            let travel = pos.ins().imul_imm_s(last, lin.stride);
            let (lo, hi) = match lin.stride < 0 {
                true => (pos.ins().iadd(x0, travel), x0),
                false => (x0, pos.ins().iadd(x0, travel)),
            };
            let top = pos.ins().iadd_imm_s(hi, end);
            let low_ok = pos.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, lo, 0);
            let high_ok = pos.ins().icmp(IntCC::UnsignedLessThanOrEqual, top, length);
            ok = pos.ins().band(ok, low_ok);
            ok = pos.ins().band(ok, high_ok);
            bounds.insert(x, (x0, lo, hi));
        }
        // Access `a`'s address at t = 0 plus `extra`, and the bytes it touches over the loop.
        let at = |pos: &mut FuncCursor, a: usize, extra: i64| {
            let access = &self.accesses[a];
            pos.ins()
                .iadd_imm_s(bounds[&access.x].0, access.disp + extra)
        };
        let span = |pos: &mut FuncCursor, a: usize| {
            let access = &self.accesses[a];
            let (_, lo, hi) = bounds[&access.x];
            let end = access.disp + i64::from(access.size);
            (
                pos.ins().iadd_imm_s(lo, access.disp),
                pos.ins().iadd_imm_s(hi, end),
            )
        };
        for check in &self.checks {
            let holds = match *check {
                Check::Neighbour { a, b, lane } => {
                    let want = at(pos, a, lane * i64::from(self.accesses[a].size));
                    let found = at(pos, b, 0);
                    pos.ins().icmp(IntCC::Equal, found, want)
                }
                Check::Disjoint { a, b } => {
                    let (ends_a, starts_b, ends_b, starts_a) =
                        if self.accesses[a].lin.stride == self.accesses[b].lin.stride {
                            let end_a = at(pos, a, i64::from(self.accesses[a].size));
                            let start_b = at(pos, b, 0);
                            let end_b = at(pos, b, i64::from(self.accesses[b].size));
                            let start_a = at(pos, a, 0);
                            (end_a, start_b, end_b, start_a)
                        } else {
                            let (start_a, end_a) = span(pos, a);
                            let (start_b, end_b) = span(pos, b);
                            (end_a, start_b, end_b, start_a)
                        };
                    let before = pos
                        .ins()
                        .icmp(IntCC::SignedLessThanOrEqual, ends_a, starts_b);
                    let after = pos
                        .ins()
                        .icmp(IntCC::SignedLessThanOrEqual, ends_b, starts_a);
                    pos.ins().bor(before, after)
                }
            };
            ok = pos.ins().band(ok, holds);
        }
        (ok, last)
    }

    /// The values of the loop's parameters in a copy whose block has `params`.
    fn start_map(&self, params: &[Value]) -> HashMap<Value, Value> {
        self.params
            .iter()
            .copied()
            .zip(params.iter().copied())
            .collect()
    }

    /// The values of the loop's parameters in the second copy of a pass, after the copy
    /// `first` describes. A parameter stepping by a constant also has its value for the
    /// next pass made from the first copy's in one step, where the loop's own arithmetic,
    /// copied twice, would take two: the instructions that compute it are not copied again
    /// (see [`Plan::emit_body`]). Also the instructions made here.
    fn second_map(
        &self,
        pos: &mut FuncCursor,
        first: &HashMap<Value, Value>,
    ) -> (HashMap<Value, Value>, Vec<Inst>) {
        let mut map = HashMap::new();
        let mut made = Vec::new();
        let mut keep = |pos: &mut FuncCursor, v: Value| {
            if let ValueDef::Result(inst, _) = pos.func.dfg.value_def(v) {
                made.push(inst);
            }
            v
        };
        for ((&param, &arg), &step) in self.params.iter().zip(&self.back_args).zip(&self.steps) {
            map.insert(param, mapped(first, arg));
            let start = mapped(first, param);
            let twice32 = |k: i64| i64::from((2 * k) as i32);
            match step {
                Step::Add(k) => {
                    let twice = match pos.func.dfg.value_type(start) {
                        types::I32 => twice32(k),
                        _ => k.wrapping_mul(2),
                    };
                    let next = pos.ins().iadd_imm_s(start, twice);
                    map.insert(arg, keep(pos, next));
                }
                Step::Zext32(k) => {
                    let narrow = unary(pos.func, arg, Opcode::Uextend).expect("a zero-extension");
                    let low = pos.ins().ireduce(types::I32, start);
                    let sum = pos.ins().iadd_imm_s(low, twice32(k));
                    let wide = pos.ins().uextend(types::I64, sum);
                    keep(pos, low);
                    map.insert(narrow, keep(pos, sum));
                    map.insert(arg, keep(pos, wide));
                }
                Step::Invariant | Step::Other => {}
            }
        }
        (map, made)
    }

    /// The loop's instructions but its branch, at `pos`, with the groups as vector
    /// operations and each value of the loop replaced as `map` says (which gains the
    /// copies). An instruction whose results `map` already has is not copied. In the second
    /// copy of a pass (`shifted`, the first copy's map), the groups address memory from the
    /// first copy's addresses plus one iteration's step: the check has shown that each
    /// address is the exact sum its arithmetic describes, so the two agree. `splats`: the
    /// vectors of one value already made in this block, kept for the next copy.
    fn emit_body(
        &self,
        pos: &mut FuncCursor,
        map: &mut HashMap<Value, Value>,
        shifted: Option<&HashMap<Value, Value>>,
        splats: &mut HashMap<(Value, Type), Value>,
    ) {
        let header = self.header;
        let mut last_lane: HashMap<Inst, usize> = HashMap::new();
        for (g, group) in self.groups.iter().enumerate() {
            let last = group
                .lanes
                .iter()
                .map(|&l| self.accesses[l].inst)
                .max_by_key(|&i| inst_index(pos.func, header, i))
                .expect("a group has lanes");
            last_lane.insert(last, g);
        }
        let term = pos
            .func
            .layout
            .last_inst(header)
            .expect("a loop ends in a branch");
        let insts: Vec<Inst> = pos.func.layout.block_insts(header).collect();
        for inst in insts {
            if inst == term {
                break;
            }
            if let Some(&g) = last_lane.get(&inst) {
                let group = &self.groups[g];
                let mut made = HashMap::new();
                let value =
                    self.emit_node(pos, &group.value, group.ty, map, shifted, splats, &mut made);
                let flags = pos.func.dfg.insts[inst]
                    .memflags()
                    .expect("a store has flags");
                let flags = pos.func.dfg.mem_flags[flags];
                let (addr, imm) = self.address(group.lanes[0], map, shifted);
                let srcloc = pos.func.srcloc(inst);
                pos.set_srcloc(srcloc);
                let narrow = self.accesses[group.lanes[0]].size == 2;
                let value = if narrow {
                    low_halves(pos, value)
                } else {
                    value
                };
                pos.ins().store(flags, value, addr, imm);
                continue;
            }
            if self.consumed.contains(&inst) {
                continue;
            }
            let old = pos.func.dfg.inst_results(inst).to_vec();
            if !old.is_empty() && old.iter().all(|v| map.contains_key(v)) {
                continue;
            }
            let copy = pos.func.dfg.clone_inst(inst);
            pos.func.dfg.map_inst_values(copy, |v| mapped(map, v));
            let srcloc = pos.func.srcloc(inst);
            pos.set_srcloc(srcloc);
            pos.insert_inst(copy);
            let new = pos.func.dfg.inst_results(copy).to_vec();
            map.extend(old.into_iter().zip(new));
        }
    }

    /// The loop's branch, at `pos`, with its values replaced as `map` says, going on at
    /// `next` where the loop went on at its start.
    fn emit_terminator(&self, pos: &mut FuncCursor, map: &HashMap<Value, Value>, next: Block) {
        let term = pos
            .func
            .layout
            .last_inst(self.header)
            .expect("a loop ends in a branch");
        let copy = pos.func.dfg.clone_inst(term);
        pos.func.dfg.map_inst_values(copy, |v| mapped(map, v));
        retarget(&mut pos.func.dfg, copy, self.header, next);
        let srcloc = pos.func.srcloc(term);
        pos.set_srcloc(srcloc);
        pos.insert_inst(copy);
    }

    /// The address operand and offset of access `a` in the copy `map` describes (see
    /// [`Plan::emit_body`] for `shifted`).
    fn address(
        &self,
        a: usize,
        map: &HashMap<Value, Value>,
        shifted: Option<&HashMap<Value, Value>>,
    ) -> (Value, i32) {
        let access = self.accesses[a];
        let step = i32::try_from(access.lin.stride).ok();
        match (shifted, step.and_then(|s| access.imm.checked_add(s))) {
            (Some(first), Some(imm)) => (mapped(first, access.addr), imm),
            _ => (mapped(map, access.addr), access.imm),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_node(
        &self,
        pos: &mut FuncCursor,
        node: &Node,
        ty: Type,
        map: &HashMap<Value, Value>,
        shifted: Option<&HashMap<Value, Value>>,
        splats: &mut HashMap<(Value, Type), Value>,
        made: &mut HashMap<Node, Value>,
    ) -> Value {
        if let Some(&value) = made.get(node) {
            return value;
        }
        let value = match node {
            Node::Splat(v) => {
                let scalar = mapped(map, *v);
                *splats
                    .entry((scalar, ty))
                    .or_insert_with(|| pos.ins().splat(ty, scalar))
            }
            Node::Load(lanes) => {
                let lane0 = self.accesses[lanes[0]];
                let data = pos.func.dfg.insts[lane0.inst];
                let flags = data.memflags().expect("a load has flags");
                let flags = pos.func.dfg.mem_flags[flags];
                let srcloc = pos.func.srcloc(lane0.inst);
                pos.set_srcloc(srcloc);
                let (addr, imm) = self.address(lanes[0], map, shifted);
                match data.opcode() {
                    Opcode::Uload16 => pos.ins().uload16x4(flags, addr, imm),
                    Opcode::Sload16 => pos.ins().sload16x4(flags, addr, imm),
                    _ => pos.ins().load(ty, flags, addr, imm),
                }
            }
            Node::Unary(op, a) => {
                let a = self.emit_node(pos, a, ty, map, shifted, splats, made);
                let (inst, dfg) = pos.ins().Unary(*op, ty, a);
                dfg.first_result(inst)
            }
            Node::Binary(op, a, b) => {
                let a = self.emit_node(pos, a, ty, map, shifted, splats, made);
                let b = self.emit_node(pos, b, ty, map, shifted, splats, made);
                let (inst, dfg) = pos.ins().Binary(*op, ty, a, b);
                dfg.first_result(inst)
            }
            Node::Select(cc, nodes) => {
                let [x, y, a, b] = &**nodes;
                let x = self.emit_node(pos, x, ty, map, shifted, splats, made);
                let y = self.emit_node(pos, y, ty, map, shifted, splats, made);
                // x86-64 compares vectors for equality and signed order; `ne`, `ugt` and `ult`
                // take an extra inversion there (none on aarch64), so the complementary
                // condition is tested with the operands of the select swapped.
                let invert = matches!(
                    cc,
                    IntCC::NotEqual | IntCC::UnsignedGreaterThan | IntCC::UnsignedLessThan
                );
                let (cc, a, b) = match invert {
                    true => (cc.complement(), b, a),
                    false => (*cc, a, b),
                };
                let mask = pos.ins().icmp(cc, x, y);
                // A lane of zero on either side is the other side masked.
                match (zero(pos.func, a), zero(pos.func, b)) {
                    (true, _) => {
                        let b = self.emit_node(pos, b, ty, map, shifted, splats, made);
                        pos.ins().band_not(b, mask)
                    }
                    (_, true) => {
                        let a = self.emit_node(pos, a, ty, map, shifted, splats, made);
                        pos.ins().band(a, mask)
                    }
                    _ => {
                        let a = self.emit_node(pos, a, ty, map, shifted, splats, made);
                        let b = self.emit_node(pos, b, ty, map, shifted, splats, made);
                        pos.ins().bitselect(mask, a, b)
                    }
                }
            }
        };
        made.insert(node.clone(), value);
        value
    }
}

/// Whether `node` is a vector of zeros.
fn zero(func: &ir::Function, node: &Node) -> bool {
    let Node::Splat(v) = node else { return false };
    constant(func, *v) == Some(0)
}

/// The low 16 bits of each lane of `value` (an i32x4), as the 64 bits a 16-bit store of
/// each lane would write.
fn low_halves(pos: &mut FuncCursor, value: Value) -> Value {
    let mask = pos.ins().iconst(types::I32, 0xffff);
    let mask = pos.ins().splat(types::I32X4, mask);
    // Each lane below 2^16, so narrowing with unsigned saturation keeps it as it is.
    let low = pos.ins().band(value, mask);
    let packed = pos.ins().unarrow(low, low);
    let flags = MemFlagsData::new().with_endianness(Endianness::Little);
    let wide = pos.ins().bitcast(types::I64X2, flags, packed);
    pos.ins().extractlane(wide, 0)
}

/// The bytes the groups store an iteration.
fn stored_bytes(groups: &[Group]) -> u32 {
    groups.iter().map(|g| g.ty.bytes()).sum()
}

/// Whether a group computes its value (see [`Plan::computes`]).
fn computes(groups: &[Group]) -> bool {
    groups.iter().any(|g| {
        matches!(
            g.value,
            Node::Unary(..) | Node::Binary(..) | Node::Select(..)
        )
    })
}

/// Moves `inst` down to just before the first later instruction of its block that uses its
/// result, if there is one.
fn sink_to_first_use(func: &mut ir::Function, inst: Inst) {
    let results = func.dfg.inst_results(inst).to_vec();
    let mut next = func.layout.next_inst(inst);
    while let Some(user) = next {
        if func
            .dfg
            .inst_values(user)
            .any(|v| results.contains(&func.dfg.resolve_aliases(v)))
        {
            if func.layout.prev_inst(user) != Some(inst) {
                func.layout.remove_inst(inst);
                func.layout.insert_inst(inst, user);
            }
            return;
        }
        next = func.layout.next_inst(user);
    }
}

/// Makes `inst`'s branches to `from` go to `to`.
pub(crate) fn retarget(dfg: &mut ir::DataFlowGraph, inst: Inst, from: Block, to: Block) {
    let pool = &mut dfg.value_lists;
    for call in
        dfg.insts[inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
    {
        if call.block(pool) == from {
            call.set_block(to, pool);
        }
    }
}

fn mapped(map: &HashMap<Value, Value>, v: Value) -> Value {
    map.get(&v).copied().unwrap_or(v)
}

fn inst_index(func: &ir::Function, block: Block, inst: Inst) -> usize {
    func.layout
        .block_insts(block)
        .position(|i| i == inst)
        .unwrap_or(usize::MAX)
}

/// The values of `header` (a loop of one block) used after it: in another block, or passed
/// to the block it leaves to. In the order first used, without aliases.
fn live_out(func: &ir::Function, header: Block) -> Vec<Value> {
    let defined_in = |v: Value| match func.dfg.value_def(v) {
        ValueDef::Result(inst, _) => func.layout.inst_block(inst) == Some(header),
        ValueDef::Param(block, _) => block == header,
        _ => false,
    };
    let mut found = Vec::new();
    let mut note = |v: Value| {
        let v = func.dfg.resolve_aliases(v);
        if defined_in(v) && !found.contains(&v) {
            found.push(v);
        }
    };
    if let (Some(exit), Some(term)) = (self_loop(func, header), func.layout.last_inst(header)) {
        let pool = &func.dfg.value_lists;
        for call in func.dfg.insts[term]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            .iter()
            .filter(|call| call.block(pool) == exit)
        {
            for arg in call.args(pool) {
                if let BlockArg::Value(v) = arg {
                    note(v);
                }
            }
        }
    }
    for block in func.layout.blocks().filter(|&b| b != header) {
        for inst in func.layout.block_insts(block) {
            func.dfg.inst_values(inst).for_each(&mut note);
        }
    }
    found
}

/// The loop's arithmetic, as a function of the iteration.
struct Analysis<'f> {
    func: &'f ir::Function,
    header: Block,
    steps: Vec<Step>,
    memo: HashMap<Value, Option<Lin>>,
}

impl Analysis<'_> {
    fn step(&self, param: Value, arg: Value) -> Step {
        let func = self.func;
        let arg = func.dfg.resolve_aliases(arg);
        if arg == param {
            return Step::Invariant;
        }
        let ty = func.dfg.value_type(param);
        if let Some(k) = plus_constant(func, arg, param) {
            return Step::Add(k);
        }
        if ty == types::I64 {
            if let Some(narrow) = unary(func, arg, Opcode::Uextend) {
                if func.dfg.value_type(narrow) == types::I32 {
                    let reduced = |v: Value| unary(func, v, Opcode::Ireduce) == Some(param);
                    if let Some((base, k)) = add_constant(func, narrow) {
                        if reduced(base) {
                            return Step::Zext32(k as i32 as i64);
                        }
                    }
                }
            }
        }
        Step::Other
    }

    /// `value` as a function of the iteration, if it is one.
    fn lin(&mut self, value: Value) -> Option<Lin> {
        let func = self.func;
        let value = func.dfg.resolve_aliases(value);
        if let Some(&known) = self.memo.get(&value) {
            return known;
        }
        let ty = func.dfg.value_type(value);
        let found = if ty != types::I32 && ty != types::I64 {
            None
        } else {
            self.compute(value, ty)
        };
        self.memo.insert(value, found);
        found
    }

    fn compute(&mut self, value: Value, ty: Type) -> Option<Lin> {
        self.linear(value, ty).or_else(|| self.invariant(value))
    }

    /// `Lin` of stride 0 when `value` is the result of a pure instruction of the loop whose
    /// operands do not change (the mid-end makes such an instruction again in each block that
    /// uses it, e.g. the `n & -2` an unrolled loop compares its counter with).
    fn invariant(&mut self, value: Value) -> Option<Lin> {
        let func = self.func;
        let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
            return None;
        };
        let opcode = func.dfg.insts[inst].opcode();
        let pure = !(opcode.can_load()
            || opcode.can_store()
            || opcode.can_trap()
            || opcode.is_call()
            || opcode.is_branch()
            || opcode.other_side_effects());
        let fixed = |this: &mut Self, v: Value| this.lin(v).is_some_and(|l| l.stride == 0);
        let args: Vec<Value> = func.dfg.inst_args(inst).to_vec();
        (pure && func.dfg.inst_results(inst).len() == 1 && args.iter().all(|&a| fixed(self, a)))
            .then_some(Lin {
                stride: 0,
                zext: false,
            })
    }

    fn linear(&mut self, value: Value, ty: Type) -> Option<Lin> {
        let func = self.func;
        let wrap = |s: i64| match ty {
            types::I32 => s as i32 as i64,
            _ => s,
        };
        let plain = |stride: i64| {
            Some(Lin {
                stride: wrap(stride),
                zext: false,
            })
        };
        let inst = match func.dfg.value_def(value) {
            ValueDef::Param(block, i) if block == self.header => {
                return match self.steps[i] {
                    Step::Invariant => plain(0),
                    Step::Add(k) => plain(k),
                    Step::Zext32(k) if ty == types::I64 => Some(Lin {
                        stride: k,
                        zext: true,
                    }),
                    _ => None,
                };
            }
            ValueDef::Result(inst, _) if func.layout.inst_block(inst) == Some(self.header) => inst,
            _ => return plain(0),
        };
        let operand = |this: &mut Self, v: Value| this.lin(v).filter(|l| !l.zext);
        match func.dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                ..
            } => plain(0),
            InstructionData::Binary { opcode, args } => {
                let (a, b) = (operand(self, args[0])?, operand(self, args[1])?);
                match opcode {
                    Opcode::Iadd => plain(a.stride.wrapping_add(b.stride)),
                    Opcode::Isub => plain(a.stride.wrapping_sub(b.stride)),
                    Opcode::Ishl => {
                        let shift = constant(func, args[1])?;
                        (b.stride == 0 && shift < u64::from(ty.bits()))
                            .then(|| plain(a.stride.wrapping_shl(shift as u32)))?
                    }
                    Opcode::Imul => match (constant(func, args[0]), constant(func, args[1])) {
                        (_, Some(c)) => plain(a.stride.wrapping_mul(c as i64)),
                        (Some(c), _) => plain(b.stride.wrapping_mul(c as i64)),
                        _ => None,
                    },
                    _ => None,
                }
            }
            InstructionData::Unary {
                opcode: Opcode::Ireduce,
                arg,
            } if ty == types::I32 => {
                if let ValueDef::Param(block, i) = func.dfg.value_def(arg) {
                    if block == self.header {
                        if let Step::Zext32(k) = self.steps[i] {
                            return plain(k);
                        }
                    }
                }
                operand(self, arg).and_then(|a| plain(a.stride))
            }
            InstructionData::Unary {
                opcode: Opcode::Uextend,
                arg,
            } if ty == types::I64 && func.dfg.value_type(arg) == types::I32 => {
                let a = operand(self, arg)?;
                Some(Lin {
                    stride: a.stride,
                    zext: true,
                })
            }
            _ => None,
        }
    }

    /// A linear-memory access the check can cover.
    fn access(&mut self, memory: &Memory0, inst: Inst) -> Option<Access> {
        let func = self.func;
        let (store, size, addr, imm, flags) = match func.dfg.insts[inst] {
            InstructionData::Load {
                opcode,
                arg,
                flags,
                offset,
            } => {
                let size = match opcode {
                    Opcode::Load => func.dfg.value_type(func.dfg.first_result(inst)).bytes(),
                    Opcode::Uload8 | Opcode::Sload8 => 1,
                    Opcode::Uload16 | Opcode::Sload16 => 2,
                    Opcode::Uload32 | Opcode::Sload32 => 4,
                    _ => return None,
                };
                (false, size, arg, offset, flags)
            }
            InstructionData::Store {
                opcode,
                args,
                flags,
                offset,
            } => {
                let size = match opcode {
                    Opcode::Store => func.dfg.value_type(args[0]).bytes(),
                    Opcode::Istore8 => 1,
                    Opcode::Istore16 => 2,
                    Opcode::Istore32 => 4,
                    _ => return None,
                };
                (true, size, args[1], offset, flags)
            }
            _ => return None,
        };
        let flags = func.dfg.mem_flags[flags];
        if flags.explicit_endianness() != Some(Endianness::Little) {
            return None;
        }
        let imm = offset_of(imm);
        if imm < 0 || size > 16 {
            return None;
        }
        let addr = func.dfg.resolve_aliases(addr);
        let ValueDef::Result(sum, _) = func.dfg.value_def(addr) else {
            return None;
        };
        let InstructionData::Binary {
            opcode: Opcode::Iadd,
            args,
        } = func.dfg.insts[sum]
        else {
            return None;
        };
        let mut found = None;
        for (base, x) in [(args[0], args[1]), (args[1], args[0])] {
            if let Some(extra) = base_offset(func, memory, base) {
                found = Some((x, extra));
                break;
            }
        }
        let (x, extra) = found?;
        let lin = self.lin(x)?;
        if lin.stride.abs() > MAX_STRIDE {
            return None;
        }
        let (root, offset) = match lin.zext {
            // A zero-extended i32 as made, or a loop parameter that is one.
            true => match unary(func, x, Opcode::Uextend) {
                Some(narrow) => {
                    let (root, c) = add_constant(func, narrow).unwrap_or((narrow, 0));
                    ((root, true), c as i32 as i64)
                }
                None => ((x, true), 0),
            },
            false => {
                let (root, c) = add_constant(func, x).unwrap_or((x, 0));
                ((root, false), c)
            }
        };
        let disp = extra + i64::from(imm);
        Some(Access {
            inst,
            store,
            size: size as u8,
            addr,
            x: func.dfg.resolve_aliases(x),
            imm,
            disp,
            lin,
            root,
            offset: offset.wrapping_add(disp),
        })
    }

    /// What ends the loop: a value that steps to zero, as `a - b`, or a counter stepping past
    /// a bound (see [`Count`]).
    fn count(&mut self, cond: Value, stays_on_true: bool) -> Option<Count> {
        let func = self.func;
        let cond = func.dfg.resolve_aliases(cond);
        let (a, b) = match func.dfg.value_def(cond) {
            ValueDef::Result(inst, _) => match func.dfg.insts[inst] {
                InstructionData::IntCompare { cond: cc, args, .. } => {
                    let stays_while_unequal = match cc {
                        IntCC::NotEqual => stays_on_true,
                        IntCC::Equal => !stays_on_true,
                        _ => {
                            let cc = if stays_on_true { cc } else { cc.complement() };
                            return self.past(cc, args[0], args[1]);
                        }
                    };
                    stays_while_unequal.then_some((args[0], Some(args[1])))?
                }
                _ if stays_on_true => (cond, None),
                _ => return None,
            },
            _ if stays_on_true => (cond, None),
            _ => return None,
        };
        let la = self.lin(a).filter(|l| !l.zext)?;
        let stride = match b {
            Some(b) => {
                let lb = self.lin(b).filter(|l| !l.zext)?;
                match func.dfg.value_type(a) {
                    types::I32 => (la.stride.wrapping_sub(lb.stride)) as i32 as i64,
                    _ => la.stride.wrapping_sub(lb.stride),
                }
            }
            None => la.stride,
        };
        let step = stride.unsigned_abs();
        (step.is_power_of_two() && step <= 1 << 30).then_some(())?;
        Some(Count::Zero(
            a,
            b,
            Lin {
                stride,
                zext: false,
            },
        ))
    }

    /// The count of a loop that goes on while `x cc y` holds, one of them an i32 counter
    /// stepping down (for `>` and `>=`, unsigned) or up (for `<` and `<=`) by a power of two
    /// and the other invariant (`n -= 32` while `n > 15`, the copy loop of C's `memcpy`).
    fn past(&mut self, cc: IntCC, x: Value, y: Value) -> Option<Count> {
        if self.func.dfg.value_type(x) != types::I32 {
            return None;
        }
        let (lx, ly) = (self.lin(x)?, self.lin(y)?);
        if lx.zext || ly.zext {
            return None;
        }
        let (counter, bound, stride, cc) = match (lx.stride, ly.stride) {
            (0, 0) => return None,
            (s, 0) => (x, y, s, cc),
            (0, s) => (y, x, s, cc.swap_args()),
            _ => return None,
        };
        let adjust = match (cc, stride < 0) {
            (IntCC::UnsignedGreaterThan, true) | (IntCC::UnsignedLessThan, false) => 0,
            (IntCC::UnsignedGreaterThanOrEqual, true) => -1,
            (IntCC::UnsignedLessThanOrEqual, false) => 1,
            _ => return None,
        };
        let step = stride.unsigned_abs();
        (step.is_power_of_two() && step <= 1 << 30).then_some(())?;
        Some(Count::Past {
            counter,
            bound,
            stride,
            adjust,
        })
    }
}

fn offset_of(offset: ir::immediates::Offset32) -> i32 {
    offset.into()
}

/// When `value` is memory 0's base plus a constant (0 to 2^31 - 1), that constant.
pub(crate) fn base_offset(func: &ir::Function, memory: &Memory0, value: Value) -> Option<i64> {
    let value = func.dfg.resolve_aliases(value);
    if let (Some(fixed), Some(c)) = (memory.fixed_base, constant(func, value)) {
        let extra = (c as i64).checked_sub(fixed)?;
        return (0..=i64::from(i32::MAX)).contains(&extra).then_some(extra);
    }
    let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
        return None;
    };
    let InstructionData::Load {
        opcode: Opcode::Load,
        arg,
        offset,
        ..
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    let arg = func.dfg.resolve_aliases(arg);
    let is_vmctx = func.special_param(ArgumentPurpose::VMContext) == Some(arg)
        || (memory.fixed_vmctx != 0 && constant(func, arg) == Some(memory.fixed_vmctx));
    let is_base = func.dfg.value_type(value) == types::I64
        && offset_of(offset) == memory.base_offset
        && is_vmctx;
    is_base.then_some(0)
}

/// The operand of `value` when it is the result of the unary `opcode`.
pub(crate) fn unary(func: &ir::Function, value: Value, opcode: Opcode) -> Option<Value> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(func.dfg.resolve_aliases(value)) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::Unary { opcode: op, arg } if op == opcode => {
            Some(func.dfg.resolve_aliases(arg))
        }
        _ => None,
    }
}

/// `(x, c)` when `value` is `x + c` or `x - c` (`x + -c`) for a constant `c` (sign-extended
/// from its type).
pub(crate) fn add_constant(func: &ir::Function, value: Value) -> Option<(Value, i64)> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(func.dfg.resolve_aliases(value)) else {
        return None;
    };
    let InstructionData::Binary { opcode, args } = func.dfg.insts[inst] else {
        return None;
    };
    let bits = func.dfg.value_type(value).bits();
    let signed = |c: u64| match bits {
        32 => c as u32 as i32 as i64,
        _ => c as i64,
    };
    let resolve = |v: Value| func.dfg.resolve_aliases(v);
    match (opcode, constant(func, args[0]), constant(func, args[1])) {
        (Opcode::Iadd, _, Some(c)) => Some((resolve(args[0]), signed(c))),
        (Opcode::Iadd, Some(c), _) => Some((resolve(args[1]), signed(c))),
        (Opcode::Isub, _, Some(c)) => Some((resolve(args[0]), signed(c).wrapping_neg())),
        _ => None,
    }
}

/// `k` when `value` is `param + k`.
fn plus_constant(func: &ir::Function, value: Value, param: Value) -> Option<i64> {
    let (base, k) = add_constant(func, value)?;
    (base == param).then_some(k)
}

/// Finds the groups of stores and the computations of their values.
struct Matcher<'a> {
    func: &'a ir::Function,
    header: Block,
    accesses: &'a [Access],
    uses: &'a HashMap<Value, u32>,
    consumed: Vec<Inst>,
    /// The nodes of the group being matched, by the values of their lanes.
    made: Vec<(Vec<Value>, Node)>,
}

impl Matcher<'_> {
    fn groups(&mut self) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut taken = vec![false; self.accesses.len()];
        for (first, access) in self.accesses.iter().enumerate() {
            if !access.store || taken[first] {
                continue;
            }
            if self.func.dfg.insts[access.inst].opcode() != Opcode::Store {
                continue;
            }
            let stored = self.func.dfg.inst_args(access.inst)[0];
            // 16-bit stores of 32-bit values cut short (`i32.store16`) take 32-bit lanes.
            let ty = match self.func.dfg.value_type(stored) {
                types::I16 => types::I32,
                ty if [types::F64, types::F32, types::I64, types::I32].contains(&ty) => ty,
                _ => continue,
            };
            let Some(lanes) = self.neighbours(first, true, &taken, 16 / ty.bytes()) else {
                continue;
            };
            let stored: Vec<Value> = lanes
                .iter()
                .map(|&l| self.func.dfg.inst_args(self.accesses[l].inst)[0])
                .collect();
            let mark = self.consumed.len();
            self.made.clear();
            let value = match self.func.dfg.value_type(stored[0]) {
                types::I16 => self
                    .narrowed(&stored, types::I32)
                    .and_then(|wide| self.node(&wide)),
                _ => self.node(&stored),
            };
            for &l in &lanes {
                self.consumed.push(self.accesses[l].inst);
            }
            let kept = |node: &Node| self.used_only_inside(mark) && self.splats_kept(node);
            match value.filter(kept) {
                Some(value) => {
                    for &l in &lanes {
                        taken[l] = true;
                    }
                    let vty = ty.by(lanes.len() as u32).expect("a vector of 128 bits");
                    groups.push(Group {
                        lanes,
                        ty: vty,
                        value,
                    });
                }
                None => self.consumed.truncate(mark),
            }
        }
        groups
    }

    /// The values `values` (one per lane) narrow, each an `ireduce` of a value of type `ty`
    /// made in the loop; the `ireduce`s are consumed.
    fn narrowed(&mut self, values: &[Value], ty: Type) -> Option<Vec<Value>> {
        let dfg = &self.func.dfg;
        let mut wide = Vec::new();
        let mut insts = Vec::new();
        for &v in values {
            let inst = dfg.value_def(dfg.resolve_aliases(v)).inst()?;
            let InstructionData::Unary {
                opcode: Opcode::Ireduce,
                arg,
            } = dfg.insts[inst]
            else {
                return None;
            };
            let here = self.func.layout.inst_block(inst) == Some(self.header);
            if !here || dfg.value_type(arg) != ty || self.consumed.contains(&inst) {
                return None;
            }
            wide.push(arg);
            insts.push(inst);
        }
        self.consumed.extend(insts);
        Some(wide)
    }

    /// Whether every result of the instructions consumed since `mark` is used only by them:
    /// none is needed by an instruction the copy keeps.
    fn used_only_inside(&self, mark: usize) -> bool {
        let dfg = &self.func.dfg;
        let group = &self.consumed[mark..];
        let inside = |v: Value| {
            group
                .iter()
                .flat_map(|&i| dfg.inst_values(i))
                .filter(|&u| dfg.resolve_aliases(u) == v)
                .count() as u32
        };
        group.iter().all(|&inst| {
            dfg.inst_results(inst)
                .iter()
                .all(|&v| self.uses.get(&v).copied().unwrap_or(0) == inside(v))
        })
    }

    /// Whether every value `node` splats is one the copy computes: not a lane a vector
    /// replaces.
    fn splats_kept(&self, node: &Node) -> bool {
        match node {
            Node::Splat(v) => match self.func.dfg.value_def(*v) {
                ValueDef::Result(inst, _) => !self.consumed.contains(&inst),
                _ => true,
            },
            Node::Load(_) => true,
            Node::Unary(_, a) => self.splats_kept(a),
            Node::Binary(_, a, b) => self.splats_kept(a) && self.splats_kept(b),
            Node::Select(_, nodes) => nodes.iter().all(|n| self.splats_kept(n)),
        }
    }

    /// The accesses of the `count` lanes of a vector at access `first` (its lane 0):
    /// accesses of the same kind, size and type at the next addresses.
    fn neighbours(
        &self,
        first: usize,
        store: bool,
        taken: &[bool],
        count: u32,
    ) -> Option<Vec<usize>> {
        let a = self.accesses[first];
        let ty = self.access_type(a);
        let mut lanes = vec![first];
        for lane in 1..count {
            let want = a.offset + i64::from(lane) * i64::from(a.size);
            let found = self.accesses.iter().enumerate().position(|(i, b)| {
                b.store == store
                    && !taken[i]
                    && b.root == a.root
                    && b.lin == a.lin
                    && b.offset == want
                    && self.func.dfg.insts[b.inst].opcode() == self.func.dfg.insts[a.inst].opcode()
                    && self.access_type(*b) == ty
            })?;
            lanes.push(found);
        }
        Some(lanes)
    }

    fn access_type(&self, a: Access) -> Type {
        let dfg = &self.func.dfg;
        match a.store {
            true => dfg.value_type(dfg.inst_args(a.inst)[0]),
            false => dfg.value_type(dfg.first_result(a.inst)),
        }
    }

    /// The vector computation of `values`, one per lane.
    fn node(&mut self, values: &[Value]) -> Option<Node> {
        let dfg = &self.func.dfg;
        let values: Vec<Value> = values.iter().map(|&v| dfg.resolve_aliases(v)).collect();
        if values.iter().all(|&v| v == values[0]) {
            return Some(Node::Splat(values[0]));
        }
        if let Some((_, node)) = self.made.iter().find(|(lanes, _)| *lanes == values) {
            return Some(node.clone());
        }
        // Equal constants, made one per lane.
        let k = constant(self.func, values[0]);
        if k.is_some() && values.iter().all(|&v| constant(self.func, v) == k) {
            return Some(Node::Splat(values[0]));
        }
        let mut insts = Vec::new();
        for &v in &values {
            let ValueDef::Result(inst, 0) = dfg.value_def(v) else {
                return None;
            };
            let here = self.func.layout.inst_block(inst) == Some(self.header);
            if !here || self.consumed.contains(&inst) {
                return None;
            }
            insts.push(inst);
        }
        let opcode = dfg.insts[insts[0]].opcode();
        if insts.iter().any(|&i| dfg.insts[i].opcode() != opcode) {
            return None;
        }
        let ty = dfg.value_type(values[0]);
        let float = ty.is_float();
        let node = match opcode {
            Opcode::Load => self.load(&insts, 16 / ty.bytes())?,
            // 16-bit loads into 32-bit lanes; loads of 16 or 32 bits made 64-bit and cut
            // back to 32 (`narrow_loads` does so to a load also used wide).
            Opcode::Uload16 | Opcode::Sload16 if ty == types::I32 => self.load(&insts, 4)?,
            Opcode::Ireduce if ty == types::I32 => {
                let args: Vec<Value> = insts.iter().map(|&i| dfg.inst_args(i)[0]).collect();
                let loads: Vec<Inst> = args
                    .iter()
                    .map(|&v| dfg.value_def(dfg.resolve_aliases(v)).inst())
                    .collect::<Option<_>>()?;
                let narrow = |i: &Inst| {
                    let op = dfg.insts[*i].opcode();
                    matches!(
                        op,
                        Opcode::Uload16 | Opcode::Sload16 | Opcode::Uload32 | Opcode::Sload32
                    ) && op == dfg.insts[loads[0]].opcode()
                        && self.func.layout.inst_block(*i) == Some(self.header)
                        && !self.consumed.contains(i)
                };
                if !loads.iter().all(narrow) {
                    return None;
                }
                let node = self.load(&loads, 4)?;
                self.consumed.extend(loads);
                node
            }
            Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv if float => {
                self.binary(opcode, &insts)?
            }
            Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor if !float => {
                self.binary(opcode, &insts)?
            }
            // What the mid-end makes of a select on a compare of its own operands. Selects
            // and these take 32-bit lanes only: x86-64 before AVX-512 has no minimum, maximum
            // or unsigned compare of 64-bit lanes, and emulating one costs more than two scalar
            // lanes.
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax if ty == types::I32 => {
                self.binary(opcode, &insts)?
            }
            Opcode::Fneg | Opcode::Fabs | Opcode::Sqrt if float => {
                let args: Vec<Value> = insts.iter().map(|&i| dfg.inst_args(i)[0]).collect();
                Node::Unary(opcode, Box::new(self.node(&args)?))
            }
            Opcode::Select if ty == types::I32 => self.select(ty, &insts)?,
            _ => return None,
        };
        self.consumed.extend(insts);
        self.made.push((values, node.clone()));
        Some(node)
    }

    /// The loads `insts`, one per lane, when they are the `count` lanes of one vector.
    fn load(&self, insts: &[Inst], count: u32) -> Option<Node> {
        let index = |inst: Inst| self.accesses.iter().position(|a| a.inst == inst);
        let first = index(insts[0])?;
        let lanes = self.neighbours(first, false, &vec![false; self.accesses.len()], count)?;
        let lane_insts: Vec<Inst> = lanes.iter().map(|&l| self.accesses[l].inst).collect();
        (lane_insts == insts).then_some(Node::Load(lanes))
    }

    /// The selects `insts`, one per lane, each on an `icmp` of the same condition (widened or
    /// not) of values of the lanes' type `ty`.
    fn select(&mut self, ty: Type, insts: &[Inst]) -> Option<Node> {
        let dfg = &self.func.dfg;
        let mut tests = Vec::new();
        let mut compares = Vec::new();
        for &inst in insts {
            let mut test = dfg.resolve_aliases(dfg.inst_args(inst)[0]);
            let ValueDef::Result(mut def, 0) = dfg.value_def(test) else {
                return None;
            };
            if let InstructionData::Unary {
                opcode: Opcode::Uextend,
                arg,
            } = dfg.insts[def]
            {
                tests.push(def);
                test = dfg.resolve_aliases(arg);
                def = dfg.value_def(test).inst()?;
            }
            let InstructionData::IntCompare {
                opcode: Opcode::Icmp,
                cond,
                args,
            } = dfg.insts[def]
            else {
                return None;
            };
            if dfg.value_type(args[0]) != ty
                || self.func.layout.inst_block(def) != Some(self.header)
            {
                return None;
            }
            compares.push((def, cond, args));
        }
        let cc = compares[0].1;
        if compares.iter().any(|c| c.1 != cc)
            || tests
                .iter()
                .chain(compares.iter().map(|c| &c.0))
                .any(|i| self.consumed.contains(i))
        {
            return None;
        }
        let lanes = |k: usize| -> Vec<Value> { compares.iter().map(|c| c.2[k]).collect() };
        let (x, y) = (lanes(0), lanes(1));
        let arg = |k: usize| -> Vec<Value> { insts.iter().map(|&i| dfg.inst_args(i)[k]).collect() };
        let (a, b) = (arg(1), arg(2));
        let compare_insts: Vec<Inst> = compares.iter().map(|c| c.0).collect();
        let mark = (self.consumed.len(), self.made.len());
        self.consumed.extend(tests);
        self.consumed.extend(compare_insts);
        let nodes = (|| {
            Some([
                self.node(&x)?,
                self.node(&y)?,
                self.node(&a)?,
                self.node(&b)?,
            ])
        })();
        match nodes {
            Some(nodes) => Some(Node::Select(cc, Box::new(nodes))),
            None => {
                self.consumed.truncate(mark.0);
                self.made.truncate(mark.1);
                None
            }
        }
    }

    fn binary(&mut self, opcode: Opcode, insts: &[Inst]) -> Option<Node> {
        let dfg = &self.func.dfg;
        let left: Vec<Value> = insts.iter().map(|&i| dfg.inst_args(i)[0]).collect();
        let right: Vec<Value> = insts.iter().map(|&i| dfg.inst_args(i)[1]).collect();
        let mark = (self.consumed.len(), self.made.len());
        if let (Some(a), Some(b)) = (self.node(&left), self.node(&right)) {
            return Some(Node::Binary(opcode, Box::new(a), Box::new(b)));
        }
        self.consumed.truncate(mark.0);
        self.made.truncate(mark.1);
        if !matches!(
            opcode,
            Opcode::Fadd
                | Opcode::Fmul
                | Opcode::Iadd
                | Opcode::Band
                | Opcode::Bor
                | Opcode::Bxor
                | Opcode::Smin
                | Opcode::Smax
                | Opcode::Umin
                | Opcode::Umax
        ) {
            return None;
        }
        // A commutative operator with its operands the other way round in some lanes:
        // each lane's pair ordered as lane 0's.
        let (mut l2, mut r2) = (left.clone(), right.clone());
        for i in 1..insts.len() {
            if self.similar(left[i], left[0]) != Some(true) {
                std::mem::swap(&mut l2[i], &mut r2[i]);
            }
        }
        let a = self.node(&l2);
        let b = a.as_ref().and_then(|_| self.node(&r2));
        match (a, b) {
            (Some(a), Some(b)) => Some(Node::Binary(opcode, Box::new(a), Box::new(b))),
            _ => {
                self.consumed.truncate(mark.0);
                self.made.truncate(mark.1);
                None
            }
        }
    }

    /// Whether two values are made by the same operator (or are the same value).
    fn similar(&self, a: Value, b: Value) -> Option<bool> {
        let dfg = &self.func.dfg;
        if a == b {
            return Some(true);
        }
        match (dfg.value_def(a), dfg.value_def(b)) {
            (ValueDef::Result(x, _), ValueDef::Result(y, _)) => {
                Some(dfg.insts[x].opcode() == dfg.insts[y].opcode())
            }
            _ => Some(false),
        }
    }
}

/// The checks a plan needs: neighbours in each vector access, and different bytes for the
/// accesses the copy reorders.
fn checks(
    accesses: &[Access],
    groups: &[Group],
    position: &HashMap<Inst, usize>,
) -> Option<Vec<Check>> {
    let mut checks = Vec::new();
    // Where each access happens in the copy: (position, 0 for a load, 1 for a store), and
    // which vector access it is part of.
    let mut order: Vec<(usize, u8)> = accesses
        .iter()
        .map(|a| (position[&a.inst], u8::from(a.store)))
        .collect();
    let mut vector_of: Vec<Option<usize>> = vec![None; accesses.len()];
    let mut vectors = 0;
    for group in groups {
        let at = group
            .lanes
            .iter()
            .map(|&l| position[&accesses[l].inst])
            .max()?;
        let mut lanes_of = vec![group.lanes.clone()];
        collect_loads(&group.value, &mut lanes_of);
        // A load reached twice (a shared node) is one vector access.
        let mut seen = Vec::new();
        lanes_of.retain(|lanes| {
            let new = !seen.contains(lanes);
            seen.push(lanes.clone());
            new
        });
        for lanes in lanes_of {
            for (lane, &l) in lanes.iter().enumerate().skip(1) {
                let want = lane as i64 * i64::from(accesses[lanes[0]].size);
                match apart(&accesses[lanes[0]], &accesses[l]) {
                    Some(d) if d == want => {}
                    Some(_) => return None,
                    None => checks.push(Check::Neighbour {
                        a: lanes[0],
                        b: l,
                        lane: lane as i64,
                    }),
                }
            }
            for &l in &lanes {
                order[l] = (at, u8::from(accesses[l].store));
                vector_of[l] = Some(vectors);
            }
            vectors += 1;
        }
    }
    for a in 0..accesses.len() {
        for b in a + 1..accesses.len() {
            if !accesses[a].store && !accesses[b].store {
                continue;
            }
            if vector_of[a].is_some() && vector_of[a] == vector_of[b] {
                continue;
            }
            let before = position[&accesses[a].inst] < position[&accesses[b].inst];
            let still = order[a] < order[b];
            if before != still || order[a] == order[b] {
                let (x, y) = (&accesses[a], &accesses[b]);
                match apart(x, y) {
                    Some(d) if d >= i64::from(x.size) || -d >= i64::from(y.size) => {}
                    Some(_) => return None,
                    None => checks.push(Check::Disjoint { a, b }),
                }
            }
        }
    }
    (checks.len() <= MAX_CHECKS).then_some(checks)
}

/// How many bytes access `b` is after access `a` in every iteration, when that is known
/// before the loop: both at the same address operand (then stepping alike).
fn apart(a: &Access, b: &Access) -> Option<i64> {
    (a.x == b.x && a.lin == b.lin).then(|| b.disp - a.disp)
}

fn collect_loads(node: &Node, out: &mut Vec<Vec<usize>>) {
    match node {
        Node::Splat(_) => {}
        Node::Load(lanes) => out.push(lanes.clone()),
        Node::Unary(_, a) => collect_loads(a, out),
        Node::Binary(_, a, b) => {
            collect_loads(a, out);
            collect_loads(b, out);
        }
        Node::Select(_, nodes) => nodes.iter().for_each(|n| collect_loads(n, out)),
    }
}

/// The loop's values at its first iteration, computed in the check block.
struct Start<'a> {
    header: Block,
    params: &'a [Value],
    steps: &'a [Step],
    memo: HashMap<Value, Value>,
}

impl Start<'_> {
    fn value(&mut self, pos: &mut FuncCursor, value: Value) -> Value {
        let value = pos.func.dfg.resolve_aliases(value);
        if let Some(&v) = self.memo.get(&value) {
            return v;
        }
        let result = match pos.func.dfg.value_def(value) {
            ValueDef::Param(block, i) if block == self.header => {
                let _ = self.steps;
                self.params[i]
            }
            ValueDef::Result(inst, _) if pos.func.layout.inst_block(inst) == Some(self.header) => {
                let args: Vec<Value> = pos.func.dfg.inst_args(inst).to_vec();
                let args: Vec<Value> = args.into_iter().map(|a| self.value(pos, a)).collect();
                let copy = pos.func.dfg.clone_inst(inst);
                let mut it = args.into_iter();
                pos.func
                    .dfg
                    .map_inst_values(copy, |_| it.next().expect("an argument"));
                pos.insert_inst(copy);
                pos.func.dfg.first_result(copy)
            }
            _ => value,
        };
        self.memo.insert(value, result);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ir::{memory_base, wasm_function, MEMORY0 as MEMORY};
    use cranelift_codegen::ir::{ExtFuncData, ExternalName, Signature};
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// What the code after [`axpy`]'s loop uses of it.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum After {
        Nothing,
        /// Returns the sum of `b`'s next address, passed to the exit block, and `c`'s, used
        /// there directly.
        Pointers,
        /// Returns the sum of the last iteration (a lane of a vector in the copy).
        Sum,
        /// Counts up from zero by two to `n & -2`, that bound computed in the loop (as the
        /// mid-end leaves it), and returns the count.
        Counter,
    }

    /// A call of an outside function `f` of no arguments, at `b`'s position.
    fn call_f(b: &mut FunctionBuilder) {
        let sig = b.import_signature(Signature::new(CallConv::SystemV));
        let callee = b.import_function(ExtFuncData {
            name: ExternalName::testcase("f"),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        b.ins().call(callee, &[]);
    }

    /// The loop the translation gives `c[j] += a * b[j]` unrolled twice (`c` and `b` zero-
    /// extended i32 addresses stepping by 16, an i32 count stepping by -2), with a call in
    /// it when `call`.
    fn axpy(call: bool) -> ir::Function {
        axpy_then(call, After::Nothing)
    }

    fn axpy_then(call: bool, after: After) -> ir::Function {
        let [f64, i32, i64] = [types::F64, types::I32, types::I64];
        let returns: &[Type] = match after {
            After::Nothing => &[],
            After::Pointers => &[i64],
            After::Sum => &[f64],
            After::Counter => &[i64],
        };
        let (mut func, heap) = wasm_function(&[f64, i32, i32, i32], returns);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let a = params[1];
        let wide: Vec<Value> = params[2..]
            .iter()
            .map(|&v| b.ins().uextend(types::I64, v))
            .collect();
        let base = memory_base(&mut b, params[0]);
        let top = b.create_block();
        let exit = b.create_block();
        let [c, bp, n] = [0, 1, 2].map(|_| b.append_block_param(top, types::I64));
        let mut args: Vec<BlockArg> = wide.iter().map(|&v| v.into()).collect();
        if after == After::Counter {
            args[2] = b.ins().iconst(types::I64, 0).into();
        }
        b.ins().jump(top, &args);
        b.switch_to_block(top);
        let bq = b.ins().iadd(base, bp);
        let cq = b.ins().iadd(base, c);
        let mut sum = None;
        for offset in [0, 8] {
            let x = b.ins().load(types::F64, heap, bq, offset);
            let y = b.ins().load(types::F64, heap, cq, offset);
            let m = b.ins().fmul(a, x);
            let s = b.ins().fadd(m, y);
            b.ins().store(heap, s, cq, offset);
            sum = Some(s);
        }
        if call {
            call_f(&mut b);
        }
        let count = b.ins().ireduce(types::I32, n);
        let step = if after == After::Counter { 2 } else { -2 };
        let next = b.ins().iadd_imm_s(count, step);
        let c2 = b.ins().iadd_imm_s(c, 16);
        let b2 = b.ins().iadd_imm_s(bp, 16);
        let n2 = b.ins().uextend(types::I64, next);
        let exit_args: Vec<BlockArg> = match after {
            After::Pointers => vec![b2.into()],
            _ => vec![],
        };
        let back = [c2.into(), b2.into(), n2.into()];
        let go_on = match after {
            After::Counter => {
                let bound = b.ins().band_imm_s(params[4], -2);
                b.ins().icmp(IntCC::NotEqual, bound, next)
            }
            _ => next,
        };
        b.ins().brif(go_on, top, &back, exit, &exit_args);
        b.switch_to_block(exit);
        match after {
            After::Nothing => b.ins().return_(&[]),
            After::Pointers => {
                let passed = b.append_block_param(exit, i64);
                let total = b.ins().iadd(passed, c2);
                b.ins().return_(&[total])
            }
            After::Sum => b.ins().return_(&[sum.expect("two lanes")]),
            After::Counter => b.ins().return_(&[n2]),
        };
        crate::test_ir::finish(b);
        func
    }

    fn vector_ops(func: &ir::Function) -> Vec<(Opcode, Type)> {
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .filter_map(|inst| {
                let ty = match func.dfg.inst_results(inst).first() {
                    Some(&v) => func.dfg.value_type(v),
                    None => func.dfg.ctrl_typevar(inst),
                };
                ty.is_vector()
                    .then(|| (func.dfg.insts[inst].opcode(), ty))
                    .or_else(|| {
                        let stored = match func.dfg.insts[inst] {
                            InstructionData::Store { args, .. } => args[0],
                            _ => return None,
                        };
                        let ty = func.dfg.value_type(stored);
                        ty.is_vector().then_some((Opcode::Store, ty))
                    })
            })
            .collect()
    }

    #[test]
    fn an_unrolled_loop_gets_a_vector_copy() {
        let mut func = axpy(false);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 1, "{}", func.display());
        let ops = vector_ops(&func);
        let f64x2 = types::F64X2;
        for op in [
            Opcode::Splat,
            Opcode::Load,
            Opcode::Fmul,
            Opcode::Fadd,
            Opcode::Store,
        ] {
            assert!(ops.contains(&(op, f64x2)), "{op}: {}", func.display());
        }
        // One iteration alone (2 loads, 1 store), then two per pass (4 and 2).
        assert_eq!(ops.iter().filter(|(op, _)| *op == Opcode::Load).count(), 6);
        assert_eq!(ops.iter().filter(|(op, _)| *op == Opcode::Store).count(), 3);
        // The check in two blocks (the count first), the choice on the count's parity, the
        // scalar loop, the single iteration and the loop of two.
        assert_eq!(func.layout.blocks().count(), 8, "{}", func.display());
        let vector = |b: Block| {
            func.layout
                .block_insts(b)
                .any(|i| func.dfg.insts[i].opcode() == Opcode::Splat)
        };
        let twice = func
            .layout
            .blocks()
            .find(|&b| self_loop(&func, b).is_some() && vector(b))
            .expect("a vector loop");
        // Its second iteration stores where the first did, one step (16 bytes) further.
        let stores: Vec<(Value, i32)> = func
            .layout
            .block_insts(twice)
            .filter_map(|i| match func.dfg.insts[i] {
                InstructionData::Store { args, offset, .. } => Some((args[1], offset.into())),
                _ => None,
            })
            .collect();
        assert_eq!(stores.len(), 2, "{}", func.display());
        assert_eq!(stores[0].0, stores[1].0);
        assert_eq!((stores[0].1, stores[1].1), (0, 16));
        // Both iterations multiply by the same vector of `a`.
        let splats = func
            .layout
            .block_insts(twice)
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Splat)
            .count();
        assert_eq!(splats, 1, "{}", func.display());
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
    }

    #[test]
    fn values_used_after_the_loop_come_from_the_copy_that_ran() {
        let mut func = axpy_then(false, After::Pointers);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 1, "{}", func.display());
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
        // The scalar loop, the single iteration and the loop of two leave to one block, which
        // takes both pointers and jumps on to the block returning their sum.
        let cfg = ControlFlowGraph::with_function(&func);
        let joins: Vec<Block> = func
            .layout
            .blocks()
            .filter(|&b| func.dfg.block_params(b).len() == 2)
            .collect();
        let [join] = joins[..] else {
            panic!("one block takes two values: {}", func.display())
        };
        assert_eq!(cfg.pred_iter(join).count(), 3, "{}", func.display());
        let leavers: Vec<Block> = cfg.pred_iter(join).map(|p| p.block).collect();
        for loop_of_one in [true, false] {
            let found = leavers
                .iter()
                .filter(|&&b| self_loop(&func, b).is_some() == loop_of_one)
                .count();
            assert_eq!(found, if loop_of_one { 2 } else { 1 }, "{}", func.display());
        }
        let term = func.layout.last_inst(join).expect("a branch");
        assert_eq!(func.dfg.insts[term].opcode(), Opcode::Jump);
    }

    #[test]
    fn a_counter_compared_with_a_bound_made_in_the_loop() {
        let mut func = axpy_then(false, After::Counter);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 1, "{}", func.display());
        assert!(!vector_ops(&func).is_empty());
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
    }

    #[test]
    fn a_loop_whose_lane_is_used_after_it_is_left_alone() {
        let mut func = axpy_then(false, After::Sum);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 0, "{}", func.display());
        assert!(vector_ops(&func).is_empty());
    }

    /// wasi-libc's `memcpy` loop: four i64s moved an iteration from `s` to `d` (zero-extended
    /// i32 addresses stepping by 32), an i32 count `n` stepping by -32 while `n > 15`
    /// (`n cmp 15`, or `15 cmp n` when `bound_first`), and the three passed on to the exit,
    /// which returns their sum. `padding` instructions before the loop make the function
    /// larger; with `call`, the exit calls a function first.
    fn copy32(cc: IntCC, bound_first: bool, padding: usize, call: bool) -> ir::Function {
        let [i32, i64] = [types::I32, types::I64];
        let (mut func, heap) = wasm_function(&[i32, i32, i32], &[i64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let base = memory_base(&mut b, params[0]);
        let mut extra = params[3];
        for _ in 0..padding {
            extra = b.ins().iadd_imm_s(extra, 1);
        }
        let top = b.create_block();
        let exit = b.create_block();
        let [d, s] = [0, 1].map(|_| b.append_block_param(top, i64));
        let n = b.append_block_param(top, i32);
        let d0 = b.ins().uextend(i64, params[1]);
        let s0 = b.ins().uextend(i64, params[2]);
        b.ins().jump(top, &[d0.into(), s0.into(), extra.into()]);
        b.switch_to_block(top);
        let from = b.ins().iadd(base, s);
        let to = b.ins().iadd(base, d);
        for offset in [0, 8, 16, 24] {
            let v = b.ins().load(i64, heap, from, offset);
            b.ins().store(heap, v, to, offset);
        }
        let d2 = b.ins().iadd_imm_s(d, 32);
        let s2 = b.ins().iadd_imm_s(s, 32);
        let n2 = b.ins().iadd_imm_s(n, -32);
        let bound = b.ins().iconst(i32, 15);
        let go_on = match bound_first {
            true => b.ins().icmp(cc, bound, n2),
            false => b.ins().icmp(cc, n2, bound),
        };
        let args = [d2.into(), s2.into(), n2.into()];
        b.ins().brif(go_on, top, &args, exit, &args);
        b.switch_to_block(exit);
        let [d3, s3] = [0, 1].map(|_| b.append_block_param(exit, i64));
        let n3 = b.append_block_param(exit, i32);
        if call {
            call_f(&mut b);
        }
        let n3 = b.ins().uextend(i64, n3);
        let sum = b.ins().iadd(d3, s3);
        let sum = b.ins().iadd(sum, n3);
        b.ins().return_(&[sum]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn a_copy_loop_counting_down_past_a_bound_gets_a_vector_copy() {
        for (cc, bound_first) in [
            (IntCC::UnsignedGreaterThan, false),
            (IntCC::UnsignedLessThan, true),
            (IntCC::UnsignedGreaterThanOrEqual, false),
        ] {
            let mut func = copy32(cc, bound_first, 0, false);
            assert_eq!(vectorise_loops(&mut func, &MEMORY), 1, "{}", func.display());
            let ops = vector_ops(&func);
            let stores = ops
                .iter()
                .filter(|&&op| op == (Opcode::Store, types::I64X2));
            assert_eq!(stores.count(), 2, "{}", func.display());
            let flags =
                cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
            cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
        }
    }

    #[test]
    fn a_count_stepping_away_from_its_bound_or_signed_is_not_counted() {
        for cc in [
            IntCC::UnsignedLessThan,
            IntCC::SignedGreaterThan,
            IntCC::UnsignedLessThanOrEqual,
        ] {
            let mut func = copy32(cc, false, 0, false);
            assert_eq!(vectorise_loops(&mut func, &MEMORY), 0, "{cc}");
        }
    }

    #[test]
    fn a_large_or_calling_functions_copy_loop_whose_values_are_used_after_it_is_left_alone() {
        for (padding, call) in [(SMALL_LEAF, false), (0, true)] {
            let mut func = copy32(IntCC::UnsignedGreaterThan, false, padding, call);
            assert_eq!(vectorise_loops(&mut func, &MEMORY), 0, "{padding} {call}");
            assert!(vector_ops(&func).is_empty());
        }
    }

    /// zlib's hash slide as the mid-end leaves it: a pointer that is a zero-extended i32
    /// stepping down by 8 (a loop parameter), four 16-bit entries at offsets 0, 6, 4 and 2,
    /// each loaded 64 bits wide and cut to 32, `select(w > m, 0, m - w)` cut to 16 bits and
    /// stored, and a zero-extended count stepping down by 4.
    fn slide() -> ir::Function {
        let [i16, i32, i64] = [types::I16, types::I32, types::I64];
        let (mut func, heap) = wasm_function(&[i32, i32, i32], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let base = memory_base(&mut b, params[0]);
        let w = params[3];
        let top = b.create_block();
        let exit = b.create_block();
        let [p, n] = [0, 1].map(|_| b.append_block_param(top, i64));
        let start = [params[1], params[2]].map(|v| b.ins().uextend(i64, v).into());
        b.ins().jump(top, &start);
        b.switch_to_block(top);
        let at = b.ins().iadd(base, p);
        let zero = b.ins().iconst(i32, 0);
        for offset in [0, 6, 4, 2] {
            let wide = b.ins().uload16(i64, heap, at, offset);
            let m = b.ins().ireduce(i32, wide);
            let under = b.ins().icmp(IntCC::UnsignedGreaterThan, w, m);
            let t = b.ins().isub(m, w);
            let v = b.ins().select(under, zero, t);
            let v = b.ins().ireduce(i16, v);
            b.ins().store(heap, v, at, offset);
        }
        let step = |b: &mut FunctionBuilder, v: Value, k: i64| {
            let narrow = b.ins().ireduce(i32, v);
            let next = b.ins().iadd_imm_s(narrow, k);
            (next, b.ins().uextend(i64, next))
        };
        let (_, p2) = step(&mut b, p, -8);
        let (count, n2) = step(&mut b, n, -4);
        b.ins().brif(count, top, &[p2.into(), n2.into()], exit, &[]);
        b.switch_to_block(exit);
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn sixteen_bit_entries_take_32_bit_lanes() {
        let mut func = slide();
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 1, "{}", func.display());
        crate::test_ir::verify(&func);
        let ops = vector_ops(&func);
        let i32x4 = types::I32X4;
        for op in [
            Opcode::Uload16x4,
            Opcode::Isub,
            Opcode::Icmp,
            Opcode::Band,
            Opcode::Unarrow,
        ] {
            let ty = if op == Opcode::Unarrow {
                types::I16X8
            } else {
                i32x4
            };
            assert!(ops.contains(&(op, ty)), "{op}: {}", func.display());
        }
        // `w > m` is tested as `w <= m` (one compare fewer on x86-64), the zero lanes masked
        // away by an `and`, not a `bitselect`.
        let compares: Vec<IntCC> = func
            .layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b))
            .filter_map(|i| match func.dfg.insts[i] {
                InstructionData::IntCompare { cond, args, .. }
                    if func.dfg.value_type(args[0]).is_vector() =>
                {
                    Some(cond)
                }
                _ => None,
            })
            .collect();
        assert!(!compares.is_empty());
        assert!(compares
            .iter()
            .all(|&cc| cc == IntCC::UnsignedLessThanOrEqual));
        assert!(!ops.iter().any(|(op, _)| *op == Opcode::Bitselect));
        // Each vector of four entries loaded once though each entry is used twice: one load
        // alone, two in the loop of two iterations.
        let loads = ops
            .iter()
            .filter(|(op, _)| *op == Opcode::Uload16x4)
            .count();
        assert_eq!(loads, 3, "{}", func.display());
    }

    /// `d[j] = min(s[j], k)` over i64s, two per iteration, as the mid-end leaves it (an
    /// `smin`), when `ty` is I64; over i32s, four per iteration, when it is I32.
    fn minimum(ty: Type) -> ir::Function {
        let [i32, i64] = [types::I32, types::I64];
        let (mut func, heap) = wasm_function(&[i32, i32, i32, ty], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let base = memory_base(&mut b, params[0]);
        let k = params[4];
        let top = b.create_block();
        let exit = b.create_block();
        let [d, s, n] = [0, 1, 2].map(|_| b.append_block_param(top, i64));
        let start = [1, 2, 3].map(|i| b.ins().uextend(i64, params[i]).into());
        b.ins().jump(top, &start);
        b.switch_to_block(top);
        let (dq, sq) = (b.ins().iadd(base, d), b.ins().iadd(base, s));
        let size = ty.bytes() as i32;
        for lane in 0..16 / size {
            let x = b.ins().load(ty, heap, sq, lane * size);
            let m = b.ins().smin(x, k);
            b.ins().store(heap, m, dq, lane * size);
        }
        let [d2, s2] = [d, s].map(|v| b.ins().iadd_imm_s(v, 16));
        let count = b.ins().ireduce(i32, n);
        let next = b.ins().iadd_imm_s(count, -i64::from(16 / size));
        let n2 = b.ins().uextend(i64, next);
        b.ins()
            .brif(next, top, &[d2.into(), s2.into(), n2.into()], exit, &[]);
        b.switch_to_block(exit);
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn minimums_of_32_bit_lanes_only() {
        let mut func = minimum(types::I32);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 1, "{}", func.display());
        crate::test_ir::verify(&func);
        assert!(vector_ops(&func).contains(&(Opcode::Smin, types::I32X4)));
        let mut func = minimum(types::I64);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 0, "{}", func.display());
    }

    #[test]
    fn a_loop_with_a_call_is_left_alone() {
        let mut func = axpy(true);
        assert_eq!(vectorise_loops(&mut func, &MEMORY), 0, "{}", func.display());
        assert!(vector_ops(&func).is_empty());
    }

    #[test]
    fn another_memory_is_left_alone() {
        let mut func = axpy(false);
        let other = Memory0 {
            base_offset: 48,
            ..MEMORY
        };
        assert_eq!(vectorise_loops(&mut func, &other), 0, "{}", func.display());
    }
}
