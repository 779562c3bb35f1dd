/* Memory-heavy benchmark: an open-addressing hash table far larger than the caches, filled and
 * probed in a pseudo-random order (cache and TLB misses dominate). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    uint32_t n = (uint32_t)(4000000 * scale);
    if (n < 1000)
        n = 1000;
    uint32_t cap = 1;
    while (cap < n * 2)
        cap <<= 1;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *values = calloc(cap, sizeof *values);
    if (!keys || !values)
        return 1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = mix(i) | 1;
        uint32_t slot = (uint32_t)k & (cap - 1);
        while (keys[slot] && keys[slot] != k)
            slot = (slot + 1) & (cap - 1);
        keys[slot] = k;
        values[slot] += i;
    }
    uint64_t found = 0, sum = 0;
    for (uint32_t i = 0; i < 2 * n; i++) {
        uint64_t k = mix(i) | 1;
        uint32_t slot = (uint32_t)k & (cap - 1);
        while (keys[slot] && keys[slot] != k)
            slot = (slot + 1) & (cap - 1);
        if (keys[slot] == k) {
            found++;
            sum += values[slot];
        }
    }
    printf("hashmap n=%u capacity=%u found=%llu sum=%llu\n", n, cap, (unsigned long long)found,
           (unsigned long long)sum);
    free(keys);
    free(values);
    return 0;
}
