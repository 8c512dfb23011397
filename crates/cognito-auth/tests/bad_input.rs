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

fn corpus() -> Vec<(&'static str, String, ErrorKind, Reason)> {
    let f = fixture();
    let kid = f.issuer.current_key().kid().to_owned();
    let valid = good().sign();
    let parts: Vec<&str> = valid.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let attacker = f.issuer.other_key();
    let attacker_jwk = attacker.jwk();
    let (n_bytes, _) = f.issuer.current_key().public_components();
    let deep = "[".repeat(100) + &"]".repeat(100);
    vec![
        ("empty", String::new(), N, R::Malformed),
        ("one segment", "abc".into(), N, R::Malformed),
        ("two segments", format!("{h}.{p}"), N, R::Malformed),
        ("four segments", format!("{valid}.x"), N, R::Malformed),
        ("empty header", format!(".{p}.{s}"), N, R::Malformed),
        ("empty payload", format!("{h}..{s}"), N, R::Malformed),
        ("empty signature", format!("{h}.{p}."), N, R::Malformed),
        ("only dots", "..".into(), N, R::Malformed),
        (
            "header not base64",
            format!("!!!.{p}.{s}"),
            N,
            R::InvalidBase64,
        ),
        (
            "padded base64",
            format!("{h}=.{p}.{s}"),
            N,
            R::InvalidBase64,
        ),
        (
            "standard base64 alphabet",
            format!("{}.{p}.{s}", h.replace('-', "+").replace('_', "/") + "+/"),
            N,
            R::InvalidBase64,
        ),
        ("leading space", format!(" {valid}"), N, R::InvalidBase64),
        (
            "signature not base64",
            format!("{h}.{p}.***"),
            N,
            R::InvalidBase64,
        ),
        (
            "payload not base64",
            format!("{h}.%%%.{s}"),
            N,
            R::InvalidBase64,
        ),
        (
            "header not JSON",
            format!("{}.{p}.{s}", seg("hello")),
            N,
            R::InvalidJson,
        ),
        (
            "header JSON array",
            format!("{}.{p}.{s}", seg("[1,2]")),
            N,
            R::InvalidJson,
        ),
        (
            "header trailing garbage",
            format!("{}.{p}.{s}", seg(&format!("{}x", header_ok()))),
            N,
            R::InvalidJson,
        ),
        (
            "header invalid UTF-8",
            format!("{}.{p}.{s}", B64.encode([0x7b, 0xff, 0xfe, 0x7d])),
            N,
            R::InvalidJson,
        ),
        (
            "header alg number",
            format!(
                "{}.{p}.{s}",
                seg(&format!(r#"{{"kid":"{kid}","alg":256}}"#))
            ),
            N,
            R::InvalidJson,
        ),
        (
            "header duplicate alg",
            format!(
                "{}.{p}.{s}",
                seg(&format!(r#"{{"kid":"{kid}","alg":"none","alg":"RS256"}}"#))
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "header duplicate kid",
            format!(
                "{}.{p}.{s}",
                seg(&format!(r#"{{"kid":"{kid}","alg":"RS256","kid":"x"}}"#))
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "alg none",
            good().signing(Signing::None).sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg None (case)",
            format!(
                "{}.{p}.{s}",
                seg(&format!(r#"{{"kid":"{kid}","alg":"None"}}"#))
            ),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg HS256 with public key as secret",
            good().signing(Signing::Hs256(n_bytes.clone())).sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg ES256",
            good().signing(Signing::Es256).sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg RS512",
            good().header("alg", "RS512").sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg PS256",
            good().header("alg", "PS256").sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg lowercase rs256",
            good().header("alg", "rs256").sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "alg missing",
            good().without_header("alg").sign(),
            N,
            R::UnsupportedAlgorithm,
        ),
        (
            "kid missing",
            good().without_header("kid").sign(),
            N,
            R::MissingKid,
        ),
        (
            "crit header",
            good()
                .header("crit", json!(["exp"]))
                .header("exp", 1)
                .sign(),
            N,
            R::UnsupportedCriticalHeader,
        ),
        (
            "unknown kid",
            good().kid("not-a-key").sign(),
            N,
            R::UnknownKid,
        ),
        (
            "jku to attacker, attacker kid",
            good()
                .signing(Signing::Rs256(attacker.clone()))
                .header("jku", "https://evil/jwks.json")
                .sign(),
            N,
            R::UnknownKid,
        ),
        (
            "embedded jwk, attacker kid",
            good()
                .signing(Signing::Rs256(attacker.clone()))
                .header("jwk", attacker_jwk.clone())
                .sign(),
            N,
            R::UnknownKid,
        ),
        (
            "embedded jwk, real kid",
            good()
                .signing(Signing::Rs256(attacker.with_kid(&kid)))
                .header("jwk", attacker_jwk.clone())
                .sign(),
            N,
            R::InvalidSignature,
        ),
        (
            "x5u and x5c, real kid",
            good()
                .signing(Signing::Rs256(attacker.with_kid(&kid)))
                .header("x5u", "https://evil/cert.pem")
                .header("x5c", json!(["MIIB"]))
                .sign(),
            N,
            R::InvalidSignature,
        ),
        (
            "other key, real kid",
            good()
                .signing(Signing::Rs256(attacker.with_kid(&kid)))
                .sign(),
            N,
            R::InvalidSignature,
        ),
        (
            "signature truncated",
            format!("{h}.{p}.{}", B64.encode(&B64.decode(s).unwrap()[..255])),
            N,
            R::InvalidSignature,
        ),
        (
            "signature non-canonical base64",
            format!("{h}.{p}.{}", non_canonical(s)),
            N,
            R::InvalidBase64,
        ),
        (
            "signature one char changed",
            format!("{h}.{p}.{}", flip_char(s, 10)),
            N,
            R::InvalidSignature,
        ),
        (
            "signature of another token",
            format!(
                "{h}.{p}.{}",
                good().claim("n", 99).sign().split('.').nth(2).unwrap()
            ),
            N,
            R::InvalidSignature,
        ),
        (
            "signature zero bytes",
            good().signing(Signing::RawSignature(vec![0; 256])).sign(),
            N,
            R::InvalidSignature,
        ),
        (
            "signature too long",
            good().signing(Signing::RawSignature(vec![1; 512])).sign(),
            N,
            R::InvalidSignature,
        ),
        (
            "payload swapped after signing",
            format!(
                "{h}.{}.{s}",
                seg(&with_claim("scope", json!("api/read api/admin")))
            ),
            N,
            R::InvalidSignature,
        ),
        (
            "payload not JSON",
            signed(&header_ok(), "not json"),
            N,
            R::InvalidJson,
        ),
        (
            "payload JSON null",
            signed(&header_ok(), "null"),
            N,
            R::InvalidJson,
        ),
        (
            "payload JSON string",
            signed(&header_ok(), "\"eyJ\""),
            N,
            R::InvalidJson,
        ),
        (
            "payload deeply nested",
            signed(&header_ok(), &format!(r#"{{"x":{deep}}}"#)),
            N,
            R::InvalidJson,
        ),
        (
            "payload duplicate scope",
            signed(
                &header_ok(),
                &claims_ok()
                    .to_string()
                    .replacen('{', r#"{"scope":"api/admin","#, 1),
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "payload duplicate exp",
            signed(
                &header_ok(),
                &claims_ok()
                    .to_string()
                    .replacen('{', r#"{"exp":99999999999,"#, 1),
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "payload escaped duplicate",
            signed(
                &header_ok(),
                &claims_ok()
                    .to_string()
                    .replacen('{', r#"{"\u0073cope":"api/admin","#, 1),
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "payload nested duplicate",
            signed(
                &header_ok(),
                &with_claim("ext", json!({})).replace(r#""ext":{}"#, r#""ext":{"a":1,"a":2}"#),
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "exp missing",
            signed(&header_ok(), &without_claim("exp")),
            N,
            R::MissingClaim,
        ),
        (
            "exp string",
            signed(&header_ok(), &with_claim("exp", json!("9999999999"))),
            N,
            R::InvalidClaim,
        ),
        (
            "exp negative",
            signed(&header_ok(), &with_claim("exp", json!(-1))),
            N,
            R::InvalidClaim,
        ),
        (
            "exp huge",
            signed(&header_ok(), &with_claim("exp", json!(1e300))),
            N,
            R::InvalidClaim,
        ),
        (
            "exp null",
            signed(&header_ok(), &with_claim("exp", json!(null))),
            N,
            R::InvalidClaim,
        ),
        ("expired", good().expired().sign(), N, R::Expired),
        (
            "nbf in the future",
            good().claim("nbf", now() + 3600).sign(),
            N,
            R::NotYetValid,
        ),
        (
            "iat in the future",
            good().claim("iat", now() + 3600).sign(),
            N,
            R::IssuedInFuture,
        ),
        (
            "iss missing",
            signed(&header_ok(), &without_claim("iss")),
            N,
            R::MissingClaim,
        ),
        (
            "iss wrong",
            good()
                .issuer("https://cognito-idp.us-east-1.amazonaws.com/other")
                .sign(),
            N,
            R::WrongIssuer,
        ),
        (
            "iss with trailing slash",
            good()
                .issuer(&format!("{}/", fixture().issuer.issuer()))
                .sign(),
            N,
            R::WrongIssuer,
        ),
        (
            "iss number",
            signed(&header_ok(), &with_claim("iss", json!(1))),
            N,
            R::InvalidClaim,
        ),
        (
            "token_use missing",
            signed(&header_ok(), &without_claim("token_use")),
            N,
            R::MissingClaim,
        ),
        (
            "token_use id",
            signed(&header_ok(), &with_claim("token_use", json!("id"))),
            N,
            R::WrongTokenUse,
        ),
        (
            "token_use refresh",
            signed(&header_ok(), &with_claim("token_use", json!("refresh"))),
            N,
            R::InvalidClaim,
        ),
        (
            "token_use array",
            signed(&header_ok(), &with_claim("token_use", json!(["access"]))),
            N,
            R::InvalidClaim,
        ),
        (
            "client_id missing",
            signed(&header_ok(), &without_claim("client_id")),
            N,
            R::MissingClaim,
        ),
        (
            "client_id number",
            signed(&header_ok(), &with_claim("client_id", json!(7))),
            N,
            R::InvalidClaim,
        ),
        (
            "sub missing",
            signed(&header_ok(), &without_claim("sub")),
            N,
            R::MissingClaim,
        ),
        (
            "scope array",
            signed(&header_ok(), &with_claim("scope", json!(["api/read"]))),
            N,
            R::InvalidClaim,
        ),
        (
            "scope with tab",
            signed(
                &header_ok(),
                &with_claim("scope", json!("api/read\tapi/admin")),
            ),
            N,
            R::InvalidClaim,
        ),
        (
            "scope with quote",
            signed(&header_ok(), &with_claim("scope", json!("api/read \"x\""))),
            N,
            R::InvalidClaim,
        ),
        (
            "groups string",
            signed(&header_ok(), &with_claim("cognito:groups", json!("admins"))),
            N,
            R::InvalidClaim,
        ),
        (
            "groups of numbers",
            signed(&header_ok(), &with_claim("cognito:groups", json!([1, 2]))),
            N,
            R::InvalidClaim,
        ),
        (
            "aud object",
            signed(&header_ok(), &with_claim("aud", json!({"a": 1}))),
            N,
            R::InvalidClaim,
        ),
        (
            "too large",
            format!("{h}.{}.{s}", "A".repeat(17 * 1024)),
            N,
            R::TokenTooLarge,
        ),
        (
            "client not allowed",
            good().client_id("evil-client").sign(),
            F,
            R::ClientNotAllowed,
        ),
        (
            "scope missing",
            good().scopes(["api/write"]).sign(),
            F,
            R::InsufficientScope,
        ),
        (
            "scope claim absent",
            signed(&header_ok(), &without_claim("scope")),
            F,
            R::InsufficientScope,
        ),
    ]
}

#[test]
fn corpus_is_rejected_with_expected_reasons() {
    let cases = corpus();
    assert!(cases.len() >= 40, "corpus has {} cases", cases.len());
    // The corpus must not pass by accident: the base token is accepted.
    assert_eq!(verify(&good().sign()), Ok(()));
    let mut failures = Vec::new();
    for (name, token, kind, reason) in &cases {
        match verify(token) {
            Err((k, r)) if k == *kind && r == *reason => {}
            other => failures.push(format!(
                "{name}: expected {kind:?}/{reason:?}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_reason_code_is_snake_case_and_unique() {
    let mut seen = std::collections::HashSet::new();
    for r in Reason::ALL {
        let s = r.as_str();
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{s}"
        );
        assert!(seen.insert(s), "duplicate {s}");
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, String),
    Truncate(usize),
    SwapSegments,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1usize..20).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), "[A-Za-z0-9_\\-.=+/ ]{1,8}").prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<usize>().prop_map(Mutation::Truncate),
        Just(Mutation::SwapSegments),
    ]
}

fn apply(token: &str, m: &Mutation) -> String {
    let mut b = token.as_bytes().to_vec();
    let len = b.len();
    if len == 0 {
        return match m {
            Mutation::Insert(_, s) => s.clone(),
            _ => String::new(),
        };
    }
    match m {
        Mutation::Flip(i, x) => {
            let i = i % len;
            const ALPHA: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
            b[i] = ALPHA[*x as usize % ALPHA.len()];
        }
        Mutation::Delete(i, n) => {
            let i = i % len;
            let end = (i + n).min(len);
            b.drain(i..end);
        }
        Mutation::Insert(i, s) => {
            let i = i % (len + 1);
            b.splice(i..i, s.bytes());
        }
        Mutation::Truncate(i) => b.truncate(i % len),
        Mutation::SwapSegments => {
            let mut parts: Vec<&str> = token.split('.').collect();
            if parts.len() >= 2 {
                parts.swap(0, 1);
            }
            return parts.join(".");
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_never_pass(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let s = String::from_utf8_lossy(&bytes);
        prop_assert!(verify(&s).is_err());
    }

    #[test]
    fn random_token_shaped_strings_never_pass(s in "[A-Za-z0-9_\\-]{0,300}\\.[A-Za-z0-9_\\-]{0,600}\\.[A-Za-z0-9_\\-]{0,400}") {
        prop_assert!(verify(&s).is_err());
    }

    #[test]
    fn mutated_valid_tokens_are_never_accepted(which in 0usize..4, muts in proptest::collection::vec(mutation(), 1..4)) {
        let original = &fixture().valid[which];
        let mut t = original.clone();
        for m in &muts {
            t = apply(&t, m);
        }
        if &t != original {
            prop_assert!(verify(&t).is_err(), "mutated token accepted: {:?}", muts);
        }
    }
}
