/* Floating-point benchmark: Mandelbrot set escape counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The size when no argument is given (benches/suite builds use a smaller one). */
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 1.0
#endif

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : DEFAULT_SCALE;
    if (scale <= 0)
        scale = 1.0;
    int size = (int)(1600 * scale);
    if (size < 16)
        size = 16;
    const int max_iter = 200;

    uint64_t total_iter = 0, inside = 0;
    uint32_t hash = 2166136261u;
    for (int py = 0; py < size; py++) {
        double ci = 2.0 * py / size - 1.0;
        uint8_t bits = 0;
        for (int px = 0; px < size; px++) {
            double cr = 2.0 * px / size - 1.5;
            double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
            int it = 0;
            while (it < max_iter && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            total_iter += (uint64_t)it;
            bits = (uint8_t)(bits << 1);
            if (it == max_iter) {
                inside++;
                bits |= 1;
            }
            if ((px & 7) == 7 || px == size - 1) {
                hash = (hash ^ bits) * 16777619u;
                bits = 0;
            }
        }
    }
    printf("mandelbrot %dx%d inside=%llu iterations=%llu hash=%08x\n", size, size,
           (unsigned long long)inside, (unsigned long long)total_iter, hash);
    return 0;
}
