//! Functions in Cranelift IR for the unit tests of the passes around the mid-end.

use cranelift_codegen::ir::{self, AbiParam, Block, Signature, Type, Value};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;

/// An empty function taking `params` and returning `returns`.
pub fn function(params: &[Type], returns: &[Type]) -> ir::Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params = params.iter().map(|&ty| AbiParam::new(ty)).collect();
    sig.returns = returns.iter().map(|&ty| AbiParam::new(ty)).collect();
    ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig)
}

/// How many instructions of `func` have `opcode`.
pub fn count(func: &ir::Function, opcode: ir::Opcode) -> usize {
    func.layout
        .blocks()
        .flat_map(|block| func.layout.block_insts(block))
        .filter(|&inst| func.dfg.insts[inst].opcode() == opcode)
        .count()
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

/// Ends a round of a counted loop and the function `b` builds: `i - 1`, back to `top` with it
/// and `sum` while it is not zero, else to `exit`, which returns `sum`.
pub fn count_down_and_return(
    mut b: FunctionBuilder,
    top: Block,
    exit: Block,
    i: Value,
    sum: Value,
) {
    use cranelift_codegen::ir::InstBuilder;
    let ty = b.func.dfg.value_type(i);
    let one = b.ins().iconst(ty, 1);
    let i = b.ins().isub(i, one);
    b.ins().brif(i, top, &[i.into(), sum.into()], exit, &[]);
    b.switch_to_block(exit);
    b.ins().return_(&[sum]);
    finish(b);
}

/// Memory 0 as the tests of the loop passes have it: its base in the vmctx at 40, the
/// address of its definition at 32, the length in that at 8, linear memory's alias region 1.
pub const MEMORY0: crate::vector_loops::Memory0 = crate::vector_loops::Memory0 {
    fixed_base: None,
    fixed_vmctx: 0,
    base_offset: 40,
    memory_ptr_offset: 32,
    length_field: 8,
    region: 1,
};

/// An empty function with a wasm function's parameters (the vmctx, then `params`), and the
/// flags of an access to its linear memory (little-endian, trapping out of bounds, in
/// [`MEMORY0`]'s alias region).
pub fn wasm_function(params: &[Type], returns: &[Type]) -> (ir::Function, ir::MemFlagsData) {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.push(AbiParam::special(
        cranelift_codegen::ir::types::I64,
        ir::ArgumentPurpose::VMContext,
    ));
    sig.params
        .extend(params.iter().map(|&ty| AbiParam::new(ty)));
    sig.returns = returns.iter().map(|&ty| AbiParam::new(ty)).collect();
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig);
    let region = func.dfg.alias_regions.insert(ir::AliasRegionData {
        user_id: MEMORY0.region,
        description: "linear memory".into(),
    });
    let heap = ir::MemFlagsData::new()
        .with_endianness(ir::Endianness::Little)
        .with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS))
        .with_alias_region(Some(region));
    (func, heap)
}

/// Memory 0's base, loaded from the vmctx where `b` is.
pub fn memory_base(b: &mut FunctionBuilder, vmctx: Value) -> Value {
    use cranelift_codegen::ir::InstBuilder;
    let flags = ir::MemFlagsData::trusted().with_readonly().with_can_move();
    b.ins().load(
        cranelift_codegen::ir::types::I64,
        flags,
        vmctx,
        MEMORY0.base_offset,
    )
}

/// A function `f` of no parameters and results, outside the module, for the function `b`
/// builds to call.
pub fn external_callee(b: &mut FunctionBuilder) -> ir::FuncRef {
    let signature = b.import_signature(Signature::new(CallConv::SystemV));
    b.import_function(ir::ExtFuncData {
        name: ir::ExternalName::testcase("f"),
        signature,
        patchable: false,
        colocated: false,
    })
}

/// Checks `func` with Cranelift's verifier (default flags), showing it if it fails.
pub fn verify(func: &ir::Function) {
    let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
    if let Err(errors) = cranelift_codegen::verify_function(func, &flags) {
        panic!("{errors}\n{}", func.display());
    }
}
