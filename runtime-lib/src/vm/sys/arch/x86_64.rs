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
        let (leaf1_ecx, leaf7_ebx, leaf7_ecx, leaf7_1_eax, ext1_ecx) =
            glibc_words().unwrap_or_else(cpuid_words);
        // Which register state the OS saves (XCR0), readable when it enabled XSAVE (OSXSAVE).
        let xcr0 = if leaf1_ecx & (1 << 27) != 0 {
            // SAFETY: OSXSAVE is set: `xgetbv` exists and XCR0 is readable.
            unsafe { xcr0() }
        } else {
            0
        };
        let ymm = xcr0 & 0b110 == 0b110;
        Features {
            leaf1_ecx,
            leaf7_ebx,
            leaf7_ecx,
            leaf7_1_eax,
            ext1_ecx,
            ymm,
            zmm: ymm && xcr0 & 0b1110_0000 == 0b1110_0000,
        }
    }
}

/// The feature words [`Features`] keeps: CPUID.1:ECX, CPUID.7.0:EBX, CPUID.7.0:ECX,
/// CPUID.7.1:EAX, CPUID.80000001h:ECX (0 for a leaf the CPU does not have).
type Words = (u32, u32, u32, u32, u32);

/// The words, read with `cpuid`.
fn cpuid_words() -> Words {
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
    (leaf1.ecx, leaf7.ebx, leaf7.ecx, leaf7_1.eax, ext1_ecx)
}

/// The words as the C library read them when the process started, if it is a glibc that
/// shares them (2.33 and later: `__x86_get_cpuid_feature_leaf`, whose `cpuid` words are the
/// instruction's own output). In a virtual machine each `cpuid` traps to the hypervisor: six
/// of them cost an executable about 50 µs of its start-up on the development machine, more
/// than the rest of the runtime's set-up together.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_words() -> Option<Words> {
    /// glibc's `struct cpuid_feature` (`<sys/platform/x86.h>`).
    #[repr(C)]
    struct CpuidFeature {
        cpuid: [u32; 4],
        active: [u32; 4],
    }
    type Leaf = unsafe extern "C" fn(u32) -> *const CpuidFeature;
    // glibc's CPUID_INDEX_* of the leaves used, and the register indices (eax, ebx, ecx, edx).
    const INDEX_1: u32 = 0;
    const INDEX_7: u32 = 1;
    const INDEX_80000001: u32 = 2;
    const INDEX_7_ECX_1: u32 = 6;
    const EAX: usize = 0;
    const EBX: usize = 1;
    const ECX: usize = 2;
    // SAFETY: dlsym with a NUL-terminated name; a non-null result is glibc's function of that
    // name, whose type is `Leaf`.
    let leaf: Leaf = unsafe {
        let symbol = libc::dlsym(libc::RTLD_DEFAULT, c"__x86_get_cpuid_feature_leaf".as_ptr());
        if symbol.is_null() {
            return None;
        }
        core::mem::transmute::<*mut c_void, Leaf>(symbol)
    };
    let word = |index: u32, register: usize| {
        // SAFETY: glibc returns a pointer to its static, initialised table entry for every
        // index (a zeroed one for an index it does not know).
        unsafe { leaf(index).as_ref() }.map(|feature| feature.cpuid[register])
    };
    Some((
        word(INDEX_1, ECX)?,
        word(INDEX_7, EBX)?,
        word(INDEX_7, ECX)?,
        word(INDEX_7_ECX_1, EAX)?,
        word(INDEX_80000001, ECX)?,
    ))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_words() -> Option<Words> {
    None
}

/// XCR0.
///
/// # Safety
/// The CPU must support `xgetbv` (CPUID.1:ECX.OSXSAVE).
#[target_feature(enable = "xsave")]
unsafe fn xcr0() -> u64 {
    core::arch::x86_64::_xgetbv(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_words_match_cpuid() {
        // Every glibc CI and development machines have is 2.33 or later.
        assert_eq!(glibc_words(), Some(cpuid_words()));
    }
}
