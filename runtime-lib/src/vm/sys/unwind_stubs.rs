//! The two pieces of machine code exceptions need, per architecture: the entry to the
//! exception allocator, which spills the callee-saved registers onto the stack so that the
//! collection it may run sees every exception reference compiled code holds; and the resume
//! that jumps to a landing pad with the frame registers and the exception set as the compiler
//! expects (Cranelift's exception ABI: no register but the stack and frame pointers and the
//! first payload register is live at a handler).

use std::arch::naked_asm;

/// `extern "C" fn(vmctx, tag) -> exception`: the allocation libcall compiled code calls.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
pub extern "C" fn exn_alloc_entry(vmctx: *mut u8, tag: u32) -> u64 {
    // Five pushes keep the stack 16-byte aligned at the call (entry is 8 off alignment).
    naked_asm!(
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "call {alloc}",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "ret",
        alloc = sym super::super::libcalls::exn_alloc,
    )
}

#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
pub extern "C" fn exn_alloc_entry(vmctx: *mut u8, tag: u32) -> u64 {
    naked_asm!(
        "stp x29, x30, [sp, #-96]!",
        "mov x29, sp",
        "stp x19, x20, [sp, #16]",
        "stp x21, x22, [sp, #32]",
        "stp x23, x24, [sp, #48]",
        "stp x25, x26, [sp, #64]",
        "stp x27, x28, [sp, #80]",
        "bl {alloc}",
        "ldp x29, x30, [sp], #96",
        "ret",
        alloc = sym super::super::libcalls::exn_alloc,
    )
}

#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
unsafe extern "C" fn resume_to(pc: usize, sp: usize, fp: usize, exn: u64) -> ! {
    naked_asm!("mov rsp, rsi", "mov rbp, rdx", "mov rax, rcx", "jmp rdi")
}

#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
unsafe extern "C" fn resume_to(pc: usize, sp: usize, fp: usize, exn: u64) -> ! {
    naked_asm!(
        "mov sp, x1",
        "mov x29, x2",
        "mov x16, x0",
        "mov x0, x3",
        "br x16"
    )
}

/// Continue at landing pad `pc` with stack pointer `sp`, frame pointer `fp` and exception
/// `exn` in the first payload register.
///
/// # Safety
/// `pc` must be a landing pad whose frame is live at `fp`, `sp` that frame's stack pointer at
/// the call the pad belongs to, and nothing on the stack below `sp` may need a destructor.
pub unsafe fn resume(pc: usize, sp: usize, fp: usize, exn: u64) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { resume_to(pc, sp, fp, exn) }
}
