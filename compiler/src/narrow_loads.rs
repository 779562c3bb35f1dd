//! Narrow loads read the way their uses take them, after the mid-end (which has seen through
//! the locals between a load and its uses: `ireduce(uextend(x))` of a wide local is `x`).
//!
//! **Signed loads also taken masked** ([`read_signed_loads_unsigned`]). C code that tests the
//! top bit of a byte it also keeps (SQLite's varint decoder: `if (*p < 0x80) n = *p;`) is
//! compiled by clang to one `i32.load8_s`, tested by sign (`x > -1`) and kept as `x & 255`.
//! On x86-64 that is a sign-extending load, a copy and an `and` (`movsbq; mov; and $0xff`)
//! besides the test: the byte itself has to be made again from its sign-extended form. Such a
//! load becomes the zero-extending load of the same bytes, which *is* `x & 255`:
//!
//! - the mask of every loaded bit becomes the new value itself, and a mask keeping fewer of
//!   them keeps the same bits of it;
//! - a sign test against a constant (`x < 0`, `x >= 0`, `x > -1`, `x <= -1`) compares the new
//!   value with the top bit's weight, unsigned (`x < 0` is `u >= 128`);
//! - any other use takes the signed value made again from the new one (`sextend` of its
//!   `ireduce`, one instruction on x86-64: `movsbl`).
//!
//! Only loads with a use masked to all their bits qualify: then the mask and its copy go,
//! while the other uses cost at most the one extension.
//!
//! **Unsigned loads also taken wide** ([`widen_unsigned_loads`]). A byte or 16-bit load to
//! an i32 whose value is also zero-extended to i64 (the bytes made unsigned above, kept in a
//! wide local) costs a `mov %r32,%r32` for the extension on x86-64, whose backend knows that
//! 32-bit arithmetic clears the upper half but not that these loads do. Such a load produces
//! the i64 instead; the extensions become it, and the i32 is its low half (an `ireduce`, which
//! costs nothing). The translator does the same for an extension it sees applied to a load;
//! this catches those the first rewrite makes. Not before the mid-end: there it makes the
//! `ireduce` again in every block that reads the i32, where it had simplified
//! `ireduce(uextend(x))` to `x`, and chains of arithmetic made in sibling blocks from those
//! copies no longer look alike to [`crate::sibling_copies`] (SQLite's
//! `btreeParseCellPtrIndex` saved five callee-saved registers for its varint decoder).
//!
//! Both read the same bytes with the same flags, so every load traps where it did.

use std::collections::HashMap;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::{self, types, Inst, InstBuilder, InstructionData, Opcode, Value};

use crate::narrow_masks::constant;

/// A reader of a signed load's value that changes with it: the reader, and what it becomes.
enum Use {
    /// `band` with the constant `mask`, within the loaded bits: reads the unsigned value.
    Mask(u64),
    /// An integer comparison testing the sign: its condition on the unsigned value, with the
    /// constant (the top bit's weight) on the right.
    Sign(IntCC),
}

/// Rewrites the qualifying signed loads of `func` as above. Returns how many.
///
/// Only masks and comparisons are looked at: the load's old value becomes the signed value
/// made again from the new one, so every other reader reads it as before without being
/// found (and nothing is made where there is none: the code generator skips an unused pure
/// instruction).
pub fn read_signed_loads_unsigned(func: &mut ir::Function) -> usize {
    let mut bits_of: SecondaryMap<Value, u8> = SecondaryMap::new();
    let mut loads: Vec<(Inst, Value, u32)> = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let InstructionData::Load { opcode, .. } = func.dfg.insts[inst] {
                let bits = match opcode {
                    Opcode::Sload8 => 8,
                    Opcode::Sload16 => 16,
                    Opcode::Sload32 => 32,
                    _ => continue,
                };
                let value = func.dfg.first_result(inst);
                if func.dfg.value_type(value).is_int() {
                    bits_of[value] = bits as u8;
                    loads.push((inst, value, bits));
                }
            }
        }
    }
    if loads.is_empty() {
        return 0;
    }
    // The masks and sign tests of each load's value.
    let mut uses: HashMap<Value, Vec<(Inst, Use)>> = HashMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let args = match func.dfg.insts[inst] {
                InstructionData::Binary {
                    opcode: Opcode::Band,
                    args,
                }
                | InstructionData::IntCompare {
                    opcode: Opcode::Icmp,
                    args,
                    ..
                } => args,
                _ => continue,
            };
            for arg in args {
                let value = func.dfg.resolve_aliases(arg);
                let bits = u32::from(bits_of[value]);
                if bits == 0 {
                    continue;
                }
                if let Some(found) = classify(func, inst, value, bits) {
                    uses.entry(value).or_default().push((inst, found));
                }
                break;
            }
        }
    }
    let mut rewritten = 0;
    for (load, value, bits) in loads {
        let full = low_bits(bits);
        let Some(found) = uses.get(&value) else {
            continue;
        };
        if !found
            .iter()
            .any(|(_, u)| matches!(u, Use::Mask(m) if *m == full))
        {
            continue;
        }
        let ty = func.dfg.value_type(value);
        let narrow = types::Type::int(bits as u16).expect("8, 16 or 32 bits");
        // The load makes a new value, unsigned; the old one becomes the signed value made
        // from it.
        let unsigned = func.dfg.replace_result(value, ty);
        let InstructionData::Load { opcode, .. } = &mut func.dfg.insts[load] else {
            unreachable!("a load")
        };
        *opcode = match bits {
            8 => Opcode::Uload8,
            16 => Opcode::Uload16,
            _ => Opcode::Uload32,
        };
        let mut pos = FuncCursor::new(func).after_inst(load);
        let low = pos.ins().ireduce(narrow, unsigned);
        let signed = pos.ins().sextend(ty, low);
        pos.func.dfg.change_to_alias(value, signed);
        for (inst, found) in &uses[&value] {
            let inst = *inst;
            match *found {
                // The mask of every loaded bit is the new value itself.
                Use::Mask(mask) if mask == full => {
                    let result = func.dfg.first_result(inst);
                    func.dfg.detach_inst_results(inst);
                    func.dfg.change_to_alias(result, unsigned);
                    func.layout.remove_inst(inst);
                }
                Use::Mask(mask) => {
                    let mut pos = FuncCursor::new(func).at_inst(inst);
                    let mask = pos.ins().iconst(ty, mask as i64);
                    pos.func.dfg.insts[inst] = InstructionData::Binary {
                        opcode: Opcode::Band,
                        args: [unsigned, mask],
                    };
                }
                Use::Sign(cc) => {
                    let mut pos = FuncCursor::new(func).at_inst(inst);
                    let weight = pos.ins().iconst(ty, 1i64 << (bits - 1));
                    pos.func.dfg.insts[inst] = InstructionData::IntCompare {
                        opcode: Opcode::Icmp,
                        args: [unsigned, weight],
                        cond: cc,
                    };
                }
            }
        }
        rewritten += 1;
    }
    rewritten
}

/// Makes every zero-extending byte or 16-bit load to an i32 whose value is also extended to
/// i64 load the i64 instead (see the module's notes). Returns how many.
///
/// Only the extensions are looked for: the load's old value becomes the low half of the new
/// one, which its other readers then read.
pub fn widen_unsigned_loads(func: &mut ir::Function) -> usize {
    let mut extensions: HashMap<Inst, Vec<Inst>> = HashMap::new();
    let mut order: Vec<Inst> = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let InstructionData::Unary {
                opcode: Opcode::Uextend,
                arg,
            } = func.dfg.insts[inst]
            else {
                continue;
            };
            if func.dfg.value_type(func.dfg.first_result(inst)) != types::I64 {
                continue;
            }
            let arg = func.dfg.resolve_aliases(arg);
            let ir::ValueDef::Result(load, 0) = func.dfg.value_def(arg) else {
                continue;
            };
            if func.dfg.value_type(arg) == types::I32
                && matches!(
                    func.dfg.insts[load],
                    InstructionData::Load {
                        opcode: Opcode::Uload8 | Opcode::Uload16,
                        ..
                    }
                )
            {
                let list = extensions.entry(load).or_default();
                if list.is_empty() {
                    order.push(load);
                }
                list.push(inst);
            }
        }
    }
    for &load in &order {
        let value = func.dfg.first_result(load);
        let wide = func.dfg.replace_result(value, types::I64);
        let mut pos = FuncCursor::new(func).after_inst(load);
        let low = pos.ins().ireduce(types::I32, wide);
        pos.func.dfg.change_to_alias(value, low);
        for &inst in &extensions[&load] {
            let result = func.dfg.first_result(inst);
            func.dfg.detach_inst_results(inst);
            func.dfg.change_to_alias(result, wide);
            func.layout.remove_inst(inst);
        }
    }
    order.len()
}

/// A mask of the low `bits` bits.
fn low_bits(bits: u32) -> u64 {
    (1u64 << bits) - 1
}

/// What `inst`, a `band` or an `icmp` reading `value` (a load sign-extended from `bits`
/// bits), becomes when the load is read unsigned; `None` if it must read the signed value.
fn classify(func: &ir::Function, inst: Inst, value: Value, bits: u32) -> Option<Use> {
    let (cond, [a, b]) = match func.dfg.insts[inst] {
        InstructionData::Binary { args, .. } => (None, args),
        InstructionData::IntCompare { args, cond, .. } => (Some(cond), args),
        _ => return None,
    };
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    let (cond, k) = match (a == value, b == value) {
        (true, false) => (cond, constant(func, b)?),
        (false, true) => (cond.map(|c| c.swap_args()), constant(func, a)?),
        _ => return None,
    };
    let Some(cond) = cond else {
        // A mask.
        return (k & !low_bits(bits) == 0).then_some(Use::Mask(k));
    };
    let ty_bits = func.dfg.value_type(value).bits();
    let minus_one = if ty_bits >= 64 {
        u64::MAX
    } else {
        (1u64 << ty_bits) - 1
    };
    // `x < 0` and `x <= -1` hold when the top loaded bit is set; `x >= 0` and `x > -1` when
    // it is clear.
    let unsigned = match cond {
        IntCC::SignedLessThan if k == 0 => IntCC::UnsignedGreaterThanOrEqual,
        IntCC::SignedLessThanOrEqual if k == minus_one => IntCC::UnsignedGreaterThanOrEqual,
        IntCC::SignedGreaterThanOrEqual if k == 0 => IntCC::UnsignedLessThan,
        IntCC::SignedGreaterThan if k == minus_one => IntCC::UnsignedLessThan,
        _ => return None,
    };
    Some(Use::Sign(unsigned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types::I32, types::I64, MemFlagsData};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `x = sload8(p)` returning `(x & mask, x > -1, x + 1)`, the last only `with_other`.
    fn byte_function(mask: i64, with_other: bool) -> ir::Function {
        let mut func = crate::test_ir::function(&[I64], &[I32, types::I8, I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let x = b.ins().sload8(I32, MemFlagsData::trusted(), p, 0);
        let m = b.ins().iconst(I32, mask);
        let masked = b.ins().band(x, m);
        let minus_one = b.ins().iconst(I32, -1);
        let positive = b.ins().icmp(IntCC::SignedGreaterThan, x, minus_one);
        let other = match with_other {
            true => {
                let one = b.ins().iconst(I32, 1);
                b.ins().iadd(x, one)
            }
            false => masked,
        };
        b.ins().return_(&[masked, positive, other]);
        crate::test_ir::finish(b);
        func
    }

    /// `x = uload8(p)` returning `(x, uextend(x) + 1)`.
    fn extended_byte_function() -> ir::Function {
        let mut func = crate::test_ir::function(&[I64], &[I32, I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let x = b.ins().uload8(I32, MemFlagsData::trusted(), p, 0);
        let wide = b.ins().uextend(I64, x);
        let one = b.ins().iconst(I64, 1);
        let next = b.ins().iadd(wide, one);
        b.ins().return_(&[x, next]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn a_byte_also_taken_wide_is_loaded_wide() {
        let mut func = extended_byte_function();
        assert_eq!(widen_unsigned_loads(&mut func), 1);
        let ops = opcodes(&func);
        assert!(!ops.contains(&Opcode::Uextend), "{ops:?}");
        let text = func.display().to_string();
        assert!(text.contains("uload8.i64"), "{text}");
        assert!(text.contains("ireduce.i32"), "{text}");
        verify(&func);
    }

    fn verify(func: &ir::Function) {
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        if let Err(e) = cranelift_codegen::verify_function(func, &flags) {
            panic!("{e}\n{}", func.display());
        }
    }

    /// How many instructions read the signed value made again (aliases resolved).
    fn signed_readers(func: &mut ir::Function) -> usize {
        func.dfg.resolve_all_aliases();
        let block = func.layout.entry_block().unwrap();
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        let Some(&sextend) = insts
            .iter()
            .find(|&&i| func.dfg.insts[i].opcode() == Opcode::Sextend)
        else {
            return 0;
        };
        let signed = func.dfg.first_result(sextend);
        insts
            .iter()
            .filter(|&&i| func.dfg.inst_values(i).any(|v| v == signed))
            .count()
    }

    fn opcodes(func: &ir::Function) -> Vec<Opcode> {
        let block = func.layout.entry_block().unwrap();
        func.layout
            .block_insts(block)
            .map(|i| func.dfg.insts[i].opcode())
            .collect()
    }

    #[test]
    fn a_byte_masked_whole_is_loaded_unsigned_and_its_sign_compared_unsigned() {
        let mut func = byte_function(0xff, false);
        assert_eq!(read_signed_loads_unsigned(&mut func), 1);
        let ops = opcodes(&func);
        assert!(ops.contains(&Opcode::Uload8) && !ops.contains(&Opcode::Sload8));
        assert_eq!(
            signed_readers(&mut func),
            0,
            "no other use: {}",
            func.display()
        );
        assert!(
            !ops.contains(&Opcode::Band),
            "the whole mask is the load: {ops:?}"
        );
        verify(&func);
        let text = func.display().to_string();
        assert!(text.contains("icmp ult"), "{text}");
        assert!(text.contains("iconst.i32 128"), "{text}");
    }

    #[test]
    fn other_uses_read_the_signed_value_made_again() {
        let mut func = byte_function(0xff, true);
        assert_eq!(read_signed_loads_unsigned(&mut func), 1);
        let ops = opcodes(&func);
        let load = ops.iter().position(|&o| o == Opcode::Uload8).unwrap();
        assert_eq!(ops[load + 1..load + 3], [Opcode::Ireduce, Opcode::Sextend]);
        assert_eq!(
            signed_readers(&mut func),
            1,
            "the addition: {}",
            func.display()
        );
        let text = func.display().to_string();
        let sextend = text.lines().find(|l| l.contains("sextend")).unwrap();
        let made = sextend.split_whitespace().next().unwrap();
        assert!(
            text.lines().any(|l| l.contains("iadd") && l.contains(made)),
            "the addition reads {made}: {text}"
        );
        verify(&func);
    }

    #[test]
    fn a_narrower_mask_stays_on_the_unsigned_byte() {
        let mut func = byte_function(0xff, false);
        let block = func.layout.entry_block().unwrap();
        let band = func
            .layout
            .block_insts(block)
            .find(|&i| func.dfg.insts[i].opcode() == Opcode::Band)
            .unwrap();
        // A second use, masked to 7 bits, besides the whole mask.
        let mut pos = FuncCursor::new(&mut func).after_inst(band);
        let x = pos.func.dfg.inst_args(band)[0];
        let m = pos.ins().iconst(I32, 0x7f);
        let low = pos.ins().band(x, m);
        let ret = pos.func.layout.last_inst(block).unwrap();
        pos.func.dfg.inst_args_mut(ret)[2] = low;
        assert_eq!(read_signed_loads_unsigned(&mut func), 1);
        assert_eq!(
            opcodes(&func)
                .iter()
                .filter(|&&o| o == Opcode::Band)
                .count(),
            1,
            "{}",
            func.display()
        );
    }

    #[test]
    fn loads_without_a_whole_mask_stay_signed() {
        for mask in [0x7f, 0x1ff, 0xfff0] {
            let mut func = byte_function(mask, true);
            assert_eq!(read_signed_loads_unsigned(&mut func), 0, "mask {mask:#x}");
            assert!(opcodes(&func).contains(&Opcode::Sload8));
        }
    }
}
