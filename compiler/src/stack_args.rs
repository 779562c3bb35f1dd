//! On x86-64, the `i32` parameters of wasm functions that are passed on the stack are passed
//! as `i64`s, zero-extended by the caller and truncated again by the callee.
//!
//! Cranelift's x86-64 ABI code stores an outgoing `i32` stack argument with a 4-byte `mov`
//! and loads an incoming one with an 8-byte `mov` (its loads of stack arguments are always
//! 64 bits wide). A load that covers more bytes than the store it reads cannot take its value
//! from the store buffer: it waits until the store reaches the cache (300 M calls of a
//! function of eight `i32` parameters, three of them on the stack: 1.77 s, against 0.46 s with
//! them passed as `i64`s). wasm functions take their vmctx and five integer parameters in
//! registers (four in a shared object, which passes the caller's vmctx too), the rest on the
//! stack: SQLite's sorter compares two records through a function pointer of six parameters,
//! millions of times. Passed as 64-bit values, the store and the load are both 8 bytes wide.
//!
//! The rewrite depends on the signature alone (its calling convention and the position of
//! each parameter among the integer ones), and is made on every function compiled for
//! x86-64 and every signature it calls with, wasm functions, host adapters and trampolines
//! alike, so callers and callees always agree. aarch64's ABI code loads what it stored at the
//! width it stored it: nothing to do there. Results are left as they are (a ninth integer
//! result would be the first on the stack).

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{self, types, InstBuilder, Signature};
use cranelift_codegen::isa::CallConv;

use crate::translate::WASM_CALL_CONV;

/// How many integer parameters x86-64's `tail` convention passes in registers.
const INTEGER_ARGUMENT_REGISTERS: usize = 6;
/// How many integer results it returns in registers; beyond them, a pointer to a return
/// area is passed as the first integer parameter.
const INTEGER_RESULT_REGISTERS: usize = 8;
/// How many float and vector results it returns in registers.
const FLOAT_RESULT_REGISTERS: usize = 8;

/// Widens the `i32` stack parameters of `func`'s own signature and of every signature it
/// calls with (both of wasm's calling convention); returns how many parameters and call
/// arguments it widened.
pub fn widen_stack_arguments(func: &mut ir::Function) -> usize {
    let mut widened = widen_own_parameters(func);
    let mut positions = cranelift_codegen::entity::SecondaryMap::<ir::SigRef, Vec<usize>>::new();
    for (sig_ref, sig) in func.dfg.signatures.iter_mut() {
        positions[sig_ref] = widen_signature(sig);
    }
    let mut cursor = FuncCursor::new(func);
    while cursor.next_block().is_some() {
        while let Some(inst) = cursor.next_inst() {
            let Some(sig_ref) = cursor.func.dfg.call_signature(inst) else {
                continue;
            };
            for &position in &positions[sig_ref] {
                let arg = cursor.func.dfg.inst_variable_args(inst)[position];
                let wide = cursor.ins().uextend(types::I64, arg);
                cursor.func.dfg.inst_variable_args_mut(inst)[position] = wide;
                widened += 1;
            }
        }
    }
    widened
}

/// Widens the function's own stack parameters: the entry block takes an `i64` and truncates
/// it at its top for the code that used the `i32`.
fn widen_own_parameters(func: &mut ir::Function) -> usize {
    let positions = widen_signature(&mut func.signature);
    let Some(entry) = func.layout.entry_block() else {
        return 0;
    };
    let mut cursor = FuncCursor::new(func).at_first_insertion_point(entry);
    for &position in &positions {
        let old = cursor.func.dfg.block_params(entry)[position];
        let wide = cursor.func.dfg.replace_block_param(old, types::I64);
        let narrow = cursor.ins().ireduce(types::I32, wide);
        cursor.func.dfg.change_to_alias(old, narrow);
    }
    positions.len()
}

/// Makes the `i32` parameters of `sig` that x86-64 passes on the stack `i64`s, if `sig` is of
/// wasm's calling convention; returns their positions.
fn widen_signature(sig: &mut Signature) -> Vec<usize> {
    if sig.call_conv != WASM_CALL_CONV {
        return Vec::new();
    }
    let positions = stack_i32_parameters(sig);
    for &position in &positions {
        sig.params[position].value_type = types::I64;
    }
    positions
}

/// The positions of the `i32` parameters of `sig` (of the `tail` convention) that x86-64
/// passes on the stack: those after the first six integer parameters, counting the pointer to
/// the return area when the results do not all fit in registers.
fn stack_i32_parameters(sig: &Signature) -> Vec<usize> {
    debug_assert_eq!(sig.call_conv, CallConv::Tail);
    let integer_results = sig.returns.iter().filter(|r| r.value_type.is_int()).count();
    let float_results = sig.returns.len() - integer_results;
    let return_area =
        integer_results > INTEGER_RESULT_REGISTERS || float_results > FLOAT_RESULT_REGISTERS;
    let mut integers = usize::from(return_area);
    let mut positions = Vec::new();
    for (position, param) in sig.params.iter().enumerate() {
        if !param.value_type.is_int() {
            continue;
        }
        if integers >= INTEGER_ARGUMENT_REGISTERS && param.value_type == types::I32 {
            positions.push(position);
        }
        integers += 1;
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{F64, I32, I64};
    use cranelift_codegen::ir::{AbiParam, Opcode};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    fn tail_signature(params: &[ir::Type], returns: &[ir::Type]) -> Signature {
        let mut sig = Signature::new(WASM_CALL_CONV);
        sig.params = params.iter().map(|&ty| AbiParam::new(ty)).collect();
        sig.returns = returns.iter().map(|&ty| AbiParam::new(ty)).collect();
        sig
    }

    fn types_of(params: &[AbiParam]) -> Vec<ir::Type> {
        params.iter().map(|p| p.value_type).collect()
    }

    #[test]
    fn only_i32_parameters_after_six_integers_are_on_the_stack() {
        let sig = tail_signature(
            &[I64, I32, I32, F64, I32, I64, I32, I32, F64, I64, I32],
            &[],
        );
        assert_eq!(stack_i32_parameters(&sig), vec![7, 10]);
        let sig = tail_signature(&[I64, I32, I32, I32, I32, I32], &[I32]);
        assert!(stack_i32_parameters(&sig).is_empty());
        // Nine integer results: the return area's pointer takes the first register.
        let sig = tail_signature(&[I64, I32, I32, I32, I32, I32], &[I32; 9]);
        assert_eq!(stack_i32_parameters(&sig), vec![5]);
    }

    #[test]
    fn other_conventions_are_left_alone() {
        let mut sig = tail_signature(&[I32; 8], &[]);
        sig.call_conv = CallConv::SystemV;
        assert!(widen_signature(&mut sig).is_empty());
        assert_eq!(types_of(&sig.params), vec![I32; 8]);
    }

    /// `f(v, a..g) = g(v, a..g) + g`: a function of the `tail` convention with seven `i32`
    /// parameters after its vmctx, calling another of the same signature.
    fn caller() -> ir::Function {
        let params = [&[I64][..], &[I32; 7]].concat();
        let sig = tail_signature(&params, &[I32]);
        let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let args = crate::test_ir::enter(&mut b);
        let callee_sig = b.import_signature(tail_signature(&params, &[I32]));
        let callee = b.import_function(ir::ExtFuncData {
            name: ir::ExternalName::testcase("g"),
            signature: callee_sig,
            colocated: true,
            patchable: false,
        });
        let call = b.ins().call(callee, &args);
        let result = b.inst_results(call)[0];
        let sum = b.ins().iadd(result, args[7]);
        b.ins().return_(&[sum]);
        crate::test_ir::finish(b);
        func
    }

    #[test]
    fn parameters_and_arguments_on_the_stack_are_widened() {
        let mut func = caller();
        assert_eq!(widen_stack_arguments(&mut func), 4);
        let wide = [&[I64][..], &[I32; 5], &[I64; 2]].concat();
        assert_eq!(types_of(&func.signature.params), wide);
        let entry = func.layout.entry_block().unwrap();
        let params = func.dfg.block_params(entry).to_vec();
        assert_eq!(func.dfg.value_type(params[7]), I64);
        assert_eq!(crate::test_ir::count(&func, Opcode::Ireduce), 2);
        assert_eq!(crate::test_ir::count(&func, Opcode::Uextend), 2);
        for (_, sig) in func.dfg.signatures.iter() {
            assert_eq!(types_of(&sig.params), wide);
        }
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("the widened function verifies");
    }
}
