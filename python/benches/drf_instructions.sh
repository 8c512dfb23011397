#!/usr/bin/env bash
# Instructions per request of DRF's request path with and without token authentication
# (ours, and django-cognito-m2m's on m2m-cognito's validator), by callgrind: deterministic,
# whatever else the machine runs. Usage (from bench_drf.py, which exports the issuer's
# BENCH_* variables): drf_instructions.sh <venv> [n]
set -euo pipefail
venv=$1 n=${2:-1000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
count() { # variant view n -> instructions of the whole process
    PYTHONHASHSEED=0 BENCH_VARIANT=$1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
        "$venv/bin/python" "$here/drf_instructions.py" "$1" "$2" "$3" >/dev/null 2>"$tmp/err" \
        || { cat "$tmp/err" >&2; exit 1; }
    grep -E '^(summary|totals):' "$tmp/cg.out" | head -n1 | awk '{print $2}'
}
for variant in ours django-cognito-m2m; do
    base=$(count "$variant" open 0)
    open=$(count "$variant" open "$n")
    prot=$(count "$variant" protected "$n")
    python3 -c "
b, o, p, n = $base, $open, $prot, $n
po, pp = (o - b) / n, (p - b) / n
print('$variant: open %.0f, protected %.0f instructions per request: x%.3f (+%.0f)' % (po, pp, pp / po, pp - po))"
done
rm -rf "$tmp"
