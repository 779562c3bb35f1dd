/* The platform functions CoreMark needs (see core_portme.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "coremark.h"

ee_u32 default_num_contexts = 1;

static CORE_TICKS start_ns, stop_ns;

static CORE_TICKS now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (CORE_TICKS)ts.tv_sec * 1000000000u + (CORE_TICKS)ts.tv_nsec;
}

void start_time(void) { start_ns = now_ns(); }

void stop_time(void) { stop_ns = now_ns(); }

CORE_TICKS get_time(void) { return stop_ns - start_ns; }

secs_ret time_in_secs(CORE_TICKS ticks) { return (secs_ret)ticks / 1e9; }

void portable_init(core_portable *p, int *argc, char *argv[]) {
    (void)argc;
    (void)argv;
    p->portable_id = 1;
}

void portable_fini(core_portable *p) { p->portable_id = 0; }

/* Report lines that change with the measured time: the times and the score, and the verdict,
 * which CoreMark makes an error below 10 s of run time. They go to stderr; everything else
 * (sizes, iterations, seeds and every checksum, and a checksum's error) goes to stdout. A line
 * printed in several calls goes wholly where its first part went. */
static const char *const TIMED[] = {
    "Total ticks", "Total time", "Iterations/Sec", "ERROR! Must execute",
    "Correct operation validated", "Errors detected", "CoreMark 1.0",
};

int ee_printf(const char *fmt, ...) {
    static FILE *line_to = NULL;
    if (line_to == NULL) {
        line_to = stdout;
        for (size_t i = 0; i < sizeof TIMED / sizeof TIMED[0]; i++)
            if (strncmp(fmt, TIMED[i], strlen(TIMED[i])) == 0)
                line_to = stderr;
    }
    va_list args;
    va_start(args, fmt);
    int n = vfprintf(line_to, fmt, args);
    va_end(args);
    size_t len = strlen(fmt);
    if (len > 0 && fmt[len - 1] == '\n')
        line_to = NULL;
    return n;
}
