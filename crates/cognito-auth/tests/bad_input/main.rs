//! A corpus of malformed and malicious tokens, each rejected with the expected kind and reason,
//! plus property tests: random bytes and mutated valid tokens never panic and never pass.

use std::sync::OnceLock;

use cognito_auth::verify::{ErrorKind, Reason, TokenUse, Verifier};
use cognito_auth_testkit::{LocalIssuer, TokenBuilder};
use futures_util::FutureExt;
use proptest::prelude::*;

struct Fixture {
    issuer: LocalIssuer,
    verifier: Verifier,
    valid: Vec<String>,
}

/// One issuer on its own thread; an offline-keys verifier (so fuzzing needs no network).
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let issuer = LocalIssuer::builder().start_blocking();
        let verifier = Verifier::builder()
            .issuer(issuer.issuer())
            .jwks_json(issuer.jwks_json())
            .token_use(TokenUse::Access)
            .allowed_clients(["good-client"])
            .required_scopes(["api/read"])
            .build()
            .unwrap();
        let valid = (0..4)
            .map(|i| {
                issuer
                    .access_token()
                    .client_id("good-client")
                    .scopes(["api/read"])
                    .groups(["g"])
                    .claim("n", i)
                    .sign()
            })
            .collect();
        Fixture {
            issuer,
            verifier,
            valid,
        }
    })
}

fn verify(token: &str) -> Result<(), (ErrorKind, Reason)> {
    // Offline keys: the future completes without waiting.
    fixture()
        .verifier
        .verify(token)
        .now_or_never()
        .expect("offline verification never waits")
        .map(|_| ())
        .map_err(|e| (e.kind(), e.reason()))
}

fn good() -> TokenBuilder {
    fixture()
        .issuer
        .access_token()
        .client_id("good-client")
        .scopes(["api/read"])
}

mod checks;
