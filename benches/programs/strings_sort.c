/* String/sort benchmark: generate strings, hash them into a table, count
 * duplicates, then sort records by string and by key. The string compare and
 * the sort are the program's own (a merge sort calling its comparator through a
 * pointer), so native and wasm builds run the same algorithm: the benchmark
 * compares code generation, not glibc's and wasi-libc's qsort/strcmp. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

struct record {
    char name[24];
    uint32_t key;
    uint32_t id;
};

static uint32_t rng = 2463534242u;

static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t hash_str(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

static int str_compare(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

typedef int (*record_cmp)(const void *, const void *);

/* Stable top-down merge sort of n records using tmp (n records) as scratch. */
static void merge_sort(struct record *v, struct record *tmp, size_t n, record_cmp cmp) {
    if (n < 2)
        return;
    size_t half = n / 2;
    merge_sort(v, tmp, half, cmp);
    merge_sort(v + half, tmp, n - half, cmp);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        tmp[k++] = cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < half)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    for (k = 0; k < n; k++)
        v[k] = tmp[k];
}

static int by_name(const void *pa, const void *pb) {
    const struct record *a = pa, *b = pb;
    int c = str_compare(a->name, b->name);
    if (c)
        return c;
    return a->id < b->id ? -1 : (a->id > b->id);
}

static int by_key(const void *pa, const void *pb) {
    const struct record *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->id < b->id ? -1 : (a->id > b->id);
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    uint32_t n = (uint32_t)(800000 * scale);
    if (n < 16)
        n = 16;

    struct record *recs = malloc(n * sizeof *recs);
    if (!recs)
        return 1;
    static const char *syll[] = {"ka", "to", "ri", "mu", "se", "no", "fa", "li",
                                 "zo", "pe", "qu", "xi", "da", "ve", "bo", "ny"};
    for (uint32_t i = 0; i < n; i++) {
        char *p = recs[i].name;
        int parts = 2 + (int)(next_rand() % 4);
        p[0] = 0;
        for (int k = 0; k < parts; k++)
            strcat(p, syll[next_rand() & 15]);
        char num[8];
        snprintf(num, sizeof num, "%u", next_rand() % 100);
        strcat(p, num);
        recs[i].key = next_rand();
        recs[i].id = i;
    }

    /* open-addressing hash set of names; count distinct */
    uint32_t cap = 1;
    while (cap < n * 2)
        cap <<= 1;
    int32_t *table = malloc(cap * sizeof *table);
    if (!table)
        return 1;
    uint32_t distinct = 0;
    uint64_t hsum = 0;
    for (int round = 0; round < 3; round++) {
        memset(table, 0xff, cap * sizeof *table);
        distinct = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t h = hash_str(recs[i].name) + (uint32_t)round;
            hsum += h;
            uint32_t slot = h & (cap - 1);
            for (;;) {
                int32_t e = table[slot];
                if (e < 0) {
                    table[slot] = (int32_t)i;
                    distinct++;
                    break;
                }
                if (str_compare(recs[e].name, recs[i].name) == 0)
                    break;
                slot = (slot + 1) & (cap - 1);
            }
        }
    }
    free(table);

    struct record *scratch = malloc(n * sizeof *scratch);
    if (!scratch)
        return 1;
    merge_sort(recs, scratch, n, by_name);
    uint32_t h1 = 0;
    for (uint32_t i = 0; i < n; i += 97)
        h1 = h1 * 31 + hash_str(recs[i].name) + recs[i].id;
    char first[24], last[24];
    strcpy(first, recs[0].name);
    strcpy(last, recs[n - 1].name);

    merge_sort(recs, scratch, n, by_key);
    free(scratch);
    uint32_t h2 = 0;
    for (uint32_t i = 0; i < n; i++)
        h2 = h2 * 33 + recs[i].id;

    printf("strings n=%u distinct=%u hsum=%llu\n", n, distinct, (unsigned long long)hsum);
    printf("sorted first=%s last=%s h1=%08x h2=%08x\n", first, last, h1, h2);
    free(recs);
    return 0;
}
