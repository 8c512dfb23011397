//! The corpus of malformed and forged tokens, each with the reason it must be rejected for:
//! the core's bad-input tests and the Python package's tests (through the `hostile_tokens`
//! binary) run the same cases.
//!
//! The verifier the reasons assume: the issuer's keys, `token_use = access`, allowed client
//! [`CLIENT`], required scope [`SCOPE`] (see [`verifier`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cognito_auth::verify::{ErrorKind, Reason, TokenUse, Verifier};
use cognito_auth_testkit::{LocalIssuer, Signing, TokenBuilder, now};
use serde_json::json;

use ErrorKind::{Forbidden as F, NotAuthenticated as N};
use Reason as R;

/// The app client the corpus's verifier allows.
pub const CLIENT: &str = "good-client";
/// The scope the corpus's verifier requires.
pub const SCOPE: &str = "api/read";

/// One case: name, token, expected kind and reason.
pub type Case = (&'static str, String, ErrorKind, Reason);

/// The verifier every case is judged by (offline keys: it never waits).
pub fn verifier(issuer: &LocalIssuer) -> Verifier {
    Verifier::builder()
        .issuer(issuer.issuer())
        .jwks_json(issuer.jwks_json())
        .token_use(TokenUse::Access)
        .allowed_clients([CLIENT])
        .required_scopes([SCOPE])
        .build()
        .expect("the corpus verifier builds")
}

fn flip_char(s: &str, idx: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[idx] = if b[idx] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).expect("ASCII")
}

/// The same bytes with the unused low bits of the last base64 character set: a second spelling
/// that strict decoders must refuse.
fn non_canonical(b64: &str) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *b64.as_bytes().last().expect("not empty");
    let v = ALPHA.iter().position(|&c| c == last).expect("base64url");
    let mut out = b64[..b64.len() - 1].to_owned();
    out.push(ALPHA[v | 1] as char);
    out
}

/// Every case, built from tokens of `issuer`.
pub fn corpus(issuer: &LocalIssuer) -> Vec<Case> {
    let seg = |json: &str| B64.encode(json);
    let header_ok = || json!({"kid": issuer.current_key().kid(), "alg": "RS256"}).to_string();
    let claims_ok = || {
        let n = now();
        json!({
            "sub": CLIENT, "token_use": "access", "scope": SCOPE, "auth_time": n,
            "iss": issuer.issuer(), "exp": n + 3600, "iat": n, "version": 2,
            "jti": "j", "client_id": CLIENT
        })
    };
    let with_claim = |name: &str, value: serde_json::Value| {
        let mut c = claims_ok();
        c[name] = value;
        c.to_string()
    };
    let without_claim = |name: &str| {
        let mut c = claims_ok();
        if let Some(o) = c.as_object_mut() {
            o.remove(name);
        }
        c.to_string()
    };
    let signed = |header: &str, payload: &str| {
        TokenBuilder::sign_raw(header, payload, &issuer.current_key())
    };
    let good = || issuer.access_token().client_id(CLIENT).scopes([SCOPE]);
    let kid = issuer.current_key().kid().to_owned();
    let valid = good().sign();
    let parts: Vec<&str> = valid.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let attacker = issuer.other_key();
    let attacker_jwk = attacker.jwk();
    let (n_bytes, _) = issuer.current_key().public_components();
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
            "payload duplicate claim the verifier does not read",
            signed(
                &header_ok(),
                &with_claim("jti", json!("a")).replacen('{', r#"{"jti":"b","#, 1),
            ),
            N,
            R::DuplicateKey,
        ),
        (
            "payload escaped duplicate of a claim the verifier does not read",
            signed(
                &header_ok(),
                &with_claim("jti", json!("a")).replacen('{', r#"{"j\u0074i":"b","#, 1),
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
            good().issuer(&format!("{}/", issuer.issuer())).sign(),
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
