/* Per-thread storage for the runtime, which is built without the Rust standard
 * library (and so without its thread_local!). Each user in the runtime owns one
 * block (src/vm/sys/per_thread.rs says which); the blocks start zeroed on every
 * thread, are never freed by the runtime, and are reachable from a signal
 * handler (static TLS: no allocation on access once touched). */

#include <stddef.h>

#ifndef WASMAOT_THREAD_BLOCKS
#error "build.rs defines the block count and size"
#endif

static _Thread_local _Alignas(16) unsigned char blocks[WASMAOT_THREAD_BLOCKS][WASMAOT_THREAD_BLOCK_SIZE];

void *wasmaot_thread_block(size_t which) {
    return which < WASMAOT_THREAD_BLOCKS ? blocks[which] : NULL;
}
