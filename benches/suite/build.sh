#!/usr/bin/env bash
# Rebuild the benchmark suite: every benches/programs/*.c to wasm32-wasi (committed here), and
# to a native executable for comparison (benches/suite/native/, not committed). The suite's
# default size is DEFAULT_SCALE below: small enough for an interpreter to finish in seconds.
# Needs clang-19, lld-19 and wasi-libc (the sysroot).
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
SYSROOT=${WASI_SYSROOT:-/usr}
SCALE=${DEFAULT_SCALE:-0.05}
mkdir -p native
for src in ../programs/*.c; do
    name=$(basename "$src" .c)
    "$CLANG" --target=wasm32-wasi --sysroot="$SYSROOT" -O2 -fuse-ld=lld -DDEFAULT_SCALE="$SCALE" \
        "$src" -o "$name.wasm"
    "$CLANG" -O2 -DDEFAULT_SCALE="$SCALE" "$src" -o "native/$name" -lm
    echo "built $name.wasm and native/$name"
done
