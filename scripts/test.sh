#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine.
#
# Installs what the tests need if it is missing (moto's Cognito emulator into .cache/venv-moto,
# PostgreSQL, Redis (with redis-cli, for a test cluster) and libfaketime from Debian's
# packages), starts them on 127.0.0.1 with free ports, runs
# `cargo test --workspace --all-features`, then builds the Python wheel and runs its tests
# (scripts/test-python.sh), and stops the servers by PID on exit.
# Extra arguments are passed to `cargo test` (e.g. `scripts/test.sh -p cognito-auth`).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="$root/.cache"
mkdir -p "$cache"
work=$(mktemp -d)
pg_dir=""
moto_pid=""
pg_pid=""
redis_pid=""

log() { printf '==> %s\n' "$*" >&2; }

cleanup() {
    status=$?
    if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; fi
    if [ -n "$pg_pid" ]; then kill -INT "$pg_pid" 2>/dev/null || true; fi
    if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do
        alive=0
        for p in $moto_pid $pg_pid $redis_pid; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in $moto_pid $pg_pid $redis_pid; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
    if [ -n "$pg_dir" ]; then rm -rf "$pg_dir"; fi
    exit "$status"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# --- moto (Cognito user pools and identity pools emulator) -------------------------------------
venv="$cache/venv-moto"
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("moto") != "5.2.5")' 2>/dev/null; then
    log "installing moto 5.2.5 into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server,cognitoidp,cognitoidentity]==5.2.5'
fi
log "starting moto on 127.0.0.1"
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true "$venv/bin/moto_server" -H 127.0.0.1 -p 0 >"$work/moto.log" 2>&1 &
moto_pid=$!
moto_url=""
for _ in $(seq 1 300); do
    moto_url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/moto.log" | head -n1 || true)
    [ -n "$moto_url" ] && break
    kill -0 "$moto_pid" 2>/dev/null || { cat "$work/moto.log" >&2; log "moto failed to start"; exit 1; }
    sleep 0.1
done
[ -n "$moto_url" ] || { cat "$work/moto.log" >&2; log "moto did not report its port"; exit 1; }
log "moto at $moto_url (pid $moto_pid)"

# --- PostgreSQL -----------------------------------------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    log "installing PostgreSQL (Debian package)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
pg_dir=$(mktemp -d)
pg_port=$(free_port)
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$pg_dir"
    run_pg() { runuser -u postgres -- "$@"; }
else
    run_pg() { "$@"; }
fi
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log" >&2; exit 1; }
log "starting PostgreSQL on 127.0.0.1:$pg_port"
run_pg "$pg_bin/postgres" -D "$pg_dir/data" -h 127.0.0.1 -p "$pg_port" -k "$pg_dir" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$work/pg.log" 2>&1 &
for _ in $(seq 1 300); do
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        pg_pid=$(head -n1 "$pg_dir/data/postmaster.pid")
        if run_pg "$pg_bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q 2>/dev/null; then break; fi
    fi
    sleep 0.1
done
run_pg "$pg_bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q || { cat "$work/pg.log" >&2; log "PostgreSQL did not start"; exit 1; }
log "PostgreSQL at 127.0.0.1:$pg_port (pid $pg_pid)"

# --- Redis --------------------------------------------------------------------------------
redis_bin=$(command -v redis-server || true)
if [ -z "$redis_bin" ]; then
    log "installing Redis (Debian package)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 || {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    }
    redis_bin=$(command -v redis-server)
fi
redis_port=$(free_port)
log "starting Redis on 127.0.0.1:$redis_port"
"$redis_bin" --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do
    python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', $redis_port), 0.2); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(16).startswith(b'+PONG') else 1)" 2>/dev/null && break
    kill -0 "$redis_pid" 2>/dev/null || { cat "$work/redis.log" >&2; log "Redis failed to start"; exit 1; }
    sleep 0.1
done
log "Redis at 127.0.0.1:$redis_port (pid $redis_pid)"

# --- libfaketime (a fleet process whose wall clock runs fast) -------------------------------
faketime_lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n1 || true)
if [ -z "$faketime_lib" ]; then
    log "installing libfaketime (Debian package)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null 2>&1 || {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null
    }
    faketime_lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 | head -n1)
fi
export COGNITO_TEST_FAKETIME_LIB="$faketime_lib"

export COGNITO_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
export COGNITO_TEST_REDIS_SERVER="$redis_bin"
export COGNITO_TEST_MOTO_URL="$moto_url"
export COGNITO_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
export COGNITO_TEST_REQUIRE_SERVICES=1

cd "$root"
log "cargo test --workspace --all-features $*"
cargo test --workspace --all-features --locked "$@"

# --- the Python package (python/, crates/cognito-auth-py) ------------------------------------
# Extra arguments select Rust tests only: the Python suite runs on a full run.
if [ "$#" -eq 0 ]; then
    "$root/scripts/test-python.sh" "$work"
fi
