//! Compile every function in parallel. Each worker reuses its own contexts and returns a
//! self-contained value; results are gathered in index order, so output does not depend on the
//! number of threads.

use cranelift_codegen::ir;
use cranelift_codegen::isa::unwind::UnwindInfo;
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_codegen::FinalizedMachExceptionHandler;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId, ModuleReloc};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use rayon::prelude::*;
use wasmaot_abi::metadata::LandingPad;
use wasmaot_abi::symbols::TrapSite;
use wasmparser::{FuncToValidate, FuncValidatorAllocations};

use crate::call_heights::CallHeights;
use crate::error::{CompileError, Result};
use crate::inline::{inline_calls, Callees, Inlined};
use crate::module::FunctionInput;
use crate::stack_check::{check_after_prologue, defined_callees, is_leaf, UNCHECKED_FRAME_LIMIT};
use crate::translate::{translate_function, trap_kind, BoundsChecks, ModuleEnv};

/// Machine code of one function, ready to be placed in the object.
pub struct CompiledFunction {
    pub code: Vec<u8>,
    pub alignment: u64,
    pub relocs: Vec<ModuleReloc>,
    pub traps: Vec<TrapSite>,
    /// Where exceptions thrown by its callees land, sorted by return offset.
    pub landing_pads: Vec<LandingPad>,
    /// How to unwind through the function (for `.eh_frame`).
    pub unwind: Option<UnwindInfo>,
    /// Its trapping instructions and calls.
    pub sites: Vec<CodeSite>,
    /// Module offset of the wasm function body (0 for code not compiled from a body).
    pub body_offset: u32,
    /// Bytes of stack its frame takes below the frame pointer.
    pub frame_size: u32,
    /// Where the code of each wasm operator starts, as `(code offset, module offset)`, in code
    /// order, one entry per change of operator; empty unless asked for
    /// ([`ModuleEnv::keep_operator_map`]).
    pub operators: Vec<(u32, u32)>,
    /// The code inlined at each call, as `(call offset, an offset in the callee, code ranges)`
    /// with the calls' module offsets; empty unless the operator map is asked for.
    pub inlined: Vec<InlinedCode>,
}

/// The machine code one inlined call became.
#[derive(Clone, Debug)]
pub struct InlinedCode {
    /// Module offset of the call.
    pub call: u32,
    /// Module offset of one of the callee's operators (which names the callee).
    pub callee_at: u32,
    /// `(start, end)` code offsets, in code order.
    pub ranges: Vec<(u32, u32)>,
}

/// A trapping instruction or call of a compiled function.
#[derive(Clone, Copy, Debug)]
pub struct CodeSite {
    /// Its key in [`wasmaot_abi::code_sites`]: the code offset of a trapping instruction, of
    /// the last byte of a call.
    pub code: u32,
    /// Module offset of the wasm operator it came from (`None` for code outside any operator,
    /// as the prologue's stack check).
    pub wasm: Option<u32>,
    /// For code inlined from another function, the module offset of the call it stands for.
    pub inlined_at: Option<u32>,
}

/// Per-worker state reused across functions.
struct Worker {
    context: Context,
    builder: FunctionBuilderContext,
    allocs: Option<FuncValidatorAllocations>,
}

impl Default for Worker {
    fn default() -> Self {
        Worker {
            context: Context::new(),
            builder: FunctionBuilderContext::new(),
            allocs: None,
        }
    }
}

/// Wasm bodies larger than this are not looked into for inlining, whole or their fast path
/// ([`crate::fast_paths`]); they would mostly translate to more than
/// [`crate::inline::SMALL_LEAF`] instructions, and be slow to translate twice.
const INLINED_BODY: u64 = 512;

/// Whether the function of `body` may be inlined, whole or its fast path: it is not large and
/// throws no exception (the runtime finds the frame of a throw by its wasm offset, which
/// inlining would make ambiguous).
fn may_be_inlined(body: &wasmparser::FunctionBody<'_>) -> bool {
    if body.range().end - body.range().start > INLINED_BODY {
        return false;
    }
    let Ok(mut reader) = body.get_operators_reader() else {
        return false;
    };
    while !reader.eof() {
        match reader.read() {
            Ok(wasmparser::Operator::Throw { .. } | wasmparser::Operator::ThrowRef) | Err(_) => {
                return false
            }
            Ok(_) => {}
        }
    }
    true
}

/// Translate and compile all defined functions, inlining small callees into their callers
/// when `inline` is set; `on_done` is called after each one.
pub fn compile_functions(
    env: &ModuleEnv<'_>,
    isa: &dyn TargetIsa,
    lower: Option<&dyn TargetIsa>,
    functions: Vec<FunctionInput<'_>>,
    inline: bool,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<CompiledFunction>> {
    // The functions that may be inlined are translated first (they are small), for their
    // callers to copy; then every function is translated and compiled.
    let callees = match inline {
        true => Callees::new(
            functions
                .par_iter()
                .enumerate()
                .map_init(Worker::default, |worker, (index, input)| {
                    if !may_be_inlined(&input.body) {
                        return Ok(None);
                    }
                    let mut func = ir::Function::new();
                    let allocs = worker.allocs.take().unwrap_or_default();
                    let allocs = translate_function(
                        env,
                        index as u32,
                        copy_of(input),
                        &mut func,
                        &mut worker.builder,
                        allocs,
                    )?;
                    worker.allocs = Some(allocs);
                    Ok(crate::inline::callee_body(func, index as u32))
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        false => Callees::none(),
    };
    let heights = CallHeights::find(env.imported_funcs(), &functions);
    let loops = vector_loop_memory(env);
    let fixed_vmctx = env.meta.memory_strategy.fixed_vmctx;
    let results = largest_first(
        &functions,
        |input| input.body.range().end - input.body.range().start,
        Worker::default,
        |worker, index, input| {
            let input = copy_of(input);
            let body_offset = input.body.range().start as u32;
            worker.context.clear();
            let allocs = worker.allocs.take().unwrap_or_default();
            let func = &mut worker.context.func;
            let allocs =
                translate_function(env, index as u32, input, func, &mut worker.builder, allocs)?;
            worker.allocs = Some(allocs);
            let index = index as u32;
            let inlined = inline_calls(&mut worker.context, &callees);
            crate::vmctx_uses::use_parameter_where_free(&mut worker.context.func, fixed_vmctx);
            let id = FuncId::from_u32(index);
            let error = |message| CompileError::Codegen {
                func_index: env.imported_funcs() + index,
                message,
            };
            // The stack-limit check: none in a leaf or a function of bounded height that
            // calls only defined functions, each checking or lower (`call_heights`), else
            // after the prologue; a frame too large for either compiles again with
            // Cranelift's (`stack_check`).
            let limit = worker.context.func.stack_limit.take();
            let unchecked = worker.context.func.clone();
            let unchecked_ok = is_leaf(&unchecked)
                || defined_callees(&unchecked)
                    .is_some_and(|callees| heights.may_skip_check(index, &callees));
            let checked = match limit {
                Some(limit) if !unchecked_ok => {
                    check_after_prologue(&mut worker.context.func, limit)
                }
                _ => true,
            };
            let compile = |context: &mut Context| {
                compile_ir(
                    context,
                    isa,
                    lower,
                    id,
                    CodeOptions {
                        keep_operator_map: env.keep_operator_map,
                        fixed_vmctx,
                        executable: env.executable,
                    },
                    &inlined,
                    loops.as_ref(),
                )
                .map_err(error)
            };
            let mut compiled = compile(&mut worker.context)?;
            if !checked || compiled.frame_size > UNCHECKED_FRAME_LIMIT {
                let mut func = unchecked;
                func.stack_limit = limit;
                worker.context.clear();
                worker.context.func = func;
                compiled = compile(&mut worker.context)?;
            }
            compiled.body_offset = body_offset;
            on_done();
            Ok(compiled)
        },
    );
    results.into_iter().collect()
}

/// A function's input to translate, sharing the original's bytes and validator resources.
fn copy_of<'a>(input: &FunctionInput<'a>) -> FunctionInput<'a> {
    FunctionInput {
        validator: FuncToValidate {
            resources: input.validator.resources.clone(),
            index: input.validator.index,
            ty: input.validator.ty,
            features: input.validator.features,
        },
        body: input.body.clone(),
    }
}

/// `work` on every item of `items` (with its index) on the current thread pool, largest
/// `size` first, each thread taking the next item as soon as it is free; the results in the
/// items' order (so the output does not depend on the schedule). Functions in index order
/// left one thread compiling a large function met late while the others had nothing left;
/// largest first, they end together (to within the smallest items). After an `Err`, items
/// not yet started are skipped.
fn largest_first<T: Sync, R: Send + Sync, W>(
    items: &[T],
    size: impl Fn(&T) -> u64,
    init: impl Fn() -> W + Sync,
    work: impl Fn(&mut W, usize, &T) -> Result<R> + Sync,
) -> Vec<Result<R>> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable: equal sizes keep their index order.
    order.sort_by_key(|&i| core::cmp::Reverse(size(&items[i])));
    let results: Vec<OnceLock<Result<R>>> = items.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let threads = rayon::current_num_threads().clamp(1, items.len().max(1));
    rayon::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                let mut worker = init();
                while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let result = work(&mut worker, index, &items[index]);
                    failed.fetch_or(result.is_err(), Ordering::Relaxed);
                    // Each index is taken once (`next` hands it out), so the cell is empty.
                    let _ = results[index].set(result);
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(OnceLock::into_inner)
        .collect()
}

/// What [`compile_ir`] needs to know of the module and the build, beyond the function.
#[derive(Clone, Copy, Debug, Default)]
pub struct CodeOptions {
    /// Keep the operator map ([`ModuleEnv::keep_operator_map`]).
    pub keep_operator_map: bool,
    /// The executable's vmctx address, or 0 ([`crate::translate::vmctx_value`]).
    pub fixed_vmctx: u64,
    /// The code is an executable's: a trap ends its process ([`crate::Options::executable`]).
    pub executable: bool,
}

/// Compile the function held by `context` (already translated) into a [`CompiledFunction`].
pub fn compile_ir(
    context: &mut Context,
    isa: &dyn TargetIsa,
    lower: Option<&dyn TargetIsa>,
    id: FuncId,
    options: CodeOptions,
    inlined: &Inlined,
    memory0: Option<&crate::vector_loops::Memory0>,
) -> Result<CompiledFunction, String> {
    let mut ctrl_plane = Default::default();
    // With a separate ISA for lowering (the same without mid-end optimisation), the optimised
    // function's narrow signed loads also taken masked are read unsigned and its narrow loads
    // also taken wide are loaded wide (see `narrow_loads`), its tests of a difference or `xor`
    // against zero compare the operands (see `zero_compares`), its subtractions of constants
    // become additions (see `sub_constants`), its `br_table`s of few destinations become
    // compares (see `small_tables`), its parameters that are another plus a constant are made
    // in their blocks (see `offset_params`), its blocks make the integer constants they use
    // (see `block_constants`), a branch passes on the value it compared in place of an equal
    // constant (see `branch_values`), its loop-invariant values leave their loops (see
    // `hoist`), its pure instructions move closer to their operands or users (see
    // `schedule`), values read across crowded loops go to stack slots (see `loop_spills`) and
    // roomy loops that call nothing get copies of the values they read (see `loop_copies`) in
    // between.
    let isa = match lower {
        Some(lower) => {
            crate::narrow_masks::remove_redundant_masks(&mut context.func);
            crate::byte_loads::combine_big_endian_loads(&mut context.func);
            crate::vector_loads::type_vector_accesses(&mut context.func);
            context
                .optimize(isa, &mut ctrl_plane)
                .map_err(|e| format!("{e:?}"))?;
            crate::narrow_loads::read_signed_loads_unsigned(&mut context.func);
            crate::narrow_loads::widen_unsigned_loads(&mut context.func);
            crate::global_stores::remove_unseen_stores(
                &mut context.func,
                options.fixed_vmctx,
                options.executable,
            );
            if let Some(memory0) = memory0 {
                crate::vector_loops::vectorise_loops(&mut context.func, memory0);
                crate::byte_compares::widen_byte_compares(&mut context.func, memory0);
            }
            crate::zero_compares::compare_operands(&mut context.func);
            crate::sub_constants::add_negated_constants(&mut context.func);
            crate::small_tables::branch_small_tables(&mut context.func);
            crate::offset_params::derive_offset_params(&mut context.func);
            // No pass from here changes a branch: all see the same control flow.
            let shape = crate::shape::Shape::new(&context.func);
            crate::block_constants::copy_constants_into_blocks(&mut context.func, &shape);
            crate::branch_values::pass_compared_values(&mut context.func);
            crate::sibling_copies::merge_sibling_copies(&mut context.func, &shape);
            crate::hoist::hoist_loop_invariants(&mut context.func, &shape);
            crate::hoist::hoist_float_constants(&mut context.func, &shape);
            crate::schedule::shorten_live_ranges(&mut context.func);
            let registers = crate::isa::integer_registers(lower);
            crate::loop_spills::spill_loop_invariants(&mut context.func, &shape, registers);
            crate::loop_copies::copy_loop_invariants(&mut context.func, &shape, registers);
            lower
        }
        None => isa,
    };
    // Every function, wasm's and the glue alike, so that callers and callees agree.
    if isa.triple().architecture == target_lexicon::Architecture::X86_64 {
        crate::stack_args::widen_stack_arguments(&mut context.func);
    }
    let compiled = context
        .compile(isa, &mut ctrl_plane)
        .map_err(|e| codegen_message(&e.inner))?;
    let unwind = compiled
        .create_unwind_info(isa)
        .map_err(|e| format!("unwind info: {e:?}"))?;
    let buffer = &compiled.buffer;
    let mach_relocs = buffer.relocs().to_vec();
    let code = buffer.data().to_vec();
    // Functions start at the target's preferred alignment (32 bytes on x86-64 and aarch64),
    // not the least the code needs (one byte on x86-64): where a function's loops fall
    // relative to fetch blocks otherwise moves with the size of every function before it.
    let alignment = u64::from(buffer.alignment).max(u64::from(isa.function_alignment().preferred));
    let mut traps: Vec<TrapSite> = buffer
        .traps()
        .iter()
        .filter_map(|t| {
            trap_kind(t.code).map(|kind| TrapSite {
                offset: t.offset,
                kind: kind as u8,
                _pad: [0; 3],
            })
        })
        .collect();
    traps.sort_by_key(|t| t.offset);
    let landing_pads = landing_pads(buffer)?;
    let sites = code_sites(buffer, &traps, inlined);
    let frame_size = buffer
        .frame_layout()
        .map_or(u32::MAX, |layout| layout.frame_to_fp_offset);
    let (operators, inlined) = match options.keep_operator_map {
        true => (operator_map(buffer, inlined), inlined_code(buffer, inlined)),
        false => (Vec::new(), Vec::new()),
    };
    let func: &ir::Function = &context.func;
    let relocs = mach_relocs
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, func, id))
        .collect();
    Ok(CompiledFunction {
        code,
        alignment,
        relocs,
        traps,
        landing_pads,
        unwind,
        sites,
        body_offset: 0,
        frame_size,
        operators,
        inlined,
    })
}

/// What to tell the user of a function Cranelift could not compile: a function beyond its
/// limits says so in words; a verifier error, always a bug of the compiler, keeps its detail.
fn codegen_message(error: &cranelift_codegen::CodegenError) -> String {
    use cranelift_codegen::CodegenError;
    match error {
        CodegenError::ImplLimitExceeded | CodegenError::CodeTooLarge => {
            format!("the function is too large to compile ({error})")
        }
        CodegenError::Verifier(_) => format!("{error:?}"),
        _ => error.to_string(),
    }
}

/// Where the code of each wasm operator starts (see [`CompiledFunction::operators`]); code
/// outside any operator (prologue, epilogue) is left out.
fn operator_map(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
    inlined: &Inlined,
) -> Vec<(u32, u32)> {
    let mut map: Vec<(u32, u32)> = Vec::new();
    for range in buffer.get_srclocs_sorted() {
        if range.loc.is_default() || range.start == range.end {
            continue;
        }
        let (wasm, _) = inlined.decode(range.loc.bits());
        if map.last().is_none_or(|&(_, last)| last != wasm) {
            map.push((range.start, wasm));
        }
    }
    map
}

/// The code each inlined call became (see [`CompiledFunction::inlined`]), in the order of the
/// calls' first code.
fn inlined_code(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
    inlined: &Inlined,
) -> Vec<InlinedCode> {
    let mut copies: Vec<InlinedCode> = Vec::new();
    for range in buffer.get_srclocs_sorted() {
        if range.loc.is_default() || range.start == range.end {
            continue;
        }
        let (at, Some(call)) = inlined.decode(range.loc.bits()) else {
            continue;
        };
        match copies.iter_mut().find(|c| c.call == call) {
            Some(copy) => match copy.ranges.last_mut() {
                Some(last) if last.1 == range.start => last.1 = range.end,
                _ => copy.ranges.push((range.start, range.end)),
            },
            None => copies.push(InlinedCode {
                call,
                callee_at: at,
                ranges: vec![(range.start, range.end)],
            }),
        }
    }
    copies
}

/// The wasm operator behind each trap site and call of the function, from the source
/// locations the translator set (`FunctionBuilder::set_srcloc`, one per operator).
fn code_sites(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
    traps: &[TrapSite],
    inlined: &Inlined,
) -> Vec<CodeSite> {
    let srclocs = buffer.get_srclocs_sorted();
    let wasm_offset = |code: u32| {
        let at = srclocs.partition_point(|s| s.start <= code).checked_sub(1);
        let Some(range) = at.map(|at| &srclocs[at]) else {
            return (None, None);
        };
        match code < range.end && !range.loc.is_default() {
            true => {
                let (wasm, call) = inlined.decode(range.loc.bits());
                (Some(wasm), call)
            }
            false => (None, None),
        }
    };
    let trap_keys = traps.iter().map(|t| t.offset);
    // A call is looked up by its last byte: its return address minus one.
    let call_keys = buffer.call_sites().map(|c| c.ret_addr.saturating_sub(1));
    trap_keys
        .chain(call_keys)
        .map(|code| {
            let (wasm, inlined_at) = wasm_offset(code);
            CodeSite {
                code,
                wasm,
                inlined_at,
            }
        })
        .collect()
}

/// The landing pads of the function's `try_call`s. The translator gives each one handler,
/// a catch-all to the dispatch code of its innermost `try`, so the runtime needs no tags.
fn landing_pads(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
) -> Result<Vec<LandingPad>, String> {
    let mut pads = Vec::new();
    for site in buffer.call_sites() {
        let handler = site.exception_handlers.iter().find_map(|h| match h {
            FinalizedMachExceptionHandler::Default(offset) => Some(*offset),
            _ => None,
        });
        let Some(handler_offset) = handler else {
            continue;
        };
        let frame_offset = site
            .frame_offset
            .ok_or("a call with an exception handler has no known frame offset")?;
        pads.push(LandingPad {
            ret_offset: site.ret_addr,
            handler_offset,
            frame_offset,
        });
    }
    pads.sort_by_key(|p| p.ret_offset);
    Ok(pads)
}

/// Memory 0, for [`crate::vector_loops`]: when it exists, is 32-bit with 64 KiB pages and is
/// kept in bounds by guard pages.
fn vector_loop_memory(env: &ModuleEnv) -> Option<crate::vector_loops::Memory0> {
    let memory = env.meta.memories.first()?;
    let guarded = matches!(env.bounds_checks, BoundsChecks::GuardPages { .. });
    if !guarded || memory.memory64 || memory.page_size_log2 != wasmaot_abi::WASM_PAGE_SHIFT {
        return None;
    }
    let fixed = env.meta.memory_strategy.fixed_base;
    Some(crate::vector_loops::Memory0 {
        fixed_base: (fixed != 0).then_some(fixed as i64),
        fixed_vmctx: env.meta.memory_strategy.fixed_vmctx,
        base_offset: env.layout.memory_base(0) as i32,
        memory_ptr_offset: env.layout.memory_ptr(0) as i32,
        length_field: wasmaot_abi::vmctx::field::MEMORY_LENGTH,
        region: crate::translate::LINEAR_MEMORY_REGION,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_function_beyond_the_code_generators_limits_is_called_too_large() {
        use cranelift_codegen::CodegenError;
        for error in [CodegenError::ImplLimitExceeded, CodegenError::CodeTooLarge] {
            let message = super::codegen_message(&error);
            assert!(
                message.starts_with("the function is too large to compile ("),
                "{message}"
            );
        }
    }

    use super::*;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
    }

    #[test]
    fn largest_first_gives_every_result_in_item_order() {
        let items: Vec<u64> = (0..200).map(|i| (i * 7919) % 101).collect();
        for threads in [1, 2, 5] {
            let done = pool(threads).install(|| {
                largest_first(
                    &items,
                    |&size| size,
                    || 0,
                    |calls, index, &size| {
                        *calls += 1;
                        Ok((index, size))
                    },
                )
            });
            let done: Vec<(usize, u64)> = done.into_iter().map(|r| r.unwrap()).collect();
            let expected: Vec<(usize, u64)> = items.iter().copied().enumerate().collect();
            assert_eq!(done, expected, "{threads} threads");
        }
    }

    #[test]
    fn one_thread_takes_the_largest_first() {
        let items = [3u64, 9, 1, 9, 5];
        let order = std::sync::Mutex::new(Vec::new());
        pool(1).install(|| {
            largest_first(
                &items,
                |&size| size,
                || (),
                |_, index, _| {
                    order.lock().unwrap().push(index);
                    Ok(())
                },
            )
        });
        assert_eq!(order.into_inner().unwrap(), [1, 3, 4, 0, 2]);
    }

    #[test]
    fn an_error_stops_the_items_not_yet_started() {
        let items = [5u64, 4, 3, 2, 1];
        let results = pool(1).install(|| {
            largest_first(
                &items,
                |&size| size,
                || (),
                |_, index, _| match index {
                    1 => Err(CompileError::Codegen {
                        func_index: 1,
                        message: "no".to_string(),
                    }),
                    _ => Ok(index),
                },
            )
        });
        // Items 0 and 1 ran, in that order; the rest were skipped.
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok() && results[1].is_err());
    }
}
