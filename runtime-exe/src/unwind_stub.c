/* Built only for executables without the Rust standard library (see build.rs).
 *
 * The precompiled Rust `core` and `alloc` are built for unwinding panics: their
 * landing pads end in calls to _Unwind_Resume, which would link the C
 * unwinder (libgcc_eh) into every executable. Nothing unwinds there: panics
 * abort, and traps leave wasm code by longjmp. This weak definition satisfies
 * those references; should anything else need the real unwinder (a static C
 * library's thread cancellation), its strong definition takes precedence. */

#include <stdlib.h>

__attribute__((weak, noreturn)) void _Unwind_Resume(void *exception) {
    (void)exception;
    abort();
}
