//! Where a function compiled for a fixed vmctx reads it from its parameter after all.
//!
//! For an executable the translator takes the vmctx as a constant
//! ([`crate::translate::vmctx_value`]): the parameter, dead from the start, holds no register
//! across the function's calls, and each block that needs the vmctx makes it with a `mov` of
//! the constant. Where the parameter is still in its register anyway, reading it costs
//! nothing and the `mov` is one instruction more, so after inlining the uses are given the
//! parameter back:
//!
//! - in a function that calls nothing, every use: no call clobbers the parameter's register,
//!   so it stays where it arrived (wasi-libc's `dlfree`, a leaf, read memory 0's base through
//!   the constant in its first block, two instructions where the parameter takes one);
//! - else the arguments of the entry block's first call, if it has one (a wrapper like
//!   `malloc`, whose only use is the call passing the vmctx on): after that call the parameter
//!   would need a callee-saved register or a stack slot.
//!
//! Two wider rules for functions that call were measured and left out. Every use in the entry
//! block up to its first call: a load the mid-end shares with its copies further on
//! (`can_move`: memory 0's base) is then two values to it, one through the parameter and one
//! through the constant, and both were kept (wasi-libc's `dlmalloc` ran 6.8% more
//! instructions than before the vmctx was fixed). Every such use but those loads (the
//! shadow stack pointer, read and moved as a C function starts): SQLite 0.44% fewer
//! instructions, but `hashmap` 4.3% more and CoreMark 0.36% more, the parameter now live
//! through their entry blocks.

use cranelift_codegen::ir::{self, types, Value};

use crate::narrow_masks::constant;

/// Gives the uses of the constant `fixed_vmctx` described above the vmctx parameter of `func`
/// instead; returns how many operands changed. Nothing changes when `fixed_vmctx` is 0.
pub fn use_parameter_where_free(func: &mut ir::Function, fixed_vmctx: u64) -> usize {
    let (Some(entry), Some(param)) = (
        func.layout.entry_block(),
        func.special_param(ir::ArgumentPurpose::VMContext),
    ) else {
        return 0;
    };
    if fixed_vmctx == 0 {
        return 0;
    }
    let leaf = crate::stack_check::is_leaf(func);
    let insts: Vec<ir::Inst> = if leaf {
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .collect()
    } else {
        func.layout
            .block_insts(entry)
            .find(|&inst| func.dfg.insts[inst].opcode().is_call())
            .into_iter()
            .collect()
    };
    let mut changed = 0;
    for inst in insts {
        let uses: Vec<Value> = func
            .dfg
            .inst_values(inst)
            .filter(|&v| is_vmctx_constant(func, v, fixed_vmctx))
            .collect();
        if uses.is_empty() {
            continue;
        }
        changed += uses.len();
        func.dfg
            .map_inst_values(inst, |v| if uses.contains(&v) { param } else { v });
    }
    changed
}

/// Whether `value` is the constant `fixed_vmctx` (an executable's vmctx address).
pub(crate) fn is_vmctx_constant(func: &ir::Function, value: Value, fixed_vmctx: u64) -> bool {
    let value = func.dfg.resolve_aliases(value);
    func.dfg.value_type(value) == types::I64 && constant(func, value) == Some(fixed_vmctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ir::{enter, finish, wasm_function};
    use cranelift_codegen::ir::{
        AbiParam, ExtFuncData, ExternalName, InstBuilder, MemFlagsData, Signature,
    };
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    const FIXED: u64 = 0x5000_0000;

    /// `f(vmctx, x)`: loads a word through the fixed vmctx, and one the mid-end may move
    /// (`can_move`), then, with `call`, calls a function passing the vmctx, and loads through
    /// it again after the call, in the entry block and in a second one.
    fn function(call: bool) -> ir::Function {
        let (mut func, _) = wasm_function(&[types::I32], &[types::I64]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        enter(&mut b);
        let vmctx = b.ins().iconst(types::I64, FIXED as i64);
        let flags = MemFlagsData::trusted();
        let first = b.ins().load(types::I64, flags, vmctx, 16);
        let movable = MemFlagsData::trusted().with_readonly().with_can_move();
        let base = b.ins().load(types::I64, movable, vmctx, 40);
        if call {
            let mut sig = Signature::new(CallConv::SystemV);
            sig.params.push(AbiParam::new(types::I64));
            let sig = b.import_signature(sig);
            let callee = b.import_function(ExtFuncData {
                name: ExternalName::testcase("callee"),
                signature: sig,
                colocated: true,
                patchable: false,
            });
            b.ins().call(callee, &[vmctx]);
        }
        let second = b.ins().load(types::I64, flags, vmctx, 24);
        let next = b.create_block();
        b.ins().jump(next, &[]);
        b.switch_to_block(next);
        let third = b.ins().load(types::I64, flags, vmctx, 32);
        let sum = b.ins().iadd(first, second);
        let sum = b.ins().iadd(sum, third);
        let sum = b.ins().iadd(sum, base);
        b.ins().return_(&[sum]);
        finish(b);
        func
    }

    /// The address operand of each load, in layout order: the parameter or not.
    fn loads_through_parameter(func: &ir::Function) -> Vec<bool> {
        let param = func.special_param(ir::ArgumentPurpose::VMContext);
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .filter(|&inst| func.dfg.insts[inst].opcode() == ir::Opcode::Load)
            .map(|inst| Some(func.dfg.inst_args(inst)[0]) == param)
            .collect()
    }

    #[test]
    fn a_function_that_calls_nothing_reads_the_parameter_everywhere() {
        let mut func = function(false);
        assert_eq!(use_parameter_where_free(&mut func, FIXED), 4);
        assert_eq!(loads_through_parameter(&func), [true, true, true, true]);
    }

    #[test]
    fn a_function_that_calls_passes_it_to_its_first_call() {
        let mut func = function(true);
        // The call's argument; the loads, before the call and after, keep the constant.
        assert_eq!(use_parameter_where_free(&mut func, FIXED), 1);
        assert_eq!(loads_through_parameter(&func), [false, false, false, false]);
        let param = func.special_param(ir::ArgumentPurpose::VMContext);
        let call = func
            .layout
            .block_insts(func.layout.entry_block().expect("entry"))
            .find(|&inst| func.dfg.insts[inst].opcode().is_call())
            .expect("the call");
        assert_eq!(Some(func.dfg.inst_args(call)[0]), param);
    }

    #[test]
    fn without_a_fixed_vmctx_or_with_another_constant_nothing_changes() {
        let mut func = function(false);
        assert_eq!(use_parameter_where_free(&mut func, 0), 0);
        assert_eq!(use_parameter_where_free(&mut func, 0x4000_0000), 0);
        assert_eq!(loads_through_parameter(&func), [false, false, false, false]);
    }
}
