//! Glue between the host's calling convention and wasm's (Cranelift's `tail`, see
//! [`crate::translate::WASM_CALL_CONV`]), one pair per function type:
//!
//! - the host-to-wasm trampoline `(func_ptr, callee_vmctx, caller_vmctx, values)` loads the
//!   arguments from `values` (slots of `VALUE_SLOT_SIZE` bytes), calls, and stores the results
//!   back into `values`;
//! - the wasm-to-host adapter has the wasm signature; its callee vmctx is a host context whose
//!   first word is a callback `(host_ctx, caller_vmctx, values)`; it spills the arguments into a
//!   stack buffer, calls the callback, and returns the results the callback left there.
//!
//! Compiled for a fixed vmctx, the wasm signature has no caller's vmctx
//! ([`crate::translate::wasm_signature`]): the trampoline leaves out the one it is given (the
//! runtime passes the fixed address there too) and the adapter passes the fixed address on.

use cranelift_codegen::ir::{
    self, types, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmaot_abi::metadata::FuncType;
use wasmaot_abi::vmctx::field;
use wasmaot_abi::VALUE_SLOT_SIZE;

/// Byte offset of value slot `i`.
fn slot(i: usize) -> i32 {
    (i as u32 * VALUE_SLOT_SIZE) as i32
}

use crate::translate::{ir_type, vmctx_params, wasm_signature};

/// What glue generation needs of the target.
pub struct TargetIsaInfo {
    pub call_conv: CallConv,
    pub frontend_config: cranelift_codegen::isa::TargetFrontendConfig,
    /// The address of the vmctx the module is compiled for, or 0
    /// ([`wasmaot_abi::metadata::MemoryStrategy::fixed_vmctx`]).
    pub fixed_vmctx: u64,
}

/// Namespaces of `UserFuncName`s: wasm functions, trampolines, adapters.
pub const TRAMPOLINE_NAMESPACE: u32 = 1;
pub const ADAPTER_NAMESPACE: u32 = 2;

fn pointer_signature(count: usize, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params
        .extend((0..count).map(|_| AbiParam::new(types::I64)));
    sig
}

/// Build the host-to-wasm trampoline for `ty` (type index `index`).
pub fn host_to_wasm(
    ty: &FuncType,
    index: u32,
    target: &TargetIsaInfo,
    fb_ctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let call_conv = target.call_conv;
    let sig = pointer_signature(4, call_conv);
    let mut func =
        ir::Function::with_name_signature(ir::UserFuncName::user(TRAMPOLINE_NAMESPACE, index), sig);
    let mut b = FunctionBuilder::new(&mut func, fb_ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (func_ptr, callee, caller, values) = (p[0], p[1], p[2], p[3]);
    let flags = MemFlagsData::trusted();
    let mut args = vec![callee, caller];
    args.truncate(vmctx_params(target.fixed_vmctx));
    for (i, param) in ty.params.iter().enumerate() {
        args.push(b.ins().load(ir_type(*param), flags, values, slot(i)));
    }
    let callee_sig = b.import_signature(wasm_signature(ty, target.fixed_vmctx));
    let call = b.ins().call_indirect(callee_sig, func_ptr, &args);
    let results = b.inst_results(call).to_vec();
    for (i, result) in results.into_iter().enumerate() {
        b.ins().store(flags, result, values, slot(i));
    }
    b.ins().return_(&[]);
    b.finalize(target.frontend_config);
    func
}

/// Build the wasm-to-host adapter for `ty` (type index `index`).
pub fn wasm_to_host(
    ty: &FuncType,
    index: u32,
    target: &TargetIsaInfo,
    fb_ctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let call_conv = target.call_conv;
    let sig = wasm_signature(ty, target.fixed_vmctx);
    let mut func =
        ir::Function::with_name_signature(ir::UserFuncName::user(ADAPTER_NAMESPACE, index), sig);
    let mut b = FunctionBuilder::new(&mut func, fb_ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let host_ctx = p[0];
    let skip = vmctx_params(target.fixed_vmctx);
    let caller = match target.fixed_vmctx {
        0 => p[1],
        fixed => b.ins().iconst(types::I64, fixed as i64),
    };
    let slots = ty.params.len().max(ty.results.len()).max(1);
    let buffer = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots as u32 * VALUE_SLOT_SIZE,
        4,
    ));
    let flags = MemFlagsData::trusted();
    for (i, value) in p[skip..].iter().enumerate() {
        b.ins().stack_store(types::I64, *value, buffer, slot(i));
    }
    let values = b.ins().stack_addr(types::I64, buffer, 0);
    let callback = b
        .ins()
        .load(types::I64, flags, host_ctx, field::HOST_CALLBACK);
    let callback_sig = b.import_signature(pointer_signature(4, call_conv));
    // The adapter's frame pointer: the runtime follows the frame chain from it to the wasm
    // frames that called the host function, for the backtrace of a trap it returns.
    let frame_pointer = b.ins().get_frame_pointer(types::I64);
    b.ins().call_indirect(
        callback_sig,
        callback,
        &[host_ctx, caller, values, frame_pointer],
    );
    let results: Vec<ir::Value> = ty
        .results
        .iter()
        .enumerate()
        .map(|(i, t)| b.ins().stack_load(types::I64, ir_type(*t), buffer, slot(i)))
        .collect();
    b.ins().return_(&results);
    b.finalize(target.frontend_config);
    func
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmaot_abi::metadata::ValType;

    const FIXED: u64 = 0x5000_0000;

    fn target(fixed_vmctx: u64) -> TargetIsaInfo {
        TargetIsaInfo {
            call_conv: CallConv::SystemV,
            frontend_config: cranelift_codegen::isa::TargetFrontendConfig {
                default_call_conv: CallConv::SystemV,
                pointer_width: target_lexicon::PointerWidth::U64,
                page_size_align_log2: 12,
            },
            fixed_vmctx,
        }
    }

    /// `(func (param i32 f64) (result i64))`.
    fn ty() -> FuncType {
        FuncType {
            params: vec![ValType::I32, ValType::F64],
            results: vec![ValType::I64],
        }
    }

    /// The arguments of the one call `func` makes.
    fn call_args(func: &ir::Function) -> Vec<ir::Value> {
        let call = func
            .layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .find(|&inst| func.dfg.insts[inst].opcode().is_call())
            .expect("a call");
        func.dfg.inst_args(call).to_vec()
    }

    #[test]
    fn the_trampoline_passes_the_callers_vmctx_only_when_it_is_not_fixed() {
        let mut fb_ctx = FunctionBuilderContext::new();
        for (fixed, vmctx_args) in [(0, 2), (FIXED, 1)] {
            let func = host_to_wasm(&ty(), 0, &target(fixed), &mut fb_ctx);
            let params = func.dfg.block_params(func.layout.entry_block().unwrap());
            let args = call_args(&func);
            // call_indirect: the code address, then the arguments.
            assert_eq!(args.len(), 1 + vmctx_args + 2, "fixed {fixed:#x}");
            assert_eq!(args[0], params[0]);
            assert_eq!(args[1..=vmctx_args], params[1..=vmctx_args]);
        }
    }

    #[test]
    fn the_adapter_takes_a_fixed_callers_vmctx_as_a_constant() {
        let mut fb_ctx = FunctionBuilderContext::new();
        for fixed in [0, FIXED] {
            let func = wasm_to_host(&ty(), 0, &target(fixed), &mut fb_ctx);
            assert_eq!(func.signature, wasm_signature(&ty(), fixed));
            let params = func.dfg.block_params(func.layout.entry_block().unwrap());
            assert_eq!(params.len(), vmctx_params(fixed) + 2);
            // The callback's arguments: the code address, then (host_ctx, caller, values, fp).
            let caller = call_args(&func)[2];
            match fixed {
                0 => assert_eq!(caller, params[1]),
                _ => assert_eq!(
                    crate::narrow_masks::constant(&func, caller),
                    Some(FIXED),
                    "{}",
                    func.display()
                ),
            }
        }
    }
}
