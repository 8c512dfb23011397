#!/usr/bin/env bash
# Every performance figure of the README, in one go (nothing here is asserted in tests).
#
#   scripts/bench.sh            # all
#   BENCH_QUICK=1 scripts/bench.sh   # shorter runs
#
# 1. Library (criterion, per core): verification of distinct tokens with the verified-token
#    cache off and on, against raw aws-lc-rs RS256 of the same bytes; a reused token; the
#    cached M2M token; the web layer's header parsing and cached authentication; a warm
#    Lambda authorizer invocation; the fleet cache (with Redis: redis-server on the PATH or
#    COGNITO_BENCH_REDIS_URL).
# 2. Auth layer, server only (axum and actix-web): wrk in another process pinned to another
#    core, server CPU time from /proc; and callgrind instruction counts of the server path.
#    Four routes, one handler body: no auth, auth layer, auth layer + guard layer, one auth
#    layer with the guard. Server RSS before and after the load.
# 3. `cognito verify` as a whole process over 20,000 distinct tokens and one token repeated
#    200,000 times, against aws-jwt-verify (Node.js) doing the same job.
#
# Installs what it needs when missing: wrk and valgrind (Debian packages), aws-jwt-verify
# (npm, into .cache/bench-node).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '==> %s\n' "$*" >&2; }
quick=${BENCH_QUICK:-}

need_deb() {
    command -v "$1" >/dev/null 2>&1 && return
    log "installing $2"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get install -y -qq "$2" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$2" >/dev/null
    }
}
need_deb wrk wrk
need_deb valgrind valgrind
need_deb taskset util-linux
node_dir="$root/.cache/bench-node"
if [ ! -d "$node_dir/node_modules/aws-jwt-verify" ]; then
    log "installing aws-jwt-verify into $node_dir"
    mkdir -p "$node_dir"
    (cd "$node_dir" && npm init -y >/dev/null 2>&1 && npm install --silent --no-audit --no-fund aws-jwt-verify@5 >/dev/null)
fi
cp scripts/bench/aws_jwt_verify.js "$node_dir/"

log "building (release)"
cargo build --release --quiet -p cognito-cli -p cognito-auth-testsuite --bins

crit_args=(--warm-up-time 1 --measurement-time 5)
[ -n "$quick" ] && crit_args=(--warm-up-time 1 --measurement-time 2)
log "criterion benches"
cargo bench --quiet -p cognito-auth --bench verify -- "${crit_args[@]}" >target/bench-verify.txt 2>/dev/null
interleaved=$(grep '^interleaved:' target/bench-verify.txt || true)
cargo bench --quiet -p cognito-auth --bench m2m -- "${crit_args[@]}" >/dev/null 2>&1
cargo bench --quiet -p cognito-auth --features web --bench web -- "${crit_args[@]}" >/dev/null 2>&1
cargo bench --quiet -p cognito-auth-lambda --bench authorizer -- "${crit_args[@]}" >/dev/null 2>&1
shared=()
if [ -n "${COGNITO_BENCH_REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1; then
    cargo bench --quiet -p cognito-auth-redis --bench shared -- "${crit_args[@]}" >/dev/null 2>&1
    shared=(shared/cached_token_with_store shared/first_token_from_fleet)
else
    log "no redis-server and no COGNITO_BENCH_REDIS_URL: skipping the fleet cache bench"
fi

echo
echo "## 1. Library, criterion, one core (mean per call)"
python3 scripts/bench/criterion_summary.py target/criterion \
    verify/raw_rsa_verify verify/distinct_tokens verify/distinct_tokens_cache_on \
    verify/reused_token m2m/cached_token web/parse_authorization_header \
    web/authenticate_cached_token lambda_warm_token_invocation "${shared[@]}"
# Against raw RS256 timed just before the full path over the same 32 tokens, pair after
# pair, inside the same criterion run (separate runs drift apart on a shared machine).
printf '%s\n' "$interleaved" | sed 's/^interleaved: /  /'

seconds=1; rounds=15
[ -n "$quick" ] && { seconds=1; rounds=2; }
for fw in axum actix; do
    echo
    echo "## 2. Auth layer, $fw: server only"
    python3 scripts/bench/auth_layer.py cpu "target/release/${fw}_bench_server" --seconds "$seconds" --rounds "$rounds"
    python3 scripts/bench/auth_layer.py callgrind "target/release/${fw}_bench_server"
done

echo
echo "## 3. cognito verify vs aws-jwt-verify"
python3 scripts/bench/cli_batch.py target/release/cognito target/release/mint_tokens "$node_dir" --runs "$([ -n "$quick" ] && echo 3 || echo 5)"
