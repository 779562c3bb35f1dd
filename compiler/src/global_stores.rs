//! Stores to a function's own globals that nothing can see, removed after inlining.
//!
//! A C function that keeps a local in memory lowers clang's stack pointer (a wasm global in
//! the vmctx) as it starts and puts it back before it returns. Where nothing between reads the
//! global, neither store is seen: in a function copied whole into its caller with no call in
//! between, and in a fast path copied into a caller ([`crate::fast_paths`]), which also puts
//! the global back before its way out to the whole function. SQLite's `sumStep` ran seven
//! instructions for the two stores and their load on each of its 3.7 M calls, around the
//! fast path of `sqlite3_value_numeric_type`.
//!
//! The globals looked at are those the function stores with trusted stores at a constant
//! offset from its vmctx (the parameter, or an executable's constant address), each known by
//! its offset and type. Two rules:
//!
//! - a store is **dead** when every path from it stores the global again before anything
//!   may read it: a load of it (or of bytes it shares), a call, a return, an instruction with
//!   an effect this pass does not know; and, unless the code is an executable's, any
//!   instruction that may trap, since an embedder may read an exported global after a trap or
//!   call the instance again. A trap ends an executable's process: nothing reads its globals
//!   after one;
//! - a store is **redundant** when it stores back a value loaded from the global, and no path
//!   from that load to it stores the global or calls. This holds whether or not the code
//!   traps, since memory is the same with or without the store.
//!
//! Dead stores go first; the restoring stores they leave redundant go next, then the loads of
//! a global left without a use. Each store is looked at by a search from it along the paths
//! that matter, which gives up (keeping the store) after [`SEARCH`] instructions: the copies
//! this is for are short, and whole-function analyses of every function with a frame cost
//! SQLite's compile 3.7% more instructions, where these searches cost 1%.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{self, Block, Inst, InstructionData, MemFlagsData, Opcode, Value};

/// The most globals followed in one function (one bit each).
const MAX_GLOBALS: usize = 64;

/// What an instruction does to the globals followed.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Effect {
    /// Loads global `.0` whole, as its result.
    Load(usize),
    /// Stores `.1` to global `.0` whole.
    Store(usize, Value),
    /// Reads the globals of the mask (a load of some of their bytes).
    Reads(u64),
    /// Writes part of the globals of the mask, or anything (`u64::MAX`): a call, an effect
    /// not known here. Reads them too.
    Clobbers(u64),
    /// May trap: the end of an embedder's function, which then may read any global.
    MayTrap,
    /// Returns: the caller may read any global.
    Returns,
    /// Nothing for the globals.
    None,
}

/// The globals of a function and how its instructions touch them.
struct Globals {
    /// Offset and type of each global followed.
    keys: Vec<(i32, ir::Type)>,
    /// The function's vmctx parameter, if it has one.
    vmctx: Option<Value>,
    /// The executable's vmctx address, or 0.
    fixed_vmctx: u64,
}

impl Globals {
    fn find(func: &ir::Function, fixed_vmctx: u64) -> Option<Globals> {
        let mut globals = Globals {
            keys: Vec::new(),
            vmctx: func.special_param(ir::ArgumentPurpose::VMContext),
            fixed_vmctx,
        };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                if let InstructionData::Store {
                    opcode: Opcode::Store,
                    args: [value, base],
                    flags,
                    offset,
                } = func.dfg.insts[inst]
                {
                    let key = (i32::from(offset), func.dfg.value_type(value));
                    if func.dfg.mem_flags[flags] == MemFlagsData::trusted()
                        && globals.is_vmctx(func, base)
                        && !globals.keys.contains(&key)
                        && globals.keys.len() < MAX_GLOBALS
                    {
                        globals.keys.push(key);
                    }
                }
            }
        }
        // Two keys sharing bytes are one global written two ways: neither is followed.
        let keys = globals.keys.clone();
        globals.keys.retain(|&a| {
            keys.iter()
                .all(|&b| a == b || !overlaps(a.0, a.1.bytes(), b.0, b.1.bytes()))
        });
        (!globals.keys.is_empty()).then_some(globals)
    }

    /// Whether `value` is the vmctx: the parameter or the executable's constant address.
    fn is_vmctx(&self, func: &ir::Function, value: Value) -> bool {
        Some(func.dfg.resolve_aliases(value)) == self.vmctx
            || (self.fixed_vmctx != 0
                && crate::vmctx_uses::is_vmctx_constant(func, value, self.fixed_vmctx))
    }

    /// The globals sharing a byte with `size` bytes at `offset` from the vmctx.
    fn touched(&self, offset: i32, size: u32) -> u64 {
        self.keys
            .iter()
            .enumerate()
            .filter(|(_, &(o, ty))| overlaps(offset, size, o, ty.bytes()))
            .fold(0, |mask, (i, _)| mask | 1 << i)
    }

    fn effect(&self, func: &ir::Function, inst: Inst) -> Effect {
        let data = &func.dfg.insts[inst];
        let opcode = data.opcode();
        if opcode.is_call() || opcode.other_side_effects() {
            return Effect::Clobbers(u64::MAX);
        }
        if opcode.is_return() {
            return Effect::Returns;
        }
        let trapping = |flags: ir::MemFlags| match func.dfg.mem_flags[flags].trap_code() {
            Some(_) => Effect::MayTrap,
            None => Effect::None,
        };
        match *data {
            InstructionData::Load {
                arg, offset, flags, ..
            } => {
                let ty = func.dfg.value_type(func.dfg.first_result(inst));
                if !self.is_vmctx(func, arg) {
                    return self.elsewhere(func, arg, flags, Effect::Reads(u64::MAX));
                }
                let offset = i32::from(offset);
                match self.keys.iter().position(|&k| k == (offset, ty)) {
                    Some(g) if opcode == Opcode::Load => Effect::Load(g),
                    // A narrower load reads no more than its result's size.
                    _ => match self.touched(offset, ty.bytes()) {
                        0 => trapping(flags),
                        mask => Effect::Reads(mask),
                    },
                }
            }
            InstructionData::Store {
                args: [value, base],
                offset,
                flags,
                ..
            } => {
                let ty = func.dfg.value_type(value);
                if !self.is_vmctx(func, base) {
                    return self.elsewhere(func, base, flags, Effect::Clobbers(u64::MAX));
                }
                let offset = i32::from(offset);
                let trusted = func.dfg.mem_flags[flags] == MemFlagsData::trusted();
                match self.keys.iter().position(|&k| k == (offset, ty)) {
                    Some(g) if opcode == Opcode::Store && trusted => {
                        Effect::Store(g, func.dfg.resolve_aliases(value))
                    }
                    // A narrower store writes no more than its value's size.
                    _ => match self.touched(offset, ty.bytes()) {
                        0 => trapping(flags),
                        mask => Effect::Clobbers(mask),
                    },
                }
            }
            _ if opcode.can_load() || opcode.can_store() => Effect::Clobbers(u64::MAX),
            _ if opcode.can_trap() => Effect::MayTrap,
            _ => Effect::None,
        }
    }

    /// What an access through a base other than the vmctx does: one of a stack slot does
    /// nothing here, one of linear memory (its own alias region, a mapping apart from the
    /// vmctx) at most traps; any other is taken to be `unknown` (it may reach the vmctx for
    /// all this pass knows).
    fn elsewhere(
        &self,
        func: &ir::Function,
        base: Value,
        flags: ir::MemFlags,
        unknown: Effect,
    ) -> Effect {
        let flags = func.dfg.mem_flags[flags];
        if let Some(inst) = func.dfg.value_def(func.dfg.resolve_aliases(base)).inst() {
            if func.dfg.insts[inst].opcode() == Opcode::StackAddr {
                return Effect::None;
            }
        }
        match (flags.alias_region(), flags.trap_code()) {
            (Some(_), Some(_)) => Effect::MayTrap,
            (Some(_), None) => Effect::None,
            (None, _) => unknown,
        }
    }
}

fn overlaps(a: i32, a_size: u32, b: i32, b_size: u32) -> bool {
    let (a, b) = (i64::from(a), i64::from(b));
    a < b + i64::from(b_size) && b < a + i64::from(a_size)
}

/// How many instructions the search from one store may look at before it gives up (and
/// keeps the store): the copies of small functions and fast paths are short; a search
/// through a whole large function would cost more compile time than it gains.
const SEARCH: usize = 400;

/// Removes the stores to `func`'s globals that nothing can see, as above, and the loads of
/// them left unused; `executable` says a trap ends the process. Returns how many loads and
/// stores went.
pub fn remove_unseen_stores(func: &mut ir::Function, fixed_vmctx: u64, executable: bool) -> usize {
    let Some(globals) = Globals::find(func, fixed_vmctx) else {
        return 0;
    };
    // The stores of each global, and whether a load of the global made the stored value.
    let mut stores: Vec<(Inst, usize, bool)> = Vec::new();
    let mut count = vec![0usize; globals.keys.len()];
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let Effect::Store(g, value) = globals.effect(func, inst) {
                let loaded = func
                    .dfg
                    .value_def(value)
                    .inst()
                    .is_some_and(|def| globals.effect(func, def) == Effect::Load(g));
                stores.push((inst, g, loaded));
                count[g] += 1;
            }
        }
    }
    // A dead store needs another store after it; a redundant one, a value loaded.
    stores.retain(|&(_, g, loaded)| count[g] > 1 || loaded);
    if stores.is_empty() {
        return 0;
    }
    let cfg = ControlFlowGraph::with_function(func);
    let mut search = Search::default();
    let mut removed = 0;
    for &(inst, g, _) in &stores {
        let dead = Rule::Dead { executable };
        if count[g] > 1 && search.unseen(func, &cfg, &globals, inst, g, dead) {
            func.layout.remove_inst(inst);
            removed += 1;
        }
    }
    for &(inst, g, loaded) in &stores {
        if loaded
            && func.layout.inst_block(inst).is_some()
            && search.unseen(func, &cfg, &globals, inst, g, Rule::Redundant)
        {
            func.layout.remove_inst(inst);
            removed += 1;
        }
    }
    match removed {
        0 => 0,
        _ => removed + remove_unused_loads(func, &globals),
    }
}

/// The state of the searches from stores: the blocks seen, kept between searches.
#[derive(Default)]
struct Search {
    seen: SecondaryMap<Block, u32>,
    round: u32,
    work: Vec<Block>,
}

impl Search {
    /// Whether `store`, of global `g`, may go by `rule`: as dead, every path from it stores `g`
    /// again before anything may read it (`executable`: a trap reads nothing); as redundant,
    /// it stores a value loaded from `g` (where, it dominates the store) and no path from
    /// that load to the store changes `g`.
    fn unseen(
        &mut self,
        func: &ir::Function,
        cfg: &ControlFlowGraph,
        globals: &Globals,
        store: Inst,
        g: usize,
        rule: Rule,
    ) -> bool {
        let bit = 1u64 << g;
        match rule {
            Rule::Dead { executable } => self.walk(func, cfg, store, Direction::Forward, |inst| {
                match globals.effect(func, inst) {
                    Effect::Store(h, _) if h == g => Step::Done,
                    Effect::Load(h) if h == g => Step::Fails,
                    Effect::Reads(m) | Effect::Clobbers(m) if m & bit != 0 => Step::Fails,
                    Effect::Returns => Step::Fails,
                    Effect::MayTrap if !executable => Step::Fails,
                    _ => Step::Next,
                }
            }),
            Rule::Redundant => {
                let Effect::Store(_, value) = globals.effect(func, store) else {
                    return false;
                };
                let load = func.dfg.value_def(value).unwrap_inst();
                self.walk(func, cfg, store, Direction::Backward, |inst| {
                    if inst == load {
                        return Step::Done;
                    }
                    match globals.effect(func, inst) {
                        Effect::Store(h, _) if h == g => Step::Fails,
                        Effect::Clobbers(m) if m & bit != 0 => Step::Fails,
                        _ => Step::Next,
                    }
                })
            }
        }
    }

    /// Whether every path from `from` (after it going forward, before it going backward)
    /// meets an instruction `step` says is [`Step::Done`] before one that [`Step::Fails`],
    /// within [`SEARCH`] instructions. Going backward, a path may not reach the entry.
    fn walk(
        &mut self,
        func: &ir::Function,
        cfg: &ControlFlowGraph,
        from: Inst,
        direction: Direction,
        mut step: impl FnMut(Inst) -> Step,
    ) -> bool {
        self.round += 1;
        self.work.clear();
        let forward = direction == Direction::Forward;
        let mut budget = SEARCH;
        let mut block = func.layout.inst_block(from).expect("in the layout");
        let mut at = match forward {
            true => func.layout.next_inst(from),
            false => func.layout.prev_inst(from),
        };
        loop {
            let mut done = false;
            while let Some(inst) = at {
                budget = match budget.checked_sub(1) {
                    Some(b) => b,
                    None => return false,
                };
                match step(inst) {
                    Step::Done => {
                        done = true;
                        break;
                    }
                    Step::Fails => return false,
                    Step::Next => {}
                }
                at = match forward {
                    true => func.layout.next_inst(inst),
                    false => func.layout.prev_inst(inst),
                };
            }
            if !done {
                if !forward && Some(block) == func.layout.entry_block() {
                    return false;
                }
                let next: Vec<Block> = match forward {
                    true => cfg.succ_iter(block).collect(),
                    false => cfg.pred_iter(block).map(|p| p.block).collect(),
                };
                for b in next {
                    if self.seen[b] != self.round {
                        self.seen[b] = self.round;
                        self.work.push(b);
                    }
                }
            }
            match self.work.pop() {
                Some(b) => {
                    block = b;
                    at = match forward {
                        true => func.layout.first_inst(b),
                        false => func.layout.last_inst(b),
                    };
                }
                None => return true,
            }
        }
    }
}

/// Which of the two rules a store is looked at by.
#[derive(Clone, Copy)]
enum Rule {
    Dead { executable: bool },
    Redundant,
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Forward,
    Backward,
}

/// What an instruction met in a [`Search::walk`] says of its path.
enum Step {
    /// Look further.
    Next,
    /// The path is as wanted: go no further along it.
    Done,
    /// The path is not as wanted: the search fails.
    Fails,
}

/// Removes the loads of followed globals whose results nothing uses, with the instructions
/// without effect that nothing uses (those computed from such a load, and any others the
/// mid-end left, which would make no code). Returns how many loads went.
fn remove_unused_loads(func: &mut ir::Function, globals: &Globals) -> usize {
    let mut loads: SecondaryMap<Inst, bool> = SecondaryMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            loads[inst] = matches!(globals.effect(func, inst), Effect::Load(_));
        }
    }
    let is_load = |inst: Inst| loads[inst];
    let pure = |inst: Inst| is_load(inst) || crate::schedule::movable(func, inst);
    let mut used: SecondaryMap<Value, bool> = SecondaryMap::new();
    let mut work: Vec<Value> = Vec::new();
    let mark = |inst: Inst, used: &mut SecondaryMap<Value, bool>, work: &mut Vec<Value>| {
        for arg in func.dfg.inst_values(inst) {
            let arg = func.dfg.resolve_aliases(arg);
            if !used[arg] {
                used[arg] = true;
                work.push(arg);
            }
        }
    };
    // (Every block's uses count, reached or not.)
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if func.dfg.inst_results(inst).is_empty() || !pure(inst) {
                mark(inst, &mut used, &mut work);
            }
        }
    }
    while let Some(value) = work.pop() {
        if let Some(inst) = func.dfg.value_def(value).inst() {
            if pure(inst) {
                mark(inst, &mut used, &mut work);
            }
        }
    }
    // Every instruction without effect whose results nothing uses goes: a user of one of its
    // results would have marked it.
    let dead: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|block| func.layout.block_insts(block))
        .filter(|&inst| {
            let results = func.dfg.inst_results(inst);
            !results.is_empty() && pure(inst) && results.iter().all(|&r| !used[r])
        })
        .collect();
    let mut removed = 0;
    for inst in dead {
        removed += usize::from(is_load(inst));
        func.layout.remove_inst(inst);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{I32, I64};
    use cranelift_codegen::ir::InstBuilder;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    const FIXED: u64 = 0x5000_0000;

    /// `f(vmctx, p)` as clang writes a function with a stack frame, after the mid-end: the
    /// stack pointer (a global at vmctx + 16; with `fixed`, at an executable's constant
    /// vmctx) less 16 is stored, `middle` runs (given the vmctx and the address of `p` in
    /// linear memory), then the pointer read first is stored back and 0 returned.
    fn framed(
        fixed: bool,
        middle: impl FnOnce(&mut FunctionBuilder, Value, Value),
    ) -> ir::Function {
        let (mut func, _) = crate::test_ir::wasm_function(&[I32], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let vmctx = match fixed {
            true => b.ins().iconst(I64, FIXED as i64),
            false => params[0],
        };
        let sp = b.ins().load(I32, MemFlagsData::trusted(), vmctx, 16);
        let sixteen = b.ins().iconst(I32, 16);
        let lowered = b.ins().isub(sp, sixteen);
        b.ins().store(MemFlagsData::trusted(), lowered, vmctx, 16);
        let base = crate::test_ir::memory_base(&mut b, vmctx);
        let wide = b.ins().uextend(I64, params[1]);
        let at = b.ins().iadd(base, wide);
        middle(&mut b, vmctx, at);
        b.ins().store(MemFlagsData::trusted(), sp, vmctx, 16);
        let zero = b.ins().iconst(I32, 0);
        b.ins().return_(&[zero]);
        crate::test_ir::finish(b);
        func
    }

    /// A load of linear memory, which traps out of bounds.
    fn heap_load(b: &mut FunctionBuilder, _vmctx: Value, at: Value) {
        let (_, heap) = crate::test_ir::wasm_function(&[], &[]);
        let region = b.func.dfg.alias_regions.insert(ir::AliasRegionData {
            user_id: crate::test_ir::MEMORY0.region,
            description: "linear memory".into(),
        });
        b.ins()
            .uload8(I32, heap.with_alias_region(Some(region)), at, 0);
    }

    /// The loads and stores of `globals` in `func`, as (loads, stores).
    fn accesses(func: &ir::Function, globals: &Globals) -> (usize, usize) {
        let mut found = (0, 0);
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                match globals.effect(func, inst) {
                    Effect::Load(_) => found.0 += 1,
                    Effect::Store(..) => found.1 += 1,
                    _ => {}
                }
            }
        }
        found
    }

    /// How many instructions the pass removes from `func`, and the loads and stores of the
    /// stack pointer left.
    fn removed(mut func: ir::Function, executable: bool) -> (usize, (usize, usize)) {
        let globals = Globals::find(&func, FIXED).expect("a global stored");
        let count = remove_unseen_stores(&mut func, FIXED, executable);
        crate::test_ir::verify(&func);
        (count, accesses(&func, &globals))
    }

    #[test]
    fn an_executables_frame_that_nothing_reads_goes() {
        for fixed in [false, true] {
            let func = framed(fixed, heap_load);
            // The lowered pointer is never read, so the pointer is never changed: its load
            // goes too.
            assert_eq!(removed(func, true), (3, (0, 0)), "fixed: {fixed}");
        }
    }

    #[test]
    fn a_trap_on_the_way_keeps_the_frame_for_an_embedder() {
        for fixed in [false, true] {
            assert_eq!(removed(framed(fixed, heap_load), false), (0, (1, 2)));
        }
    }

    #[test]
    fn a_call_or_a_read_of_the_global_keeps_the_frame() {
        let calls = |b: &mut FunctionBuilder, _: Value, _: Value| {
            let callee = crate::test_ir::external_callee(b);
            b.ins().call(callee, &[]);
        };
        let reads_a_byte = |b: &mut FunctionBuilder, vmctx: Value, _: Value| {
            b.ins().uload8(I32, MemFlagsData::trusted(), vmctx, 17);
        };
        // Through a pointer this pass cannot place, which may be the vmctx for all it knows.
        let reads_through_a_pointer = |b: &mut FunctionBuilder, vmctx: Value, _: Value| {
            let pointer = b.ins().load(I64, MemFlagsData::trusted(), vmctx, 40);
            b.ins().load(I32, MemFlagsData::trusted(), pointer, 0);
        };
        assert_eq!(removed(framed(true, calls), true), (0, (1, 2)));
        assert_eq!(removed(framed(true, reads_a_byte), true), (0, (1, 2)));
        assert_eq!(
            removed(framed(true, reads_through_a_pointer), true),
            (0, (1, 2))
        );
    }

    #[test]
    fn a_byte_written_in_between_keeps_the_frame() {
        let writes_a_byte = |b: &mut FunctionBuilder, vmctx: Value, _: Value| {
            let one = b.ins().iconst(I32, 1);
            b.ins().istore8(MemFlagsData::trusted(), one, vmctx, 18);
        };
        assert_eq!(removed(framed(true, writes_a_byte), true), (0, (1, 2)));
    }

    /// Storing back what was loaded, with a trap between, changes nothing either way.
    #[test]
    fn a_store_of_what_the_global_holds_goes_whatever_traps() {
        let (mut func, _) = crate::test_ir::wasm_function(&[I32], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let sp = b.ins().load(I32, MemFlagsData::trusted(), params[0], 16);
        let base = crate::test_ir::memory_base(&mut b, params[0]);
        let wide = b.ins().uextend(I64, params[1]);
        let at = b.ins().iadd(base, wide);
        heap_load(&mut b, params[0], at);
        b.ins().store(MemFlagsData::trusted(), sp, params[0], 16);
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        assert_eq!(removed(func, false), (2, (0, 0)));
    }

    /// The lowered pointer stored reaches a call on one path: it stays, and so does the
    /// store back on the other path, where the global holds the lowered pointer.
    #[test]
    fn a_store_read_on_one_path_stays() {
        let branches = |b: &mut FunctionBuilder, _: Value, at: Value| {
            let (calling, joined) = (b.create_block(), b.create_block());
            b.ins().brif(at, calling, &[], joined, &[]);
            b.switch_to_block(calling);
            let callee = crate::test_ir::external_callee(b);
            b.ins().call(callee, &[]);
            b.ins().jump(joined, &[]);
            b.switch_to_block(joined);
        };
        assert_eq!(removed(framed(true, branches), true), (0, (1, 2)));
    }
}
