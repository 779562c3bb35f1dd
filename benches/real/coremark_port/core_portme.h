/* The CoreMark port of this benchmark suite: a hosted C environment (Linux natively, WASI for
 * wasm32), seeds and iteration count from the command line, the data block in static memory,
 * one context. Timing uses CLOCK_MONOTONIC. The report goes through ee_printf (core_portme.c),
 * which keeps the lines whose content depends on timing off stdout, so that a native run and a
 * wasm run of the same iterations print the same stdout.
 */
#ifndef CORE_PORTME_H
#define CORE_PORTME_H

#include <stddef.h>
#include <stdint.h>

#define HAS_FLOAT 1
#define HAS_TIME_H 1
#define USE_CLOCK 0
#define HAS_STDIO 1
#define HAS_PRINTF 0

#define SEED_METHOD SEED_ARG
#define MEM_METHOD MEM_STATIC
#define MULTITHREAD 1
#define MAIN_HAS_NOARGC 0
#define MAIN_HAS_NORETURN 0

#define COMPILER_VERSION "clang " __clang_version__
#define COMPILER_FLAGS "-O2"
#define MEM_LOCATION "static"

/* Nanoseconds of CLOCK_MONOTONIC between start_time and stop_time. */
typedef uint64_t CORE_TICKS;

typedef int16_t ee_s16;
typedef uint16_t ee_u16;
typedef int32_t ee_s32;
typedef double ee_f32;
typedef uint8_t ee_u8;
typedef uint32_t ee_u32;
typedef uintptr_t ee_ptr_int;
typedef size_t ee_size_t;

/* Rounds an address up to a multiple of 4 (the matrix benchmark's blocks). */
#define align_mem(x) (void *)(4 + (((ee_ptr_int)(x)-1) & ~(ee_ptr_int)3))

extern ee_u32 default_num_contexts;

typedef struct CORE_PORTABLE_S {
    ee_u8 portable_id;
} core_portable;

void portable_init(core_portable *p, int *argc, char *argv[]);
void portable_fini(core_portable *p);
int ee_printf(const char *fmt, ...);

#if !defined(PROFILE_RUN) && !defined(PERFORMANCE_RUN) && !defined(VALIDATION_RUN)
#if (TOTAL_DATA_SIZE == 1200)
#define PROFILE_RUN 1
#elif (TOTAL_DATA_SIZE == 2000)
#define PERFORMANCE_RUN 1
#else
#define VALIDATION_RUN 1
#endif
#endif

#endif
