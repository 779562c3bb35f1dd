//! Stand-ins for the routines Cranelift calls when the target CPU lacks an instruction, built
//! into the object itself so that compiled code never depends on a symbol the host process may
//! not export. Today one: `pshufb`, which Cranelift calls on x86-64 without SSSE3 (shuffles and
//! swizzles); the float rounding and fused multiply-add it calls without SSE4.1 or FMA are the C
//! library's (`ceilf`, `fma`, ...), linked with `-lm`.

use cranelift_codegen::ir::{
    self, types, AbiParam, InstBuilder, LibCall, MemFlagsData, Signature, StackSlotData,
    StackSlotKind,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{ModuleReloc, ModuleRelocTarget};

use crate::trampolines::TargetIsaInfo;

/// Namespace of the fallbacks' `UserFuncName`s.
pub const FALLBACK_NAMESPACE: u32 = 3;

fn is_pshufb(target: &ModuleRelocTarget) -> bool {
    matches!(target, ModuleRelocTarget::LibCall(LibCall::X86Pshufb))
}

/// Whether any relocation in `relocs` calls the `pshufb` routine.
pub fn calls_pshufb(relocs: &[ModuleReloc]) -> bool {
    relocs.iter().any(|r| is_pshufb(&r.name))
}

/// Point calls of the `pshufb` routine at the function with id `fallback`.
pub fn redirect_pshufb(relocs: &[ModuleReloc], fallback: u32) -> Vec<ModuleReloc> {
    relocs
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if is_pshufb(&r.name) {
                r.name = ModuleRelocTarget::user(0, fallback);
            }
            r
        })
        .collect()
}

/// `pshufb(a, mask)` in SSE2 code: byte `i` of the result is 0 when byte `i` of `mask` has its
/// top bit set, else byte `mask[i] & 15` of `a`.
pub fn pshufb(target: &TargetIsaInfo, fb_ctx: &mut FunctionBuilderContext) -> ir::Function {
    let mut sig = Signature::new(target.call_conv);
    sig.params.push(AbiParam::new(types::I8X16));
    sig.params.push(AbiParam::new(types::I8X16));
    sig.returns.push(AbiParam::new(types::I8X16));
    let mut func =
        ir::Function::with_name_signature(ir::UserFuncName::user(FALLBACK_NAMESPACE, 0), sig);
    let mut b = FunctionBuilder::new(&mut func, fb_ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (a, mask) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let bytes = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 4));
    b.ins().stack_store(types::I64, a, bytes, 0);
    let base = b.ins().stack_addr(types::I64, bytes, 0);
    let zero = b.ins().iconst(types::I8, 0);
    let mut result = mask;
    for lane in 0..16u8 {
        let selector = b.ins().extractlane(mask, lane);
        let index = b.ins().band_imm_u(selector, 15);
        let index = b.ins().uextend(types::I64, index);
        let address = b.ins().iadd(base, index);
        let byte = b.ins().load(types::I8, MemFlagsData::trusted(), address, 0);
        let cleared = b
            .ins()
            .icmp_imm_s(ir::condcodes::IntCC::SignedLessThan, selector, 0);
        let byte = b.ins().select(cleared, zero, byte);
        result = b.ins().insertlane(result, byte, lane);
    }
    b.ins().return_(&[result]);
    b.finalize(target.frontend_config);
    func
}
