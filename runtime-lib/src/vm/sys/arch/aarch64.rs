//! aarch64: the registers of interrupted code in a signal frame, the machine code exceptions
//! need (see `unwind_stubs`), and CPU feature detection.

use core::arch::naked_asm;
use core::ffi::c_void;

use super::Registers;

/// The registers of the code a signal interrupted, from the handler's context argument.
#[cfg(target_os = "linux")]
pub fn registers(context: *mut c_void) -> Registers {
    // SAFETY: the kernel passes a valid ucontext_t to SA_SIGINFO handlers.
    let mcontext = unsafe { &(*context.cast::<libc::ucontext_t>()).uc_mcontext };
    Registers {
        pc: mcontext.pc as usize,
        fp: mcontext.regs[29] as usize,
        sp: mcontext.sp as usize,
    }
}

#[cfg(target_os = "macos")]
pub fn registers(context: *mut c_void) -> Registers {
    // SAFETY: the kernel passes a valid ucontext_t whose mcontext is filled in.
    let state = unsafe { &(*(*context.cast::<libc::ucontext_t>()).uc_mcontext).__ss };
    Registers {
        pc: state.__pc as usize,
        fp: state.__fp as usize,
        sp: state.__sp as usize,
    }
}

/// `extern "C" fn(vmctx, tag) -> exception`: the allocation libcall compiled code calls,
/// entered with every callee-saved register spilled to the stack.
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
        alloc = sym crate::vm::libcalls::exn_alloc,
    )
}

/// Jump to `pc` with the stack and frame pointers set and `exn` in the first return register.
///
/// # Safety
/// As `unwind_stubs::resume`.
#[unsafe(naked)]
pub unsafe extern "C" fn resume_to(pc: usize, sp: usize, fp: usize, exn: u64) -> ! {
    naked_asm!(
        "mov sp, x1",
        "mov x29, x2",
        "mov x16, x0",
        "mov x0, x3",
        "br x16"
    )
}

/// Linux's bit for the 8-bit integer matrix multiply instructions in `AT_HWCAP2` (not named by
/// the libc crate).
#[cfg(target_os = "linux")]
const HWCAP2_I8MM: libc::c_ulong = 1 << 13;

/// Whether this CPU has the feature Cranelift calls `setting`.
#[cfg(target_os = "linux")]
pub fn has_feature(setting: &str) -> bool {
    // SAFETY: getauxval has no preconditions.
    let (hwcap, hwcap2) = unsafe {
        (
            libc::getauxval(libc::AT_HWCAP),
            libc::getauxval(libc::AT_HWCAP2),
        )
    };
    match setting {
        "has_lse" => hwcap & libc::HWCAP_ATOMICS != 0,
        "has_pauth" => hwcap & libc::HWCAP_PACA != 0,
        "has_fp16" => {
            let both = libc::HWCAP_FPHP | libc::HWCAP_ASIMDHP;
            hwcap & both == both
        }
        "has_dotprod" => hwcap & libc::HWCAP_ASIMDDP != 0,
        "has_i8mm" => hwcap2 & HWCAP2_I8MM != 0,
        _ => false,
    }
}

/// Whether this CPU has the feature Cranelift calls `setting`.
#[cfg(target_vendor = "apple")]
pub fn has_feature(setting: &str) -> bool {
    let name: &[u8] = match setting {
        "has_lse" => b"hw.optional.arm.FEAT_LSE\0",
        "has_pauth" => b"hw.optional.arm.FEAT_PAuth\0",
        "has_fp16" => b"hw.optional.arm.FEAT_FP16\0",
        "has_dotprod" => b"hw.optional.arm.FEAT_DotProd\0",
        "has_i8mm" => b"hw.optional.arm.FEAT_I8MM\0",
        _ => return false,
    };
    let mut value: u32 = 0;
    let mut size = core::mem::size_of::<u32>();
    // SAFETY: `name` is NUL-terminated; `value` is writable for `size` bytes.
    let status = unsafe {
        libc::sysctlbyname(
            name.as_ptr().cast(),
            (&raw mut value).cast(),
            &mut size,
            core::ptr::null_mut(),
            0,
        )
    };
    status == 0 && value != 0
}
