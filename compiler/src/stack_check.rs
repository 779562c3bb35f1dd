//! Where a function compares the stack pointer with the store's stack limit.
//!
//! The translator gives every function the limit as `stack_limit`, the global value Cranelift
//! checks in its prologue: a load of the limit from the vmctx, an addition of the frame size
//! and a compare, before the frame is allocated. After inlining, each function gets
//! one of three checks instead:
//!
//! - **none**, if its frame is at most [`UNCHECKED_FRAME_LIMIT`] and it calls nothing (no wasm
//!   call, no runtime call, no tail call), or nothing but defined functions directly and its
//!   height is bounded ([`crate::call_heights`]): its caller passed a check, or is a function
//!   like it, at most a bounded number of frames away from one;
//! - **after the prologue**, if it calls something else and its frame is at most that size:
//!   the stack pointer, already below the frame, is compared with the limit before the
//!   function's calls (where the block dominating them all is, out of loops: a path reaching
//!   no call, such as an early return, makes no check), which saves the addition (the frame
//!   is in the pointer) and lets the compare read the limit from memory;
//! - **Cranelift's**, before the frame is allocated, for a larger frame.
//!
//! The frames allocated before a check (those without one, then the frame of a function whose
//! check is about to fail) land in the margin the runtime keeps below the limit (`HOST_MARGIN`
//! in the runtime's `sys::stack`, 256 KiB), far more than they can take. The frame size is
//! known only once the function is compiled, so a frame larger than the limit compiles again,
//! from the same IR, with Cranelift's check.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::instructions::CallInfo;
use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder, TrapCode};
use cranelift_codegen::loop_analysis::LoopAnalysis;

/// The largest frame allocated before the stack limit is compared with.
pub const UNCHECKED_FRAME_LIMIT: u32 = 4096;

/// Whether `func` calls nothing: no wasm call, no runtime call, no tail call.
pub fn is_leaf(func: &ir::Function) -> bool {
    func.layout.blocks().all(|block| {
        func.layout
            .block_insts(block)
            .all(|inst| !func.dfg.insts[inst].opcode().is_call())
    })
}

/// The defined wasm functions `func` calls directly (`call`, `return_call`, `try_call`), or
/// `None` if it calls anything else: a libcall, a call through a pointer.
pub fn defined_callees(func: &ir::Function) -> Option<Vec<u32>> {
    let mut callees = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let data = &func.dfg.insts[inst];
            if !data.opcode().is_call() {
                continue;
            }
            let func_ref = match data
                .analyze_call(&func.dfg.value_lists, &func.dfg.exception_tables)
            {
                CallInfo::Direct(func_ref, _) | CallInfo::DirectWithSig(func_ref, _, _) => func_ref,
                _ => return None,
            };
            let ir::ExternalName::User(name) = func.dfg.ext_funcs[func_ref].name else {
                return None;
            };
            let name = &func.params.user_named_funcs()[name];
            if name.namespace != 0 {
                return None;
            }
            callees.push(name.index);
        }
    }
    Some(callees)
}

/// Compare the stack pointer with `limit` before every call of `func` (see [`check_point`]),
/// trapping with a stack overflow when it is below. False, changing nothing, if `limit` is not
/// a chain of loads from the vmctx (the only kind the translator makes).
///
/// The chain starts from the vmctx parameter, also where the translator takes the vmctx as a
/// constant ([`crate::translate::vmctx_value`]): from the parameter, the compare reads the
/// limit with one load, where the constant would take a `mov` of it first, in every call of
/// the function (SQLite ran 0.6% more instructions so); the parameter lives only until the
/// check, before the function's first call.
pub fn check_after_prologue(func: &mut ir::Function, limit: ir::GlobalValue) -> bool {
    let (Some(entry), Some(vmctx)) = (
        func.layout.entry_block(),
        func.special_param(ir::ArgumentPurpose::VMContext),
    ) else {
        return false;
    };
    let mut loads = Vec::new();
    let mut gv = limit;
    loop {
        match func.global_values[gv] {
            ir::GlobalValueData::VMContext => break,
            ir::GlobalValueData::Load {
                base,
                offset,
                global_type,
                flags,
            } => {
                loads.push((offset, global_type, func.dfg.mem_flags[flags]));
                gv = base;
            }
            _ => return false,
        }
    }
    let mut pos = match check_point(func) {
        Some(inst) => FuncCursor::new(func).at_inst(inst),
        None => FuncCursor::new(func).at_first_insertion_point(entry),
    };
    let mut value = vmctx;
    for (offset, ty, flags) in loads.into_iter().rev() {
        value = pos.ins().load(ty, flags, value, offset);
    }
    let sp = pos.ins().get_stack_pointer(types::I64);
    let below = pos.ins().icmp(IntCC::UnsignedLessThan, sp, value);
    pos.ins().trapnz(below, TrapCode::STACK_OVERFLOW);
    true
}

/// Where the check goes when not at the start of the entry block: before the first call of
/// the block that dominates every call (or, if that block is in a loop, before the last
/// instruction of its nearest dominator outside loops), so that a path reaching no call, such
/// as the early return of a function whose calls are on its slow path, makes no check. That
/// path allocates the function's frame (at most [`UNCHECKED_FRAME_LIMIT`] bytes) and calls
/// nothing: a leaf's case. A path reaching a call passes the check before it. `None` when
/// that block is the entry block (or the function calls nothing reachable).
fn check_point(func: &ir::Function) -> Option<ir::Inst> {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let entry = func.layout.entry_block()?;
    let calls = func.layout.blocks().filter(|&block| {
        domtree.is_reachable(block)
            && func
                .layout
                .block_insts(block)
                .any(|inst| func.dfg.insts[inst].opcode().is_call())
    });
    let mut target = calls.reduce(|a, b| {
        let mut common = a;
        while !domtree.block_dominates(common, b) {
            common = domtree
                .idom(common)
                .expect("the entry block dominates every block");
        }
        common
    })?;
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    while loops.innermost_loop(target).is_some() {
        target = domtree.idom(target)?;
    }
    if target == entry {
        return None;
    }
    let first_call = func
        .layout
        .block_insts(target)
        .find(|&inst| func.dfg.insts[inst].opcode().is_call());
    first_call.or_else(|| func.layout.last_inst(target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{AbiParam, Block, ExtFuncData, ExternalName, Signature};
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// Where a call goes in the function of [`function`].
    #[derive(Clone, Copy, PartialEq)]
    enum Call {
        /// In the entry block, before the branch.
        Entry,
        /// On the slow path only: the other returns early.
        SlowPath,
        /// In a loop on the slow path.
        Loop,
    }

    /// `f(vmctx, x)`: returns 0 when `x` is 0, else goes on to its slow path; the call
    /// where `call` says. The stack limit is read from the vmctx at 32.
    fn function(call: Call) -> (ir::Function, ir::GlobalValue) {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::special(
            types::I64,
            ir::ArgumentPurpose::VMContext,
        ));
        sig.params.push(AbiParam::new(types::I32));
        sig.returns.push(AbiParam::new(types::I32));
        let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig);
        let vmctx = func.create_global_value(ir::GlobalValueData::VMContext);
        let flags = func
            .dfg
            .mem_flags
            .insert_unchecked(ir::MemFlagsData::trusted());
        let limit = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx,
            offset: 32.into(),
            global_type: types::I64,
            flags,
        });
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let callee = b.import_signature(Signature::new(CallConv::SystemV));
        let callee = b.import_function(ExtFuncData {
            name: ExternalName::testcase("g"),
            signature: callee,
            colocated: true,
            patchable: false,
        });
        if call == Call::Entry {
            b.ins().call(callee, &[]);
        }
        let [early, slow, body, done] = [0; 4].map(|_| b.create_block());
        b.ins().brif(params[1], slow, &[], early, &[]);
        b.switch_to_block(early);
        let zero = b.ins().iconst(types::I32, 0);
        b.ins().return_(&[zero]);
        b.switch_to_block(slow);
        match call {
            Call::Loop => {
                b.ins().jump(body, &[params[1].into()]);
                b.switch_to_block(body);
                let n = b.append_block_param(body, types::I32);
                b.ins().call(callee, &[]);
                let next = b.ins().iadd_imm_s(n, -1);
                b.ins().brif(next, body, &[next.into()], done, &[]);
            }
            _ => {
                if call == Call::SlowPath {
                    b.ins().call(callee, &[]);
                }
                b.ins().jump(done, &[]);
            }
        }
        b.switch_to_block(done);
        b.ins().return_(&[params[1]]);
        crate::test_ir::finish(b);
        (func, limit)
    }

    /// The block of the stack-overflow trap of `call`'s function, once checked.
    fn checked_in(call: Call) -> (ir::Function, Block) {
        let (mut func, limit) = function(call);
        assert!(check_after_prologue(&mut func, limit));
        let trap = func
            .layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b))
            .find(|&i| func.dfg.insts[i].opcode() == ir::Opcode::Trapnz)
            .expect("a check");
        let block = func.layout.inst_block(trap).expect("in the layout");
        (func, block)
    }

    #[test]
    fn a_call_in_the_entry_block_is_checked_there() {
        let (func, block) = checked_in(Call::Entry);
        assert_eq!(Some(block), func.layout.entry_block(), "{}", func.display());
    }

    #[test]
    fn an_early_return_makes_no_check() {
        let (func, block) = checked_in(Call::SlowPath);
        assert_ne!(Some(block), func.layout.entry_block(), "{}", func.display());
        // The check comes before the call, in its block.
        let insts: Vec<_> = func.layout.block_insts(block).collect();
        let at = |op| insts.iter().position(|&i| func.dfg.insts[i].opcode() == op);
        assert!(
            at(ir::Opcode::Trapnz) < at(ir::Opcode::Call),
            "{}",
            func.display()
        );
    }

    #[test]
    fn a_call_in_a_loop_is_checked_before_the_loop() {
        let (func, block) = checked_in(Call::Loop);
        assert_ne!(Some(block), func.layout.entry_block(), "{}", func.display());
        let calls_here = func
            .layout
            .block_insts(block)
            .any(|i| func.dfg.insts[i].opcode().is_call());
        assert!(!calls_here, "checked in the loop: {}", func.display());
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
    }
}
