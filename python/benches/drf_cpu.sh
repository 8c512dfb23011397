#!/usr/bin/env bash
# Server CPU of a DRF view with and without token authentication, ours and
# django-cognito-m2m's: gunicorn (1 sync worker) pinned to core 0, wrk pinned to core 1 with
# a valid token; the worker's CPU time from /proc/PID/task/*/schedstat (ns) per route; each protected run between two
# runs of the open route; the ratio is protected CPU per request / open CPU per request
# (median of 9). Usage: drf_cpu.sh <venv> <issuer> <jwks_url> <client> <token>
set -euo pipefail
venv=$1 issuer=$2 jwks=$3 client=$4 token=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=${BENCH_SECONDS:-4}

# CPU time of every thread of the process, in nanoseconds (schedstat's first field).
cpu() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {print s}'; }
run() { # worker url -> CPU nanoseconds per request
    local w=$1 url=$2 before after out reqs
    before=$(cpu "$w")
    out=$(taskset -c 1 wrk -t1 -c4 -d"${secs}s" -H "Authorization: Bearer $token" "$url")
    after=$(cpu "$w")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    python3 -c "print(($after - $before) / max($reqs, 1))"
}

for variant in ours django-cognito-m2m; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$here" && BENCH_VARIANT=$variant BENCH_ISSUER=$issuer BENCH_JWKS_URL=$jwks \
        BENCH_CLIENT=$client taskset -c 0 "$venv/bin/gunicorn" -w 1 -b "127.0.0.1:$port" \
        --log-level warning drf_app:application) &
    master=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/open" >/dev/null 2>&1 && break
        sleep 0.1
    done
    worker=$(pgrep -P "$master" | head -n1)
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/protected")
    [ "$status" = 200 ] || { echo "$variant: /protected answered $status" >&2; kill "$master"; exit 1; }
    run "$worker" "http://127.0.0.1:$port/open" >/dev/null  # warm-up
    ratios=()
    for _ in $(seq 1 "${BENCH_ROUNDS:-9}"); do
        a=$(run "$worker" "http://127.0.0.1:$port/open")
        p=$(run "$worker" "http://127.0.0.1:$port/protected")
        b=$(run "$worker" "http://127.0.0.1:$port/open")
        ratios+=("$(python3 -c "print($p / (($a + $b) / 2))")")
    done
    kill "$master"; wait "$master" 2>/dev/null || true
    python3 -c "import statistics,sys; o=float(sys.argv[1]); r=sorted(map(float,sys.argv[2:])); print('$variant: protected/open server CPU x%.3f (min %.3f, max %.3f over %d rounds); open route %.0f us CPU per request' % (statistics.median(r), r[0], r[-1], len(r), o / 1000))" "$a" "${ratios[@]}"
done
