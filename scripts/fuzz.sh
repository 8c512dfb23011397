#!/usr/bin/env bash
# Builds every fuzz target (cargo-fuzz, nightly) and runs each for [seconds] (default 60),
# then prints each target's executions, coverage and features. The committed seeds
# (fuzz/corpus/<target>) are read only; what the fuzzer finds goes to fuzz/work/<target>.
# A crash stops the run with the reproducer under fuzz/artifacts/<target>.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 5          # the CI smoke run
#   FUZZ_JOBS=2 scripts/fuzz.sh 600
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/fuzz"
seconds=${1:-60}
log() { printf '==> %s\n' "$*" >&2; }

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo install --locked --quiet cargo-fuzz
fi
toolchain=${FUZZ_TOOLCHAIN:-nightly}
targets=$(cargo +"$toolchain" fuzz list)
sanitizer=${FUZZ_SANITIZER:-address}
log "building fuzz targets (sanitizer: $sanitizer)"
build_log=$(mktemp)
if ! cargo +"$toolchain" fuzz build -O -s "$sanitizer" >"$build_log" 2>&1; then
    # The whole reason, not the tail of cargo-fuzz's backtrace.
    grep -E -A12 '^(error|warning: build failed|Error:)' "$build_log" | head -n 120 >&2 || true
    tail -n 40 "$build_log" >&2
    df -h . >&2
    rm -f "$build_log"
    log "building the fuzz targets FAILED"
    exit 1
fi
tail -n 1 "$build_log" >&2
rm -f "$build_log"

printf '%-16s %12s %10s %10s %8s\n' target executions exec/s coverage features
total=0
for t in $targets; do
    mkdir -p "work/$t" "corpus/$t"
    out=$(cargo +"$toolchain" fuzz run -O -s "$sanitizer" "$t" "work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1) || {
        printf '%s\n' "$out" | tail -n 40 >&2
        log "fuzz target $t FAILED (see fuzz/artifacts/$t)"
        exit 1
    }
    runs=$(printf '%s\n' "$out" | grep -oE 'stat::number_of_executed_units: *[0-9]+' | grep -oE '[0-9]+$' | tail -n1)
    speed=$(printf '%s\n' "$out" | grep -oE 'stat::average_exec_per_sec: *[0-9]+' | grep -oE '[0-9]+$' | tail -n1)
    cov=$(printf '%s\n' "$out" | grep -oE 'cov: [0-9]+' | tail -n1 | grep -oE '[0-9]+')
    ft=$(printf '%s\n' "$out" | grep -oE 'ft: [0-9]+' | tail -n1 | grep -oE '[0-9]+')
    printf '%-16s %12s %10s %10s %8s\n' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}"
    total=$((total + ${runs:-0}))
done
printf '%-16s %12s\n' total "$total"
