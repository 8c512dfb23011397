//! A corpus of malformed and malicious tokens, each rejected with the expected kind and reason,
//! plus property tests: random bytes and mutated valid tokens never panic and never pass.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cognito_auth::verify::{ErrorKind, Reason, TokenUse, Verifier};
use cognito_auth_testkit::{LocalIssuer, Signing, TokenBuilder, now};
use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::json;

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

fn seg(json: &str) -> String {
    B64.encode(json)
}

fn header_ok() -> String {
    let kid = fixture().issuer.current_key().kid().to_owned();
    json!({"kid": kid, "alg": "RS256"}).to_string()
}

fn claims_ok() -> serde_json::Value {
    let n = now();
    json!({
        "sub": "good-client", "token_use": "access", "scope": "api/read", "auth_time": n,
        "iss": fixture().issuer.issuer(), "exp": n + 600, "iat": n, "version": 2,
        "jti": "j", "client_id": "good-client"
    })
}

fn with_claim(name: &str, value: serde_json::Value) -> String {
    let mut c = claims_ok();
    c[name] = value;
    c.to_string()
}

fn without_claim(name: &str) -> String {
    let mut c = claims_ok();
    c.as_object_mut().unwrap().remove(name);
    c.to_string()
}

/// Signed correctly with the published key, over arbitrary header and payload text.
fn signed(header: &str, payload: &str) -> String {
    TokenBuilder::sign_raw(header, payload, &fixture().issuer.current_key())
}

fn good() -> TokenBuilder {
    fixture()
        .issuer
        .access_token()
        .client_id("good-client")
        .scopes(["api/read"])
}

fn flip_char(s: &str, idx: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[idx] = if b[idx] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

/// The same bytes with the unused low bits of the last base64 character set: a second spelling
/// that strict decoders must refuse.
fn non_canonical(b64: &str) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    assert_eq!(
        b64.len() % 4,
        2,
        "256-byte signatures end with 2 meaningful bits"
    );
    let last = *b64.as_bytes().last().unwrap();
    let v = ALPHA.iter().position(|&c| c == last).unwrap();
    let mut out = b64[..b64.len() - 1].to_owned();
    out.push(ALPHA[v | 1] as char);
    out
}

use ErrorKind::{Forbidden as F, NotAuthenticated as N};
use Reason as R;

mod checks;
mod corpus;
