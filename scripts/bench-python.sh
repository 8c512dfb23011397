#!/usr/bin/env bash
# The Python package's figures of the README (nothing here is asserted in tests):
#
# 1. Verification from Python (python/benches/bench_verify.py): distinct tokens per token,
#    ours against m2m-cognito 0.1.5 on the same tokens and keys; a reused token per call;
#    4 threads against 1 on distinct tokens.
# 2. A DRF view protected by our authentication against the same view unprotected, and the
#    same for django-cognito-m2m 0.3.0: instructions per request of DRF's request path by
#    callgrind (python/benches/drf_instructions.sh), and server CPU under load
#    (python/benches/drf_cpu.sh: gunicorn on one core, wrk on the other, CPU from /proc).
# 3. SRP sign-in as a whole process (python/benches/bench_sign_in.py): interpreter start to
#    tokens against the strict peer on loopback, ours and pycognito 2024.5.1 (boto3).
#
# Builds a release wheel into .cache/venv-bench (with gunicorn) and installs wrk when missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.cache/venv-bench"
log() { printf '==> %s\n' "$*" >&2; }

command -v valgrind >/dev/null 2>&1 || {
    sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_=sudo
    $sudo_ apt-get install -y -qq valgrind >/dev/null 2>&1 || { $sudo_ apt-get update -qq; $sudo_ apt-get install -y -qq valgrind >/dev/null; }
}
command -v wrk >/dev/null 2>&1 || {
    log "installing wrk"
    sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_=sudo
    $sudo_ apt-get install -y -qq wrk >/dev/null 2>&1 || { $sudo_ apt-get update -qq; $sudo_ apt-get install -y -qq wrk >/dev/null; }
}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/python/requirements-test.txt" gunicorn==23.0.0
fi
log "release wheel"
out=$(mktemp -d)
"$venv/bin/maturin" build --release --quiet --locked --interpreter "$venv/bin/python" \
    --manifest-path "$root/crates/cognito-auth-py/Cargo.toml" -o "$out"
"$venv/bin/pip" install --quiet --force-reinstall --no-deps "$out"/cognito_auth-*.whl

log "minting 20,000 distinct tokens"
(cd "$root" && cargo run --quiet --release --locked -p cognito-auth-testsuite --bin mint_tokens 20000 "$out/tokens")
log "verification from Python"
"$venv/bin/python" "$root/python/benches/bench_verify.py" "$out/tokens"
log "DRF server CPU"
"$venv/bin/python" "$root/python/benches/bench_drf.py" "$venv"  # instructions, then server CPU
log "SRP sign-in, process start to tokens"
"$venv/bin/pip" install --quiet --disable-pip-version-check pycognito==2024.5.1 boto3==1.44.8
(cd "$root" && cargo build --quiet --release --locked -p cognito-auth-testsuite --bin user_peer)
"$venv/bin/python" "$root/python/benches/bench_sign_in.py" "$root/target/release/user_peer"
rm -rf "$out"
