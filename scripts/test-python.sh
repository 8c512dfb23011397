#!/usr/bin/env bash
# The Python package's tests: builds the wheel from this checkout (maturin, dev profile),
# installs it into .cache/venv-py with the pinned test requirements, then runs pytest on
# python/tests (against the installed wheel, never the source tree) and mypy --strict on the
# package and its examples. scripts/test.sh calls it with the services it started in the
# environment (COGNITO_TEST_REDIS_URL, COGNITO_TEST_DATABASE_URL); run alone, the tests
# that need them are skipped.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$(mktemp -d)}
venv="$root/.cache/venv-py"
req="$root/python/requirements-test.txt"

log() { printf '==> %s\n' "$*" >&2; }

want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$want" ]; then
    log "creating $venv (python/requirements-test.txt)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$venv/.requirements"
fi

log "building the wheel (maturin, dev profile)"
rm -rf "$out/wheels"
"$venv/bin/maturin" build --quiet --locked --interpreter "$venv/bin/python" \
    --manifest-path "$root/crates/cognito-auth-py/Cargo.toml" -o "$out/wheels"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps \
    "$out"/wheels/cognito_auth-*.whl

# The Rust test suite's runners for other languages: the web matrix, the hostile-token
# corpus and the strict user-pool peer.
(cd "$root" && cargo build --quiet --locked -p cognito-auth-testsuite --bin web_matrix \
    --bin hostile_tokens --bin user_peer)
export COGNITO_TEST_BIN_DIR="$root/target/debug"

log "pytest python/tests"
cd "$root/python/tests"
"$venv/bin/python" -m pytest -q -p no:cacheprovider -c "$root/pyproject.toml" --rootdir "$root" \
    "$root/python/tests"

if [ -n "${COGNITO_TEST_DATABASE_URL:-}" ]; then
    log "pytest python/tests/test_django.py on PostgreSQL"
    COGNITO_TEST_DJANGO_DB=postgres "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        -c "$root/pyproject.toml" --rootdir "$root" "$root/python/tests/test_django.py"
fi

log "the Python quick start (python/examples/quickstart.py)"
"$venv/bin/python" "$root/python/examples/quickstart.py" >/dev/null

log "mypy --strict (package and examples)"
cd "$root"
"$venv/bin/python" -m mypy --config-file "$root/pyproject.toml" --no-incremental
