#!/usr/bin/env bash
# Builds every benchmark program of benches/suite for aarch64 Linux with `wasmaot build
# --target aarch64-unknown-linux-gnu`, runs it under qemu-aarch64 and compares its output
# and exit status with the x86-64 native build's (benches/suite/native), at a small scale.
# Usage: benches/aarch64_outputs.sh [WASMAOT] [SCALE]   (needs what .ci/aarch64 needs)
set -euo pipefail
cd "$(dirname "$0")/.."
wasmaot="${1:-target/release/wasmaot}"
scale="${2:-1}"
export QEMU_LD_PREFIX="${QEMU_LD_PREFIX:-/usr/aarch64-linux-gnu}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for wasm in benches/suite/*.wasm; do
    name="$(basename "$wasm" .wasm)"
    native="benches/suite/native/$name"
    [ -x "$native" ] || continue
    "$wasmaot" build --target aarch64-unknown-linux-gnu "$wasm" -o "$work/$name"
    set +e
    "$native" "$scale" > "$work/$name.native" 2>&1; native_rc=$?
    qemu-aarch64 "$work/$name" "$scale" > "$work/$name.arm64" 2>&1; arm_rc=$?
    set -e
    if [ "$native_rc" = "$arm_rc" ] && cmp -s "$work/$name.native" "$work/$name.arm64"; then
        echo "$name: same output ($(wc -c < "$work/$name.native") bytes), exit $arm_rc"
    else
        echo "$name: DIFFERENT (exit $native_rc native, $arm_rc aarch64)"
        diff "$work/$name.native" "$work/$name.arm64" | head -5
        status=1
    fi
done
exit $status
