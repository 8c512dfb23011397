#!/usr/bin/env bash
# cargo-deny: advisories, bans, licences and sources of every dependency (deny.toml).
#
# These machines cannot fetch the RustSec advisory database from its git host. Where
# ../shared/advisory-db holds a snapshot (plain files), it is turned into the local git
# database cargo-deny reads, and every check runs offline. Where it is absent, this says so
# and runs every check but the advisories one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '==> %s\n' "$*" >&2; }

# Every crate of every target: cargo-deny resolves them all offline (a fresh cache has none).
cargo fetch --locked --quiet

if ! command -v cargo-deny >/dev/null 2>&1; then
    log "installing cargo-deny"
    cargo install --locked --quiet cargo-deny
fi

snapshot="$root/../shared/advisory-db"
# cargo-deny's directory for https://github.com/rustsec/advisory-db under db-path (deny.toml).
db="$root/target/advisory-dbs/advisory-db-3157b0e258782691"
if [ -d "$snapshot/crates" ]; then
    stamp=$(cat "$snapshot/SNAPSHOT.txt" 2>/dev/null || echo "unknown snapshot")
    if [ ! -f "$db/.snapshot" ] || [ "$(cat "$db/.snapshot")" != "$stamp" ]; then
        log "preparing the advisory database from $snapshot"
        rm -rf "$db"
        mkdir -p "$db"
        cp -R "$snapshot/." "$db/"
        # The snapshot's own date (cargo-deny reads the database's age from git).
        date=$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$snapshot/SNAPSHOT.txt" | head -n1 || true)
        date=${date:-1970-01-01}
        (
            cd "$db"
            git init -q
            git add -A
            GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z" \
                git -c user.name=snapshot -c user.email=snapshot@localhost \
                commit -q -m "RustSec advisory-db snapshot: $stamp"
        )
        echo "$stamp" >"$db/.snapshot"
    fi
    log "cargo deny (offline, advisory snapshot: $stamp)"
    cargo deny --offline --locked check advisories bans licenses sources
else
    log "no advisory snapshot at $snapshot: skipping the advisory check (bans, licences and sources still run)"
    cargo deny --offline --locked check bans licenses sources
fi
