//! The framework-free web pieces shared by the integrations.
#![cfg(feature = "web")]

use cognito_auth::verify::{Reason, ScopeMatch, TokenUse, Verifier};
use cognito_auth::web::{
    AuthError, Credentials, ErrorFormat, Guard, GuardDefaults, ResponseOptions, ServicePrincipal,
    UnlistedMethod, parse_credentials,
};
use cognito_auth_testkit::LocalIssuer;

#[test]
fn header_parsing_edge_cases() {
    use Credentials::*;
    fn p<'a>(v: &[&'a [u8]]) -> Credentials<'a> {
        parse_credentials(v, "Bearer")
    }
    assert_eq!(
        p(&[b"Bearer  tok"]),
        Bearer("tok"),
        "extra spaces are tolerated"
    );
    assert_eq!(p(&[b"Bearer\ttok"]), Bearer("tok"));
    assert_eq!(p(&[b"  Bearer tok  "]), Bearer("tok"));
    assert_eq!(p(&[b"BEARER tok"]), Bearer("tok"));
    assert_eq!(p(&[b"Bearer "]), Malformed);
    assert_eq!(p(&[b""]), OtherScheme);
    assert_eq!(p(&[b"Bearertok"]), OtherScheme);
    assert_eq!(p(&[b"Bearer tok", b"Bearer tok"]), Malformed, "two headers");
    assert_eq!(p(&[b"Bearer t\xc3\xa9"]), Malformed, "non-ASCII");
    assert_eq!(p(&[b"Bearer \xff"]), Malformed, "not UTF-8");
    assert_eq!(p(&[b"Bearer a\x01b"]), Malformed, "control character");
    assert_eq!(parse_credentials(&[b"Token x"], "Token"), Bearer("x"));
}

async fn principal(issuer: &LocalIssuer, client: &str, scopes: &[&str]) -> ServicePrincipal {
    let v = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let t = issuer
        .access_token()
        .client_id(client)
        .scopes(scopes.iter().copied())
        .sign();
    ServicePrincipal::from(v.verify(&t).await.unwrap())
}

fn forbidden_scopes(r: Result<(), AuthError>) -> Vec<String> {
    match r {
        Err(AuthError::Forbidden {
            required_scopes, ..
        }) => required_scopes,
        other => panic!("expected 403, got {other:?}"),
    }
}

#[tokio::test]
async fn guard_semantics() {
    let issuer = LocalIssuer::start().await;
    let p = principal(&issuer, "svc-a", &["a", "b"]).await;
    let d = GuardDefaults::default();

    assert!(matches!(
        Guard::authenticated().check(None, "GET", &d),
        Err(AuthError::MissingCredentials)
    ));
    assert!(Guard::authenticated().check(Some(&p), "GET", &d).is_ok());
    assert!(Guard::all(["a", "b"]).check(Some(&p), "GET", &d).is_ok());
    assert_eq!(
        forbidden_scopes(Guard::all(["a", "c"]).check(Some(&p), "GET", &d)),
        ["a", "c"]
    );
    assert!(Guard::any(["c", "b"]).check(Some(&p), "GET", &d).is_ok());

    // The default scope match applies when the guard does not choose.
    let any_default = GuardDefaults {
        scope_match: ScopeMatch::Any,
        ..GuardDefaults::default()
    };
    let g = Guard::authenticated().scopes(["a", "z"]);
    assert!(g.check(Some(&p), "GET", &d).is_err());
    assert!(g.check(Some(&p), "GET", &any_default).is_ok());

    // Per-method, case-insensitive method names; unlisted denied by default.
    let m = Guard::authenticated()
        .method_scopes("get", ["a"])
        .method_scopes("POST", ["z"]);
    assert!(m.check(Some(&p), "GET", &d).is_ok());
    assert_eq!(forbidden_scopes(m.check(Some(&p), "POST", &d)), ["z"]);
    assert_eq!(
        forbidden_scopes(m.check(Some(&p), "PATCH", &d)),
        Vec::<String>::new()
    );
    assert!(
        m.clone()
            .unlisted_methods(UnlistedMethod::Allow)
            .check(Some(&p), "PATCH", &d)
            .is_ok()
    );
    // Allowing unlisted methods must not switch off the listed ones.
    assert_eq!(
        forbidden_scopes(m.clone().unlisted_methods(UnlistedMethod::Allow).check(
            Some(&p),
            "POST",
            &d
        )),
        ["z"]
    );

    // HEAD is GET: allowed exactly when GET is, with or without unlisted methods allowed.
    assert!(m.check(Some(&p), "HEAD", &d).is_ok());
    assert!(m.check(Some(&p), "head", &d).is_ok());
    let get_needs_z = Guard::authenticated()
        .method_scopes("GET", ["z"])
        .unlisted_methods(UnlistedMethod::Allow);
    assert_eq!(
        forbidden_scopes(get_needs_z.check(Some(&p), "HEAD", &d)),
        ["z"]
    );
    // Listing HEAD sets GET's requirement too.
    let via_head = Guard::authenticated().method_scopes("HEAD", ["z"]);
    assert_eq!(forbidden_scopes(via_head.check(Some(&p), "GET", &d)), ["z"]);
    assert_eq!(via_head.listed_methods().collect::<Vec<_>>(), ["GET"]);

    // Client allowlists: the default always applies; a guard's own list narrows it.
    let only_b = GuardDefaults {
        allowed_clients: Some(vec!["svc-b".into()]),
        ..GuardDefaults::default()
    };
    let err = Guard::authenticated()
        .check(Some(&p), "GET", &only_b)
        .unwrap_err();
    assert!(matches!(
        err,
        AuthError::Forbidden {
            reason: Reason::ClientNotAllowed,
            ..
        }
    ));
    assert!(
        Guard::authenticated()
            .clients(["svc-a"])
            .check(Some(&p), "GET", &only_b)
            .is_err(),
        "cannot widen"
    );
    assert!(
        Guard::authenticated()
            .clients(["svc-a"])
            .check(Some(&p), "GET", &d)
            .is_ok()
    );
    assert!(
        Guard::authenticated()
            .clients(["svc-c"])
            .check(Some(&p), "GET", &d)
            .is_err()
    );
}

#[test]
fn rendering() {
    let text = ResponseOptions {
        format: ErrorFormat::Text,
        ..ResponseOptions::default()
    };
    let r = AuthError::MissingCredentials.to_response(&text);
    assert_eq!(
        (r.status, r.content_type),
        (401, "text/plain; charset=utf-8")
    );
    assert_eq!(
        &r.body[..],
        b"Authentication credentials were not provided."
    );
    let realm = ResponseOptions {
        realm: Some(r#"a"b\c"#.into()),
        ..ResponseOptions::default()
    };
    let r = AuthError::MalformedHeader.to_response(&realm);
    assert_eq!(
        r.www_authenticate.as_deref(),
        Some(r#"Bearer realm="abc", error="invalid_token""#),
        "quotes stripped"
    );
    assert_eq!(AuthError::Internal("x".into()).status(), 500);
    assert_eq!(
        AuthError::Internal("db password=hunter2".into())
            .to_response(&ResponseOptions::default())
            .body,
        r#"{"detail":"Internal server error."}"#
    );
}

#[derive(Clone, Debug, PartialEq)]
enum AppUser {
    Row(u32),
    Proxy(String),
}

impl From<cognito_auth::web::ProxyUser> for AppUser {
    fn from(p: cognito_auth::web::ProxyUser) -> Self {
        AppUser::Proxy(p.username().to_owned())
    }
}

#[tokio::test]
async fn configured_mapper_follows_the_setting() {
    use cognito_auth::web::{ConfiguredMapper, Lookup, LookupError, UserMapper, UserMappingConfig};
    let issuer = LocalIssuer::start().await;
    let v = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let t = issuer
        .access_token()
        .client_id("svc-7")
        .claim("custom:uid", "u-42")
        .sign();
    let p = ServicePrincipal::from(v.verify(&t).await.unwrap());
    let db = |key: String| {
        std::future::ready(Ok::<_, LookupError>(match key.as_str() {
            "svc-7" => vec![AppUser::Row(7)],
            "u-42" => vec![AppUser::Row(42)],
            _ => vec![],
        }))
    };
    let run = |setting| {
        let m = ConfiguredMapper::new(setting, db);
        let p = p.clone();
        async move { m.lookup(&p).await.unwrap() }
    };
    assert_eq!(
        run(UserMappingConfig::ClientId).await,
        Lookup::Found(AppUser::Row(7))
    );
    assert_eq!(
        run(UserMappingConfig::Claim {
            claim: "custom:uid".into()
        })
        .await,
        Lookup::Found(AppUser::Row(42))
    );
    assert_eq!(
        run(UserMappingConfig::Claim {
            claim: "custom:none".into()
        })
        .await,
        Lookup::NotFound
    );
    assert_eq!(
        run(UserMappingConfig::Proxy).await,
        Lookup::Found(AppUser::Proxy("svc-7".into()))
    );
    assert_eq!(run(UserMappingConfig::None).await, Lookup::NotFound);
}

#[tokio::test]
async fn authenticator_reads_every_header_occurrence() {
    use cognito_auth::web::{AuthConfig, AuthMode};
    let issuer = LocalIssuer::start().await;
    let cfg = AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(cognito_auth::verify::AcceptedTokenUse::Access),
        any_client: true,
        mode: AuthMode::Permissive,
        ..AuthConfig::default()
    };
    let auth = cfg.authenticator().unwrap();
    let good = format!("Bearer {}", issuer.access_token().client_id("c1").sign());
    let p = auth.authenticate([good.as_bytes()]).await.unwrap().unwrap();
    assert_eq!(p.client_id(), "c1");
    assert!(
        auth.authenticate(std::iter::empty::<&[u8]>())
            .await
            .unwrap()
            .is_none(),
        "permissive: anonymous"
    );
    // Two Authorization headers, even two valid ones, are malformed.
    let two = auth
        .authenticate([good.as_bytes(), good.as_bytes()])
        .await
        .unwrap_err();
    assert!(matches!(two, AuthError::MalformedHeader));
    let three = auth
        .authenticate([good.as_bytes(), b"x".as_slice(), b"y".as_slice()])
        .await
        .unwrap_err();
    assert!(matches!(three, AuthError::MalformedHeader));
}

/// The previous, string-based parser: the reference the byte-wise one must match.
fn reference_parse(value: &[u8], scheme: &str) -> Credentials<'static> {
    let Ok(text) = std::str::from_utf8(value) else {
        return Credentials::Malformed;
    };
    if !text
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        return Credentials::Malformed;
    }
    let text = text.trim_matches([' ', '\t']);
    let (head, rest) = match text.find([' ', '\t']) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    if !head.eq_ignore_ascii_case(scheme) {
        return Credentials::OtherScheme;
    }
    let mut parts = rest.split([' ', '\t']).filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(t), None) => Credentials::Bearer(Box::leak(t.to_owned().into_boxed_str())),
        _ => Credentials::Malformed,
    }
}

proptest::proptest! {
    #[test]
    fn byte_parser_matches_the_reference(s in "[ \\tBbeEaArR]{0,3}(Bearer|bearer|BEARER|Basic|Token)?[ \\t]{0,3}[A-Za-z0-9._\\-\\x7f\\t é]{0,20}[ \\t]{0,2}[A-Za-z0-9]{0,4}") {
        proptest::prop_assert_eq!(parse_credentials(&[s.as_bytes()], "Bearer"), reference_parse(s.as_bytes(), "Bearer"));
    }

    #[test]
    fn byte_parser_matches_on_random_bytes(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        proptest::prop_assert_eq!(parse_credentials(&[&b], "Bearer"), reference_parse(&b, "Bearer"));
    }
}

#[tokio::test]
async fn claim_mapping_can_be_scoped_to_one_pool() {
    use cognito_auth::web::{AuthError, ByClaim, LookupError, map_user};
    let pool_a = LocalIssuer::start().await;
    let pool_b = LocalIssuer::start().await;
    let v = Verifier::builder()
        .issuer(pool_a.issuer())
        .issuer(pool_b.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let same_name = |issuer: &LocalIssuer| {
        issuer
            .access_token()
            .client_id("app")
            .claim("custom:user_id", "42")
            .sign()
    };
    let from_a = ServicePrincipal::from(v.verify(&same_name(&pool_a)).await.unwrap());
    let from_b = ServicePrincipal::from(v.verify(&same_name(&pool_b)).await.unwrap());
    let directory = |id: String| async move { Ok::<_, LookupError>(vec![format!("user-{id}")]) };

    // Unscoped: one claim value, one user, whichever pool issued the token (documented).
    let any_pool = ByClaim::new("custom:user_id", directory);
    assert_eq!(map_user(&any_pool, &from_a).await.unwrap(), "user-42");
    assert_eq!(map_user(&any_pool, &from_b).await.unwrap(), "user-42");

    // Scoped to pool A: pool B's "42" is somebody else, so nobody here.
    let only_a = ByClaim::new("custom:user_id", directory).issuer(pool_a.issuer());
    assert_eq!(map_user(&only_a, &from_a).await.unwrap(), "user-42");
    assert!(matches!(
        map_user(&only_a, &from_b).await,
        Err(AuthError::UserNotFound)
    ));
}

#[tokio::test]
async fn a_token_verified_before_is_answered_without_waiting() {
    use cognito_auth::web::AuthConfig;
    let issuer = LocalIssuer::start().await;
    let cfg = AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(cognito_auth::verify::AcceptedTokenUse::Access),
        any_client: true,
        ..AuthConfig::default()
    };
    let auth = cfg.authenticator().unwrap();
    let header = format!("Bearer {}", issuer.access_token().client_id("c1").sign());
    // Not verified yet: the caller has to wait for `authenticate`.
    assert!(auth.authenticate_now([header.as_bytes()]).is_none());
    auth.authenticate([header.as_bytes()]).await.unwrap();
    // Now answered at once, from the verified-token cache, with the same principal.
    let p = auth
        .authenticate_now([header.as_bytes()])
        .expect("answered from the cache")
        .unwrap()
        .unwrap();
    assert_eq!(p.client_id(), "c1");
    // Two header values are never answered from the cache.
    assert!(
        auth.authenticate_now([header.as_bytes(), header.as_bytes()])
            .is_none()
    );
}
