//! The wasmaot compiler: WebAssembly bytes in, a native object out.
//!
//! ```text
//! bytes -> module::parse -> compile::compile_functions (translate, in parallel) -> emit
//! ```
//!
//! The object holds the machine code and everything the runtime needs to instantiate the module
//! (`wasmaot_abi` is the contract). Link it with the runtime library into an executable, or into
//! a shared object loaded through the runtime's embedding API.

pub mod compile;
pub mod emit;
pub mod error;
pub mod isa;
pub mod module;
pub mod trampolines;
pub mod translate;
mod unwind;

use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;
use wasmaot_abi::metadata::{FunctionCode, MemoryStrategy};
use wasmaot_abi::WASM_PAGE_SIZE;

pub use error::{CompileError, Result};
pub use isa::{host_triple, OptLevel, SUPPORTED_TARGETS};
pub use translate::BoundsChecks;
pub use wasmaot_abi;

/// Default guard region after a 32-bit memory's 4 GiB.
pub const DEFAULT_GUARD_SIZE: u64 = 2 << 30;

/// How to compile.
#[derive(Clone, Debug)]
pub struct Options {
    pub opt_level: OptLevel,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    pub bounds_checks: BoundsChecks,
    /// Target triple, one of [`SUPPORTED_TARGETS`].
    pub target: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            opt_level: OptLevel::O2,
            jobs: 0,
            bounds_checks: BoundsChecks::GuardPages {
                guard: DEFAULT_GUARD_SIZE,
            },
            target: host_triple().to_string(),
        }
    }
}

/// Validate `wasm` and parse it, without compiling: the count of functions to compile.
pub fn count_functions(wasm: &[u8]) -> Result<usize> {
    Ok(module::parse(wasm)?.functions.len())
}

/// Compile `wasm` into an object file. `on_function_done` is called once per compiled function
/// (from worker threads), for progress reporting.
pub fn compile(
    wasm: &[u8],
    options: &Options,
    on_function_done: &(dyn Fn() + Sync),
) -> Result<Vec<u8>> {
    let parsed = module::parse(wasm)?;
    let mut meta = parsed.meta;
    meta.memory_strategy = MemoryStrategy {
        reservation: match options.bounds_checks {
            BoundsChecks::GuardPages { guard } => (1 << 32) + guard,
            BoundsChecks::Explicit => 0,
        },
    };
    debug_assert_eq!(WASM_PAGE_SIZE, 65536);
    let isa = isa::target_isa(&options.target, options.opt_level)?;
    let env = translate::ModuleEnv {
        layout: meta.vmctx_layout(),
        meta: &meta,
        call_conv: isa.default_call_conv(),
        bounds_checks: options.bounds_checks,
        frontend_config: isa.frontend_config(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| CompileError::Config(e.to_string()))?;
    let functions = pool
        .install(|| compile::compile_functions(&env, &*isa, parsed.functions, on_function_done))?;
    let (trampolines, adapters) = compile_glue(&env, &*isa)?;
    meta.code = functions
        .iter()
        .map(|f| FunctionCode {
            len: f.code.len() as u32,
            traps: f.traps.clone(),
        })
        .collect();
    let contents = emit::ObjectContents {
        functions: &functions,
        trampolines: &trampolines,
        adapters: &adapters,
        meta: &meta,
    };
    emit::write_object(isa, &contents)
}

type Glue = (
    Vec<compile::CompiledFunction>,
    Vec<compile::CompiledFunction>,
);

/// The trampoline and adapter of every type (few and small: compiled sequentially).
fn compile_glue(env: &translate::ModuleEnv<'_>, isa: &dyn TargetIsa) -> Result<Glue> {
    let mut fb_ctx = FunctionBuilderContext::new();
    let target = trampolines::TargetIsaInfo {
        call_conv: env.call_conv,
        frontend_config: env.frontend_config,
    };
    let mut context = Context::new();
    let defined = env.layout.counts.defined_funcs;
    let types = env.meta.types.len() as u32;
    let mut build = |func, id: u32| {
        context.clear();
        context.func = func;
        compile::compile_ir(&mut context, isa, FuncId::from_u32(id)).map_err(|message| {
            CompileError::Codegen {
                func_index: u32::MAX,
                message,
            }
        })
    };
    let mut trampolines = Vec::new();
    let mut adapters = Vec::new();
    for (i, ty) in env.meta.types.iter().enumerate() {
        let i = i as u32;
        let f = trampolines::host_to_wasm(ty, i, &target, &mut fb_ctx);
        trampolines.push(build(f, defined + i)?);
    }
    for (i, ty) in env.meta.types.iter().enumerate() {
        let i = i as u32;
        let f = trampolines::wasm_to_host(ty, i, &target, &mut fb_ctx);
        adapters.push(build(f, defined + types + i)?);
    }
    Ok((trampolines, adapters))
}
