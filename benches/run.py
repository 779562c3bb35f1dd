#!/usr/bin/env python3
"""Benchmark wasmaot-compiled programs against native builds of the same C code.

For every benches/programs/*.c this script builds
  * a native executable:   clang -O2 prog.c -o build/prog.native -lm
  * a wasm32-wasi module:  clang --target=wasm32-wasi --sysroot=/usr -O2 -fuse-ld=lld
  * an AOT executable:     wasmaot build build/prog.wasm -o build/prog.aot
  * the same with SIMD:    the wasm module built again with -msimd128 (clang
                           vectorises at -O2), then wasmaot build -> build/prog.simd.aot
checks that native and AOT outputs are identical, then times the variants
interleaved and reports the median wall time per variant, the ratios to native and
the geometric means of the ratios.  It also measures process start-up time with
tests/fixtures/hello.c.

Only the Python standard library is used.
"""

import argparse
import difflib
import math
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PROGRAMS_DIR = BENCH_DIR / "programs"
BUILD_DIR = BENCH_DIR / "build"
HELLO_SRC = REPO_ROOT / "tests" / "fixtures" / "hello.c"
WASI_CALLS_SRC = BENCH_DIR / "wasi_calls.c"

RUN_TIMEOUT = 600  # seconds, per single run


class BenchError(Exception):
    pass


def log(msg=""):
    print(msg, flush=True)


def run_checked(cmd, what):
    """Run a build command; raise BenchError with its output if it fails."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=RUN_TIMEOUT)
    except FileNotFoundError:
        raise BenchError(f"{what}: command not found: {cmd[0]}")
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: timed out: {' '.join(map(str, cmd))}")
    if proc.returncode != 0:
        out = proc.stdout.decode(errors="replace")
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n"
                         f"  $ {' '.join(map(str, cmd))}\n{out}")


class Program:
    """A benchmark program: its C sources and the flags its native and wasm builds need."""

    def __init__(self, name, sources, flags=(), native_flags=(), wasm_flags=()):
        self.name = name
        self.sources = [Path(src) for src in sources]
        self.flags = list(flags)
        self.native_flags = list(native_flags)
        self.wasm_flags = list(wasm_flags)


REAL_DIR = BENCH_DIR / "real"
SJLJ_RT = REPO_ROOT / "tests" / "fixtures" / "sjlj_rt"
ZLIB_FILES = ["adler32", "compress", "crc32", "deflate", "inffast", "inflate", "inftrees",
              "trees", "uncompr", "zutil"]
# Lua's os, io and package libraries (and linit.c, which opens them) are left out: the
# benchmark opens base, string, table and math itself.
LUA_LEFT_OUT = {"loslib.c", "liolib.c", "loadlib.c", "linit.c"}
COREMARK_FILES = ["core_list_join", "core_main", "core_matrix", "core_state", "core_util"]
SQLITE_FLAGS = ["-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION", "-DSQLITE_TEMP_STORE=3"]
# wasi-libc lacks mmap, getpid, signals and process clocks unless emulated.
WASI_EMULATED = ["mman", "getpid", "signal", "process-clocks"]


def real_programs():
    """Real programs vendored in real/ (each with its licence), with their drivers."""
    lua = sorted(p for p in (REAL_DIR / "lua").glob("*.c") if p.name not in LUA_LEFT_OUT)
    return [
        Program("zlib", [REAL_DIR / "zlib_bench.c"] +
                [REAL_DIR / "zlib" / f"{f}.c" for f in ZLIB_FILES],
                flags=[f"-I{REAL_DIR / 'zlib'}"]),
        Program("lua", [REAL_DIR / "lua_bench.c"] + lua,
                flags=[f"-I{REAL_DIR / 'lua'}"],
                wasm_flags=["-D_WASI_EMULATED_SIGNAL", "-lwasi-emulated-signal",
                            "-mllvm", "-wasm-enable-sjlj", f"-I{SJLJ_RT}",
                            str(SJLJ_RT / "sjlj_rt.c")]),
        Program("coremark", [REAL_DIR / "coremark_bench.c", REAL_DIR / "coremark_port" /
                             "core_portme.c"] +
                [REAL_DIR / "coremark" / f"{f}.c" for f in COREMARK_FILES],
                flags=[f"-I{REAL_DIR / 'coremark'}", f"-I{REAL_DIR / 'coremark_port'}",
                       "-Dmain=coremark_main"]),
        Program("sqlite", [REAL_DIR / "sqlite_bench.c", REAL_DIR / "sqlite" / "sqlite3.c"],
                flags=[f"-I{REAL_DIR / 'sqlite'}", *SQLITE_FLAGS],
                wasm_flags=["-DLONGDOUBLE_TYPE=double"] +
                [f"-D_WASI_EMULATED_{e.upper().replace('-', '_')}" for e in WASI_EMULATED] +
                [f"-lwasi-emulated-{e}" for e in WASI_EMULATED]),
    ]


def as_program(src):
    if isinstance(src, Program):
        return src
    return Program(Path(src).stem, [src])


REBUILD = False  # set by --rebuild


def up_to_date(out, program):
    """The output exists and is newer than its sources and this script (builds of the large
    real programs take a minute); a build is redone otherwise, or always with --rebuild (after
    changing --clang or --sysroot)."""
    if REBUILD or not out.exists():
        return False
    newest = max(p.stat().st_mtime for p in program.sources + [Path(__file__)])
    return out.stat().st_mtime > newest


def build_native(clang, src, out):
    program = as_program(src)
    if up_to_date(out, program):
        return
    run_checked([clang, "-O2", *program.flags, *program.native_flags,
                 *map(str, program.sources), "-o", str(out), "-lm"],
                f"native build of {program.name}")


def build_wasm(clang, sysroot, src, out, simd=False):
    program = as_program(src)
    if up_to_date(out, program):
        return
    flags = ["-msimd128"] if simd else []
    run_checked([clang, "--target=wasm32-wasi", f"--sysroot={sysroot}", "-O2",
                 "-fuse-ld=lld", *flags, *program.flags, *program.wasm_flags,
                 *map(str, program.sources), "-o", str(out)],
                f"wasm build of {program.name}")


def build_aot(wasmaot, wasm, out, flags=()):
    start = time.perf_counter()
    run_checked([wasmaot, "build", *flags, str(wasm), "-o", str(out)],
                f"wasmaot build of {wasm.name}")
    return time.perf_counter() - start


def capture(exe, args):
    try:
        proc = subprocess.run([str(exe)] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{exe} timed out after {RUN_TIMEOUT} s")
    return proc.returncode, proc.stdout, proc.stderr


def check_same_output(name, native, aot, args):
    n_rc, n_out, n_err = capture(native, args)
    if n_rc != 0:
        raise BenchError(f"{name}: native run exited with {n_rc}:\n"
                         f"{n_err.decode(errors='replace')}")
    if aot is None:
        return n_out
    a_rc, a_out, a_err = capture(aot, args)
    problems = []
    if a_rc != n_rc:
        problems.append(f"exit status differs: native {n_rc}, wasmaot {a_rc}")
    if a_out != n_out:
        diff = difflib.unified_diff(
            n_out.decode(errors="replace").splitlines(keepends=True),
            a_out.decode(errors="replace").splitlines(keepends=True),
            fromfile=f"{name} (native)", tofile=f"{name} (wasmaot)")
        problems.append("stdout differs:\n" + "".join(diff))
    if problems:
        err = a_err.decode(errors="replace").strip()
        if err:
            problems.append("wasmaot stderr:\n" + err)
        raise BenchError(f"{name}: OUTPUT MISMATCH\n" + "\n".join(problems))
    return n_out


class RunTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise RunTimeout()


def run_timed(exe, args):
    """Run `exe` with its output discarded: its exit status and wall time in seconds.

    The wait blocks in waitpid, so the time ends when the process does. (`subprocess.run` with
    a timeout polls instead, sleeping 1, 2, 4 ... up to 50 ms between polls: every time was
    rounded up, by up to 50 ms for a long run and to 3 or 7 ms for a start-up of 1.5 or 3 ms.)
    The timeout is an alarm signal.
    """
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(RUN_TIMEOUT)
    try:
        start = time.perf_counter()
        proc = subprocess.Popen([str(exe)] + args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            rc = proc.wait()
        except RunTimeout:
            proc.kill()
            proc.wait()
            raise BenchError(f"{exe} timed out after {RUN_TIMEOUT} s")
        elapsed = time.perf_counter() - start
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return rc, elapsed


def time_once(exe, args):
    rc, elapsed = run_timed(exe, args)
    if rc != 0:
        raise BenchError(f"{exe} exited with {rc} during timing")
    return elapsed


def geomean(values):
    values = [v for v in values if v > 0]
    if not values:
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def print_table(rows, native_only, baseline):
    headers = ["program", "native s"] + ([] if native_only else
                                         ["wasmaot s", "ratio", "wasmaot+simd s", "ratio"])
    if baseline:
        headers += [f"{baseline} s", "ratio"]
    table = []
    for name, nat, aot, simd, base in rows:
        line = [name, f"{nat:.3f}"]
        if not native_only:
            line += [f"{aot:.3f}", fmt_ratio(aot / nat if nat > 0 else None),
                     f"{simd:.3f}", fmt_ratio(simd / nat if nat > 0 else None)]
        if baseline:
            line += [f"{base:.3f}", fmt_ratio(base / nat if nat > 0 else None)]
        table.append(line)
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]

    def fmt(cells):
        return " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                          for i, (c, w) in enumerate(zip(cells, widths)))

    log(fmt(headers))
    log("-+-".join("-" * w for w in widths))
    for line in table:
        log(fmt(line))
    if not native_only:
        ratios = [aot / nat for _, nat, aot, _, _ in rows if nat > 0]
        simd_ratios = [simd / nat for _, nat, _, simd, _ in rows if nat > 0]
        log("")
        log(f"geometric mean of ratios (wasmaot / native): {geomean(ratios):.3f}x")
        log(f"geometric mean of ratios (wasmaot+simd / native): {geomean(simd_ratios):.3f}x")
    if baseline:
        base_ratios = [base / nat for _, nat, _, _, base in rows if nat > 0]
        log(f"geometric mean of ratios ({baseline} / native): {geomean(base_ratios):.3f}x")


def bench_programs(args, programs):
    rows = []
    for src in programs:
        name = src.name
        native = BUILD_DIR / f"{name}.native"
        wasm = BUILD_DIR / f"{name}.wasm"
        simd_wasm = BUILD_DIR / f"{name}.simd.wasm"
        aot = BUILD_DIR / f"{name}.aot"
        simd_aot = BUILD_DIR / f"{name}.simd.aot"
        build_native(args.clang, src, native)
        build_wasm(args.clang, args.sysroot, src, wasm)
        build_wasm(args.clang, args.sysroot, src, simd_wasm, simd=True)
        msg = f"built {name}: native, wasm ({wasm.stat().st_size} bytes)"
        if not args.native_only:
            compile_s = build_aot(args.wasmaot, wasm, aot)
            build_aot(args.wasmaot, simd_wasm, simd_aot)
            msg += f", aot ({aot.stat().st_size} bytes, wasmaot took {compile_s:.2f} s)"
            if args.baseline is not None:
                base_s = build_aot(args.baseline_wasmaot or args.wasmaot, wasm,
                                   BUILD_DIR / f"{name}.base.aot", shlex.split(args.baseline))
                msg += f", {args.baseline_label} ({base_s:.2f} s)"
        log(msg)

    prog_args = [] if args.scale is None else [str(args.scale)]
    log("")
    log("checking outputs ...")
    for src in programs:
        name = src.name
        native = BUILD_DIR / f"{name}.native"
        suffixes = [] if args.native_only else [".aot", ".simd.aot"]
        if args.baseline is not None and not args.native_only:
            suffixes.append(".base.aot")
        for suffix in suffixes or [None]:
            aot = None if suffix is None else BUILD_DIR / f"{name}{suffix}"
            out = check_same_output(name, native, aot, prog_args)
        first = out.decode(errors="replace").splitlines()[:1]
        log(f"  {name}: {'ok' if not args.native_only else 'native ran'}"
            f"  ({first[0] if first else ''})")

    log("")
    log(f"timing ({args.runs} runs per variant, interleaved, median) ...")
    for src in programs:
        name = src.name
        variants = [BUILD_DIR / f"{name}.native"]
        if not args.native_only:
            variants += [BUILD_DIR / f"{name}.aot", BUILD_DIR / f"{name}.simd.aot"]
            if args.baseline is not None:
                variants.append(BUILD_DIR / f"{name}.base.aot")
        times = [[] for _ in variants]
        for _ in range(args.runs):
            for exe, samples in zip(variants, times):
                samples.append(time_once(exe, prog_args))
        medians = [statistics.median(t) for t in times] + [None, None, None]
        nat, a, simd, base = medians[0], medians[1], medians[2], medians[3]
        log(f"  {name}: native {nat:.3f} s" + ("" if a is None else
                                               f", wasmaot {a:.3f} s, +simd {simd:.3f} s")
            + ("" if base is None else f", {args.baseline_label} {base:.3f} s"))
        rows.append((name, nat, a, simd, base))
    log("")
    print_table(rows, args.native_only, None if args.native_only else args.baseline_label)


def bench_startup(args):
    if not HELLO_SRC.exists():
        raise BenchError(f"missing {HELLO_SRC}")
    native = BUILD_DIR / "hello.native"
    wasm = BUILD_DIR / "hello.wasm"
    aot = BUILD_DIR / "hello.aot"
    build_native(args.clang, HELLO_SRC, native)
    build_wasm(args.clang, args.sysroot, HELLO_SRC, wasm)
    variants = [("native", native)]
    if not args.native_only:
        build_aot(args.wasmaot, wasm, aot)
        variants.append(("wasmaot", aot))
        if args.baseline is not None:
            base = BUILD_DIR / "hello.base.aot"
            build_aot(args.baseline_wasmaot or args.wasmaot, wasm, base,
                      shlex.split(args.baseline))
            variants.append((args.baseline_label, base))

    for label, exe in variants:
        rc, out, err = capture(exe, [])
        if rc != 0 or out != b"hello, world\n":
            raise BenchError(f"start-up check: {label} hello printed {out!r} (exit {rc})\n"
                             f"{err.decode(errors='replace')}")

    total = args.startup_runs
    batch = max(1, min(args.startup_batch, total))
    totals = {label: 0.0 for label, _ in variants}
    counts = {label: 0 for label, _ in variants}
    # warm-up so the page cache and dynamic loader caches are hot
    for _, exe in variants:
        for _ in range(5):
            time_once(exe, [])
    done = 0
    while done < total:
        n = min(batch, total - done)
        for label, exe in variants:
            for _ in range(n):
                rc, elapsed = run_timed(exe, [])
                if rc != 0:
                    raise BenchError(f"start-up run of {exe} exited with {rc}")
                totals[label] += elapsed
            counts[label] += n
        done += n

    log("")
    log(f"start-up (hello, {total} runs per variant, interleaved in batches of {batch}):")
    means = {label: totals[label] / counts[label] for label in totals}
    for label, mean in means.items():
        ratio = f" ({mean / means['native']:.2f}x)" if means["native"] > 0 else ""
        log(f"  {label:8s} {mean * 1000:8.3f} ms per start{ratio}")


def wasi_calls_once(exe, env, scale):
    """One run of wasi_calls in a fresh empty directory: {operation: ns per call}."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="wasi_calls.") as work:
        proc = subprocess.run([str(exe), str(scale)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=work,
                              env=env, timeout=RUN_TIMEOUT)
    if proc.returncode != 0:
        raise BenchError(f"{exe} exited with {proc.returncode}:\n"
                         f"{proc.stderr.decode(errors='replace')}")
    result = {}
    for line in proc.stdout.decode().splitlines():
        name, ns, _unit = line.rsplit(None, 2)
        result[name] = float(ns)
    return result


def bench_wasi_calls(args):
    native = BUILD_DIR / "wasi_calls.native"
    wasm = BUILD_DIR / "wasi_calls.wasm"
    aot = BUILD_DIR / "wasi_calls.aot"
    build_native(args.clang, WASI_CALLS_SRC, native)
    build_wasm(args.clang, args.sysroot, WASI_CALLS_SRC, wasm)
    build_aot(args.wasmaot, wasm, aot)
    env = dict(os.environ, WASMAOT_OPTS="--dir .::.")
    samples = {"native": [], "wasmaot": []}
    for _ in range(args.runs):
        samples["native"].append(wasi_calls_once(native, env, args.wasi_scale))
        samples["wasmaot"].append(wasi_calls_once(aot, env, args.wasi_scale))
    log("")
    log(f"WASI calls (benches/wasi_calls.c, median of {args.runs} interleaved runs, "
        f"ns per call; the same libc call natively and through the sandbox):")
    log(f"  {'operation':28s} {'native':>9s} {'wasmaot':>9s} {'ratio':>7s}")
    ratios = []
    for name in samples["native"][0]:
        n = statistics.median(run[name] for run in samples["native"])
        w = statistics.median(run[name] for run in samples["wasmaot"])
        ratio = w / n if n > 0 else float("inf")
        ratios.append(ratio)
        log(f"  {name:28s} {n:9.0f} {w:9.0f} {fmt_ratio(ratio):>7s}")
    log(f"  {'geomean':28s} {'':9s} {'':9s} {fmt_ratio(geomean(ratios)):>7s}")


def baseline_label(flags, other_binary):
    """The baseline column's name: its flags, with "before" for another binary; "baseline"
    when it is this binary with no flags (the same executables: a measure of the noise).

    >>> baseline_label("--no-inline", None), baseline_label("", "/tmp/old/wasmaot")
    ('--no-inline', 'before')
    >>> baseline_label("-O1", "/tmp/old/wasmaot"), baseline_label("", None)
    ('before -O1', 'baseline')
    """
    parts = ["before" if other_binary else "", flags or ""]
    return " ".join(part for part in parts if part) or "baseline"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wasmaot", default=str(REPO_ROOT / "target" / "release" / "wasmaot"),
                    help="path to the wasmaot binary (default: <repo>/target/release/wasmaot)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per variant (default 5)")
    ap.add_argument("--clang", default="clang-19", help="clang to use (default clang-19)")
    ap.add_argument("--sysroot", default="/usr", help="wasi sysroot (default /usr)")
    ap.add_argument("--native-only", action="store_true",
                    help="skip wasmaot; only build/run the native and wasm variants")
    ap.add_argument("--scale", type=float, default=None,
                    help="scale factor passed as argv[1] to every program (default: none)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only this program (may be repeated)")
    ap.add_argument("--startup-runs", type=int, default=300,
                    help="hello runs per variant for the start-up measurement (default 300)")
    ap.add_argument("--startup-batch", type=int, default=25,
                    help="runs per batch when interleaving start-up runs (default 25)")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up measurement")
    ap.add_argument("--baseline", metavar="FLAGS", default=None,
                    help="also build every program with these wasmaot flags (as --no-inline) "
                         "and time it in the same runs, as one more column; with no flags "
                         "(--baseline '') the column runs the same executables again, which "
                         "shows how far this machine's noise moves a ratio")
    ap.add_argument("--baseline-wasmaot", metavar="PATH", default=None,
                    help="build the baseline column with this wasmaot binary (another "
                         "release, for before and after); --baseline gives its flags, if any")
    ap.add_argument("--rebuild", action="store_true",
                    help="build the native and wasm programs even when they look up to date")
    ap.add_argument("--no-real", action="store_true",
                    help="skip the real programs of real/ (zlib, Lua, CoreMark, SQLite)")
    ap.add_argument("--no-wasi-calls", action="store_true",
                    help="skip the WASI call measurement (benches/wasi_calls.c)")
    ap.add_argument("--wasi-scale", type=float, default=1.0,
                    help="scale of the WASI call measurement (default 1.0)")
    ap.add_argument("--wasi-calls-only", action="store_true",
                    help="only the WASI call measurement")
    args = ap.parse_args()
    if args.baseline_wasmaot and args.baseline is None:
        args.baseline = ""
    args.baseline_label = (None if args.baseline is None
                           else baseline_label(args.baseline, args.baseline_wasmaot))
    global REBUILD
    REBUILD = args.rebuild

    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.startup_runs < 1:
        ap.error("--startup-runs must be at least 1")
    if shutil.which(args.clang) is None and not os.path.exists(args.clang):
        log(f"error: clang not found: {args.clang}")
        return 2
    if not args.native_only:
        wasmaot = Path(args.wasmaot)
        if not (wasmaot.is_file() and os.access(wasmaot, os.X_OK)):
            log(f"error: wasmaot binary not found or not executable: {wasmaot}\n"
                f"       build it with `cargo build --release`, pass --wasmaot PATH,\n"
                f"       or use --native-only")
            return 2
        args.wasmaot = str(wasmaot.resolve())

    programs = [as_program(p) for p in sorted(PROGRAMS_DIR.glob("*.c"))]
    if not args.no_real:
        programs += real_programs()
    if args.only:
        wanted = set(args.only)
        unknown = wanted - {p.name for p in programs}
        if unknown:
            log(f"error: unknown program(s): {', '.join(sorted(unknown))}")
            return 2
        programs = [p for p in programs if p.name in wanted]
    if not programs:
        log(f"error: no programs found in {PROGRAMS_DIR}")
        return 2

    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    try:
        if not args.wasi_calls_only:
            bench_programs(args, programs)
            if not args.no_startup:
                bench_startup(args)
        if not (args.no_wasi_calls or args.native_only):
            bench_wasi_calls(args)
    except BenchError as e:
        log("")
        log(f"FAILED: {e}")
        return 1
    except subprocess.TimeoutExpired as e:
        log("")
        log(f"FAILED: timed out: {e.cmd}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
