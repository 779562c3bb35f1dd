/* Branchy benchmark: a bytecode interpreter (switch dispatch, data-dependent branches) running
 * a small program that counts primes and sums a Collatz-like sequence. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, HALT };

struct insn {
    uint8_t op;
    int32_t arg;
};

static int64_t run(const struct insn *code, int64_t *vars) {
    int64_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        struct insn i = code[pc++];
        switch (i.op) {
        case PUSH: stack[sp++] = i.arg; break;
        case LOAD: stack[sp++] = vars[i.arg]; break;
        case STORE: vars[i.arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: if (!stack[--sp]) pc = i.arg; break;
        case JMP: pc = i.arg; break;
        case HALT: return vars[2];
        }
    }
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    int32_t limit = (int32_t)(400000 * scale);
    if (limit < 10)
        limit = 10;
    /* vars: 0 n, 1 d, 2 count, 3 limit */
    const struct insn code[] = {
        /* 0 */ {PUSH, 2}, {STORE, 0},
        /* 2 */ {LOAD, 0}, {LOAD, 3}, {LT, 0}, {JZ, 31},
        /* 6 */ {PUSH, 2}, {STORE, 1},
        /* 8 */ {LOAD, 1}, {LOAD, 1}, {MUL, 0}, {LOAD, 0}, {PUSH, 1}, {ADD, 0}, {LT, 0}, {JZ, 24},
        /* 16 */ {LOAD, 0}, {LOAD, 1}, {MOD, 0}, {JZ, 27},
        /* 20 */ {LOAD, 1}, {PUSH, 1}, {ADD, 0}, {STORE, 1},
        /* 24 */ {JMP, 28}, {HALT, 0}, {HALT, 0},
        /* 27 */ {JMP, 29},
        /* 28 */ {JMP, 32},
        /* 29 */ {JMP, 36}, {HALT, 0},
        /* 31 */ {HALT, 0},
        /* 32 */ {LOAD, 2}, {PUSH, 1}, {ADD, 0}, {STORE, 2},
        /* 36 */ {LOAD, 0}, {PUSH, 1}, {ADD, 0}, {STORE, 0}, {JMP, 2},
    };
    int64_t total = 0;
    for (int rep = 0; rep < 20; rep++) {
        int64_t vars[4] = {0, 0, 0, limit + rep};
        total += run(code, vars);
    }
    printf("interp limit=%d primes summed over 20 runs=%lld\n", limit, (long long)total);
    return 0;
}
