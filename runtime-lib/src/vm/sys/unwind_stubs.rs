//! The two pieces of machine code exceptions need, per architecture: the entry to the
//! exception allocator, which spills the callee-saved registers onto the stack so that the
//! collection it may run sees every exception reference compiled code holds; and the resume
//! that jumps to a landing pad with the frame registers and the exception set as the compiler
//! expects (Cranelift's exception ABI: no register but the stack and frame pointers and the
//! first payload register is live at a handler).

pub use super::arch::exn_alloc_entry;

/// Continue at landing pad `pc` with stack pointer `sp`, frame pointer `fp` and exception
/// `exn` in the first payload register.
///
/// # Safety
/// `pc` must be a landing pad whose frame is live at `fp`, `sp` that frame's stack pointer at
/// the call the pad belongs to, and nothing on the stack below `sp` may need a destructor.
pub unsafe fn resume(pc: usize, sp: usize, fp: usize, exn: u64) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { super::arch::resume_to(pc, sp, fp, exn) }
}
