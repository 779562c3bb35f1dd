/* Memory benchmark: dense double-precision matrix multiply plus a streaming
 * copy/scale pass over a large buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

static void matmul(int n, const double *a, const double *b, double *c) {
    memset(c, 0, sizeof(double) * (size_t)n * n);
    for (int i = 0; i < n; i++) {
        double *ci = c + (size_t)i * n;
        for (int k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k];
            const double *bk = b + (size_t)k * n;
            for (int j = 0; j < n; j++)
                ci[j] += aik * bk[j];
        }
    }
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    int n = scale < 0.5 ? 200 : 600;
    int reps = (int)(8 * scale);
    if (reps < 1)
        reps = 1;

    size_t nn = (size_t)n * n;
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b),
           *c = malloc(nn * sizeof *c);
    if (!a || !b || !c)
        return 1;
    uint32_t s = 12345;
    for (size_t i = 0; i < nn; i++) {
        s = s * 1103515245u + 12345u;
        a[i] = (double)((s >> 16) & 0x3ff) / 512.0 - 1.0;
        s = s * 1103515245u + 12345u;
        b[i] = (double)((s >> 16) & 0x3ff) / 512.0 - 1.0;
    }

    double trace_sum = 0, corner = 0;
    for (int r = 0; r < reps; r++) {
        matmul(n, a, b, c);
        double t = 0;
        for (int i = 0; i < n; i++)
            t += c[(size_t)i * n + i];
        trace_sum += t;
        corner += c[nn - 1];
        /* feed the result back so repetitions are not identical */
        a[(size_t)r % nn] = c[(size_t)r * 7 % nn] / 64.0;
    }

    /* streaming: copy and scale a 16 MiB buffer back and forth */
    size_t len = (size_t)2 << 20; /* doubles */
    double *x = malloc(len * sizeof *x), *y = malloc(len * sizeof *y);
    if (!x || !y)
        return 1;
    for (size_t i = 0; i < len; i++)
        x[i] = (double)(i & 1023);
    int passes = (int)(30 * scale);
    for (int p = 0; p < passes; p++) {
        for (size_t i = 0; i < len; i++) /* the program's own copy loop, not libc's memcpy */
            y[i] = x[i];
        for (size_t i = 0; i < len; i++)
            x[i] = y[i] * 0.5 + 1.0;
    }
    double stream_sum = 0;
    for (size_t i = 0; i < len; i += 64)
        stream_sum += x[i];

    printf("matmul n=%d reps=%d trace_sum=%.6f corner=%.6f\n", n, reps, trace_sum, corner);
    printf("stream passes=%d sum=%.6f\n", passes, stream_sum);
    free(a);
    free(b);
    free(c);
    free(x);
    free(y);
    return 0;
}
