/* Integer benchmark: sieve of Eratosthenes plus Collatz sequence lengths. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

static uint32_t sieve(uint32_t limit, unsigned char *composite) {
    memset(composite, 0, limit + 1);
    uint32_t count = 0;
    for (uint32_t i = 2; i <= limit; i++) {
        if (composite[i])
            continue;
        count++;
        for (uint64_t j = (uint64_t)i * i; j <= limit; j += i)
            composite[j] = 1;
    }
    return count;
}

static uint32_t collatz_len(uint64_t n) {
    uint32_t len = 1;
    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n >> 1;
        len++;
    }
    return len;
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;

    uint32_t limit = (uint32_t)(8000000 * scale);
    int rounds = 6;
    unsigned char *composite = malloc((size_t)limit + 1);
    if (!composite)
        return 1;
    uint64_t check = 0;
    for (int r = 0; r < rounds; r++) {
        uint32_t primes = sieve(limit - (uint32_t)r * 1000, composite);
        check = check * 1000003u + primes;
    }
    /* sum of the largest primes below the limit */
    uint64_t tail = 0;
    int found = 0;
    for (uint32_t i = limit - 3000; i > 1 && found < 100; i--)
        if (!composite[i]) {
            tail += i;
            found++;
        }
    free(composite);

    uint32_t collatz_n = (uint32_t)(3000000 * scale);
    uint32_t best = 0, best_n = 0;
    uint64_t total = 0;
    for (uint32_t n = 1; n <= collatz_n; n++) {
        uint32_t len = collatz_len(n);
        total += len;
        if (len > best) {
            best = len;
            best_n = n;
        }
    }

    printf("sieve check=%llu tail=%llu\n", (unsigned long long)check,
           (unsigned long long)tail);
    printf("collatz total=%llu best=%u at %u\n", (unsigned long long)total, best, best_n);
    return 0;
}
