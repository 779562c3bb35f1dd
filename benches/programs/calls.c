/* Call-heavy benchmark: recursive Fibonacci, Ackermann and Takeuchi functions,
 * plus calls through function pointers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static uint32_t ack(uint32_t m, uint32_t n) {
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static int tak(int x, int y, int z) {
    if (y >= x)
        return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b * 3); }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1) + 0x9E3779B9u; }
static uint32_t op_rot(uint32_t a, uint32_t b) { return (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)); }

typedef uint32_t (*op_fn)(uint32_t, uint32_t);
static op_fn ops[] = {op_add, op_xor, op_mul, op_rot};

__attribute__((noinline)) static uint32_t dispatch(uint32_t seed, uint32_t n) {
    uint32_t acc = seed;
    for (uint32_t i = 0; i < n; i++)
        acc = ops[(acc >> 7) & 3](acc, i);
    return acc;
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    int reps = (int)(32 * scale);
    if (reps < 1)
        reps = 1;

    uint32_t f = 0, a = 0, d = 0;
    int t = 0;
    for (int r = 0; r < reps; r++) {
        f += fib(31 + (uint32_t)(r & 1));
        a += ack(2 + (uint32_t)(r & 1), 8);
        t += tak(18 + (r & 1), 12, 6);
        d ^= dispatch((uint32_t)r, 4000000);
    }
    printf("calls reps=%d fib=%u ack=%u tak=%d dispatch=%08x\n", reps, f, a, t, d);
    return 0;
}
