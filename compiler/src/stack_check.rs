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
//!   the stack pointer, already below the frame, is compared with the limit in the function's
//!   first instructions, which saves the addition (the frame is in the pointer) and lets the
//!   compare read the limit from memory;
//! - **Cranelift's**, before the frame is allocated, for a larger frame.
//!
//! The frames allocated before a check (those without one, then the frame of a function whose
//! check is about to fail) land in the margin the runtime keeps below the limit (`HOST_MARGIN`
//! in the runtime's `sys::stack`, 256 KiB), far more than they can take. The frame size is
//! known only once the function is compiled, so a frame larger than the limit compiles again,
//! from the same IR, with Cranelift's check.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::instructions::CallInfo;
use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder, TrapCode};

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

/// Whether every call of `func` is a direct call (`call`, `return_call`, `try_call`) of a
/// defined wasm function: no libcall, no call through a pointer.
pub fn calls_only_defined_functions(func: &ir::Function) -> bool {
    func.layout.blocks().all(|block| {
        func.layout.block_insts(block).all(|inst| {
            let data = &func.dfg.insts[inst];
            if !data.opcode().is_call() {
                return true;
            }
            let func_ref = match data
                .analyze_call(&func.dfg.value_lists, &func.dfg.exception_tables)
            {
                CallInfo::Direct(func_ref, _) | CallInfo::DirectWithSig(func_ref, _, _) => func_ref,
                _ => return false,
            };
            match func.dfg.ext_funcs[func_ref].name {
                ir::ExternalName::User(name) => func.params.user_named_funcs()[name].namespace == 0,
                _ => false,
            }
        })
    })
}

/// Compare the stack pointer with `limit` at the start of `func`'s entry block, trapping with
/// a stack overflow when it is below. False, changing nothing, if `limit` is not a chain of
/// loads from the vmctx (the only kind the translator makes).
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
    let mut pos = FuncCursor::new(func).at_first_insertion_point(entry);
    let mut value = vmctx;
    for (offset, ty, flags) in loads.into_iter().rev() {
        value = pos.ins().load(ty, flags, value, offset);
    }
    let sp = pos.ins().get_stack_pointer(types::I64);
    let below = pos.ins().icmp(IntCC::UnsignedLessThan, sp, value);
    pos.ins().trapnz(below, TrapCode::STACK_OVERFLOW);
    true
}
