//! x86-64: the registers of interrupted code in a signal frame, the machine code exceptions
//! need (see `unwind_stubs`), and CPU feature detection.

use core::arch::naked_asm;
use core::ffi::c_void;

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

/// Whether this CPU (and the operating system, for the wider registers) has the feature
/// Cranelift calls `setting`.
pub fn has_feature(setting: &str) -> bool {
    static FEATURES: spin::Once<Features> = spin::Once::new();
    let f = FEATURES.call_once(Features::detect);
    match setting {
        "has_sse3" => f.has(f.leaf1_ecx, 0),
        "has_ssse3" => f.has(f.leaf1_ecx, 9),
        "has_sse41" => f.has(f.leaf1_ecx, 19),
        "has_sse42" => f.has(f.leaf1_ecx, 20),
        "has_popcnt" => f.has(f.leaf1_ecx, 23),
        "has_cmpxchg16b" => f.has(f.leaf1_ecx, 13),
        "has_avx" => f.ymm && f.has(f.leaf1_ecx, 28),
        "has_avx2" => f.ymm && f.has(f.leaf7_ebx, 5),
        "has_fma" => f.ymm && f.has(f.leaf1_ecx, 12),
        "has_bmi1" => f.has(f.leaf7_ebx, 3),
        "has_bmi2" => f.has(f.leaf7_ebx, 8),
        "has_lzcnt" => f.has(f.ext1_ecx, 5),
        "has_avx512f" => f.zmm && f.has(f.leaf7_ebx, 16),
        "has_avx512dq" => f.zmm && f.has(f.leaf7_ebx, 17),
        "has_avx512vl" => f.zmm && f.has(f.leaf7_ebx, 31),
        "has_avx512vbmi" => f.zmm && f.has(f.leaf7_ecx, 1),
        "has_avx512bitalg" => f.zmm && f.has(f.leaf7_ecx, 12),
        "has_avx512vnni" => f.zmm && f.has(f.leaf7_ecx, 11),
        "has_avx_vnni" => f.ymm && f.has(f.leaf7_1_eax, 4),
        _ => false,
    }
}

/// The `cpuid` words feature bits are read from, and what the operating system saves.
struct Features {
    leaf1_ecx: u32,
    leaf7_ebx: u32,
    leaf7_ecx: u32,
    leaf7_1_eax: u32,
    ext1_ecx: u32,
    /// The OS saves the 256-bit registers (AVX state).
    ymm: bool,
    /// The OS saves the 512-bit registers and the mask registers (AVX-512 state).
    zmm: bool,
}

impl Features {
    fn has(&self, word: u32, bit: u32) -> bool {
        word & (1 << bit) != 0
    }

    fn detect() -> Features {
        use core::arch::x86_64::{__cpuid, __cpuid_count};
        let max_leaf = __cpuid(0).eax;
        let leaf1 = __cpuid(1);
        let (leaf7, leaf7_1) = if max_leaf >= 7 {
            (__cpuid_count(7, 0), __cpuid_count(7, 1))
        } else {
            let none = core::arch::x86_64::CpuidResult {
                eax: 0,
                ebx: 0,
                ecx: 0,
                edx: 0,
            };
            (none, none)
        };
        let max_ext = __cpuid(0x8000_0000).eax;
        let ext1_ecx = if max_ext >= 0x8000_0001 {
            __cpuid(0x8000_0001).ecx
        } else {
            0
        };
        // Which register state the OS saves (XCR0), readable when it enabled XSAVE (OSXSAVE).
        let xcr0 = if leaf1.ecx & (1 << 27) != 0 {
            // SAFETY: OSXSAVE is set: `xgetbv` exists and XCR0 is readable.
            unsafe { xcr0() }
        } else {
            0
        };
        let ymm = xcr0 & 0b110 == 0b110;
        Features {
            leaf1_ecx: leaf1.ecx,
            leaf7_ebx: leaf7.ebx,
            leaf7_ecx: leaf7.ecx,
            leaf7_1_eax: leaf7_1.eax,
            ext1_ecx,
            ymm,
            zmm: ymm && xcr0 & 0b1110_0000 == 0b1110_0000,
        }
    }
}

/// XCR0.
///
/// # Safety
/// The CPU must support `xgetbv` (CPUID.1:ECX.OSXSAVE).
#[target_feature(enable = "xsave")]
unsafe fn xcr0() -> u64 {
    core::arch::x86_64::_xgetbv(0)
}
