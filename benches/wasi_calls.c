/* The cost of single file-system calls, timed inside the program: each operation runs in a
 * loop in the working directory, which must be empty and writable (granted as `.`), and the
 * program prints one line per operation: its name and nanoseconds per call.
 *
 * usage: wasi_calls [SCALE]   (SCALE multiplies the iteration counts, default 1.0)
 *
 * The same source is built natively and for wasm32-wasi, so the two lines of a name compare
 * the libc call with the sandboxed WASI call behind the same libc function.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fail(const char *what, const char *path) {
    fprintf(stderr, "wasi_calls: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void report(const char *name, double start, long calls) {
    printf("%-28s %10.0f ns\n", name, (now_ns() - start) / (double)calls);
}

/* mkdir + rmdir of one name: SQLite's default lock, taken and released per transaction. */
static void bench_mkdir_rmdir(const char *dir, const char *label, long n) {
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        if (mkdir(dir, 0777) != 0) fail("mkdir", dir);
        if (rmdir(dir) != 0) fail("rmdir", dir);
    }
    report(label, t, n);
}

static void bench_stat(const char *path, const char *label, long n) {
    struct stat st;
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        if (stat(path, &st) != 0) fail("stat", path);
    }
    report(label, t, n);
}

static void bench_stat_missing(long n) {
    struct stat st;
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        if (stat("missing.db-journal", &st) == 0 || errno != ENOENT) fail("stat", "missing");
    }
    report("stat missing", t, n);
}

static void bench_open_close(const char *path, const char *label, long n) {
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) fail("open", path);
        close(fd);
    }
    report(label, t, n);
}

static void bench_create_unlink(long n) {
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        int fd = open("tmp.file", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) fail("open", "tmp.file");
        close(fd);
        if (unlink("tmp.file") != 0) fail("unlink", "tmp.file");
    }
    report("create+close+unlink", t, n);
}

static void bench_small_writes(long n) {
    int fd = open("log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) fail("open", "log.txt");
    const char line[16] = "0123456789abcde\n";
    double t = now_ns();
    for (long i = 0; i < n; i++) {
        if (write(fd, line, sizeof line) != (ssize_t)sizeof line) fail("write", "log.txt");
    }
    report("write 16 bytes", t, n);
    close(fd);
    unlink("log.txt");
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    long n = (long)(20000 * scale);
    if (n < 1) n = 1;

    if (mkdir("a", 0777) || mkdir("a/b", 0777) || mkdir("a/b/c", 0777)) fail("mkdir", "a/b/c");
    int fd = open("a/b/c/data.db", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) fail("open", "a/b/c/data.db");
    close(fd);
    fd = open("data.db", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) fail("open", "data.db");
    close(fd);

    bench_mkdir_rmdir("lock", "mkdir+rmdir", n);
    bench_mkdir_rmdir("a/b/c/lock", "mkdir+rmdir a/b/c/dir", n);
    bench_stat("data.db", "stat", n * 4);
    bench_stat("a/b/c/data.db", "stat a/b/c/file", n * 4);
    bench_stat_missing(n * 4);
    bench_open_close("data.db", "open+close", n * 2);
    bench_open_close("a/b/c/data.db", "open+close a/b/c/file", n * 2);
    bench_create_unlink(n);
    bench_small_writes(n * 10);

    unlink("a/b/c/data.db");
    unlink("data.db");
    rmdir("a/b/c");
    rmdir("a/b");
    rmdir("a");
    return 0;
}
