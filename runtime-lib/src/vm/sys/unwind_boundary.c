/* The boundary between the host and wasm code. A call into wasm goes through
 * wasmaot_enter, which records a jump buffer; a trap (from the signal handler or
 * from a runtime call) jumps back to it with wasmaot_unwind. The frames skipped
 * are compiled wasm code and runtime calls that hold no resources at that point.
 *
 * The buffer is the compiler's own (__builtin_setjmp: frame pointer, stack
 * pointer and resume address; the compiler saves every callee-saved register in
 * wasmaot_enter's own frame because of it), not sigsetjmp: no signal mask is
 * saved (that is a system call per call into wasm) and no pointer mangling is
 * done. The signal handler restores the interrupted code's signal mask itself
 * before it unwinds, and runtime calls do not change the mask. */

typedef void (*wasmaot_trampoline)(void *func, void *callee_vmctx, void *caller_vmctx, void *values);

/* Returns 0 when the call returned normally, 1 when it was unwound. */
__attribute__((noinline)) int wasmaot_enter(void **slot, wasmaot_trampoline trampoline, void *func,
                                            void *callee_vmctx, void *caller_vmctx, void *values) {
    void *buf[5];
    void *volatile previous = *slot;
    if (__builtin_setjmp(buf) == 0) {
        *slot = buf;
        trampoline(func, callee_vmctx, caller_vmctx, values);
        *slot = previous;
        return 0;
    }
    *slot = previous;
    return 1;
}

__attribute__((noinline, noreturn)) void wasmaot_unwind(void *buf) {
    __builtin_longjmp((void **)buf, 1);
}
