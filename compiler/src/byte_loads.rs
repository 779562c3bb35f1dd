//! Big-endian numbers read a byte at a time become one load and a byte swap, before the
//! mid-end.
//!
//! C code that reads a big-endian number (`(p[0] << 8) | p[1]`, and its 4- and 8-byte forms:
//! SQLite's b-tree pages and record headers) compiles natively to one load and a `bswap`.
//! WebAssembly has no byte swap, so clang leaves 2, 4 or 8 `load8_u`, each shifted into place
//! and combined with `or` (or `add`): 22 instructions on x86-64 for 8 bytes, where one wide
//! load and a `bswap` do.
//!
//! - **What matches**: a tree of `bor` and `iadd` over `ishl` by a constant and
//!   zero-extensions, whose leaves are byte loads (an unsigned one seen through any chain of
//!   `uextend` and `ireduce`, a signed one through `sextend`): 2, 4 or 8 of them, at
//!   consecutive offsets from one address (the same computation, with the same flags), the
//!   byte at the lowest offset in the highest place. Only that byte may be signed, with no zero-extension between it and the root:
//!   its sign fills the root's higher bits, as a sign-extension of the swapped bytes does.
//!   Every byte lands in 8 bits of its own and none is cut off by a narrower type on the
//!   way, so an `iadd` adds disjoint bits, which is an `or`.
//! - **Traps**: the byte loads are in one block, and between the first and the last nothing
//!   stores, calls or may trap but loads. The wide load takes the first one's place: it reads
//!   exactly the bytes they read, so it faults if and only if one of them would have, and before
//!   anything else happens. Such a trap names the first byte load's wasm offset, where it
//!   could have named a later one of the same expression.
//! - **The byte loads' other uses**: each becomes its byte taken out of the wide load (a
//!   shift and a mask), so a byte used elsewhere too keeps its value; unused, the mid-end
//!   removes it with the rest of the tree.
//! - Little-endian forms are left alone: clang combines those itself.
//! - **Bounded work**: the search from each `or` or addition looks at most [`MOST_NODES`]
//!   instructions, and the loads must lie within [`LONGEST_SPAN`] instructions of each other,
//!   so a hostile chain of a million additions costs a million short searches.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    self, types, InstBuilder, InstructionData, Opcode, Type, Value, ValueDef,
};

use crate::narrow_masks::constant;

/// The most leaves a tree is searched for: the bytes of an i64.
const MOST_BYTES: usize = 8;
/// The most instructions of a tree looked at from its root: an 8-byte read has 8 loads, 8
/// shifts, 7 `or`s and a few extensions. Each root's search stays short (and shallow) in a
/// long chain of additions.
const MOST_NODES: u32 = 48;
/// The most instructions from the first byte load to the last: the bytes of a read sit
/// together, and no pair of loads far apart costs a long walk.
const LONGEST_SPAN: usize = 64;

/// Rewrites every big-endian byte-by-byte read in `func` into a wide load and a byte swap.
/// Returns how many were rewritten.
pub fn combine_big_endian_loads(func: &mut ir::Function) -> usize {
    let mut roots = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if is_combination(func, inst) {
                roots.push(inst);
            }
        }
    }
    // The outermost tree first: it comes last, after the trees it is made of.
    let mut combined = 0;
    for &root in roots.iter().rev() {
        if !is_combination(func, root) {
            continue;
        }
        if let Some(read) = big_endian_read(func, root) {
            rewrite(func, root, &read);
            combined += 1;
        }
    }
    combined
}

/// Whether `inst` is an `or` or an addition of two integers of at most 64 bits.
fn is_combination(func: &ir::Function, inst: ir::Inst) -> bool {
    let InstructionData::Binary { opcode, .. } = func.dfg.insts[inst] else {
        return false;
    };
    let ty = func.dfg.ctrl_typevar(inst);
    matches!(opcode, Opcode::Bor | Opcode::Iadd) && ty.is_int() && ty.bits() <= 64
}

/// The bytes a tree reads, and where.
struct Read {
    /// The byte loads, by offset from the lowest.
    loads: Vec<ir::Inst>,
    /// The one of them that comes first in the layout.
    first: ir::Inst,
    /// The width of the whole read.
    width: Type,
    /// Whether the highest byte, and with it the read, is sign-extended.
    signed: bool,
}

/// Whether the byte load `inst` sign-extends its byte.
fn signed(func: &ir::Function, inst: ir::Inst) -> bool {
    func.dfg.insts[inst].opcode() == Opcode::Sload8
}

/// The big-endian read `root` computes, if it is one.
fn big_endian_read(func: &ir::Function, root: ir::Inst) -> Option<Read> {
    let value = func.dfg.first_result(root);
    let mut leaves = Vec::new();
    let mut budget = MOST_NODES;
    collect(func, value, 0, false, &mut budget, &mut leaves)?;
    let width = match leaves.len() {
        2 => types::I16,
        4 => types::I32,
        8 => types::I64,
        _ => return None,
    };
    let n = leaves.len() as u32;
    // In place order: the byte at the lowest offset holds the highest place.
    leaves.sort_by_key(|&(_, place)| std::cmp::Reverse(place));
    let first = leaves[0].0;
    let InstructionData::Load {
        flags,
        arg: address,
        offset: lowest,
        ..
    } = func.dfg.insts[first]
    else {
        return None;
    };
    let flags = func.dfg.mem_flags[flags];
    // The wide load takes the bytes' flags: they must not promise an alignment it lacks, nor
    // an order of bytes the swap would undo.
    if flags.aligned() || flags.explicit_endianness() == Some(ir::Endianness::Big) {
        return None;
    }
    let lowest = i64::from(lowest);
    let block = func.layout.inst_block(first)?;
    for (k, &(load, place)) in leaves.iter().enumerate() {
        let InstructionData::Load {
            flags: f,
            arg,
            offset,
            ..
        } = func.dfg.insts[load]
        else {
            return None;
        };
        // Only the highest byte may be signed: its sign then fills the root's higher bits.
        if k > 0 && signed(func, load) {
            return None;
        }
        let k = k as u32;
        let same_place = place == 8 * (n - 1 - k);
        let same_address = arg == address || same_computation(func, arg, address, 3);
        if !same_place
            || !same_address
            || func.dfg.mem_flags[f] != flags
            || i64::from(offset) != lowest + i64::from(k)
            || func.layout.inst_block(load) != Some(block)
        {
            return None;
        }
    }
    let loads: Vec<ir::Inst> = leaves.iter().map(|&(load, _)| load).collect();
    let signed = signed(func, loads[0]);
    let first = *loads
        .iter()
        .min_by(|&&a, &&b| func.layout.pp_cmp(a, b))
        .expect("2 or more");
    nothing_between(func, first, &loads).then_some(Read {
        loads,
        first,
        width,
        signed,
    })
}

/// Adds the byte loads `value` is made of to `leaves`, each with the bit place its byte has in
/// the tree's root (`shift` is how far `value` is shifted up on the way there; `extended`,
/// whether it is zero-extended on the way). `None` if `value` is not such a tree, a byte would
/// not keep all its bits, or a signed byte's sign would not reach the root's highest bit.
fn collect(
    func: &ir::Function,
    value: Value,
    shift: u32,
    extended: bool,
    budget: &mut u32,
    leaves: &mut Vec<(ir::Inst, u32)>,
) -> Option<()> {
    *budget = budget.checked_sub(1)?;
    let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
        return None;
    };
    let bits = func.dfg.value_type(value).bits();
    if let Some(load) = byte_load(func, value) {
        let repeated = leaves.iter().any(|&(l, _)| l == load);
        if leaves.len() == MOST_BYTES || repeated || (extended && signed(func, load)) {
            return None;
        }
        leaves.push((load, shift));
        return Some(());
    }
    let start = leaves.len();
    match func.dfg.insts[inst] {
        InstructionData::Binary {
            opcode: Opcode::Bor | Opcode::Iadd,
            args: [a, b],
        } => {
            collect(func, a, shift, extended, budget, leaves)?;
            collect(func, b, shift, extended, budget, leaves)?;
        }
        InstructionData::Binary {
            opcode: Opcode::Ishl,
            args: [a, amount],
        } => {
            let amount = u32::try_from(constant(func, amount)?).ok()?;
            if amount >= bits || amount % 8 != 0 {
                return None;
            }
            collect(func, a, shift + amount, extended, budget, leaves)?;
        }
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } => collect(func, arg, shift, true, budget, leaves)?,
        _ => return None,
    }
    // Every byte found under `value` keeps its 8 bits in `value`'s type.
    let fits = leaves[start..]
        .iter()
        .all(|&(_, place)| place - shift + 8 <= bits);
    fits.then_some(())
}

/// The byte load `value` is: an unsigned one seen through zero-extensions and narrowings, or
/// a signed one seen through sign-extensions.
fn byte_load(func: &ir::Function, value: Value) -> Option<ir::Inst> {
    let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::Load {
            opcode: Opcode::Uload8 | Opcode::Sload8,
            ..
        } => Some(inst),
        InstructionData::Unary {
            opcode: Opcode::Uextend | Opcode::Ireduce,
            arg,
        } => byte_load(func, arg).filter(|&load| !signed(func, load)),
        InstructionData::Unary {
            opcode: Opcode::Sextend,
            arg,
        } => byte_load(func, arg).filter(|&load| signed(func, load)),
        _ => None,
    }
}

/// Whether `a` and `b` are computed the same way from the same values, looking `depth`
/// instructions deep: constants, integer arithmetic, the conversions between widths and
/// loads of what never changes.
fn same_computation(func: &ir::Function, a: Value, b: Value, depth: u32) -> bool {
    if a == b {
        return true;
    }
    if depth == 0 || func.dfg.value_type(a) != func.dfg.value_type(b) {
        return false;
    }
    let (ValueDef::Result(ia, 0), ValueDef::Result(ib, 0)) =
        (func.dfg.value_def(a), func.dfg.value_def(b))
    else {
        return false;
    };
    match (&func.dfg.insts[ia], &func.dfg.insts[ib]) {
        (
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm: x,
            },
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm: y,
            },
        ) => x == y,
        (
            InstructionData::Binary {
                opcode: x,
                args: xa,
            },
            InstructionData::Binary {
                opcode: y,
                args: ya,
            },
        ) => {
            x == y
                && matches!(x, Opcode::Iadd | Opcode::Isub | Opcode::Ishl | Opcode::Band)
                && same_computation(func, xa[0], ya[0], depth - 1)
                && same_computation(func, xa[1], ya[1], depth - 1)
        }
        (
            InstructionData::Unary { opcode: x, arg: xa },
            InstructionData::Unary { opcode: y, arg: ya },
        ) => {
            x == y
                && matches!(x, Opcode::Uextend | Opcode::Ireduce)
                && same_computation(func, *xa, *ya, depth - 1)
        }
        // A memory's base, read from the vmctx where it never changes.
        (
            &InstructionData::Load {
                opcode: x,
                flags: xf,
                arg: xa,
                offset: xo,
            },
            &InstructionData::Load {
                opcode: y,
                flags: yf,
                arg: ya,
                offset: yo,
            },
        ) => {
            let flags = func.dfg.mem_flags[xf];
            x == y
                && xo == yo
                && flags == func.dfg.mem_flags[yf]
                && flags.readonly()
                && flags.trap_code().is_none()
                && same_computation(func, xa, ya, depth - 1)
        }
        _ => false,
    }
}

/// Whether, from `first` on (in the same block as all of `loads`), nothing between it and the
/// last of `loads` stores, calls or may trap, other than loads, and they are close together.
fn nothing_between(func: &ir::Function, first: ir::Inst, loads: &[ir::Inst]) -> bool {
    let mut seen = 0;
    let mut next = Some(first);
    for _ in 0..LONGEST_SPAN {
        let Some(inst) = next else {
            return false;
        };
        next = func.layout.next_inst(inst);
        if loads.contains(&inst) {
            seen += 1;
            if seen == loads.len() {
                return true;
            }
            continue;
        }
        let opcode = func.dfg.insts[inst].opcode();
        let barrier = opcode.can_store()
            || opcode.is_call()
            || opcode.other_side_effects()
            || opcode.is_terminator()
            || (opcode.can_trap() && !opcode.can_load());
        if barrier {
            return false;
        }
    }
    false
}

/// Replaces the byte loads of `read` with one wide load, placed where the first of them is,
/// and `root` with its byte swap.
fn rewrite(func: &mut ir::Function, root: ir::Inst, read: &Read) {
    let first = read.first;
    // Every byte's address is computed the same way: the first load's (in the layout)
    // dominates the others, and the lowest byte's offset applies to it.
    let InstructionData::Load { flags, offset, .. } = func.dfg.insts[read.loads[0]] else {
        unreachable!("checked by big_endian_read");
    };
    let InstructionData::Load { arg: address, .. } = func.dfg.insts[first] else {
        unreachable!("checked by big_endian_read");
    };
    let srcloc = func.srcloc(first);
    let mut cursor = FuncCursor::new(func).at_inst(first).with_srcloc(srcloc);
    let (load, dfg) = cursor
        .ins()
        .Load(Opcode::Load, read.width, flags, offset, address);
    let wide = dfg.first_result(load);
    for (k, &byte) in read.loads.iter().enumerate() {
        let ty = cursor
            .func
            .dfg
            .value_type(cursor.func.dfg.first_result(byte));
        cursor.goto_inst(byte);
        let mut part = wide;
        if k > 0 {
            part = cursor.ins().ushr_imm_u(part, 8 * k as i64);
        }
        if signed(cursor.func, byte) {
            let low = cursor.ins().ireduce(types::I8, part);
            cursor.func.replace(byte).sextend(ty, low);
            continue;
        }
        if ty.bits() > read.width.bits() {
            part = cursor.ins().uextend(ty, part);
        } else if ty.bits() < read.width.bits() {
            part = cursor.ins().ireduce(ty, part);
        }
        cursor.func.replace(byte).band_imm_u(part, 0xff);
    }
    let root_ty = cursor.func.dfg.ctrl_typevar(root);
    cursor.goto_inst(root);
    if root_ty == read.width {
        cursor.func.replace(root).bswap(wide);
    } else {
        let swapped = cursor.ins().bswap(wide);
        match read.signed {
            true => cursor.func.replace(root).sextend(root_ty, swapped),
            false => cursor.func.replace(root).uextend(root_ty, swapped),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ir::count;
    use cranelift_codegen::ir::{types::I32, types::I64, MemFlagsData};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// What comes between the first byte load and the others.
    #[derive(Clone, Copy, PartialEq)]
    enum Between {
        Nothing,
        Store,
        Division,
    }

    /// A function of `p` returning the `n` bytes at `p + 10` combined with `bor` (or `iadd`),
    /// byte `k` of `ty` shifted by `place(k)`; byte `signed` is loaded signed.
    fn read(
        ty: Type,
        n: u32,
        place: impl Fn(u32) -> u32,
        add: bool,
        signed: Option<u32>,
        between: Between,
    ) -> ir::Function {
        let mut func = crate::test_ir::function(&[I64, I32], &[ty]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let (p, d) = (params[0], params[1]);
        let flags = MemFlagsData::new().with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS));
        let mut acc = None;
        for k in 0..n {
            // Each byte computes its address anew, as the translator does.
            let base = b.ins().iconst(I64, 0x6000_0000);
            let address = b.ins().iadd(p, base);
            let byte = match signed == Some(k) {
                true => b.ins().sload8(ty, flags, address, 10 + k as i32),
                false => b.ins().uload8(ty, flags, address, 10 + k as i32),
            };
            if k == 0 {
                match between {
                    Between::Nothing => {}
                    Between::Store => {
                        b.ins().store(flags, d, address, 11);
                    }
                    Between::Division => {
                        let q = b.ins().udiv(d, d);
                        b.ins().store(flags, q, p, 0);
                    }
                }
            }
            let amount = b.ins().iconst(I32, i64::from(place(k)));
            let term = b.ins().ishl(byte, amount);
            acc = Some(match acc {
                None => term,
                Some(acc) if add => b.ins().iadd(acc, term),
                Some(acc) => b.ins().bor(acc, term),
            });
        }
        b.ins().return_(&[acc.expect("bytes")]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn two_four_and_eight_bytes_become_one_load_and_a_swap() {
        for (ty, n) in [(I32, 2), (I32, 4), (I64, 2), (I64, 4), (I64, 8)] {
            for add in [false, true] {
                let mut func = read(ty, n, |k| 8 * (n - 1 - k), add, None, Between::Nothing);
                assert_eq!(combine_big_endian_loads(&mut func), 1, "{ty} {n} add {add}");
                assert_eq!(count(&func, Opcode::Load), 1);
                assert_eq!(count(&func, Opcode::Bswap), 1);
                // The byte loads are gone: each is now taken out of the wide load.
                assert_eq!(count(&func, Opcode::Uload8), 0);
                // Wider than the read: the root and every byte extend what they take.
                let extensions = match ty.bits() > 8 * n {
                    true => n as usize + 1,
                    false => 0,
                };
                assert_eq!(count(&func, Opcode::Uextend), extensions);
            }
        }
    }

    #[test]
    fn a_signed_first_byte_sign_extends_the_swapped_bytes() {
        let mut func = read(I32, 2, |k| 8 * (1 - k), false, Some(0), Between::Nothing);
        assert_eq!(combine_big_endian_loads(&mut func), 1);
        assert_eq!(count(&func, Opcode::Bswap), 1);
        assert_eq!(count(&func, Opcode::Sload8), 0);
        // The root, and the first byte taken out of the wide load.
        assert_eq!(count(&func, Opcode::Sextend), 2);
    }

    #[test]
    fn bytes_in_other_places_stay_as_they_are() {
        type Place = fn(u32) -> u32;
        let cases: [(&str, Place); 3] = [
            ("little-endian", |k| 8 * k),
            ("a byte too high", |k| 8 * (4 - k)),
            ("two in one place", |k| 8 * (3 - k).min(2)),
        ];
        for (what, place) in cases {
            let mut func = read(I32, 4, place, false, None, Between::Nothing);
            assert_eq!(combine_big_endian_loads(&mut func), 0, "{what}");
            assert_eq!(count(&func, Opcode::Uload8), 4, "{what}");
        }
    }

    #[test]
    fn a_store_or_a_trap_between_the_loads_keeps_them_apart() {
        for between in [Between::Store, Between::Division] {
            let mut func = read(I32, 4, |k| 8 * (3 - k), false, None, between);
            assert_eq!(combine_big_endian_loads(&mut func), 0);
            assert_eq!(count(&func, Opcode::Uload8), 4);
        }
    }

    #[test]
    fn bytes_whose_flags_the_wide_load_could_not_keep_stay() {
        let changes: [fn(&mut ir::MemFlagsData); 2] = [
            |flags| flags.set_aligned(),
            |flags| flags.set_endianness(ir::Endianness::Big),
        ];
        for change in changes {
            let mut func = read(I32, 4, |k| 8 * (3 - k), false, None, Between::Nothing);
            let insts: Vec<ir::Inst> = func
                .layout
                .blocks()
                .flat_map(|block| func.layout.block_insts(block))
                .collect();
            for inst in insts {
                let Some(flags) = func.dfg.insts[inst].memflags() else {
                    continue;
                };
                let mut data = func.dfg.mem_flags[flags];
                change(&mut data);
                let changed = func.dfg.mem_flags.insert(data).expect("room for flags");
                *func.dfg.insts[inst].memflags_mut().expect("a load") = changed;
            }
            assert_eq!(combine_big_endian_loads(&mut func), 0);
        }
    }

    #[test]
    fn a_long_chain_of_additions_is_searched_only_near_each_root() {
        // 200,000 additions of byte loads from different addresses: every addition is a root
        // to try, and a search down the whole chain from each would overflow the stack (and
        // take quadratic time).
        let mut func = crate::test_ir::function(&[I64], &[I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let flags = MemFlagsData::new();
        let mut sum = b.ins().iconst(I32, 0);
        for k in 0..200_000 {
            let address = b.ins().iadd_imm_u(p, k * 1000);
            let byte = b.ins().uload8(I32, flags, address, 0);
            sum = b.ins().iadd(sum, byte);
        }
        b.ins().return_(&[sum]);
        crate::test_ir::finish(b);
        assert_eq!(combine_big_endian_loads(&mut func), 0);
    }

    #[test]
    fn a_signed_byte_below_the_top_stays() {
        // Its sign would fill the places of the bytes above it.
        let mut func = read(I32, 4, |k| 8 * (3 - k), false, Some(1), Between::Nothing);
        assert_eq!(combine_big_endian_loads(&mut func), 0);
        let mut func = read(I32, 4, |k| 8 * (3 - k), false, Some(0), Between::Nothing);
        assert_eq!(combine_big_endian_loads(&mut func), 1);
    }
}
