//! Inlining across the module: small wasm functions are copied into their direct callers, with
//! Cranelift's inliner doing the copying and this module choosing what to copy.
//!
//! - **What is inlined**: a direct `call` (not a tail call, and not a call inside a `try`
//!   block) to a defined function whose translated body has at most [`SMALL_CALLEE`]
//!   instructions ([`SMALL_LEAF`] if it makes no calls) and no tail calls or exception
//!   handlers of its own. A function may be inlined into itself, which unrolls one level of
//!   recursion. Each caller grows by at most [`GROWTH_BUDGET`] instructions. Of a larger
//!   function, its fast path may be inlined instead ([`crate::fast_paths`]): the start that
//!   returns without calling, every other way out of it a call of the whole function.
//! - **What is copied**: the callee as translated, before any inlining into it, so that the
//!   result depends on nothing but the module: every function's code is the same whatever the
//!   order and number of threads that compile them.
//! - **Traps and backtraces keep their functions**: Cranelift's inliner does not carry source
//!   locations over, so each copied instruction is given one here: a number standing for the
//!   pair (wasm offset of the callee's instruction, wasm offset of the call), [`Inlined`]
//!   decodes it. The backtrace sites of inlined code keep both, and the runtime shows two
//!   frames for them: the callee at its instruction (a wasm offset in its own body names it),
//!   then the caller at the call. The copy is instruction for instruction, block for block, in
//!   the callee's order; if that correspondence does not hold the caller is compiled without
//!   inlining.

use std::borrow::Cow;

use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, Block, ExternalName, Function, Inst, Opcode, SourceLoc};
use cranelift_codegen::Context;

/// The largest callee that makes calls, in CLIF instructions, that is inlined.
pub const SMALL_CALLEE: usize = 50;
/// The largest callee that makes no calls, in CLIF instructions, that is inlined. A callee
/// that calls brings its calls' clobbers into the caller, whose values then crowd fewer
/// registers; one that does not costs the caller only its size. Against 40 for every callee:
/// 60 for all, Lua −2.96% instructions, SQLite −0.17%, their code +20% and +13%; 60 for
/// leaves and 50 for the others, Lua −3.83%, SQLite −0.15%, code +6.8% and +2.2%.
pub const SMALL_LEAF: usize = 60;
/// The most instructions inlining may add to one caller.
pub const GROWTH_BUDGET: usize = 1000;

/// The most instructions a caller may have for fast paths ([`crate::fast_paths`]) to be
/// inlined into it. The largest functions are interpreters' loops, crowded already, where the
/// register allocator's answer to more values moves more than the fast paths save.
pub const FAST_PATH_CALLER: usize = 5000;

/// What is inlined for a call of a function.
pub struct Callee {
    body: Function,
    /// Whether `body` is only the function's fast path.
    fast_path: bool,
}

/// The bodies that may be inlined, by defined function index.
pub struct Callees {
    bodies: Vec<Option<Callee>>,
}

impl Callees {
    /// What is inlined for each defined function (from [`callee_body`], or `None` for one
    /// that is not inlined).
    pub fn new(bodies: Vec<Option<Callee>>) -> Callees {
        Callees { bodies }
    }

    /// No function is inlined.
    pub fn none() -> Callees {
        Callees { bodies: Vec::new() }
    }

    fn get(&self, index: u32) -> Option<&Callee> {
        self.bodies.get(index as usize)?.as_ref()
    }
}

/// What the callers of `func`, defined function `index`, inline: all of it if it is small,
/// else its fast path ([`crate::fast_paths`]) if it has one.
pub fn callee_body(func: Function, index: u32) -> Option<Callee> {
    if inlinable(&func) {
        return Some(Callee {
            body: func,
            fast_path: false,
        });
    }
    let body = crate::fast_paths::fast_path(&func, index)?;
    body.dfg.dynamic_types.is_empty().then_some(Callee {
        body,
        fast_path: true,
    })
}

/// Whether `func` is small and has nothing the inliner's copy could change the meaning of.
fn inlinable(func: &Function) -> bool {
    let mut count = 0;
    let mut calls = false;
    for block in func.layout.blocks() {
        let cold = func.layout.is_cold(block);
        for inst in func.layout.block_insts(block) {
            let opcode = func.dfg.insts[inst].opcode();
            count += usize::from(costs_code(opcode) && !cold);
            calls |= opcode.is_call();
            let refused = matches!(
                opcode,
                Opcode::ReturnCall
                    | Opcode::ReturnCallIndirect
                    | Opcode::TryCall
                    | Opcode::TryCallIndirect
            );
            if refused || count > SMALL_LEAF {
                return false;
            }
        }
    }
    let limit = if calls { SMALL_CALLEE } else { SMALL_LEAF };
    count <= limit && func.dfg.dynamic_types.is_empty()
}

/// The number of instructions in `func`'s layout that become code (see [`costs_code`]), out
/// of cold blocks: what an indirect call through a static table ([`crate::static_tables`])
/// does for an entry it does not call directly, a trap or a call through the table.
fn size(func: &Function) -> usize {
    func.layout
        .blocks()
        .filter(|&b| !func.layout.is_cold(b))
        .flat_map(|b| func.layout.block_insts(b))
        .filter(|&inst| costs_code(func.dfg.insts[inst].opcode()))
        .count()
}

/// Whether an instruction counts towards a callee's size. The narrowing and widening of
/// values between 32 and 64 bits do not: they are mostly no code at all (`ireduce` never is,
/// and `uextend` of 32-bit arithmetic is not on x86-64), and the translation of a function
/// uses them more on some targets than on others (i32 locals kept wide on x86-64,
/// [`crate::translate`]'s variables), which must not change what is inlined.
pub(crate) fn costs_code(opcode: Opcode) -> bool {
    !matches!(opcode, Opcode::Ireduce | Opcode::Uextend)
}

/// Source locations of inlined code, with this bit set, index [`Inlined::pairs`].
const INLINED: u32 = 1 << 31;

/// The source locations of the inlined code of one function.
#[derive(Default)]
pub struct Inlined {
    /// `(wasm offset of the instruction, wasm offset of the call it was inlined at)`.
    pairs: Vec<(u32, u32)>,
}

impl Inlined {
    /// The wasm offset a source location stands for, and for inlined code the offset of the
    /// call it was inlined at.
    pub fn decode(&self, bits: u32) -> (u32, Option<u32>) {
        match bits & INLINED {
            0 => (bits, None),
            _ => match self.pairs.get((bits & !INLINED) as usize) {
                Some(&(at, call)) => (at, Some(call)),
                None => (bits, None),
            },
        }
    }

    /// The source location standing for `at` inlined at `call`.
    fn encode(&mut self, at: u32, call: u32) -> Option<SourceLoc> {
        if at >= INLINED || call >= INLINED {
            return None;
        }
        let index = match self.pairs.last() {
            Some(&last) if last == (at, call) => self.pairs.len() - 1,
            _ => {
                self.pairs.push((at, call));
                self.pairs.len() - 1
            }
        };
        let bits = u32::try_from(index).ok().filter(|i| *i < INLINED)?;
        Some(SourceLoc::new(INLINED | bits))
    }
}

/// Decides each call site and records where each inlined body's blocks went.
struct Inliner<'a> {
    callees: &'a Callees,
    budget: usize,
    /// `(first block number of the copy, callee index, wasm offset of the call)` for each
    /// call inlined, in order.
    copies: Vec<(u32, u32, SourceLoc)>,
}

impl Inline for Inliner<'_> {
    fn inline(
        &mut self,
        caller: &Function,
        call_inst: Inst,
        call_opcode: Opcode,
        callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if call_opcode != Opcode::Call {
            return InlineCommand::KeepCall;
        }
        let data = &caller.dfg.ext_funcs[callee];
        let ExternalName::User(name) = data.name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[name];
        if name.namespace != 0 {
            return InlineCommand::KeepCall;
        }
        let Some(callee) = self.callees.get(name.index) else {
            return InlineCommand::KeepCall;
        };
        if callee.fast_path && caller.dfg.num_insts() > FAST_PATH_CALLER {
            return InlineCommand::KeepCall;
        }
        let body = &callee.body;
        let cost = size(body);
        if cost > self.budget || caller.dfg.signatures[data.signature] != body.signature {
            return InlineCommand::KeepCall;
        }
        self.budget -= cost;
        // The inliner numbers the copied blocks from the caller's next block number, in the
        // callee's block order.
        let first_block = caller.dfg.blocks.len() as u32;
        let call = caller.srcloc(call_inst);
        self.copies.push((first_block, name.index, call));
        InlineCommand::Inline {
            callee: Cow::Borrowed(body),
            visit_callee: false,
        }
    }
}

/// Inline the small callees of the function in `context`; returns how to read the source
/// locations of the code inlined. On any failure the function is left as it was.
pub fn inline_calls(context: &mut Context, callees: &Callees) -> Inlined {
    if callees.bodies.is_empty() {
        return Inlined::default();
    }
    let original = context.func.clone();
    let mut inliner = Inliner {
        callees,
        budget: GROWTH_BUDGET,
        copies: Vec::new(),
    };
    if !matches!(context.inline(&mut inliner), Ok(true)) {
        context.func = original;
        return Inlined::default();
    }
    let mut inlined = Inlined::default();
    if !copy_source_locations(&mut context.func, callees, &inliner.copies, &mut inlined) {
        context.func = original;
        return Inlined::default();
    }
    inlined
}

/// Give every copied instruction the source location of the callee instruction it copies,
/// inlined at the call; `false` if a copy does not correspond to its callee instruction for
/// instruction.
fn copy_source_locations(
    func: &mut Function,
    callees: &Callees,
    copies: &[(u32, u32, SourceLoc)],
    inlined: &mut Inlined,
) -> bool {
    for &(first_block, index, call) in copies {
        let Some(Callee { body: callee, .. }) = callees.get(index) else {
            return false;
        };
        for block in callee.layout.blocks() {
            let copy = Block::from_u32(first_block + block.as_u32());
            if !func.layout.is_block_inserted(copy) {
                // An unreachable callee block is not copied.
                continue;
            }
            let copied: Vec<Inst> = func.layout.block_insts(copy).collect();
            let mut copied = copied.into_iter();
            for inst in callee.layout.block_insts(block) {
                let Some(new) = copied.next() else {
                    return false;
                };
                let (was, is) = (
                    callee.dfg.insts[inst].opcode(),
                    func.dfg.insts[new].opcode(),
                );
                // A return becomes a jump to the code after the call.
                if was != is && !(was == Opcode::Return && is == Opcode::Jump) {
                    return false;
                }
                let location = callee.srcloc(inst);
                if location.is_default() {
                    // A fast path's call of the whole function stands for the call inlined.
                    if is == Opcode::Call {
                        func.set_srcloc(new, call);
                    }
                    continue;
                }
                let location = match call.is_default() {
                    true => Some(location),
                    false => inlined.encode(location.bits(), call.bits()),
                };
                let Some(location) = location else {
                    return false;
                };
                func.set_srcloc(new, location);
            }
            if copied.next().is_some() {
                return false;
            }
        }
    }
    true
}
