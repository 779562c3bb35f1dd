/* Allocation benchmark: binary-trees (many small malloc/free). */
#include <stdio.h>
#include <stdlib.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

struct node {
    struct node *left, *right;
};

static struct node *make(int depth) {
    struct node *n = malloc(sizeof *n);
    if (!n) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (depth > 0) {
        n->left = make(depth - 1);
        n->right = make(depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(const struct node *n) {
    return 1 + (n->left ? check(n->left) + check(n->right) : 0);
}

static void destroy(struct node *n) {
    if (n->left) {
        destroy(n->left);
        destroy(n->right);
    }
    free(n);
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    int max_depth = scale < 0.5 ? 12 : 16;
    const int min_depth = 4;
    int iter_mul = (int)(2 * scale);
    if (iter_mul < 1)
        iter_mul = 1;

    struct node *stretch = make(max_depth + 1);
    printf("stretch tree of depth %d check: %ld\n", max_depth + 1, check(stretch));
    destroy(stretch);

    struct node *long_lived = make(max_depth);
    for (int d = min_depth; d <= max_depth; d += 2) {
        long iterations = (1L << (max_depth - d + min_depth)) * iter_mul;
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            struct node *t = make(d);
            sum += check(t);
            destroy(t);
        }
        printf("%ld trees of depth %d check: %ld\n", iterations, d, sum);
    }
    printf("long lived tree of depth %d check: %ld\n", max_depth, check(long_lived));
    destroy(long_lived);
    return 0;
}
