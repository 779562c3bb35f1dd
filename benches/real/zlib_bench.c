/* zlib (vendored in zlib/, unchanged) compressing and decompressing generated data in memory:
 * text-like data (words from a small vocabulary with numbers) and binary-like data (a noisy
 * signal), at levels 1, 6 and 9, each round trip checked. Prints sizes and Adler-32 checksums.
 *
 * usage: zlib_bench [SCALE]   (SCALE multiplies the data size and rounds, default 1.0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zlib.h"

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;

static unsigned next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 32);
}

static void make_text(unsigned char *buf, size_t len) {
    static const char *words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy",
                                  "dog", "compression", "stream", "window", "match", "literal",
                                  "huffman", "block", "deflate", "inflate", "header", "\n"};
    size_t n = 0;
    while (n < len) {
        char item[32];
        unsigned r = next_random();
        int k = r % 23 < 19 ? snprintf(item, sizeof item, "%s ", words[r % 19])
                            : snprintf(item, sizeof item, "%u ", r % 100000);
        for (int i = 0; i < k && n < len; i++) buf[n++] = (unsigned char)item[i];
    }
}

static void make_signal(unsigned char *buf, size_t len) {
    int level = 128;
    for (size_t i = 0; i < len; i++) {
        level += (int)(next_random() % 9) - 4;
        if (level < 0) level = 0;
        if (level > 255) level = 255;
        buf[i] = (unsigned char)(level ^ (next_random() % 4 == 0 ? next_random() & 7 : 0));
    }
}

static void round_trip(const char *what, const unsigned char *data, size_t len, int level,
                       int rounds) {
    uLongf bound = compressBound(len);
    unsigned char *packed = malloc(bound);
    unsigned char *unpacked = malloc(len);
    uLongf packed_len = 0;
    unsigned long check = adler32(0L, Z_NULL, 0);
    for (int r = 0; r < rounds; r++) {
        packed_len = bound;
        if (compress2(packed, &packed_len, data, len, level) != Z_OK) {
            fprintf(stderr, "compress failed\n");
            exit(1);
        }
        uLongf out_len = len;
        if (uncompress(unpacked, &out_len, packed, packed_len) != Z_OK || out_len != len ||
            memcmp(unpacked, data, len) != 0) {
            fprintf(stderr, "round trip failed\n");
            exit(1);
        }
        check = adler32(check, packed, (uInt)packed_len);
    }
    printf("%-6s level %d: %zu -> %lu bytes, adler32 of output %08lx\n", what, level, len,
           (unsigned long)packed_len, check);
    free(packed);
    free(unpacked);
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    size_t len = (size_t)(2 * 1024 * 1024 * (scale < 1.0 ? scale : 1.0));
    int rounds = scale > 1.0 ? (int)(scale + 0.5) : 1;
    if (len < 4096) len = 4096;
    unsigned char *text = malloc(len);
    unsigned char *signal = malloc(len);
    make_text(text, len);
    make_signal(signal, len);
    int levels[] = {1, 6, 9};
    for (int i = 0; i < 3; i++) {
        round_trip("text", text, len, levels[i], rounds);
        round_trip("signal", signal, len, levels[i], rounds);
    }
    free(text);
    free(signal);
    return 0;
}
