//! A value a branch compared with a constant passed on, on the edge where the two are equal,
//! in place of the constant, after the mid-end.
//!
//! The C compiler knows a value on the side of a branch where it was found equal to a
//! constant, and passes the constant on: Lua's interpreter checks its `trap` flag before
//! every instruction (`if (l_unlikely(trap)) { ... }`), and on the usual side hands the loop
//! a `0` for the flag instead of the flag itself. The register that held the flag then
//! receives the `0` made in another one: `xor %rax,%rax; test %r12d,%r12d; jne ...; mov
//! %rax,%r12`, two instructions of every dispatch that give `%r12` the value it had.
//!
//! Here a block argument on the edge of a `brif` that is a constant equal to what the branch
//! found its operand to be (zero on the `else` edge of `brif v`, `k` on the edge where
//! `icmp eq v, k` or `icmp ne v, k` says equal) becomes that operand, which is live at the
//! branch anyway: the register allocator can give the block parameter the operand's own
//! register, and nothing has to be made. A 32-bit operand truncated from a 64-bit value that
//! is known to be zero-extended (an i32 local kept in a 64-bit variable, see
//! [`crate::translate::variables`]) stands for that value too, for a 64-bit constant.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, Block, BlockArg, Inst, InstructionData, Opcode, Value, ValueDef,
};

/// Passes the operands of `func`'s branches in place of equal constants on their edges, as
/// described above; returns how many arguments changed.
pub fn pass_compared_values(func: &mut ir::Function) -> usize {
    let mut extended: Option<SecondaryMap<Value, bool>> = None;
    let mut changed = 0;
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        let Some(branch) = func.layout.last_inst(block) else {
            continue;
        };
        let InstructionData::Brif {
            arg: condition,
            blocks: [then_call, else_call],
            ..
        } = func.dfg.insts[branch]
        else {
            continue;
        };
        let Some((value, constant, on_then)) = known_on_edge(func, condition) else {
            continue;
        };
        // The operand, and the 64-bit value it was truncated from if that is zero-extended.
        let mut equals = vec![(value, constant)];
        if let Some(wide) = truncated_from(func, value) {
            let known = extended.get_or_insert_with(|| zero_extended_values(func));
            if known[wide] {
                equals.push((wide, constant & 0xffff_ffff));
            }
        }
        let mut call = if on_then { then_call } else { else_call };
        let args: Vec<BlockArg> = call
            .args(&func.dfg.value_lists)
            .map(|arg| match arg {
                BlockArg::Value(v) => {
                    let v = func.dfg.resolve_aliases(v);
                    let constant = constant_of(func, v);
                    equals
                        .iter()
                        .find(|&&(x, k)| constant == Some((func.dfg.value_type(x), k)))
                        .map_or(arg, |&(x, _)| BlockArg::Value(x))
                }
                other => other,
            })
            .collect();
        let before: Vec<BlockArg> = call.args(&func.dfg.value_lists).collect();
        let count = args.iter().zip(&before).filter(|(a, b)| a != b).count();
        if count > 0 {
            let mut new = args.into_iter();
            call.update_args(&mut func.dfg.value_lists, |old| new.next().unwrap_or(old));
            changed += count;
        }
    }
    changed
}

/// What a `brif` on `condition` knows on one of its edges: `(v, k, on_then)` when `v`
/// equals the constant `k` (its bits, zero-extended) on the `then` edge (`on_then`) or on
/// the `else` edge.
fn known_on_edge(func: &ir::Function, condition: Value) -> Option<(Value, u64, bool)> {
    let condition = func.dfg.resolve_aliases(condition);
    if let ValueDef::Result(def, _) = func.dfg.value_def(condition) {
        if let InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond,
            args: [a, b],
        } = func.dfg.insts[def]
        {
            let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
            let (value, k) = match (constant_of(func, a), constant_of(func, b)) {
                (None, Some((_, k))) => (a, k),
                (Some((_, k)), None) => (b, k),
                _ => return None,
            };
            return match cond {
                IntCC::Equal => Some((value, k, true)),
                IntCC::NotEqual => Some((value, k, false)),
                _ => None,
            };
        }
    }
    func.dfg
        .value_type(condition)
        .is_int()
        .then_some((condition, 0, false))
}

/// The type and bits (zero-extended from the type's width) of `value` if it is an integer
/// constant of at most 64 bits.
fn constant_of(func: &ir::Function, value: Value) -> Option<(ir::Type, u64)> {
    let ty = func.dfg.value_type(value);
    (ty.bits() <= 64)
        .then(|| crate::narrow_masks::constant(func, value))
        .flatten()
        .map(|k| (ty, k))
}

/// The 64-bit value `value` is the `ireduce` to 32 bits of, if it is one.
fn truncated_from(func: &ir::Function, value: Value) -> Option<Value> {
    let ValueDef::Result(def, _) = func.dfg.value_def(value) else {
        return None;
    };
    match func.dfg.insts[def] {
        InstructionData::Unary {
            opcode: Opcode::Ireduce,
            arg,
        } if func.dfg.value_type(value) == types::I32 && func.dfg.value_type(arg) == types::I64 => {
            Some(func.dfg.resolve_aliases(arg))
        }
        _ => None,
    }
}

/// Which 64-bit values of `func` are known to have their upper 32 bits clear: zero-extensions
/// and zero-extending loads of narrower values, constants below 2^32, and block parameters
/// every argument of which is such a value (found optimistically, then refuted until
/// nothing changes).
fn zero_extended_values(func: &ir::Function) -> SecondaryMap<Value, bool> {
    let mut known: SecondaryMap<Value, bool> = SecondaryMap::new();
    // Each block parameter's arguments, from every branch to its block.
    let mut incoming: SecondaryMap<Value, Vec<Option<Value>>> = SecondaryMap::new();
    let mut params: Vec<Value> = Vec::new();
    for block in func.layout.blocks() {
        for &param in func.dfg.block_params(block) {
            if func.dfg.value_type(param) == types::I64 && Some(block) != func.layout.entry_block()
            {
                known[param] = true;
                params.push(param);
            }
        }
        for inst in func.layout.block_insts(block) {
            for result in func.dfg.inst_results(inst) {
                known[*result] = zero_extended_result(func, inst, *result);
            }
            for call in func.dfg.insts[inst]
                .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            {
                let target = call.block(&func.dfg.value_lists);
                let target_params = func.dfg.block_params(target);
                for (i, arg) in call.args(&func.dfg.value_lists).enumerate() {
                    let Some(&param) = target_params.get(i) else {
                        break;
                    };
                    // A call's result or exception payload (not a value): not known.
                    incoming[param].push(match arg {
                        BlockArg::Value(v) => Some(func.dfg.resolve_aliases(v)),
                        _ => None,
                    });
                }
            }
        }
    }
    loop {
        let mut refuted = false;
        for &param in &params {
            if known[param]
                && !incoming[param]
                    .iter()
                    .all(|&arg| arg.is_some_and(|arg| known[arg]))
            {
                known[param] = false;
                refuted = true;
            }
        }
        if !refuted {
            return known;
        }
    }
}

/// Whether the result `result` of `inst` is a 64-bit value with its upper half clear.
fn zero_extended_result(func: &ir::Function, inst: Inst, result: Value) -> bool {
    if func.dfg.value_type(result) != types::I64 {
        return false;
    }
    match func.dfg.insts[inst] {
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } => func.dfg.value_type(arg).bits() <= 32,
        InstructionData::Load { opcode, .. } => {
            matches!(opcode, Opcode::Uload8 | Opcode::Uload16 | Opcode::Uload32)
        }
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => (imm.bits() as u64) >> 32 == 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{I32, I64};
    use cranelift_codegen::ir::{Function, InstBuilder};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// How a [`flag_loop`] tests its flag.
    #[derive(Clone, Copy, PartialEq)]
    enum Test {
        /// `brif flag`, the `else` edge passing 0.
        Plain,
        /// `icmp eq flag, 0`, the `then` edge passing 0.
        Equal,
        /// `icmp ne flag, 5`, the `else` edge passing 5.
        NotFive,
        /// `icmp eq (ireduce wide), 0`, the `then` edge passing a 64-bit 0 for `wide`, which
        /// is a zero-extended i32 (or, with `Wide64`, an i64 parameter).
        Truncated,
        Wide64,
    }

    /// `f(n, x)`: a loop of `n` rounds carrying a flag, tested each round; the side where the
    /// test finds the flag equal to the constant goes round with that constant for it, the
    /// other with `x`.
    fn flag_loop(test: Test) -> Function {
        let flag_type = if matches!(test, Test::Truncated | Test::Wide64) {
            I64
        } else {
            I32
        };
        let mut func = crate::test_ir::function(&[I32, I64], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let entry = crate::test_ir::enter(&mut b);
        let (top, slow, exit) = (b.create_block(), b.create_block(), b.create_block());
        b.append_block_param(top, I32);
        b.append_block_param(top, flag_type);
        let start = match test {
            Test::Wide64 => entry[1],
            Test::Truncated => b.ins().iconst(I64, 1),
            _ => b.ins().iconst(I32, 1),
        };
        b.ins().jump(top, &[entry[0].into(), start.into()]);
        b.switch_to_block(top);
        let [i, flag] = b.block_params(top).try_into().expect("two");
        let one = b.ins().iconst(I32, 1);
        let i = b.ins().isub(i, one);
        let other = match test {
            Test::Truncated => b.ins().uextend(I64, i),
            Test::Wide64 => entry[1],
            _ => i,
        };
        b.ins().brif(i, slow, &[], exit, &[]);
        b.switch_to_block(slow);
        match test {
            Test::Plain => {
                let zero = b.ins().iconst(I32, 0);
                b.ins().brif(
                    flag,
                    top,
                    &[i.into(), other.into()],
                    top,
                    &[i.into(), zero.into()],
                );
            }
            Test::Equal | Test::Truncated | Test::Wide64 => {
                let narrow = if flag_type == I64 {
                    b.ins().ireduce(I32, flag)
                } else {
                    flag
                };
                let zero_i32 = b.ins().iconst(I32, 0);
                let is_zero = b.ins().icmp(IntCC::Equal, narrow, zero_i32);
                let zero = b.ins().iconst(flag_type, 0);
                b.ins().brif(
                    is_zero,
                    top,
                    &[i.into(), zero.into()],
                    top,
                    &[i.into(), other.into()],
                );
            }
            Test::NotFive => {
                let five = b.ins().iconst(I32, 5);
                let not_five = b.ins().icmp(IntCC::NotEqual, flag, five);
                let five_again = b.ins().iconst(I32, 5);
                b.ins().brif(
                    not_five,
                    top,
                    &[i.into(), other.into()],
                    top,
                    &[i.into(), five_again.into()],
                );
            }
        }
        b.switch_to_block(exit);
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        func
    }

    /// Whether an edge of the loop's test passes the flag itself round.
    fn passes_flag(func: &Function) -> bool {
        let slow = func.layout.blocks().nth(2).expect("the test");
        let branch = func.layout.last_inst(slow).expect("a branch");
        let top = func.layout.blocks().nth(1).expect("the loop");
        let flag = func.dfg.block_params(top)[1];
        func.dfg.insts[branch]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            .iter()
            .any(|call| {
                call.args(&func.dfg.value_lists)
                    .any(|a| a == BlockArg::Value(flag))
            })
    }

    fn pass(func: &mut Function) -> usize {
        let changed = pass_compared_values(func);
        cranelift_codegen::verify_function(
            &*func,
            &cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder()),
        )
        .expect("valid");
        changed
    }

    #[test]
    fn the_flag_goes_round_in_place_of_the_constant() {
        for test in [Test::Plain, Test::Equal, Test::NotFive, Test::Truncated] {
            let mut func = flag_loop(test);
            assert!(!passes_flag(&func));
            assert_eq!(pass(&mut func), 1);
            assert!(passes_flag(&func));
        }
    }

    #[test]
    fn a_truncated_value_not_known_to_be_zero_extended_is_not_passed() {
        let mut func = flag_loop(Test::Wide64);
        let before = func.display().to_string();
        assert_eq!(pass(&mut func), 0);
        assert_eq!(func.display().to_string(), before);
    }
}
