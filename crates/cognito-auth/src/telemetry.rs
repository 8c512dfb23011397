//! What the library tells operators: `tracing` events and spans at the decision points, and
//! (feature `metrics`) counters and histograms through the `metrics` facade. Nothing here ever
//! carries a secret or a whole token: tokens appear as a short fingerprint at most.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `cognito_auth_verifications_total` | counter | `outcome` (`accepted`, `rejected`), `reason` (a `Reason` code, or `ok`) |
//! | `cognito_auth_token_cache_lookups_total` | counter | `result` (`hit`, `miss`) |
//! | `cognito_auth_token_cache_entries` | gauge | — (entries at the latest lookup) |
//! | `cognito_auth_jwks_fetches_total` | counter | `result` (`ok`, `error`) |
//! | `cognito_auth_jwks_fetch_seconds` | histogram | `result` |
//! | `cognito_auth_m2m_token_requests_total` | counter | `result` (`ok`, `error`): every request here is billed by AWS |
//! | `cognito_auth_m2m_token_request_seconds` | histogram | `result` |
//! | `cognito_auth_m2m_shared_cache_total` | counter | `result` (`hit`: the fleet's token; `fetched`: this process fetched for the fleet; `store_error`: the store failed, fetched alone; `waited_too_long`) |
//! | `cognito_auth_web_decisions_total` | counter | `stage` (`authenticate`: the auth layer; `guard`: a route guard or typed extractor), `status` (`passed`, `anonymous`, `401`, `403`, `500`, `503`) |
//!
//! Tracing targets: `cognito_auth::verify`, `cognito_auth::jwks`, `cognito_auth::m2m`,
//! `cognito_auth::user`, `cognito_auth::hosted_ui`, `cognito_auth::identity`,
//! `cognito_auth::refresh`, `cognito_auth::web`.

#![cfg_attr(not(feature = "metrics"), allow(unused_variables))]

use std::time::Duration;

/// A short, stable fingerprint of a token for logs: the first 8 bytes of its SHA-256, in hex.
/// Enough to correlate log lines about one token; useless to replay it.
pub(crate) fn fingerprint(token: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    crate::hex::lower(&d.as_ref()[..8])
}

/// One verification's outcome.
#[inline]
pub(crate) fn verification(accepted: bool, reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "cognito_auth_verifications_total",
        "outcome" => if accepted { "accepted" } else { "rejected" },
        "reason" => reason
    )
    .increment(1);
}

/// A lookup in the verified-token cache (`entries` is only counted with metrics on).
#[inline]
pub(crate) fn token_cache(hit: bool, entries: impl FnOnce() -> usize) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!(
            "cognito_auth_token_cache_lookups_total",
            "result" => if hit { "hit" } else { "miss" }
        )
        .increment(1);
        metrics::gauge!("cognito_auth_token_cache_entries").set(entries() as f64);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (hit, entries);
}

/// A JWKS fetch and how long it took.
pub(crate) fn jwks_fetch(ok: bool, took: Duration) {
    #[cfg(feature = "metrics")]
    {
        let result = if ok { "ok" } else { "error" };
        metrics::counter!("cognito_auth_jwks_fetches_total", "result" => result).increment(1);
        metrics::histogram!("cognito_auth_jwks_fetch_seconds", "result" => result)
            .record(took.as_secs_f64());
    }
}

/// One request to a token endpoint for client credentials (a billed request).
pub(crate) fn m2m_request(ok: bool, took: Duration) {
    #[cfg(feature = "metrics")]
    {
        let result = if ok { "ok" } else { "error" };
        metrics::counter!("cognito_auth_m2m_token_requests_total", "result" => result).increment(1);
        metrics::histogram!("cognito_auth_m2m_token_request_seconds", "result" => result)
            .record(took.as_secs_f64());
    }
}

/// A use of the fleet's shared M2M token cache.
pub(crate) fn shared_cache(result: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("cognito_auth_m2m_shared_cache_total", "result" => result).increment(1);
}

/// A web authentication or guard decision.
#[cfg(feature = "web")]
#[inline]
pub(crate) fn web_decision(stage: &'static str, status: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("cognito_auth_web_decisions_total", "stage" => stage, "status" => status)
        .increment(1);
}
