//! Functions in Cranelift IR for the unit tests of the passes around the mid-end.

use cranelift_codegen::ir::{self, AbiParam, Signature, Type, Value};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;

/// An empty function taking `params` and returning `returns`.
pub fn function(params: &[Type], returns: &[Type]) -> ir::Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params = params.iter().map(|&ty| AbiParam::new(ty)).collect();
    sig.returns = returns.iter().map(|&ty| AbiParam::new(ty)).collect();
    ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig)
}

/// Starts the function `b` builds with its entry block, and returns the entry's parameters
/// (the function's).
pub fn enter(b: &mut FunctionBuilder) -> Vec<Value> {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.block_params(entry).to_vec()
}

/// Seals every block and finishes the function `b` builds (for a 64-bit target).
pub fn finish(mut b: FunctionBuilder) {
    b.seal_all_blocks();
    b.finalize(TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: target_lexicon::PointerWidth::U64,
        page_size_align_log2: 12,
    });
}
