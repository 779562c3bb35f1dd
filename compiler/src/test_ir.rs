//! Functions in Cranelift IR for the unit tests of the passes around the mid-end.

use cranelift_codegen::ir::{self, AbiParam, Signature, Type};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;

/// An empty function taking `params` and returning `returns`.
pub fn function(params: &[Type], returns: &[Type]) -> ir::Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params = params.iter().map(|&ty| AbiParam::new(ty)).collect();
    sig.returns = returns.iter().map(|&ty| AbiParam::new(ty)).collect();
    ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig)
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
