/* String/sort benchmark: generate strings, hash them into a table, count
 * duplicates, then qsort records by string and by key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int by_name(const void *pa, const void *pb) {
    const struct record *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
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
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
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
                if (strcmp(recs[e].name, recs[i].name) == 0)
                    break;
                slot = (slot + 1) & (cap - 1);
            }
        }
    }
    free(table);

    qsort(recs, n, sizeof *recs, by_name);
    uint32_t h1 = 0;
    for (uint32_t i = 0; i < n; i += 97)
        h1 = h1 * 31 + hash_str(recs[i].name) + recs[i].id;
    char first[24], last[24];
    strcpy(first, recs[0].name);
    strcpy(last, recs[n - 1].name);

    qsort(recs, n, sizeof *recs, by_key);
    uint32_t h2 = 0;
    for (uint32_t i = 0; i < n; i++)
        h2 = h2 * 33 + recs[i].id;

    printf("strings n=%u distinct=%u hsum=%llu\n", n, distinct, (unsigned long long)hsum);
    printf("sorted first=%s last=%s h1=%08x h2=%08x\n", first, last, h1, h2);
    free(recs);
    return 0;
}
