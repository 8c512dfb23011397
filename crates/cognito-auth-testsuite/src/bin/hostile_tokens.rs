//! Prints the corpus of malformed and forged tokens ([`cognito_auth_testsuite::hostile`]) as
//! one JSON document, for test suites in other languages (the Python package's):
//! `{"issuer", "jwks", "client", "scope", "cases": [{"name", "token", "kind", "reason"}]}`.
//! The tokens stay valid (apart from what each case breaks) for an hour.

use cognito_auth_testkit::LocalIssuer;
use cognito_auth_testsuite::hostile::{CLIENT, SCOPE, corpus};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let issuer = LocalIssuer::start().await;
    let cases: Vec<_> = corpus(&issuer)
        .into_iter()
        .map(|(name, token, kind, reason)| {
            serde_json::json!({
                "name": name,
                "token": token,
                "kind": kind.as_str(),
                "reason": reason.as_str(),
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "issuer": issuer.issuer(),
            "jwks": issuer.jwks_json(),
            "client": CLIENT,
            "scope": SCOPE,
            "cases": cases,
        })
    );
}
