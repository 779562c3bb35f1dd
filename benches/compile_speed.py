#!/usr/bin/env python3
"""Compile throughput of wasmaot: MB of wasm and functions per second, on 1 and on N threads.

    python3 benches/compile_speed.py [MODULE.wasm ...] [--runs 5] [--jobs 2] [-O 2]

For each module, `wasmaot compile MODULE -o OUT.o -j1`, `-jN` and `-j1 --no-inline` run
interleaved; the median wall time of each gives the throughput, the parallel speed-up and what
inlining costs in compile time. The -j1 and -jN objects must be byte-identical (the output does
not depend on -j). Without modules, it measures the largest
ones at hand: the real programs `run.py` builds (benches/build/sqlite.wasm, lua.wasm,
zlib.wasm, if built) and the largest test fixture.

Only the Python standard library is used.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


def leb128(data, pos):
    result, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def defined_functions(path):
    """The number of functions a module defines (the entries of its function section)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\0asm":
        raise SystemExit(f"{path}: not a binary wasm module")
    pos = 8
    while pos < len(data):
        section, pos = data[pos], pos + 1
        size, pos = leb128(data, pos)
        if section == 3:
            return leb128(data, pos)[0]
        pos += size
    return 0


def default_modules():
    candidates = [BENCH_DIR / "build" / f"{name}.wasm" for name in ("sqlite", "lua", "zlib")]
    fixtures = sorted((REPO_ROOT / "tests" / "fixtures").glob("*.wasm"),
                      key=lambda p: p.stat().st_size)
    return [p for p in candidates if p.exists()] + fixtures[-1:]


def compile_once(wasmaot, module, out, jobs, opt, extra=()):
    start = time.perf_counter()
    proc = subprocess.run([wasmaot, "compile", str(module), "-o", str(out), "--emit", "obj",
                           f"-j{jobs}", f"-O{opt}", *extra],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"wasmaot compile {module} failed:\n{proc.stderr.decode()}")
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*", help="modules to compile (default: see above)")
    ap.add_argument("--wasmaot", default=str(REPO_ROOT / "target" / "release" / "wasmaot"))
    ap.add_argument("--runs", type=int, default=5, help="runs per thread count (default 5)")
    ap.add_argument("--jobs", type=int, default=2, help="the parallel thread count (default 2)")
    ap.add_argument("-O", dest="opt", default="2", choices=["0", "1", "2"])
    args = ap.parse_args()
    modules = [Path(m) for m in args.modules] or default_modules()
    if not modules:
        raise SystemExit("no modules: build the benchmarks with run.py or name some")
    print(f"wasmaot compile --emit obj -O{args.opt}, median of {args.runs} interleaved runs "
          f"(wall time; {os.cpu_count()} cores)")
    print(f"{'module':28s} {'KiB':>6s} {'funcs':>6s} {'-j1 s':>7s} {'MB/s':>6s} {'funcs/s':>8s} "
          f"{'-j' + str(args.jobs) + ' s':>7s} {'MB/s':>6s} {'funcs/s':>8s} {'speed-up':>8s} "
          f"{'no-inline -j1 s':>15s} {'inlining cost':>13s}")
    with tempfile.TemporaryDirectory(prefix="compile_speed.") as tmp:
        one, many, plain = Path(tmp) / "one.o", Path(tmp) / "many.o", Path(tmp) / "plain.o"
        for module in modules:
            size = module.stat().st_size
            funcs = defined_functions(module)
            times = {1: [], args.jobs: []}
            plain_times = []
            for _ in range(args.runs):
                times[1].append(compile_once(args.wasmaot, module, one, 1, args.opt))
                times[args.jobs].append(compile_once(args.wasmaot, module, many, args.jobs,
                                                     args.opt))
                plain_times.append(compile_once(args.wasmaot, module, plain, 1, args.opt,
                                                ["--no-inline"]))
            if one.read_bytes() != many.read_bytes():
                raise SystemExit(f"{module}: the -j1 and -j{args.jobs} objects differ")
            t1 = statistics.median(times[1])
            tn = statistics.median(times[args.jobs])
            tp = statistics.median(plain_times)
            print(f"{module.name:28s} {size / 1024:6.0f} {funcs:6d} {t1:7.2f} "
                  f"{size / 1e6 / t1:6.2f} {funcs / t1:8.0f} {tn:7.2f} {size / 1e6 / tn:6.2f} "
                  f"{funcs / tn:8.0f} {t1 / tn:7.2f}x {tp:15.2f} {t1 / tp:12.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
