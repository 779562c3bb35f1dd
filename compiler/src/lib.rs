//! The wasmaot compiler: WebAssembly bytes in, a native object out.
//!
//! ```text
//! bytes -> module::parse -> compile::compile_functions (translate, in parallel) -> emit
//! ```
//!
//! The object holds the machine code and everything the runtime needs to instantiate the module
//! (`wasmaot_abi` is the contract). Link it with the runtime library into an executable, or into
//! a shared object loaded through the runtime's embedding API.

mod block_constants;
mod branch_values;
mod byte_compares;
mod byte_loads;
mod call_heights;
pub mod compile;
pub mod debug_lines;
pub mod emit;
pub mod error;
pub mod fallbacks;
mod fast_paths;
mod global_stores;
mod hoist;
pub mod inline;
pub mod isa;
pub mod link;
mod loop_copies;
mod loop_spills;
pub mod module;
mod narrow_loads;
mod narrow_masks;
mod native_dwarf;
mod offset_params;
mod schedule;
mod shape;
mod sibling_copies;
mod small_tables;
mod stack_args;
mod stack_check;
pub mod static_tables;
mod sub_constants;
#[cfg(test)]
mod test_ir;
pub mod trampolines;
pub mod translate;
mod unwind;
mod vector_loads;
mod vector_loops;
mod vmctx_uses;
mod zero_compares;

use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;
use wasmaot_abi::code_sites::{CallSite, EncodedSites, FuncSites, SourceLine};
use wasmaot_abi::metadata::{Instrumentation, MemoryStrategy};
use wasmaot_abi::WASM_PAGE_SIZE;

pub use error::{CompileError, Result};
pub use isa::{host_triple, OptLevel, TargetCpu, SUPPORTED_TARGETS, TARGET_CPU_NAMES};
pub use translate::{BoundsChecks, SimdTarget};
pub use wasmaot_abi;
pub use wasmparser::WasmFeatures;

/// Default guard region after a 32-bit memory's 4 GiB.
pub const DEFAULT_GUARD_SIZE: u64 = 2 << 30;

/// Where an executable's memory 0 starts on targets that take its base as a constant (see
/// [`executable_memory_base`]). Below 2 GiB, so that the base plus an access's offset (up to
/// 512 MiB) fits x86-64's sign-extended 32-bit displacement. Linux places nothing there by
/// default: position-independent executables, libraries, the heap and the stack all live far
/// above 4 GiB, and a non-PIE executable starts at 4 MiB, with its heap after it. valgrind
/// loads its tools at 0x58000000, below this range.
pub const EXECUTABLE_MEMORY_BASE: u64 = 0x6000_0000;

/// Where an executable's vmctx starts on targets that take its address as a constant (see
/// [`executable_vmctx_address`]): 256 MiB below [`EXECUTABLE_MEMORY_BASE`], in the same free
/// range, and below 2 GiB so that x86-64 materialises it in one 32-bit `mov`.
pub const EXECUTABLE_VMCTX_ADDRESS: u64 = 0x5000_0000;

/// The largest vmctx given a fixed address: it must end below valgrind's tools (0x58000000)
/// and memory 0. Larger ones (a module of millions of functions) go wherever the runtime
/// places them.
pub const MAX_FIXED_VMCTX_BYTES: u32 = 64 << 20;

/// How to compile.
#[derive(Clone, Debug)]
pub struct Options {
    pub opt_level: OptLevel,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    pub bounds_checks: BoundsChecks,
    /// Target triple, one of [`SUPPORTED_TARGETS`].
    pub target: String,
    /// CPU features the code may use; the runtime refuses to run it on a CPU lacking one.
    pub target_cpu: TargetCpu,
    /// Relaxed SIMD operators give the deterministic profile's results on every CPU, instead of
    /// the fastest the target offers.
    pub relaxed_simd_deterministic: bool,
    /// The WebAssembly features a module may use: every supported one by default; fewer to
    /// hold modules to an older standard (as its testsuite does).
    pub features: WasmFeatures,
    /// Check the store's interruption flag at function entries and loop headers, so that a
    /// deadline or the host can stop the code.
    pub interrupt_checks: bool,
    /// Meter the code with the store's fuel.
    pub fuel: bool,
    /// Inline small functions into their direct callers (see `inline.rs`); only at
    /// [`OptLevel::O2`].
    pub inline: bool,
    /// The address memory 0 is to start at, for code that runs as the one instance of its
    /// module in a process (an executable): its accesses then take the base as a constant.
    /// Used only for a module that defines its memory 0 and with guard pages; recorded in
    /// the metadata ([`MemoryStrategy::fixed_base`]), which makes the runtime reserve it
    /// there or refuse to instantiate.
    pub fixed_memory_base: Option<u64>,
    /// The address the instance's vmctx is to start at, for code that runs as the one
    /// instance of its module in a process (an executable): functions then take the vmctx as
    /// a constant, not from a register. Used only for a vmctx of at most
    /// [`MAX_FIXED_VMCTX_BYTES`]; recorded in the metadata ([`MemoryStrategy::fixed_vmctx`]),
    /// which makes the runtime map it there or refuse to instantiate.
    pub fixed_vmctx: Option<u64>,
    /// The code runs as an executable, the one instance of its module in its process: a trap
    /// ends the process, so nothing reads the instance's globals after one, and stores to
    /// them that only a trap could reveal are left out (see `global_stores.rs`). Not for
    /// code an embedder instantiates, which may read a global after a trap.
    pub executable: bool,
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
            target_cpu: TargetCpu::Native,
            relaxed_simd_deterministic: false,
            features: module::features(),
            interrupt_checks: false,
            fuel: false,
            inline: true,
            fixed_memory_base: None,
            fixed_vmctx: None,
            executable: false,
        }
    }
}

/// The base [`Options::fixed_memory_base`] should give an executable for `target`, if any:
/// on x86-64 Linux, [`EXECUTABLE_MEMORY_BASE`]. Elsewhere a constant base buys nothing
/// (aarch64 has no 32-bit displacements) or the address is not free (a Mach-O executable's
/// page zero covers the low 4 GiB).
pub fn executable_memory_base(target: &str) -> Option<u64> {
    (target.starts_with("x86_64") && target.contains("-linux")).then_some(EXECUTABLE_MEMORY_BASE)
}

/// The address [`Options::fixed_vmctx`] should give an executable for `target`, if any: on
/// x86-64 Linux, [`EXECUTABLE_VMCTX_ADDRESS`] (a `mov` of a 32-bit constant where the vmctx
/// otherwise takes a register for the whole function, or a reload from a stack slot). Not on
/// aarch64, whose constants of this size take two instructions, nor on macOS (the low 4 GiB
/// are its page zero).
pub fn executable_vmctx_address(target: &str) -> Option<u64> {
    (target.starts_with("x86_64") && target.contains("-linux")).then_some(EXECUTABLE_VMCTX_ADDRESS)
}

/// Parse and validate `wasm` with the features `options` allow: the first half of [`compile`],
/// for callers that look at the module (its imports, how many functions it has) before
/// compiling it with [`compile_parsed`].
pub fn parse<'a>(wasm: &'a [u8], options: &Options) -> Result<module::ParsedModule<'a>> {
    module::parse_with(wasm, options.features & module::features()).map_err(|e| e.explained(wasm))
}

/// Compile `wasm` into an object file. `on_function_done` is called once per compiled function
/// (from worker threads), for progress reporting.
pub fn compile(
    wasm: &[u8],
    options: &Options,
    on_function_done: &(dyn Fn() + Sync),
) -> Result<Vec<u8>> {
    compile_parsed(parse(wasm, options)?, options, on_function_done).map_err(|e| e.explained(wasm))
}

/// Compile a module [`parse`]d with the same `options` into an object file.
pub fn compile_parsed(
    parsed: module::ParsedModule<'_>,
    options: &Options,
    on_function_done: &(dyn Fn() + Sync),
) -> Result<Vec<u8>> {
    let mut meta = parsed.meta;
    let guarded = matches!(options.bounds_checks, BoundsChecks::GuardPages { .. });
    let defines_memory0 = !meta.memories.is_empty() && meta.imported_memories() == 0;
    meta.memory_strategy = MemoryStrategy {
        reservation: match options.bounds_checks {
            BoundsChecks::GuardPages { guard } => (1 << 32) + guard,
            BoundsChecks::Explicit => 0,
        },
        fixed_base: match options.fixed_memory_base {
            Some(base) if guarded && defines_memory0 => base,
            _ => 0,
        },
        fixed_vmctx: match options.fixed_vmctx {
            Some(at) if meta.vmctx_layout().size() <= MAX_FIXED_VMCTX_BYTES => at,
            _ => 0,
        },
    };
    debug_assert_eq!(WASM_PAGE_SIZE, 65536);
    let isa = isa::target_isa(&options.target, options.opt_level, options.target_cpu)?;
    meta.cpu_features = isa::cpu_features(&*isa);
    // Optimised functions are lowered by the same ISA without the mid-end, which has run by
    // then (see `schedule`).
    let lower = match options.opt_level {
        OptLevel::O0 => None,
        _ => Some(isa::target_isa(
            &options.target,
            OptLevel::O0,
            options.target_cpu,
        )?),
    };
    meta.instrumentation = Instrumentation {
        interrupt_checks: options.interrupt_checks,
        fuel: options.fuel,
    };
    let debug = parsed.debug;
    let lines = debug_lines::LineTable::read(&debug);
    let static_tables = static_tables::StaticTables::find(&meta, &parsed.functions);
    let env = translate::ModuleEnv {
        simd: simd_target(&*isa, options),
        features: parsed.features,
        layout: meta.vmctx_layout(),
        meta: &meta,
        call_conv: isa.default_call_conv(),
        bounds_checks: options.bounds_checks,
        instrumentation: meta.instrumentation,
        frontend_config: isa.frontend_config(),
        keep_operator_map: !lines.is_empty(),
        // x86-64 checks every page a store touches before writing any of it.
        stores_may_tear: !options.target.starts_with("x86_64"),
        copy_dispatch: options.opt_level == OptLevel::O2,
        executable: options.executable,
        wide_i32_locals: options.target.starts_with("x86_64"),
        static_tables: &static_tables,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| CompileError::Config(e.to_string()))?;
    let functions = pool.install(|| {
        let inline = options.inline && options.opt_level == OptLevel::O2;
        compile::compile_functions(
            &env,
            &*isa,
            lower.as_deref(),
            parsed.functions,
            inline,
            on_function_done,
        )
    })?;
    let (trampolines, adapters) = compile_glue(&env, &*isa)?;
    let fallbacks = compile_fallbacks(&env, &*isa, &functions)?;
    let landing_pads = functions
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.landing_pads.is_empty())
        .map(|(i, f)| (i as u32, f.landing_pads.clone()))
        .collect();
    meta.landing_pads = landing_pads;
    let sites = EncodedSites::new(&code_sites(&functions, &debug, &lines));
    meta.code_site_ends = sites.ends;
    meta.source_files = lines.files.clone();
    let line_rows = native_lines(&functions, &debug, &lines);
    let inlined_calls = native_inlined_calls(&functions, &debug, &lines);
    let contents = emit::ObjectContents {
        functions: &functions,
        trampolines: &trampolines,
        adapters: &adapters,
        fallbacks: &fallbacks,
        meta: &meta,
        static_tables: &static_tables,
        code_sites: sites.bytes,
        lines: (!lines.is_empty()).then(|| emit::NativeLines {
            rows: line_rows,
            inlined: inlined_calls,
            sources: native_dwarf::SourceFiles {
                files: &lines.files,
                dirs: &lines.dirs,
                language: lines.language,
            },
        }),
    };
    emit::write_object(isa, &contents)
}

/// Whether `wasm` carries a DWARF line table (`.debug_line`, as clang `-g` writes): its object
/// then has native debug information, which an executable should keep.
pub fn has_debug_lines(wasm: &[u8]) -> bool {
    wasmparser::Parser::new(0).parse_all(wasm).any(|payload| {
        matches!(payload, Ok(wasmparser::Payload::CustomSection(reader)) if reader.name() == ".debug_line")
    })
}

/// The names of the functions `wasm` imports from module `from`, each once, in import order
/// (none if the module does not parse; compiling it reports why).
pub fn imported_functions(wasm: &[u8], from: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(wasmparser::Payload::ImportSection(reader)) = payload else {
            continue;
        };
        for import in reader.into_imports().flatten() {
            let is_func = matches!(import.ty, wasmparser::TypeRef::Func(_));
            if is_func && import.module == from && !names.iter().any(|n| n == import.name) {
                names.push(import.name.to_string());
            }
        }
    }
    names
}

/// The backtrace sites of every compiled function, with source lines when the module has
/// DWARF line programs.
fn code_sites(
    functions: &[compile::CompiledFunction],
    debug: &debug_lines::DebugSections<'_>,
    lines: &debug_lines::LineTable,
) -> Vec<FuncSites> {
    functions
        .iter()
        .map(|f| {
            let sites = f
                .sites
                .iter()
                .map(|site| {
                    // Code outside any operator (the prologue) stands for the whole body.
                    let wasm = site.wasm.unwrap_or(f.body_offset);
                    let call = site.inlined_at.map(|call| CallSite {
                        wasm_offset: call,
                        line: lines.line_at(debug, call),
                    });
                    (site.code, wasm, lines.line_at(debug, wasm), call)
                })
                .collect();
            FuncSites::new(f.body_offset, sites)
        })
        .collect()
}

/// For each compiled function, the source line of its machine code from each code offset on
/// (see [`native_dwarf::FunctionDebug::rows`]); empty without line programs.
fn native_lines(
    functions: &[compile::CompiledFunction],
    debug: &debug_lines::DebugSections<'_>,
    lines: &debug_lines::LineTable,
) -> Vec<Vec<(u32, SourceLine)>> {
    let no_line = SourceLine { file: 0, line: 0 };
    functions
        .iter()
        .map(|f| {
            let mut rows: Vec<(u32, SourceLine)> = Vec::new();
            for &(code, wasm) in &f.operators {
                let line = lines.line_at(debug, wasm).unwrap_or(no_line);
                if rows.last().is_none_or(|&(_, last)| last != line) {
                    rows.push((code, line));
                }
            }
            rows
        })
        .collect()
}

/// For each compiled function, the calls inlined into it (see
/// [`native_dwarf::FunctionDebug::inlined`]); empty without line programs.
fn native_inlined_calls(
    functions: &[compile::CompiledFunction],
    debug: &debug_lines::DebugSections<'_>,
    lines: &debug_lines::LineTable,
) -> Vec<Vec<native_dwarf::InlinedCall>> {
    let no_line = SourceLine { file: 0, line: 0 };
    // Bodies are in function order: the callee is the last one starting at or before an
    // offset of its code.
    let callee_of = |at: u32| {
        functions
            .partition_point(|f| f.body_offset <= at)
            .checked_sub(1)
    };
    functions
        .iter()
        .map(|f| {
            f.inlined
                .iter()
                .filter_map(|copy| {
                    Some(native_dwarf::InlinedCall {
                        callee: callee_of(copy.callee_at)?,
                        ranges: copy.ranges.clone(),
                        call_line: lines.line_at(debug, copy.call).unwrap_or(no_line),
                    })
                })
                .collect()
        })
        .collect()
}

/// The CPU features `options` let generated code use (Cranelift setting names): what the
/// runtime will require of the CPU.
pub fn cpu_features(options: &Options) -> Result<Vec<String>> {
    let isa = isa::target_isa(&options.target, options.opt_level, options.target_cpu)?;
    Ok(isa::cpu_features(&*isa))
}

fn simd_target(isa: &dyn TargetIsa, options: &Options) -> SimdTarget {
    let features = isa::cpu_features(isa);
    let has = |name: &str| features.iter().any(|f| f == name);
    let x86 = options.target.starts_with("x86_64");
    SimdTarget {
        deterministic: options.relaxed_simd_deterministic,
        x86,
        has_ssse3: has("has_ssse3"),
        has_sse41: has("has_sse41"),
        has_fma: has("has_fma") || !x86,
    }
}

/// The fallback routines the compiled functions call (see [`fallbacks`]).
fn compile_fallbacks(
    env: &translate::ModuleEnv<'_>,
    isa: &dyn TargetIsa,
    functions: &[compile::CompiledFunction],
) -> Result<Vec<compile::CompiledFunction>> {
    if !functions.iter().any(|f| fallbacks::calls_pshufb(&f.relocs)) {
        return Ok(Vec::new());
    }
    let target = trampolines::TargetIsaInfo {
        call_conv: env.call_conv,
        frontend_config: env.frontend_config,
        fixed_vmctx: env.meta.memory_strategy.fixed_vmctx,
    };
    let mut context = Context::new();
    context.func = fallbacks::pshufb(&target, &mut FunctionBuilderContext::new());
    let id = env.layout.counts.defined_funcs + 2 * env.meta.types.len() as u32;
    Ok(vec![compile_glue_ir(&mut context, isa, id)?])
}

/// Compile the runtime glue held by `context` (not from any wasm function) as function `id`.
fn compile_glue_ir(
    context: &mut Context,
    isa: &dyn TargetIsa,
    id: u32,
) -> Result<compile::CompiledFunction> {
    let no_inlining = Default::default();
    compile::compile_ir(
        context,
        isa,
        None,
        FuncId::from_u32(id),
        compile::CodeOptions::default(),
        &no_inlining,
        None,
    )
    .map_err(|message| CompileError::Codegen {
        func_index: u32::MAX,
        message,
    })
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
        fixed_vmctx: env.meta.memory_strategy.fixed_vmctx,
    };
    let mut context = Context::new();
    let defined = env.layout.counts.defined_funcs;
    let types = env.meta.types.len() as u32;
    let mut build = |func, id: u32| {
        context.clear();
        context.func = func;
        compile_glue_ir(&mut context, isa, id)
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
