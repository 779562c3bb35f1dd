#!/usr/bin/env python3
"""Where the instructions go: a benchmark program's native build and its `wasmaot build`
executable, function by function, counted by valgrind (callgrind).

    python3 benches/profile.py sqlite            # one program of programs/ or real/
    python3 benches/profile.py lua --top 30 --wasmaot-flag=-O1

Instruction counts do not move with the machine's load, unlike times: two builds compared this
way differ only where their code differs. For each program this prints

  * the instructions each build executes, their ratio, and the calls each makes;
  * the share of instructions that load or store a stack slot (x86-64: an operand relative to
    %rsp, or a push or pop): the register allocator's spills and reloads, and the saving and
    restoring of callee-saved registers;
  * the functions with the most instructions in the wasmaot build next to the native function
    of the same name (wasm names end in `.wasmN`, which is left out), with the ratio of the two
    and each one's stack traffic. A native function missing from the table was inlined
    differently, or is the C library's (`memcpy`, `malloc`...): the guest's wasi-libc is
    compiled to wasm, the native one is the system's.
  * the executables' own instructions by kind (stack slot loads and stores, pushes and pops,
    register copies, 32-bit `lea`s, calls and returns, the rest) in both builds, and each
    kind's part of the difference between them: where the extra instructions are.

The executables are built as `run.py` builds them (same sources and flags, in build/); the
wasmaot one for `--target-cpu x86-64-v3`, because valgrind does not run AVX-512 code.
x86-64 Linux only. Needs valgrind and objdump.
"""

import argparse
import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

import run  # the builds of run.py, same directory

VALGRIND_CPU = "x86-64-v3"
WASM_SUFFIX = re.compile(r"\.wasm\d+$")
RECURSION_SUFFIX = re.compile(r"'\d+$")
RSP_OPERAND = re.compile(r"(?:-?0x[0-9a-f]+)?\(%rsp\)")


class Profile:
    """Self instruction counts per function and per instruction address of one run."""

    def __init__(self):
        self.by_function = collections.Counter()
        # Instructions per object file (the executable, shared libraries, the loader).
        self.by_object = collections.Counter()
        # Per (object file, address in that file).
        self.by_address = collections.Counter()
        self.calls = 0
        self.total = 0


def parse_position(token, current):
    """A callgrind position: absolute (0x...), relative (+n / -n) or the same (*)."""
    if token == "*":
        return current
    if token[0] == "+":
        return current + int(token[1:], 0)
    if token[0] == "-":
        return current - int(token[1:], 0)
    return int(token, 0)


def parse_callgrind(path):
    """Read a callgrind output written with --dump-instr=yes (positions: instr line)."""
    profile = Profile()
    names = {}
    objects = {}
    function = obj = None
    address = line = 0
    after_calls = False
    with open(path) as f:
        for text in f:
            head = text[:1]
            if head in "0123456789+-*":
                fields = text.split()
                address = parse_position(fields[0], address)
                line = parse_position(fields[1], line)
                if after_calls:
                    # The inclusive cost of the call on the line before: not this function's.
                    after_calls = False
                    continue
                cost = int(fields[2]) if len(fields) > 2 else 0
                profile.by_function[(obj, function)] += cost
                profile.by_object[obj] += cost
                profile.by_address[(obj, address)] += cost
                profile.total += cost
            elif text.startswith("ob="):
                obj = compressed_name(text[3:].strip(), objects)
            elif text.startswith("cob="):
                compressed_name(text[4:].strip(), objects)
            elif text.startswith("fn="):
                # Recursion deeper than one level is counted under `name'2` and so on.
                function = RECURSION_SUFFIX.sub("", compressed_name(text[3:].strip(), names))
            elif text.startswith("calls="):
                profile.calls += int(text[6:].split()[0])
                after_calls = True
            elif text.startswith(("cfn=", "cfi=", "cfl=", "cob=")):
                key, _, value = text.partition("=")
                if key == "cfn":
                    compressed_name(value.strip(), names)
    return profile


def compressed_name(value, names):
    """Callgrind names a function `(id) name` the first time and `(id)` afterwards."""
    match = re.match(r"\((\d+)\)\s*(.*)", value)
    if not match:
        return value
    ident, name = match.groups()
    if name:
        names[ident] = name
    return names.get(ident, value)


# The kinds of instruction `instruction_mix` counts, in the order they are printed: moves from
# and to stack slots (the register allocator's reloads and spills, and the restores and saves
# of callee-saved registers in wasmaot's code), pushes and pops (those saves natively, the
# frame pointer in wasmaot's code), moves between registers, `lea`s into 32-bit registers
# (wasm32 address arithmetic, modulo 2^32), calls and returns, and everything else.
KINDS = ["stack slot loads", "stack slot stores", "push / pop", "register copies", "32-bit lea",
         "calls, returns", "other"]
REGISTER = re.compile(r"%[a-z0-9]+")


def kind_of(mnemonic, operands):
    """The kind (one of `KINDS`) of an x86-64 instruction, in objdump's AT&T syntax.

    >>> kind_of("mov", "0x48(%rsp),%rax"), kind_of("mov", "%rbx,0x10(%rsp)")
    ('stack slot loads', 'stack slot stores')
    >>> kind_of("vmovsd", "%xmm1,(%rsp)"), kind_of("push", "%rbp")
    ('stack slot stores', 'push / pop')
    >>> kind_of("mov", "%rdi,%r12"), kind_of("mov", "%edx,%ebx"), kind_of("movzbl", "%al,%eax")
    ('register copies', 'register copies', 'other')
    >>> kind_of("lea", "-0x8(%r13),%ecx"), kind_of("lea", "(%r15,%r12,1),%r8d")
    ('32-bit lea', '32-bit lea')
    >>> kind_of("lea", "0x20(%rsp),%rsi"), kind_of("mov", "0x60000010(%rbx),%eax")
    ('other', 'other')
    >>> kind_of("mov", "(%rsp,%rax,8),%rax"), kind_of("call", "*%r10")
    ('other', 'calls, returns')
    """
    if mnemonic.startswith(("push", "pop")):
        return "push / pop"
    if mnemonic.startswith(("call", "ret")):
        return "calls, returns"
    source, _, destination = operands.rpartition(",")
    if mnemonic.startswith("lea"):
        return "32-bit lea" if re.fullmatch(r"%(e[a-z]+|r\d+d)", destination) else "other"
    if mnemonic.startswith(("mov", "vmov")) and source:
        if RSP_OPERAND.search(destination):
            return "stack slot stores"
        if RSP_OPERAND.search(source):
            return "stack slot loads"
        if mnemonic == "mov" and REGISTER.fullmatch(source) and REGISTER.fullmatch(destination):
            return "register copies"
    return "other"


def instruction_mix(binary, profile):
    """The instructions the executable `binary` itself executed, by function and kind:
    `(stack traffic per function, instructions per kind)`."""
    counts = {address: count for (obj, address), count in profile.by_address.items()
              if obj is not None and Path(obj).resolve() == binary.resolve()}
    disassembly = subprocess.run(["objdump", "-d", "-C", "--no-show-raw-insn", str(binary)],
                                 capture_output=True, text=True, check=True).stdout
    per_function = collections.Counter()
    per_kind = collections.Counter()
    function = None
    for text in disassembly.splitlines():
        match = re.match(r"^[0-9a-f]+ <(.*)>:$", text)
        if match:
            function = match.group(1)
            continue
        match = re.match(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$", text)
        if not match:
            continue
        count = counts.get(int(match.group(1), 16), 0)
        if not count:
            continue
        mnemonic, operands = match.group(2), match.group(3).split("#")[0].strip()
        per_kind[kind_of(mnemonic, operands)] += count
        slot = RSP_OPERAND.search(operands) and not mnemonic.startswith("lea")
        if slot or mnemonic.startswith(("push", "pop")):
            per_function[function] += count
    return per_function, per_kind


def report_mix(native_kinds, aot_kinds, native_elsewhere):
    """The instructions of each kind in both builds' own code, and each kind's part of the
    difference; `native_elsewhere` is what the native build runs in shared libraries."""
    gap = sum(aot_kinds.values()) - sum(native_kinds.values())
    print(f"  {'instructions by kind':24} {'wasmaot':>14} {'native':>14} {'difference':>14} "
          f"{'of the gap':>10}")
    for kind in KINDS:
        ours, theirs = aot_kinds.get(kind, 0), native_kinds.get(kind, 0)
        print(f"  {kind:24} {ours:14,} {theirs:14,} {ours - theirs:+14,} "
              f"{share(ours - theirs, gap):>10}")
    print(f"  (the executables' own code only: the native build runs {native_elsewhere:,} more "
          f"in shared libraries, its C library, where wasmaot's runs the guest's wasi-libc)")
    print()


def callgrind(exe, out):
    cmd = ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out}",
           str(exe)]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise run.BenchError(f"{exe} under valgrind failed (exit {proc.returncode}):\n"
                             f"{proc.stderr[-2000:]}")
    return parse_callgrind(out)


def find_program(name):
    for program in run.real_programs():
        if program.name == name:
            return program
    source = run.PROGRAMS_DIR / f"{name}.c"
    if source.exists():
        return run.as_program(source)
    known = [p.stem for p in sorted(run.PROGRAMS_DIR.glob("*.c"))]
    known += [p.name for p in run.real_programs()]
    raise run.BenchError(f"no program named {name!r} (known: {', '.join(known)})")


def share(part, whole):
    return f"{100 * part / whole:4.1f}%" if whole else "   - "


def own(profile, exe):
    """Instructions per function of the executable `exe` itself."""
    mine = collections.Counter()
    for (obj, function), count in profile.by_function.items():
        if function is not None and obj is not None and Path(obj).resolve() == exe.resolve():
            mine[function] += count
    return mine


def report(name, native_exe, aot_exe, native, aot, native_stack, aot_stack, top):
    print(f"{name}: instructions native {native.total:,}, wasmaot {aot.total:,} "
          f"({aot.total / native.total:.2f}x); calls {native.calls:,} / {aot.calls:,}")
    native_by_name = own(native, native_exe)
    native_own = sum(native_by_name.values())
    aot_by_name = own(aot, aot_exe)
    aot_own = sum(aot_by_name.values())
    print(f"  in the executable itself: native {share(native_own, native.total)}, wasmaot "
          f"{share(aot_own, aot.total)}; the rest is shared libraries (the native C library) "
          f"and the loader")
    print(f"  stack traffic (slot loads and stores, pushes, pops) in the executable's own "
          f"instructions: native {share(sum(native_stack.values()), native_own)}, "
          f"wasmaot {share(sum(aot_stack.values()), aot_own)}")
    print()
    header = (f"  {'function':38} {'wasmaot':>14} {'share':>6} {'native':>14} {'ratio':>6} "
              f"{'stack':>6} {'native stack':>12}")
    print(header)
    for function, count in aot_by_name.most_common(top):
        plain = WASM_SUFFIX.sub("", function)
        theirs = native_by_name.get(plain)
        ratio = f"{count / theirs:5.2f}x" if theirs else "     -"
        theirs_text = f"{theirs:14,}" if theirs else f"{'-':>14}"
        their_stack = share(native_stack.get(plain, 0), theirs) if theirs else "   - "
        print(f"  {plain[:38]:38} {count:14,} {share(count, aot.total):>6} {theirs_text} "
              f"{ratio:>6} {share(aot_stack.get(function, 0), count):>6} {their_stack:>12}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("program", nargs="+", help="a program of programs/ or real/ (by name)")
    ap.add_argument("--wasmaot", default=str(run.REPO_ROOT / "target" / "release" / "wasmaot"))
    ap.add_argument("--wasmaot-flag", action="append", default=[], metavar="FLAG",
                    help="a flag for `wasmaot build` (repeatable), e.g. --wasmaot-flag=-O1")
    ap.add_argument("--clang", default="clang-19")
    ap.add_argument("--sysroot", default="/usr")
    ap.add_argument("--top", type=int, default=20, help="functions listed (default 20)")
    args = ap.parse_args()
    for tool in ("valgrind", "objdump"):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found (Debian: apt install {tool})", file=sys.stderr)
            return 1
    if not Path(args.wasmaot).exists():
        print(f"error: {args.wasmaot} not found (cargo build --release -p wasmaot)",
              file=sys.stderr)
        return 1
    run.BUILD_DIR.mkdir(exist_ok=True)
    try:
        for name in args.program:
            program = find_program(name)
            native_exe = run.BUILD_DIR / f"{name}.native"
            wasm = run.BUILD_DIR / f"{name}.wasm"
            aot_exe = run.BUILD_DIR / f"{name}.profile.aot"
            run.build_native(args.clang, program, native_exe)
            run.build_wasm(args.clang, args.sysroot, program, wasm)
            run.build_aot(args.wasmaot, wasm, aot_exe,
                          ["--target-cpu", VALGRIND_CPU, *args.wasmaot_flag])
            native = callgrind(native_exe, run.BUILD_DIR / f"{name}.native.callgrind")
            aot = callgrind(aot_exe, run.BUILD_DIR / f"{name}.aot.callgrind")
            native_stack, native_kinds = instruction_mix(native_exe, native)
            aot_stack, aot_kinds = instruction_mix(aot_exe, aot)
            report(name, native_exe, aot_exe, native, aot, native_stack, aot_stack, args.top)
            print()
            report_mix(native_kinds, aot_kinds, native.total - sum(native_kinds.values()))
            print()
    except run.BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
