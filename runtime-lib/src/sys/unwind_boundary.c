/* The boundary between the host and wasm code. A call into wasm goes through
 * wasmaot_enter, which records a jump buffer; a trap (from the signal handler or
 * from a runtime call) jumps back to it with wasmaot_unwind. The frames skipped
 * are compiled wasm code and runtime calls that hold no resources at that point. */
#include <setjmp.h>
#include <stdint.h>

typedef void (*wasmaot_trampoline)(void *func, void *callee_vmctx, void *caller_vmctx, void *values);

/* Returns 0 when the call returned normally, 1 when it was unwound. */
int wasmaot_enter(void **slot, wasmaot_trampoline trampoline, void *func, void *callee_vmctx,
                  void *caller_vmctx, void *values) {
    sigjmp_buf buf;
    void *volatile previous = *slot;
    if (sigsetjmp(buf, 1) == 0) {
        *slot = &buf;
        trampoline(func, callee_vmctx, caller_vmctx, values);
        *slot = previous;
        return 0;
    }
    *slot = previous;
    return 1;
}

void wasmaot_unwind(void *buf) {
    siglongjmp(*(sigjmp_buf *)buf, 1);
}
