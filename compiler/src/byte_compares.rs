//! Loops comparing two byte strings read eight bytes at a time.
//!
//! A C library built for wasm compares memory one byte per iteration (`memcmp` of wasi-libc:
//! `for (; n && *l == *r; n--, l++, r++);`), where the host's C library compares a word or a
//! vector at a time. This pass finds such a loop: a header loading one byte at each of two
//! addresses and leaving the loop when they differ, and a second block counting down to zero,
//! stepping both addresses by one and going back. On the loop's entry it adds a copy that
//! compares eight bytes at a time:
//!
//! - it runs only when at least two bytes are left and, from each address, the bytes the
//!   loop would read (all `n` of them) and a whole word lie in memory: neither the copy nor
//!   the loop can trap before the end, and no 32-bit address wraps. A word may reach past the
//!   `n` bytes (a string shorter than a word); those bytes are read, never compared;
//! - a word of equal bytes steps both addresses and the count as that many iterations of the
//!   loop would (at most the count less one: the last byte is always left to the loop); while
//!   a word is left the copy goes on; else, or at the first word with a difference (the
//!   addresses stepped to its first different byte, the lowest of a little-endian word, or
//!   to the count's last byte when the difference lies past it), it goes on in the loop
//!   itself, which finds the difference or the end as before: every exit of the loop is the
//!   loop's own, with its own values.
//!
//! Only loops with nothing else to observe qualify: no call, no store, nothing that may trap
//! but the two loads, and every other value of the header's unchanged from one iteration to
//! the next or stepping by a constant (stepped alike in the copy). Memory 0 only, 32-bit with guard pages, as for [`crate::vector_loops`].

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, ArgumentPurpose, Block, BlockArg, Inst, InstBuilder, InstructionData, Opcode,
    Value, ValueDef,
};

use crate::narrow_masks::constant;
use crate::vector_loops::{add_constant, base_offset, retarget, targets, unary, Memory0};

/// The fewest bytes left for which the copy runs: one byte is left to the loop.
const MIN_BYTES: i64 = 2;
/// The bytes the copy compares at once.
const WORD: i64 = 8;

/// Adds the eight-bytes-at-a-time copy to each loop of `func` that qualifies; returns how
/// many.
pub fn widen_byte_compares(func: &mut ir::Function, memory: &Memory0) -> usize {
    let Some(vmctx) = func.special_param(ArgumentPurpose::VMContext) else {
        return 0;
    };
    let candidates: Vec<Block> = func
        .layout
        .blocks()
        .filter(|&b| compare_of(func, b).is_some())
        .collect();
    let mut done = 0;
    for header in candidates {
        let Some(plan) = Plan::new(func, memory, header) else {
            continue;
        };
        let cfg = ControlFlowGraph::with_function(func);
        let entry: Vec<Inst> = cfg
            .pred_iter(header)
            .map(|p| p.inst)
            .filter(|&i| func.layout.inst_block(i) != Some(plan.step))
            .collect();
        let [entry] = entry[..] else { continue };
        let ok = targets(func, entry, header) == 1
            && cfg.pred_iter(plan.step).count() == 1
            && plan.entry_zero_extended(func, entry);
        if ok {
            plan.apply(func, memory, vmctx, entry);
            done += 1;
        }
    }
    done
}

/// One pointer of the loop: the header parameter it steps and how it reaches memory.
#[derive(Clone, Copy)]
struct Pointer {
    param: usize,
    /// The base value of the address `base + pointer`.
    base: Value,
    /// The byte of memory 0 the pointer value 0 reads: the base's and the load's offsets.
    disp: i64,
    load: Inst,
}

/// A qualifying loop: `header` compares, `step` counts and steps.
struct Plan {
    header: Block,
    step: Block,
    pointers: [Pointer; 2],
    count: usize,
    /// How each header parameter changes from one iteration to the next.
    steps: Vec<Step>,
}

/// How a header parameter changes from one iteration to the next.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    /// Not at all.
    Same,
    /// By adding a constant in its own type.
    Add(i64),
    /// An i64 holding a 32-bit value: by adding a constant to its low 32 bits, zero-extended.
    Wide(i64),
}

impl Step {
    fn by(self) -> i64 {
        match self {
            Step::Same => 0,
            Step::Add(c) | Step::Wide(c) => c,
        }
    }
}

/// How `param` becomes `next` on the back edge, if it is one of [`Step`]'s ways.
fn step_of(func: &ir::Function, param: Value, next: Value) -> Option<Step> {
    let next = func.dfg.resolve_aliases(next);
    if next == param {
        return Some(Step::Same);
    }
    if let Some((x, c)) = add_constant(func, next) {
        if x == param {
            return Some(Step::Add(c));
        }
    }
    let inner = strip(func, next, Opcode::Uextend);
    let wide = func.dfg.value_type(param) == types::I64
        && inner != next
        && func.dfg.value_type(inner) == types::I32;
    let (x, c) = add_constant(func, inner)?;
    (wide && x != param && strip(func, x, Opcode::Ireduce) == param).then_some(Step::Wide(c))
}

/// The two byte loads a block's terminator compares for equality, and the block it goes on
/// to when they are equal (the other leaves).
fn compare_of(func: &ir::Function, block: Block) -> Option<(Inst, Inst, Block)> {
    let (arg, [then, other]) = brif_of(func, block)?;
    let pool = &func.dfg.value_lists;
    let ValueDef::Result(cmp, _) = func.dfg.value_def(func.dfg.resolve_aliases(arg)) else {
        return None;
    };
    let InstructionData::IntCompare { cond, args, .. } = func.dfg.insts[cmp] else {
        return None;
    };
    let equal = match cond {
        IntCC::NotEqual => other,
        IntCC::Equal => then,
        _ => return None,
    };
    if equal.args(pool).next().is_some() || equal.block(pool) == block {
        return None;
    }
    let a = byte_load(func, args[0])?;
    let b = byte_load(func, args[1])?;
    let in_block = |i: Inst| func.layout.inst_block(i) == Some(block);
    (a != b && in_block(a) && in_block(b)).then_some((a, b, equal.block(pool)))
}

/// The condition and the two destinations of `block`'s terminator, when a `brif`.
fn brif_of(func: &ir::Function, block: Block) -> Option<(Value, [ir::BlockCall; 2])> {
    match func.dfg.insts[func.layout.last_inst(block)?] {
        InstructionData::Brif { arg, blocks, .. } => Some((arg, blocks)),
        _ => None,
    }
}

/// The `uload8` whose byte `value` is, through narrowing and zero extensions (which keep
/// every byte value as it is, so two such values are equal exactly when their bytes are).
fn byte_load(func: &ir::Function, value: Value) -> Option<Inst> {
    let mut value = func.dfg.resolve_aliases(value);
    loop {
        let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
            return None;
        };
        match func.dfg.insts[inst] {
            InstructionData::Unary {
                opcode: Opcode::Ireduce | Opcode::Uextend,
                arg,
            } => value = func.dfg.resolve_aliases(arg),
            InstructionData::Load {
                opcode: Opcode::Uload8,
                ..
            } => return Some(inst),
            _ => return None,
        }
    }
}

impl Plan {
    fn new(func: &ir::Function, memory: &Memory0, header: Block) -> Option<Plan> {
        let (a, b, step) = compare_of(func, header)?;
        if step == header {
            return None;
        }
        let params = func.dfg.block_params(header);
        let pointers = [
            pointer(func, memory, params, a)?,
            pointer(func, memory, params, b)?,
        ];
        if pointers[0].param == pointers[1].param {
            return None;
        }
        // The step block: back to the header while the count, less one, is not zero.
        let (arg, dests) = brif_of(func, step)?;
        let pool = &func.dfg.value_lists;
        let (tested, nonzero_goes_on) = nonzero_test(func, arg);
        let (back, out) = match nonzero_goes_on {
            true => (dests[0], dests[1]),
            false => (dests[1], dests[0]),
        };
        if back.block(pool) != header || out.block(pool) == header {
            return None;
        }
        let back: Vec<Value> = back
            .args(pool)
            .map(|arg| arg.as_value())
            .collect::<Option<_>>()?;
        if back.len() != params.len() {
            return None;
        }
        let count = params.iter().position(|&p| counted_down(func, tested, p))?;
        let mut steps = Vec::new();
        for (i, (&param, &next)) in params.iter().zip(&back).enumerate() {
            let step = step_of(func, param, next)?;
            let ok = match i {
                _ if i == count => strip(func, next, Opcode::Uextend) == tested,
                _ if pointers.iter().any(|p| p.param == i) => step.by() == 1,
                _ => true,
            };
            if !ok {
                return None;
            }
            steps.push(step);
        }
        if pointers.iter().any(|p| p.param == count) {
            return None;
        }
        let quiet = |block: Block| {
            func.layout.block_insts(block).all(|inst| {
                let opcode = func.dfg.insts[inst].opcode();
                inst == a
                    || inst == b
                    || Some(inst) == func.layout.last_inst(block)
                    || !(opcode.can_trap()
                        || opcode.can_load()
                        || opcode.can_store()
                        || opcode.is_call()
                        || opcode.other_side_effects())
            })
        };
        if !quiet(header) || !quiet(step) {
            return None;
        }
        let plan = Plan {
            header,
            step,
            pointers,
            count,
            steps,
        };
        plan.bases_outside(func).then_some(plan)
    }

    /// Each base is a constant or defined before the loop (so it is there on the entry).
    fn bases_outside(&self, func: &ir::Function) -> bool {
        self.pointers.iter().all(|p| match func.dfg.value_def(p.base) {
            ValueDef::Result(inst, _) => {
                constant(func, p.base).is_some()
                    || !matches!(func.layout.inst_block(inst), Some(b) if b == self.header || b == self.step)
            }
            ValueDef::Param(block, _) => block != self.header && block != self.step,
            _ => false,
        })
    }

    /// The entry's pointers and count are 32-bit values (zero-extended when wide), as the
    /// loop's own steps keep them: what the check's arithmetic assumes.
    fn entry_zero_extended(&self, func: &ir::Function, entry: Inst) -> bool {
        let Some(args) = header_args(func, entry, self.header) else {
            return false;
        };
        let params = func.dfg.block_params(self.header);
        let wanted = [self.pointers[0].param, self.pointers[1].param, self.count];
        wanted.iter().all(|&i| {
            if func.dfg.value_type(params[i]) == types::I32 {
                return true;
            }
            let arg = func.dfg.resolve_aliases(args[i]);
            if let Some(c) = constant(func, arg) {
                return c <= u64::from(u32::MAX);
            }
            strip(func, arg, Opcode::Uextend) != arg
                && func.dfg.value_type(strip(func, arg, Opcode::Uextend)) == types::I32
        })
    }

    fn apply(&self, func: &mut ir::Function, memory: &Memory0, vmctx: Value, entry: Inst) {
        let params: Vec<Value> = func.dfg.block_params(self.header).to_vec();
        let types: Vec<ir::Type> = params.iter().map(|&p| func.dfg.value_type(p)).collect();
        let check = func.dfg.make_block();
        let fast = func.dfg.make_block();
        let same = func.dfg.make_block();
        let found = func.dfg.make_block();
        for block in [check, fast, same, found] {
            func.layout.insert_block(block, self.header);
        }
        let check_params: Vec<Value> = types
            .iter()
            .map(|&ty| func.dfg.append_block_param(check, ty))
            .collect();
        let fast_params: Vec<Value> = types
            .iter()
            .map(|&ty| func.dfg.append_block_param(fast, ty))
            .collect();
        retarget(&mut func.dfg, entry, self.header, check);

        let mut pos = FuncCursor::new(func).at_bottom(check);
        let wide = |pos: &mut FuncCursor, v: Value| match pos.func.dfg.value_type(v) {
            types::I32 => pos.ins().uextend(types::I64, v),
            _ => v,
        };
        // At least two bytes, and from each pointer the n bytes the loop may read, and a
        // whole word, in memory.
        let n = wide(&mut pos, check_params[self.count]);
        let mut ok = pos
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, n, MIN_BYTES);
        let word = pos.ins().iconst(types::I64, WORD);
        let reach = pos.ins().umax(n, word);
        let length = memory.length(&mut pos, vmctx);
        let mut bases = Vec::new();
        for pointer in &self.pointers {
            let p = wide(&mut pos, check_params[pointer.param]);
            let end = pos.ins().iadd(p, reach);
            let end = pos.ins().iadd_imm_s(end, pointer.disp);
            let inside = pos.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, length);
            ok = pos.ins().band(ok, inside);
            let base = match constant(pos.func, pointer.base) {
                Some(c) => pos.ins().iconst(types::I64, c as i64),
                None => pointer.base,
            };
            bases.push(base);
        }
        let args: Vec<BlockArg> = check_params.iter().map(|&v| v.into()).collect();
        pos.ins().brif(ok, fast, &args, self.header, &args);

        // Eight bytes from each pointer, as the loop's loads read them.
        pos.goto_bottom(fast);
        let mut words = Vec::new();
        for (pointer, &base) in self.pointers.iter().zip(&bases) {
            let p = wide(&mut pos, fast_params[pointer.param]);
            let address = pos.ins().iadd(base, p);
            let data = pos.func.dfg.insts[pointer.load];
            let (Some(flags), InstructionData::Load { offset, .. }) =
                (data.memflags_data(&pos.func.dfg), data)
            else {
                unreachable!("a pointer's load is a load");
            };
            words.push(pos.ins().load(types::I64, flags, address, offset));
        }
        let diff = pos.ins().bxor(words[0], words[1]);
        pos.ins().brif(diff, found, &[], same, &[]);

        // The word's bytes equal: as many iterations as bytes, but the count's last (the
        // loop's own test of the end); the copy goes on while a word is left.
        pos.goto_bottom(same);
        let n = wide(&mut pos, fast_params[self.count]);
        let last = pos.ins().iadd_imm_s(n, -1);
        let word = pos.ins().iconst(types::I64, WORD);
        let bytes = pos.ins().umin(last, word);
        let next = self.stepped(&mut pos, &fast_params, bytes);
        let n = wide(&mut pos, next[self.count]);
        let more = pos
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, n, WORD);
        let args: Vec<BlockArg> = next.iter().map(|&v| v.into()).collect();
        pos.ins().brif(more, fast, &args, self.header, &args);

        // A difference: on to its first byte (the lowest of a little-endian word), where the
        // loop finds it; one past the count's end, to the last byte, equal, where the loop
        // ends.
        pos.goto_bottom(found);
        let zeros = pos.ins().ctz(diff);
        let first = pos.ins().ushr_imm_u(zeros, 3);
        let n = wide(&mut pos, fast_params[self.count]);
        let last = pos.ins().iadd_imm_s(n, -1);
        let bytes = pos.ins().umin(first, last);
        let next = self.stepped(&mut pos, &fast_params, bytes);
        let args: Vec<BlockArg> = next.iter().map(|&v| v.into()).collect();
        pos.ins().jump(self.header, &args);
    }

    /// The parameters after `by` iterations (an i64): the pointers and the count, which do
    /// not wrap in the copy, in plain 64-bit (or 32-bit) arithmetic, the others as the loop
    /// steps them.
    fn stepped(&self, pos: &mut FuncCursor, params: &[Value], by: Value) -> Vec<Value> {
        let mut next = params.to_vec();
        let exact = [self.pointers[0].param, self.pointers[1].param, self.count];
        for (i, value) in next.iter_mut().enumerate() {
            let step = self.steps[i];
            if step == Step::Same {
                continue;
            }
            let ty = pos.func.dfg.value_type(*value);
            let narrow = matches!(step, Step::Wide(_)) && !exact.contains(&i);
            let at = match narrow {
                true => pos.ins().ireduce(types::I32, *value),
                false => *value,
            };
            let by = match pos.func.dfg.value_type(at) {
                types::I32 => pos.ins().ireduce(types::I32, by),
                _ => by,
            };
            let moved = match step.by() {
                1 => pos.ins().iadd(at, by),
                -1 => pos.ins().isub(at, by),
                c => {
                    let amount = pos.ins().imul_imm_s(by, c);
                    pos.ins().iadd(at, amount)
                }
            };
            *value = match narrow {
                true => pos.ins().uextend(ty, moved),
                false => moved,
            };
        }
        next
    }
}

/// The pointer whose byte `load` reads: its address `base + p` (`p` a header parameter, or
/// its zero extension) with `base` memory 0's base, plus a non-negative offset.
fn pointer(func: &ir::Function, memory: &Memory0, params: &[Value], load: Inst) -> Option<Pointer> {
    let InstructionData::Load { arg, offset, .. } = func.dfg.insts[load] else {
        return None;
    };
    let offset = i64::from(i32::from(offset));
    if offset < 0 {
        return None;
    }
    let ValueDef::Result(add, _) = func.dfg.value_def(func.dfg.resolve_aliases(arg)) else {
        return None;
    };
    let InstructionData::Binary {
        opcode: Opcode::Iadd,
        args,
    } = func.dfg.insts[add]
    else {
        return None;
    };
    for (base, x) in [(args[0], args[1]), (args[1], args[0])] {
        let Some(extra) = base_offset(func, memory, base) else {
            continue;
        };
        let x = func.dfg.resolve_aliases(x);
        let wide_param = params.iter().position(|&p| p == x);
        let narrow = strip(func, x, Opcode::Uextend);
        let narrow_param = params
            .iter()
            .position(|&p| p == narrow && func.dfg.value_type(p) == types::I32);
        if let Some(param) = wide_param.or(narrow_param) {
            return Some(Pointer {
                param,
                base: func.dfg.resolve_aliases(base),
                disp: extra + offset,
                load,
            });
        }
    }
    None
}

/// `(value, true)` for a branch that goes on to its first destination when `value` is not
/// zero; a test `value != 0` or `value == 0` is looked through.
fn nonzero_test(func: &ir::Function, arg: Value) -> (Value, bool) {
    let arg = func.dfg.resolve_aliases(arg);
    if let ValueDef::Result(inst, _) = func.dfg.value_def(arg) {
        if let InstructionData::IntCompare { cond, args, .. } = func.dfg.insts[inst] {
            if constant(func, args[1]) == Some(0) {
                let x = func.dfg.resolve_aliases(args[0]);
                match cond {
                    IntCC::NotEqual => return (x, true),
                    IntCC::Equal => return (x, false),
                    _ => {}
                }
            }
        }
    }
    (arg, true)
}

/// Whether `tested` is the 32-bit count `param` less one (`param` i32, or i64 narrowed).
fn counted_down(func: &ir::Function, tested: Value, param: Value) -> bool {
    func.dfg.value_type(tested) == types::I32
        && add_constant(func, tested).is_some_and(|(x, k)| {
            k == -1 && (x == param || strip(func, x, Opcode::Ireduce) == param)
        })
}

/// `value`'s operand when it is the result of the unary `opcode`, else `value`.
fn strip(func: &ir::Function, value: Value, opcode: Opcode) -> Value {
    unary(func, value, opcode).unwrap_or_else(|| func.dfg.resolve_aliases(value))
}

/// The values `inst` passes to `block` (its only destination there).
fn header_args(func: &ir::Function, inst: Inst, block: Block) -> Option<Vec<Value>> {
    let pool = &func.dfg.value_lists;
    func.dfg.insts[inst]
        .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        .iter()
        .find(|call| call.block(pool) == block)?
        .args(pool)
        .map(|arg| arg.as_value())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ir::{memory_base, wasm_function, MEMORY0 as MEMORY};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// What the loop of `memcmp` is changed by.
    #[derive(Clone, Copy, PartialEq)]
    enum Twist {
        None,
        /// A store in the header.
        Store,
        /// The second byte loaded signed.
        Signed,
        /// The first pointer stepping by two.
        StepTwo,
    }

    /// The loop the translation gives wasi-libc's `memcmp` (zero-extended i32 pointers and
    /// count, as x86-64 keeps them), changed by `twist`.
    fn memcmp(twist: Twist) -> ir::Function {
        let (mut func, heap) = wasm_function(&[types::I32; 3], &[types::I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let wide: Vec<BlockArg> = params[1..]
            .iter()
            .map(|&v| b.ins().uextend(types::I64, v).into())
            .collect();
        let base = memory_base(&mut b, params[0]);
        let [top, step, differ, end] = [0; 4].map(|_| b.create_block());
        let [p, q, n] = [0; 3].map(|_| b.append_block_param(top, types::I64));
        b.ins().jump(top, &wide);

        b.switch_to_block(top);
        let pa = b.ins().iadd(base, p);
        let a = b.ins().uload8(types::I64, heap, pa, 0);
        let qa = b.ins().iadd(base, q);
        let bb = match twist {
            Twist::Signed => b.ins().sload8(types::I64, heap, qa, 0),
            _ => b.ins().uload8(types::I64, heap, qa, 0),
        };
        if twist == Twist::Store {
            b.ins().store(heap, a, qa, 8);
        }
        let a = b.ins().ireduce(types::I32, a);
        let bb = b.ins().ireduce(types::I32, bb);
        let ne = b.ins().icmp(IntCC::NotEqual, a, bb);
        b.ins().brif(ne, differ, &[], step, &[]);

        b.switch_to_block(step);
        let count = b.ins().ireduce(types::I32, n);
        let left = b.ins().iadd_imm_s(count, -1);
        let by = if twist == Twist::StepTwo { 2 } else { 1 };
        let next: Vec<BlockArg> = [(p, by), (q, 1)]
            .map(|(x, by)| {
                let x = b.ins().ireduce(types::I32, x);
                let x = b.ins().iadd_imm_s(x, by);
                b.ins().uextend(types::I64, x).into()
            })
            .into_iter()
            .chain([b.ins().uextend(types::I64, left).into()])
            .collect();
        b.ins().brif(left, top, &next, end, &[]);

        b.switch_to_block(differ);
        let d = b.ins().isub(a, bb);
        b.ins().return_(&[d]);
        b.switch_to_block(end);
        let zero = b.ins().iconst(types::I32, 0);
        b.ins().return_(&[zero]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn memcmp_gets_a_word_copy() {
        let mut func = memcmp(Twist::None);
        assert_eq!(
            widen_byte_compares(&mut func, &MEMORY),
            1,
            "{}",
            func.display()
        );
        let loads: Vec<ir::Type> = func
            .layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b))
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Load)
            .map(|i| func.dfg.value_type(func.dfg.first_result(i)))
            .collect();
        // The base, the memory's definition and length, and the two words.
        assert_eq!(loads, [types::I64; 5], "{}", func.display());
        let has = |op: Opcode| {
            func.layout
                .blocks()
                .flat_map(|b| func.layout.block_insts(b))
                .any(|i| func.dfg.insts[i].opcode() == op)
        };
        assert!(has(Opcode::Ctz) && has(Opcode::Bxor), "{}", func.display());
        // The check, the word loop and its two ways out, before the loop.
        assert_eq!(func.layout.blocks().count(), 9, "{}", func.display());
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
    }

    #[test]
    fn loops_doing_more_are_left_alone() {
        for twist in [Twist::Store, Twist::Signed, Twist::StepTwo] {
            let mut func = memcmp(twist);
            let before = func.display().to_string();
            assert_eq!(widen_byte_compares(&mut func, &MEMORY), 0, "{before}");
            assert_eq!(func.display().to_string(), before);
        }
    }

    #[test]
    fn another_memory_is_left_alone() {
        let mut func = memcmp(Twist::None);
        let other = Memory0 {
            base_offset: 48,
            ..MEMORY
        };
        assert_eq!(
            widen_byte_compares(&mut func, &other),
            0,
            "{}",
            func.display()
        );
    }
}
