//! Glue between the host's calling convention and wasm's (Cranelift's `tail`, see
//! [`crate::translate::WASM_CALL_CONV`]), one pair per function type:
//!
//! - the host-to-wasm trampoline `(func_ptr, callee_vmctx, caller_vmctx, values)` loads the
//!   arguments from `values` (slots of `VALUE_SLOT_SIZE` bytes), calls, and stores the results
//!   back into `values`;
//! - the wasm-to-host adapter has the wasm signature; its callee vmctx is a host context whose
//!   first word is a callback `(host_ctx, caller_vmctx, values)`; it spills the arguments into a
//!   stack buffer, calls the callback, and returns the results the callback left there.

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

use crate::translate::{ir_type, wasm_signature};

/// What glue generation needs of the target.
pub struct TargetIsaInfo {
    pub call_conv: CallConv,
    pub frontend_config: cranelift_codegen::isa::TargetFrontendConfig,
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
    for (i, param) in ty.params.iter().enumerate() {
        args.push(b.ins().load(ir_type(*param), flags, values, slot(i)));
    }
    let callee_sig = b.import_signature(wasm_signature(ty));
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
    let sig = wasm_signature(ty);
    let mut func =
        ir::Function::with_name_signature(ir::UserFuncName::user(ADAPTER_NAMESPACE, index), sig);
    let mut b = FunctionBuilder::new(&mut func, fb_ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (host_ctx, caller) = (p[0], p[1]);
    let slots = ty.params.len().max(ty.results.len()).max(1);
    let buffer = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots as u32 * VALUE_SLOT_SIZE,
        4,
    ));
    let flags = MemFlagsData::trusted();
    for (i, value) in p[2..].iter().enumerate() {
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
