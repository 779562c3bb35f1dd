//! The entry point of every executable `wasmaot build` makes. The module's descriptor and the
//! build-time configuration are linked in beside this library under fixed symbol names.
#![cfg_attr(not(feature = "std"), no_std)]
#![allow(non_upper_case_globals)]

extern crate alloc;

use core::ffi::{c_char, c_int, c_void};

mod command;
mod host;
#[cfg(not(feature = "std"))]
mod no_std;

use wasmaot_abi::exe_config::{same_name, CONFIG_LEN_SYMBOL, CONFIG_SYMBOL, WASI_FUNCTIONS_SYMBOL};
use wasmaot_abi::symbols::{ModuleDescriptor, MODULE_DESCRIPTOR};

extern "C" {
    /// Written by the compiler (`wasmaot_abi::symbols::MODULE_DESCRIPTOR`).
    static wasmaot_module: ModuleDescriptor;
    /// Written by `wasmaot build` (`wasmaot_abi::exe_config`): the configuration text and its
    /// length.
    static wasmaot_exe_config: u8;
    static wasmaot_exe_config_len: u64;
    /// Written by `wasmaot build` (`wasmaot_abi::exe_config::WASI_FUNCTIONS_SYMBOL`): the WASI
    /// functions the module imports, a null-terminated array of pointers to
    /// `wasmaot_wasi::Function`s.
    static wasmaot_exe_wasi_functions: [*const c_void; 0];
}

// Rust needs the symbol names above as literals; they are the contract's.
const _: () = assert!(same_name(MODULE_DESCRIPTOR, "wasmaot_module"));
const _: () = assert!(same_name(CONFIG_SYMBOL, "wasmaot_exe_config"));
const _: () = assert!(same_name(CONFIG_LEN_SYMBOL, "wasmaot_exe_config_len"));
const _: () = assert!(same_name(
    WASI_FUNCTIONS_SYMBOL,
    "wasmaot_exe_wasi_functions"
));

/// The process entry point, called by the C runtime.
///
/// # Safety
/// `argv` holds `argc` NUL-terminated strings and a null, as the C runtime passes them.
#[no_mangle]
pub unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // SAFETY: the C runtime passes `main` its arguments so.
    let args = unsafe { host::args(argc, argv) };
    // SAFETY: `wasmaot build` links exactly these symbols into the executable; the config bytes
    // are `wasmaot_exe_config_len` long.
    unsafe {
        let config = core::slice::from_raw_parts(
            core::ptr::addr_of!(wasmaot_exe_config),
            wasmaot_exe_config_len as usize,
        );
        let wasi = wasi_functions(core::ptr::addr_of!(wasmaot_exe_wasi_functions).cast());
        command::main(core::ptr::addr_of!(wasmaot_module), config, wasi, args)
    }
}

/// The WASI functions of the null-terminated array at `list`.
///
/// # Safety
/// Each pointer before the null points to a `Function` that lives for the whole process.
unsafe fn wasi_functions(
    list: *const *const wasmaot_wasi::Function,
) -> &'static [&'static wasmaot_wasi::Function] {
    let mut len = 0;
    // SAFETY: the array is null-terminated; its pointers are valid and non-null, so they may
    // be read as references.
    unsafe {
        while !(*list.add(len)).is_null() {
            len += 1;
        }
        core::slice::from_raw_parts(list.cast(), len)
    }
}
