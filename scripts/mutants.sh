#!/usr/bin/env bash
# Mutation testing (cargo-mutants) of the decision code: each module is mutated and the
# tests that own it are run against every mutant. Prints, per module, how many mutants were
# caught, missed (a test gap), unviable (did not build) and timed out, and fails if any is
# missed. Equivalent mutants are excluded in .cargo/mutants.toml, each with its reason.
#
#   scripts/mutants.sh              # every module below (hours on 2 cores)
#   scripts/mutants.sh guard jwks   # some of them
#
# MUTANTS_ARGS adds cargo-mutants options, e.g. MUTANTS_ARGS="--in-place --baseline=skip
# --timeout 300" in a throwaway clone that has built once (no copy, no baseline per module).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '==> %s\n' "$*" >&2; }

if ! command -v cargo-mutants >/dev/null 2>&1; then
    log "installing cargo-mutants"
    cargo install --locked --quiet cargo-mutants
fi

# name | file | packages whose tests run (empty: the core's) | those tests | optional regex of
# functions to mutate
modules=(
    "guard|crates/cognito-auth/src/web/guard.rs|cognito-auth,cognito-auth-axum|--test web --test matrix --test deployment|"
    "header|crates/cognito-auth/src/web/header.rs|cognito-auth,cognito-auth-axum|--lib --test web --test matrix|"
    "policy|crates/cognito-auth/src/verify/policy.rs||--test verify --test security_edges --test operability|"
    "claims|crates/cognito-auth/src/verify/claims.rs||--test verify --test bad_input --test security_edges --test operability|"
    "verifier|crates/cognito-auth/src/verify/mod.rs||--test verify --test bad_input --test security_edges --test operability --test web|"
    "jwks|crates/cognito-auth/src/jwks/mod.rs||--test verify --test security_edges --test operability --test jwks_log|"
    "jose|crates/cognito-auth/src/verify/jose.rs||--test verify --test bad_input --test security_edges|"
    "base64url|crates/cognito-auth/src/base64url.rs||--lib --test bad_input --test verify|"
    "m2m-source|crates/cognito-auth/src/m2m/source.rs||--test m2m|"
    "bearer-tower|crates/cognito-auth/src/bearer/tower.rs||--test m2m|"
    "bearer-reqwest|crates/cognito-auth/src/bearer/reqwest_mw.rs||--test m2m|"
    "srp-checks|crates/cognito-auth/src/srp.rs||--lib --test srp_vectors --test srp_zeroize --test user_recorded|check_challenge|secret_block_bytes|hex_decode|is_hex|pad_hex|claim_signature|with_private_bytes"
)

wanted=" $* "
summary=()
missed_total=0
for m in "${modules[@]}"; do
    IFS='|' read -r name file packages tests re <<<"$m"
    if [ -n "$*" ] && [[ "$wanted" != *" $name "* ]]; then
        continue
    fi
    out="$root/mutants.out/$name"
    rm -rf "$out"
    mkdir -p "$out"
    log "mutating $file ($name)"
    args=(mutants --no-shuffle --profile mutants -p cognito-auth --all-features -f "$file" -o "$out")
    # shellcheck disable=SC2206
    args+=(${MUTANTS_ARGS:-})
    if [ -n "$packages" ]; then
        # cargo-mutants runs the baseline with the mutated package's tests only, where the
        # named tests of the other packages do not exist: no baseline, fixed timeouts.
        args+=(--test-package "$packages")
        if [[ " ${MUTANTS_ARGS:-} " != *" --baseline"* ]]; then
            args+=(--baseline=skip)
        fi
        if [[ " ${MUTANTS_ARGS:-} " != *" --timeout "* ]]; then
            args+=(--timeout 300 --build-timeout 1800)
        fi
    fi
    if [ -n "$re" ]; then
        args+=(--re "$re")
    fi
    # Exit status 2 means "some mutants were missed": summarised below.
    # shellcheck disable=SC2086
    cargo "${args[@]}" -- $tests >&2 || true
    dir="$out/mutants.out"
    count() {
        local n
        n=$(grep -c . "$dir/$1.txt" 2>/dev/null) || true
        echo "${n:-0}"
    }
    caught=$(count caught)
    missed=$(count missed)
    unviable=$(count unviable)
    timeout=$(count timeout)
    viable=$((caught + missed + timeout))
    score="n/a"
    if [ "$viable" -gt 0 ]; then score="$(( (caught + timeout) * 100 / viable ))%"; fi
    summary+=("$(printf '%-16s %7s %7s %9s %8s %7s' "$name" "$caught" "$missed" "$unviable" "$timeout" "$score")")
    missed_total=$((missed_total + missed))
    if [ "$missed" -gt 0 ]; then
        log "missed in $name:"
        cat "$dir/missed.txt" >&2
    fi
done
printf '%-16s %7s %7s %9s %8s %7s\n' module caught missed unviable timeout score
printf '%s\n' "${summary[@]}"
[ "$missed_total" -eq 0 ]
