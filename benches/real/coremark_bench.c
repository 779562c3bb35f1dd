/* CoreMark (vendored in coremark/, unchanged; the port in coremark_port/) run with the seeds of
 * its 2K performance run (0, 0, 0x66), so that it checks its own checksums, for a number of
 * iterations scaled by the argument. CoreMark's main is built as coremark_main
 * (-Dmain=coremark_main); its report's timing lines go to stderr (see core_portme.c).
 *
 * usage: coremark_bench [SCALE]   (SCALE multiplies the iterations, default 1.0)
 */
#include <stdio.h>
#include <stdlib.h>

#undef main

#define ITERATIONS_AT_SCALE_1 20000

int coremark_main(int argc, char *argv[]);

int main(int argc, char *argv[]) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    long iterations = (long)(ITERATIONS_AT_SCALE_1 * scale);
    /* CoreMark takes 0 iterations as "calibrate to 10 s": run at least one. */
    if (iterations < 1)
        iterations = 1;
    char count[32];
    snprintf(count, sizeof count, "%ld", iterations);
    char *args[] = {"coremark", "0x0", "0x0", "0x66", count, NULL};
    return coremark_main(5, args);
}
