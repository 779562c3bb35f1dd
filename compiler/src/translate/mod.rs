//! Translation of one wasm function body into one Cranelift function.
//!
//! The driver reads like the spec's function validation: declare params and locals, then for
//! each operator validate it (wasmparser) and translate it. Operators are split by family into
//! the files beside this one; [`state`] holds the operand and control stacks.

mod calls;
mod control;
mod dispatch;
mod dispatch_loops;
mod exceptions;
mod instrumentation;
mod memory;
mod numeric;
mod simd;
mod state;
mod static_calls;
mod table;
mod table_lookups;
mod table_offsets;
mod variables;
mod wide;

use cranelift_codegen::ir::{
    self, types, AbiParam, InstBuilder, MemFlagsData, Signature, TrapCode, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use wasmaot_abi::metadata::{FuncType, ModuleMeta, ValType};
use wasmaot_abi::{TrapKind, VmctxLayout};
use wasmparser::{FuncValidator, FuncValidatorAllocations, Operator, ValidatorResources};

use crate::error::{CompileError, Result};
use crate::module::FunctionInput;
pub(crate) use memory::LINEAR_MEMORY_REGION;
pub use simd::{SimdTarget, V128};
use state::ControlStack;

/// How linear-memory accesses are kept in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsChecks {
    /// Rely on a reservation of 4 GiB plus `guard` bytes: no check when `offset + size <= guard`.
    GuardPages { guard: u64 },
    /// Compare every access against the current memory length.
    Explicit,
}

/// What translating any function of a module needs to know. Shared, read-only.
pub struct ModuleEnv<'m> {
    pub meta: &'m ModuleMeta,
    pub layout: VmctxLayout,
    /// The host's calling convention: libcalls and fallbacks (wasm functions use
    /// [`WASM_CALL_CONV`]).
    pub call_conv: CallConv,
    pub bounds_checks: BoundsChecks,
    pub frontend_config: cranelift_codegen::isa::TargetFrontendConfig,
    /// What the SIMD lowering may use, and how relaxed SIMD behaves.
    pub simd: SimdTarget,
    /// The features the module was validated against.
    pub features: wasmparser::WasmFeatures,
    /// Checks to compile in beyond the spec.
    pub instrumentation: wasmaot_abi::metadata::Instrumentation,
    /// Keep, for each function, which wasm operator each range of machine code came from
    /// ([`crate::compile::CompiledFunction::operators`]): the module has source lines to map.
    pub keep_operator_map: bool,
    /// A store that faults part-way may still write its other bytes (aarch64 allows it for a
    /// store crossing into an inaccessible page): stores the guard region keeps in bounds are
    /// preceded by a load of the same bytes.
    pub stores_may_tear: bool,
    /// Copy the dispatch of switch loops into their cases ([`dispatch_loops`]; at `-O2`).
    pub copy_dispatch: bool,
    /// The code is an executable's: a trap ends its process ([`crate::Options::executable`]).
    pub executable: bool,
    /// Keep i32 locals zero-extended in 64-bit variables ([`variables`]; x86-64, where 32-bit
    /// arithmetic clears the upper half for free).
    pub wide_i32_locals: bool,
    /// The tables `call_indirect` may read a read-only copy of ([`crate::static_tables`]).
    pub static_tables: &'m crate::static_tables::StaticTables,
}

impl ModuleEnv<'_> {
    /// The native signature of wasm type `index` ([`wasm_signature`]).
    pub fn signature(&self, index: u32) -> Signature {
        wasm_signature(
            &self.meta.types[index as usize],
            self.meta.memory_strategy.fixed_vmctx,
        )
    }

    pub fn imported_funcs(&self) -> u32 {
        self.layout.counts.imported_funcs
    }
}

/// The Cranelift type holding a wasm value (references are pointers).
pub fn ir_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 | ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => simd::V128,
    }
}

/// The calling convention of every function with a wasm signature (wasm functions, host
/// adapters): Cranelift's `tail`, the one `return_call` needs on both caller and callee. The host's
/// own convention (`ModuleEnv::call_conv`) is kept for libcalls, fallbacks and the outer side of
/// the host-to-wasm trampolines, which are where the two meet.
pub const WASM_CALL_CONV: CallConv = CallConv::Tail;

/// The vmctx as code reaches it at the point `ins` inserts at: the address the runtime maps
/// the instance's vmctx at, `fixed` ([`MemoryStrategy::fixed_vmctx`]), as a constant, or, when
/// that is 0, `param`, the function's first parameter. A constant is made again in each block
/// that uses it (Cranelift rematerialises constants) and holds no register between them, where
/// the parameter stays live through the whole function: in a function that calls, in a
/// callee-saved register or a stack slot, reloaded at each use.
///
/// [`MemoryStrategy::fixed_vmctx`]: wasmaot_abi::metadata::MemoryStrategy::fixed_vmctx
pub fn vmctx_value<'f>(ins: impl InstBuilder<'f>, fixed: u64, param: Value) -> Value {
    if fixed == 0 {
        param
    } else {
        ins.iconst(types::I64, fixed as i64)
    }
}

/// The native signature of a wasm function of type `ty`: `(callee_vmctx, caller_vmctx, params)
/// -> results`, or, compiled for the vmctx at `fixed_vmctx` (not 0), `(callee_vmctx, params)
/// -> results`. There the module is the only instance, so the caller's vmctx is that address,
/// which a host adapter takes as a constant ([`crate::trampolines::wasm_to_host`]): a call
/// passes one register less, one instruction less (`mov %rsi,%rdi` after the constant).
pub fn wasm_signature(ty: &FuncType, fixed_vmctx: u64) -> Signature {
    let mut sig = Signature::new(WASM_CALL_CONV);
    sig.params.push(AbiParam::special(
        types::I64,
        ir::ArgumentPurpose::VMContext,
    ));
    if fixed_vmctx == 0 {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig.params
        .extend(ty.params.iter().map(|t| AbiParam::new(ir_type(*t))));
    sig.returns
        .extend(ty.results.iter().map(|t| AbiParam::new(ir_type(*t))));
    sig
}

/// How many parameters of [`wasm_signature`] come before the wasm parameters.
pub fn vmctx_params(fixed_vmctx: u64) -> usize {
    if fixed_vmctx == 0 {
        2
    } else {
        1
    }
}

/// The Cranelift trap code recording `kind`.
pub fn trap_code(kind: TrapKind) -> TrapCode {
    match kind {
        TrapKind::OutOfBoundsMemory => TrapCode::HEAP_OUT_OF_BOUNDS,
        TrapKind::IntegerDivideByZero => TrapCode::INTEGER_DIVISION_BY_ZERO,
        TrapKind::IntegerOverflow => TrapCode::INTEGER_OVERFLOW,
        TrapKind::InvalidConversion => TrapCode::BAD_CONVERSION_TO_INTEGER,
        TrapKind::StackExhausted => TrapCode::STACK_OVERFLOW,
        other => TrapCode::unwrap_user(other as u8),
    }
}

/// The trap kind recorded by `code`, the inverse of [`trap_code`].
pub fn trap_kind(code: TrapCode) -> Option<TrapKind> {
    TrapKind::ALL
        .iter()
        .copied()
        .find(|k| trap_code(*k) == code)
}

/// Memory flags for accesses to runtime structures compiled code trusts.
fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Translates one function; holds the per-function state.
pub struct FuncTranslator<'a, 'f> {
    env: &'a ModuleEnv<'a>,
    builder: FunctionBuilder<'f>,
    validator: FuncValidator<ValidatorResources>,
    stack: Vec<Value>,
    control: ControlStack,
    /// False after an unconditional branch, until the end of the enclosing block.
    reachable: bool,
    locals: Vec<Variable>,
    /// Which locals are i32s kept zero-extended in 64-bit variables ([`variables`]).
    wide_locals: Vec<bool>,
    /// i32 values read from such a local, and the 64-bit value each is the low half of.
    zero_extended: std::collections::HashMap<Value, Value>,
    /// The callee vmctx: the first parameter of every wasm function, or a constant where the
    /// instance's vmctx has a fixed address ([`vmctx_value`]).
    vmctx: Value,
    /// Current operator's byte offset, for errors.
    offset: u64,
    /// Instructions translated since fuel was last taken (fuel metering only).
    fuel_pending: u32,
    /// The function's fuel (fuel metering only).
    fuel_var: Option<Variable>,
    /// Switch loops not yet reached, by the offset of their `loop` ([`dispatch_loops`]).
    dispatch_plans: std::collections::HashMap<u64, dispatch_loops::DispatchPlan>,
    /// The open switch loops, innermost last.
    dispatch_loops: Vec<dispatch_loops::ActiveDispatch>,
    /// The body is larger than [`crate::static_tables::LARGE_BODY`]: its `call_indirect`s read
    /// the table.
    large: bool,
    /// The names of the static table copies read so far, by copy ([`crate::static_tables`]):
    /// one name per copy, so that its address is computed once.
    static_copies: std::collections::HashMap<u32, ir::FuncRef>,
    /// i32 addresses a 32-bit memory access has used, with the block it is in: below
    /// [`wasmaot_abi::MEMORY32_MAX_BYTES`] for the rest of that block ([`table_lookups`]).
    /// Keyed by the 64-bit variable an address read from a wide local is the low half of.
    accessed: std::collections::HashSet<(ir::Block, Value)>,
}

/// Translate defined function `defined_index` into `func`. Returns the validator's allocations
/// for reuse.
pub fn translate_function(
    env: &ModuleEnv<'_>,
    defined_index: u32,
    input: FunctionInput<'_>,
    func: &mut ir::Function,
    fb_ctx: &mut FunctionBuilderContext,
    allocs: FuncValidatorAllocations,
) -> Result<FuncValidatorAllocations> {
    let func_index = env.imported_funcs() + defined_index;
    let type_index = env.meta.func_types[func_index as usize];
    func.signature = env.signature(type_index);
    func.name = ir::UserFuncName::user(0, defined_index);
    let validator = input.validator.into_validator(allocs);
    let mut builder = FunctionBuilder::new(func, fb_ctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let param = builder.block_params(entry)[0];
    let vmctx = vmctx_value(builder.ins(), env.meta.memory_strategy.fixed_vmctx, param);
    let mut t = FuncTranslator {
        env,
        builder,
        validator,
        stack: Vec::new(),
        control: ControlStack::default(),
        reachable: true,
        locals: Vec::new(),
        wide_locals: Vec::new(),
        zero_extended: std::collections::HashMap::new(),
        vmctx,
        offset: input.body.range().start,
        fuel_pending: 0,
        fuel_var: None,
        dispatch_plans: if env.copy_dispatch
            && !env.instrumentation.fuel
            && !env.instrumentation.interrupt_checks
        {
            dispatch_loops::find(&input.body, env.features)
        } else {
            Default::default()
        },
        dispatch_loops: Vec::new(),
        static_copies: std::collections::HashMap::new(),
        accessed: std::collections::HashSet::new(),
        large: {
            let body = input.body.range();
            body.end - body.start > crate::static_tables::LARGE_BODY as u64
        },
    };
    t.set_stack_limit();
    t.declare_params(entry, type_index);
    t.declare_locals(&input.body)?;
    let results = env.meta.types[type_index as usize].results.clone();
    t.push_function_frame(&results);
    t.check_interrupt();
    t.start_fuel();
    // The operator reader must know the feature set: it decides e.g. whether a memory index
    // may be a multi-byte LEB.
    let mut binary = input.body.get_binary_reader_for_operators()?;
    binary.set_features(env.features);
    let mut reader = wasmparser::OperatorsReader::new(binary);
    while !reader.eof() {
        t.offset = reader.original_position();
        // Every instruction of this operator carries its module offset, for backtraces.
        t.builder.set_srcloc(ir::SourceLoc::new(t.offset as u32));
        let op = reader.read()?;
        t.validator.op(t.offset, &op)?;
        t.translate_operator(&op)?;
    }
    reader.finish()?;
    t.builder.finalize(env.frontend_config);
    Ok(t.validator.into_allocations())
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    fn set_stack_limit(&mut self) {
        let vmctx_gv = self
            .builder
            .create_global_value(ir::GlobalValueData::VMContext);
        // Not read-only: the runtime changes it between calls from the host.
        let flags = self.builder.func.dfg.mem_flags.insert_unchecked(trusted());
        let limit = self.builder.create_global_value(ir::GlobalValueData::Load {
            base: vmctx_gv,
            offset: VmctxLayout::STACK_LIMIT.into(),
            global_type: types::I64,
            flags,
        });
        self.builder.func.stack_limit = Some(limit);
    }

    fn declare_params(&mut self, entry: ir::Block, type_index: u32) {
        let skip = vmctx_params(self.env.meta.memory_strategy.fixed_vmctx);
        let params: Vec<Value> = self.builder.block_params(entry)[skip..].to_vec();
        let types = &self.env.meta.types[type_index as usize].params;
        for (value, ty) in params.into_iter().zip(types) {
            self.declare_local(*ty, value);
        }
    }

    fn declare_locals(&mut self, body: &wasmparser::FunctionBody<'_>) -> Result<()> {
        let mut reader = body.get_locals_reader()?;
        for _ in 0..reader.get_count() {
            let offset = reader.original_position();
            let (count, ty) = reader.read()?;
            self.validator.define_locals(offset, count, ty)?;
            let ty = crate::module::val_type(ty, offset)?;
            let zero = self.zero_value(ty);
            for _ in 0..count {
                self.declare_local(ty, zero);
            }
        }
        Ok(())
    }

    fn zero_value(&mut self, ty: ValType) -> Value {
        match ty {
            ValType::I32 => self.builder.ins().iconst(types::I32, 0),
            ValType::F32 => self.builder.ins().f32const(0.0),
            ValType::F64 => self.builder.ins().f64const(0.0),
            ValType::V128 => self.vector_zero(simd::V128),
            // A non-nullable local gets null too: validation ensures it is set before use.
            ValType::I64 | ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => {
                self.builder.ins().iconst(types::I64, 0)
            }
        }
    }

    /// Translate one operator, by the family [`dispatch::family`] gives it.
    fn translate_operator(&mut self, op: &Operator<'_>) -> Result<()> {
        use dispatch::Family;
        let family = dispatch::family(op);
        if let Family::Unsupported(proposal) = family {
            return Err(CompileError::unsupported(proposal, self.offset));
        }
        if !self.reachable {
            return self.translate_unreachable(op);
        }
        self.count_fuel();
        if matches!(family, Family::Control | Family::Call | Family::Exception)
            && !matches!(op, Operator::Nop)
        {
            self.flush_fuel();
        }
        let handled = match family {
            Family::Control => self.translate_control(op)?,
            Family::Variable => self.translate_variable(op)?,
            Family::Call => self.translate_call(op)?,
            Family::Memory => self.translate_memory(op)?,
            Family::Table => self.translate_table(op)?,
            Family::Numeric => self.translate_numeric(op)?,
            Family::Simd => self.translate_simd(op)?,
            Family::Exception => self.translate_exceptions(op)?,
            Family::Unsupported(_) => false,
        };
        if handled {
            Ok(())
        } else {
            // The dispatch and the family disagree: a compiler bug, reported as such.
            Err(CompileError::Codegen {
                func_index: u32::MAX,
                message: format!("operator {op:?} is not translated by its family {family:?}"),
            })
        }
    }

    // Operand stack helpers.

    fn push(&mut self, value: Value) {
        self.stack.push(value);
    }

    fn pop(&mut self) -> Value {
        // Validation ran first, so the stack holds what the operator needs.
        self.stack.pop().expect("validated operand stack")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    /// A memory or table index operand as the u64 the runtime takes: i32 indices (32-bit
    /// memories and tables) are zero-extended, i64 ones pass as they are.
    fn widen_index(&mut self, value: Value) -> Value {
        if self.builder.func.dfg.value_type(value) == types::I64 {
            value
        } else {
            self.zero_extend(value)
        }
    }

    /// A u64 size or index back to the index type of a memory or table (`is64`).
    fn narrow_index(&mut self, value: Value, is64: bool) -> Value {
        if is64 {
            value
        } else {
            self.builder.ins().ireduce(types::I32, value)
        }
    }

    /// Load a pointer-sized field of the vmctx.
    fn load_vmctx_ptr(&mut self, offset: u32, readonly: bool) -> Value {
        let mut flags = trusted();
        if readonly {
            flags = flags.with_readonly().with_can_move();
        }
        self.builder
            .ins()
            .load(types::I64, flags, self.vmctx, offset as i32)
    }
}

#[cfg(test)]
mod signature_tests {
    use super::*;

    #[test]
    fn a_fixed_vmctx_leaves_the_callers_vmctx_out_of_the_signature() {
        let ty = FuncType {
            params: vec![ValType::I32, ValType::F32],
            results: vec![ValType::F64],
        };
        let shared = wasm_signature(&ty, 0);
        let fixed = wasm_signature(&ty, 0x5000_0000);
        assert_eq!(shared.params.len(), 4);
        assert_eq!(fixed.params.len(), 3);
        assert_eq!(fixed.params[..1], shared.params[..1]);
        assert_eq!(fixed.params[1..], shared.params[2..]);
        assert_eq!(fixed.returns, shared.returns);
        assert_eq!((vmctx_params(0), vmctx_params(0x5000_0000)), (2, 1));
    }
}
