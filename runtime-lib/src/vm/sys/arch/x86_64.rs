//! x86-64: the registers of interrupted code in a signal frame, the machine code exceptions
//! need (see `unwind_stubs`), and CPU feature detection.

use std::arch::naked_asm;
use std::ffi::c_void;

use super::Registers;

/// The registers of the code a signal interrupted, from the handler's context argument.
#[cfg(target_os = "linux")]
pub fn registers(context: *mut c_void) -> Registers {
    // SAFETY: the kernel passes a valid ucontext_t to SA_SIGINFO handlers.
    let gregs = unsafe { &(*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs };
    Registers {
        pc: gregs[libc::REG_RIP as usize] as usize,
        fp: gregs[libc::REG_RBP as usize] as usize,
        sp: gregs[libc::REG_RSP as usize] as usize,
    }
}

#[cfg(target_os = "macos")]
pub fn registers(context: *mut c_void) -> Registers {
    // SAFETY: the kernel passes a valid ucontext_t whose mcontext is filled in.
    let state = unsafe { &(*(*context.cast::<libc::ucontext_t>()).uc_mcontext).__ss };
    Registers {
        pc: state.__rip as usize,
        fp: state.__rbp as usize,
        sp: state.__rsp as usize,
    }
}

/// `extern "C" fn(vmctx, tag) -> exception`: the allocation libcall compiled code calls,
/// entered with every callee-saved register spilled to the stack.
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
        alloc = sym crate::vm::libcalls::exn_alloc,
    )
}

/// Jump to `pc` with the stack and frame pointers set and `exn` in the first return register.
///
/// # Safety
/// As `unwind_stubs::resume`.
#[unsafe(naked)]
pub unsafe extern "C" fn resume_to(pc: usize, sp: usize, fp: usize, exn: u64) -> ! {
    naked_asm!("mov rsp, rsi", "mov rbp, rdx", "mov rax, rcx", "jmp rdi")
}

/// Whether this CPU has the feature Cranelift calls `setting`.
pub fn has_feature(setting: &str) -> bool {
    match setting {
        "has_sse3" => is_x86_feature_detected!("sse3"),
        "has_ssse3" => is_x86_feature_detected!("ssse3"),
        "has_sse41" => is_x86_feature_detected!("sse4.1"),
        "has_sse42" => is_x86_feature_detected!("sse4.2"),
        "has_popcnt" => is_x86_feature_detected!("popcnt"),
        "has_cmpxchg16b" => is_x86_feature_detected!("cmpxchg16b"),
        "has_avx" => is_x86_feature_detected!("avx"),
        "has_avx2" => is_x86_feature_detected!("avx2"),
        "has_fma" => is_x86_feature_detected!("fma"),
        "has_bmi1" => is_x86_feature_detected!("bmi1"),
        "has_bmi2" => is_x86_feature_detected!("bmi2"),
        "has_lzcnt" => is_x86_feature_detected!("lzcnt"),
        "has_avx512f" => is_x86_feature_detected!("avx512f"),
        "has_avx512dq" => is_x86_feature_detected!("avx512dq"),
        "has_avx512vl" => is_x86_feature_detected!("avx512vl"),
        "has_avx512vbmi" => is_x86_feature_detected!("avx512vbmi"),
        "has_avx512bitalg" => is_x86_feature_detected!("avx512bitalg"),
        "has_avx512vnni" => is_x86_feature_detected!("avx512vnni"),
        "has_avx_vnni" => is_x86_feature_detected!("avxvnni"),
        _ => false,
    }
}
