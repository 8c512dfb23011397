//! The verifier against the test-kit issuer over real HTTP on loopback.

use std::sync::Arc;
use std::time::Duration;

use cognito_auth::HttpConfig;
use cognito_auth::jwks::JwksConfig;
use cognito_auth::verify::{
    AcceptedTokenUse, ErrorKind, PoolConfig, Reason, Rejection, ScopeMatch, TokenUse, Verifier,
    VerifierBuilder,
};
use cognito_auth_testkit::{Fault, LocalIssuer, Signing, now};

fn builder(issuer: &LocalIssuer) -> VerifierBuilder {
    Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
}

fn reason_of(
    r: Result<cognito_auth::verify::VerifiedToken, cognito_auth::verify::VerifyError>,
) -> (ErrorKind, Reason) {
    let e = r.expect_err("token must be rejected");
    (e.kind(), e.reason())
}

#[tokio::test]
async fn valid_access_token_exposes_claims() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).any_client().build().unwrap();
    let raw = issuer
        .access_token()
        .client_id("svc-a")
        .scopes(["orders/read", "orders/write"])
        .groups(["admins"])
        .claim("custom:tenant", "t1")
        .sign();
    let t = v.verify(&raw).await.unwrap();
    assert_eq!(t.client_id(), "svc-a");
    assert_eq!(t.sub(), "svc-a", "M2M tokens have sub == client_id");
    assert_eq!(t.username(), None);
    assert_eq!(t.token_use(), TokenUse::Access);
    assert_eq!(t.issuer(), issuer.issuer());
    assert!(t.has_scope("orders/read"));
    assert!(!t.has_scope("orders/delete"));
    assert!(t.has_scopes(&["orders/read", "orders/write"], ScopeMatch::All));
    assert!(t.has_scopes(&["orders/delete", "orders/write"], ScopeMatch::Any));
    assert!(!t.has_scopes(&["orders/delete", "orders/write"], ScopeMatch::All));
    assert_eq!(t.scopes().len(), 2);
    assert_eq!(t.groups(), ["admins".to_string()]);
    assert!(t.exp() > now() && t.iat().unwrap() <= now());
    assert_eq!(t.claim("custom:tenant").unwrap(), "t1");
    assert_eq!(t.claims()["version"], 2);
    assert_eq!(t.raw_token(), raw);
    assert!(t.audience().is_empty());
    let dbg = format!("{t:?}");
    assert!(!dbg.contains(&raw), "Debug must not print the token");
    assert!(!dbg.contains(raw.split('.').nth(2).unwrap()));
}

#[tokio::test]
async fn user_access_and_id_tokens() {
    let issuer = LocalIssuer::start().await;
    let access = builder(&issuer).build().unwrap();
    let id = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Id)
        .allowed_clients(["web-app"])
        .build()
        .unwrap();
    let any = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Any)
        .any_client()
        .build()
        .unwrap();

    let at = issuer
        .access_token()
        .user("alice")
        .client_id("web-app")
        .sign();
    let it = issuer.id_token().user("alice").client_id("web-app").sign();

    let a = access.verify(&at).await.unwrap();
    assert_eq!(a.username(), Some("alice"));
    assert_ne!(a.sub(), "web-app");
    assert!(a.has_scope("aws.cognito.signin.user.admin"));

    let i = id.verify(&it).await.unwrap();
    assert_eq!(i.token_use(), TokenUse::Id);
    assert_eq!(i.client_id(), "web-app", "ID tokens name the client in aud");
    assert_eq!(i.username(), Some("alice"));
    assert_eq!(i.audience(), ["web-app".to_string()]);
    assert!(i.scopes().is_empty());

    assert_eq!(
        reason_of(access.verify(&it).await),
        (ErrorKind::NotAuthenticated, Reason::WrongTokenUse)
    );
    assert_eq!(
        reason_of(id.verify(&at).await),
        (ErrorKind::NotAuthenticated, Reason::WrongTokenUse)
    );
    assert!(any.verify(&at).await.is_ok());
    assert!(any.verify(&it).await.is_ok());

    let other_aud = issuer.id_token().client_id("other-app").sign();
    assert_eq!(
        reason_of(id.verify(&other_aud).await),
        (ErrorKind::Forbidden, Reason::ClientNotAllowed)
    );
    let no_aud = issuer.id_token().without("aud").sign();
    assert_eq!(
        reason_of(id.verify(&no_aud).await),
        (ErrorKind::NotAuthenticated, Reason::MissingClaim)
    );
}

#[tokio::test]
async fn client_allowlist_and_access_audience() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .allowed_clients(["svc-a", "svc-b"])
        .access_token_audience(["https://api.example.com"])
        .build()
        .unwrap();
    assert!(
        v.verify(&issuer.access_token().client_id("svc-b").sign())
            .await
            .is_ok()
    );
    let e = v
        .verify(&issuer.access_token().client_id("svc-z").sign())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Forbidden, Reason::ClientNotAllowed)
    );
    assert_eq!(e.kind().http_status(), 403);
    // Cognito access tokens carry no aud: the optional check applies only to tokens that do.
    let with_aud = issuer
        .access_token()
        .client_id("svc-a")
        .claim("aud", "https://api.example.com")
        .sign();
    assert!(v.verify(&with_aud).await.is_ok());
    let array_aud = issuer
        .access_token()
        .client_id("svc-a")
        .claim("aud", serde_json::json!(["x", "https://api.example.com"]))
        .sign();
    assert!(v.verify(&array_aud).await.is_ok());
    let wrong_aud = issuer
        .access_token()
        .client_id("svc-a")
        .claim("aud", "https://evil")
        .sign();
    assert_eq!(
        reason_of(v.verify(&wrong_aud).await),
        (ErrorKind::NotAuthenticated, Reason::WrongAudience)
    );
}

#[tokio::test]
async fn scopes_all_any_and_groups() {
    let issuer = LocalIssuer::start().await;
    let all = builder(&issuer)
        .required_scopes(["a", "b"])
        .build()
        .unwrap();
    let any = builder(&issuer)
        .required_scopes(["a", "b"])
        .scope_match(ScopeMatch::Any)
        .build()
        .unwrap();
    let groups = builder(&issuer)
        .required_groups(["admins", "ops"])
        .build()
        .unwrap();

    let ab = issuer.access_token().scopes(["a", "b", "c"]).sign();
    let a = issuer.access_token().scopes(["a"]).sign();
    let none = issuer.access_token().scopes(["c"]).sign();
    assert!(all.verify(&ab).await.is_ok());
    let e = all.verify(&a).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Forbidden, Reason::InsufficientScope)
    );
    let f = e.scope_failure().unwrap();
    assert_eq!(f.token_scopes, vec!["a".to_string()]);
    assert_eq!(f.required, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(f.matching, ScopeMatch::All);
    assert!(any.verify(&a).await.is_ok());
    assert_eq!(
        reason_of(any.verify(&none).await),
        (ErrorKind::Forbidden, Reason::InsufficientScope)
    );

    let in_ops = issuer.access_token().groups(["ops"]).sign();
    let in_other = issuer.access_token().groups(["users"]).sign();
    let no_groups = issuer.access_token().sign();
    assert!(groups.verify(&in_ops).await.is_ok());
    assert_eq!(
        reason_of(groups.verify(&in_other).await),
        (ErrorKind::Forbidden, Reason::MissingGroup)
    );
    assert_eq!(
        reason_of(groups.verify(&no_groups).await),
        (ErrorKind::Forbidden, Reason::MissingGroup)
    );
}

#[tokio::test]
async fn custom_check_chooses_its_kind() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .custom_check(
            |t| match t.claim("custom:tenant").and_then(|v| v.as_str()) {
                Some("active") => Ok(()),
                Some(_) => Err(Rejection::forbidden("tenant suspended")),
                None => Err(Rejection::not_authenticated("no tenant")),
            },
        )
        .build()
        .unwrap();
    let ok = issuer
        .access_token()
        .claim("custom:tenant", "active")
        .sign();
    let suspended = issuer.access_token().claim("custom:tenant", "gone").sign();
    let none = issuer.access_token().sign();
    assert!(v.verify(&ok).await.is_ok());
    let e = v.verify(&suspended).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Forbidden, Reason::CustomCheck)
    );
    assert_eq!(e.message(), "tenant suspended");
    assert_eq!(
        reason_of(v.verify(&none).await),
        (ErrorKind::NotAuthenticated, Reason::CustomCheck)
    );
}

#[tokio::test]
async fn leeway_applies_to_exp_nbf_and_iat() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .leeway(Duration::from_secs(30))
        .build()
        .unwrap();
    let strict = builder(&issuer).leeway(Duration::ZERO).build().unwrap();
    let n = now();
    let just_expired = issuer
        .access_token()
        .claim("exp", n - 10)
        .claim("iat", n - 100)
        .sign();
    assert!(v.verify(&just_expired).await.is_ok());
    assert_eq!(
        reason_of(strict.verify(&just_expired).await).1,
        Reason::Expired
    );
    let long_expired = issuer
        .access_token()
        .claim("exp", n - 60)
        .claim("iat", n - 100)
        .sign();
    assert_eq!(
        reason_of(v.verify(&long_expired).await),
        (ErrorKind::NotAuthenticated, Reason::Expired)
    );

    let nbf_soon = issuer.access_token().claim("nbf", n + 10).sign();
    assert!(v.verify(&nbf_soon).await.is_ok());
    assert_eq!(
        reason_of(strict.verify(&nbf_soon).await).1,
        Reason::NotYetValid
    );
    let nbf_later = issuer.access_token().claim("nbf", n + 120).sign();
    assert_eq!(reason_of(v.verify(&nbf_later).await).1, Reason::NotYetValid);

    let iat_soon = issuer.access_token().claim("iat", n + 10).sign();
    assert!(v.verify(&iat_soon).await.is_ok());
    let iat_later = issuer.access_token().claim("iat", n + 120).sign();
    assert_eq!(
        reason_of(v.verify(&iat_later).await).1,
        Reason::IssuedInFuture
    );

    // Fractional NumericDate values are accepted.
    let float_exp = issuer
        .access_token()
        .claim("exp", (n + 100) as f64 + 0.5)
        .sign();
    assert!(v.verify(&float_exp).await.is_ok());
}

#[tokio::test]
async fn wrong_issuer_and_several_pools() {
    let a = LocalIssuer::start().await;
    let b = LocalIssuer::start().await;
    let v = Verifier::builder()
        .issuer(a.issuer())
        .issuer(b.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    assert!(v.verify(&a.access_token().sign()).await.is_ok());
    assert!(v.verify(&b.access_token().sign()).await.is_ok());
    // A token naming pool A but signed with pool B's key (same kid) must fail.
    let forged = a
        .access_token()
        .signing(Signing::Rs256(
            b.current_key().with_kid(a.current_key().kid()),
        ))
        .sign();
    assert_eq!(
        reason_of(v.verify(&forged).await).1,
        Reason::InvalidSignature
    );
    let only_a = builder(&a).build().unwrap();
    assert_eq!(
        reason_of(only_a.verify(&b.access_token().sign()).await),
        (ErrorKind::NotAuthenticated, Reason::WrongIssuer)
    );
    let evil = a.access_token().issuer("https://evil.example.com").sign();
    assert_eq!(reason_of(only_a.verify(&evil).await).1, Reason::WrongIssuer);
}

#[tokio::test]
async fn jwks_url_separate_from_issuer() {
    // Like moto: tokens carry the AWS issuer, keys are served on loopback.
    let issuer = LocalIssuer::builder()
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local")
        .pool_id("us-east-1_local")
        .start()
        .await;
    let v = Verifier::builder()
        .pool(PoolConfig::user_pool("us-east-1_local").jwks_url(format!(
            "{}/us-east-1_local/.well-known/jwks.json",
            issuer.base_url()
        )))
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let t = v.verify(&issuer.access_token().sign()).await.unwrap();
    assert_eq!(
        t.issuer(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
    );
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn offline_keys_never_fetch() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_json(issuer.jwks_json())
        .build()
        .unwrap();
    assert!(v.verify(&issuer.access_token().sign()).await.is_ok());
    assert_eq!(
        reason_of(v.verify(&issuer.access_token().kid("nope").sign()).await).1,
        Reason::UnknownKid
    );
    assert_eq!(issuer.jwks_requests(), 0);
    assert!(
        Verifier::builder()
            .issuer(issuer.issuer())
            .jwks_json("{not json")
            .token_use(TokenUse::Id)
            .any_client()
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn key_rotation_is_picked_up_on_first_refetch() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    let old = issuer.access_token().sign();
    assert!(v.verify(&old).await.is_ok());
    assert_eq!(issuer.jwks_requests(), 1);

    issuer.rotate_key();
    let new = issuer.access_token().sign();
    assert!(
        v.verify(&new).await.is_ok(),
        "new kid fetched on first miss"
    );
    assert_eq!(issuer.jwks_requests(), 2);
    assert!(v.verify(&old).await.is_ok(), "old key still published");

    // The old key is retired; once the verifier sees the new JWKS, cached tokens signed by the
    // old key are verified again (and fail).
    issuer.retire_old_keys();
    v.hydrate().await.unwrap();
    assert_eq!(reason_of(v.verify(&old).await).1, Reason::UnknownKid);
    assert!(v.verify(&new).await.is_ok());
}

#[tokio::test]
async fn unknown_kid_refetch_is_rate_limited() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(JwksConfig::default().unknown_kid_cooldown(Duration::from_millis(400)))
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    for i in 0..50 {
        let t = issuer.access_token().kid(&format!("random-{i}")).sign();
        assert_eq!(reason_of(v.verify(&t).await).1, Reason::UnknownKid);
    }
    assert_eq!(
        issuer.jwks_requests(),
        2,
        "one refetch for fifty random kids"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let t = issuer.access_token().kid("random-after").sign();
    assert_eq!(reason_of(v.verify(&t).await).1, Reason::UnknownKid);
    assert_eq!(
        issuer.jwks_requests(),
        3,
        "another refetch once the cooldown passed"
    );
}

#[tokio::test]
async fn concurrent_first_use_fetches_once() {
    let issuer = LocalIssuer::start().await;
    issuer.set_jwks_fault(Fault::delay(Duration::from_millis(200)));
    let v = builder(&issuer).build().unwrap();
    let tokens: Vec<String> = (0..64)
        .map(|i| issuer.access_token().claim("n", i).sign())
        .collect();
    let mut tasks = Vec::new();
    for t in tokens {
        let v = v.clone();
        tasks.push(tokio::spawn(async move { v.verify(&t).await.map(|_| ()) }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn background_refresh_keeps_serving() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(JwksConfig::default().refresh_interval(Duration::from_millis(200)))
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    // Due for refresh: this call is served from the current keys while a refresh runs.
    issuer.set_jwks_fault(Fault::delay(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(300),
        "the caller did not wait for the refresh ({waited:?})"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn stale_if_error_is_bounded() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(
            JwksConfig::default()
                .refresh_interval(Duration::from_millis(150))
                .retry_interval(Duration::from_millis(50))
                .stale_if_error(Duration::from_millis(1500)),
        )
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    issuer.set_jwks_fault(Fault::status(500));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Refreshes fail; the last good keys keep serving.
    for _ in 0..3 {
        v.verify(&issuer.access_token().sign()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(issuer.jwks_requests() >= 2, "refresh attempted");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let e = v.verify(&issuer.access_token().sign()).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Unavailable, Reason::JwksUnavailable)
    );
    assert_eq!(e.kind().http_status(), 503);
    // Recovery.
    issuer.clear_faults();
    assert!(v.verify(&issuer.access_token().sign()).await.is_ok());
}

#[tokio::test]
async fn jwks_down_slow_or_oversized_is_unavailable() {
    let issuer = LocalIssuer::start().await;
    let http = HttpConfig::default().timeout(Duration::from_millis(300));
    let fresh = || builder(&issuer).http_config(http.clone()).build().unwrap();

    issuer.set_jwks_fault(Fault::status(500));
    let e = fresh()
        .verify(&issuer.access_token().sign())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Unavailable, Reason::JwksUnavailable)
    );
    assert!(e.message().contains("500"), "{}", e.message());

    issuer.set_jwks_fault(Fault::delay(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let e = fresh()
        .verify(&issuer.access_token().sign())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(started.elapsed() < Duration::from_secs(2));

    for chunked in [false, true] {
        issuer.set_jwks_fault(Fault::oversized(10 * 1024 * 1024, chunked));
        let v = builder(&issuer)
            .jwks_config(JwksConfig::default().max_bytes(64 * 1024))
            .build()
            .unwrap();
        let e = v.verify(&issuer.access_token().sign()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "chunked={chunked}");
        assert!(e.message().contains("larger than"), "{}", e.message());
    }

    issuer.set_jwks_fault(Fault::body_200("{\"keys\": 42}"));
    assert_eq!(
        fresh()
            .verify(&issuer.access_token().sign())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unavailable
    );
    issuer.set_jwks_fault(Fault::body_200("{\"keys\": []}"));
    assert_eq!(
        fresh()
            .verify(&issuer.access_token().sign())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unavailable
    );

    let dead = Verifier::builder()
        .issuer("http://127.0.0.1:9")
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let e = dead
        .verify(&issuer.access_token().issuer("http://127.0.0.1:9").sign())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(dead.hydrate().await.is_err());
}

#[tokio::test]
async fn token_cache_respects_exp_and_reruns_policy() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .leeway(Duration::ZERO)
        .required_scopes(["a"])
        .build()
        .unwrap();
    let n = now();
    let short = issuer
        .access_token()
        .scopes(["a"])
        .claim("exp", n + 2)
        .sign();
    assert!(v.verify(&short).await.is_ok());
    assert!(v.verify(&short).await.is_ok(), "served from the cache");
    // Policy runs on cached tokens too.
    let strict = cognito_auth::verify::Policy::new().required_scopes(["b"]);
    assert_eq!(
        reason_of(v.verify_with(&short, &strict).await).1,
        Reason::InsufficientScope
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        reason_of(v.verify(&short).await),
        (ErrorKind::NotAuthenticated, Reason::Expired)
    );
    assert_eq!(reason_of(v.verify(&short).await).1, Reason::Expired);
}

#[tokio::test]
async fn errors_never_echo_the_token() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).required_scopes(["zzz"]).build().unwrap();
    let tokens = [
        issuer.access_token().sign(),
        issuer.access_token().expired().sign(),
        issuer
            .access_token()
            .signing(Signing::Rs256(issuer.other_key()))
            .sign(),
        issuer.access_token().issuer("https://evil").sign(),
    ];
    for t in tokens {
        let e = v.verify(&t).await.unwrap_err();
        for part in t.split('.') {
            assert!(!e.to_string().contains(part));
            assert!(!format!("{e:?}").contains(part));
        }
    }
}

#[test]
fn blocking_verifier_works_without_a_runtime() {
    let issuer = LocalIssuer::builder().start_blocking();
    let v =
        cognito_auth::blocking::BlockingVerifier::new(builder(&issuer).build().unwrap()).unwrap();
    v.hydrate().unwrap();
    let t = v
        .verify(&issuer.access_token().client_id("sync").sign())
        .unwrap();
    assert_eq!(t.client_id(), "sync");
    assert_eq!(
        v.verify(&issuer.access_token().expired().sign())
            .unwrap_err()
            .reason(),
        Reason::Expired
    );
}

#[tokio::test]
async fn blocking_verifier_refuses_inside_a_runtime() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    let b = tokio::task::spawn_blocking(move || {
        cognito_auth::blocking::BlockingVerifier::new(v).unwrap()
    })
    .await
    .unwrap();
    assert!(b.verify("x.y.z").is_err());
    drop(Arc::new(b));
}

#[test]
fn from_env_with_reads_cognito_variables() {
    let vars = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc,eu-west-1_def"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "a, b"),
        ("COGNITO_REQUIRED_SCOPES", "x/read x/write"),
        ("COGNITO_SCOPE_MATCH", "any"),
        ("COGNITO_LEEWAY_SECONDS", "10"),
    ];
    let get = |k: &str| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let v = VerifierBuilder::from_env_with(get)
        .unwrap()
        .build()
        .unwrap();
    let issuers: Vec<_> = v.issuers().collect();
    assert_eq!(
        issuers,
        [
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_def"
        ]
    );
    assert_eq!(v.policy().get_allowed_clients().unwrap(), ["a", "b"]);
    assert_eq!(v.policy().get_required_scopes(), ["x/read", "x/write"]);

    let no_use = [("COGNITO_USER_POOL_ID", "eu-west-1_abc")];
    let get = |k: &str| {
        no_use
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(matches!(
        VerifierBuilder::from_env_with(get).unwrap().build(),
        Err(cognito_auth::verify::ConfigError::TokenUseNotSet)
    ));
    let bad = [("COGNITO_TOKEN_USE", "refresh")];
    let get = |k: &str| {
        bad.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(VerifierBuilder::from_env_with(get).is_err());
    // A blank allowlist variable means "not chosen" (an error), never "allow nobody";
    // `*` chooses every client explicitly.
    let blank = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", " access "),
        ("COGNITO_CLIENT_IDS", "  "),
    ];
    let get = |k: &str| {
        blank
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(matches!(
        VerifierBuilder::from_env_with(get).unwrap().build(),
        Err(cognito_auth::verify::ConfigError::ClientPolicyNotSet)
    ));
    let star = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "*"),
    ];
    let get = |k: &str| {
        star.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let v = VerifierBuilder::from_env_with(get)
        .unwrap()
        .build()
        .unwrap();
    assert!(v.policy().get_allowed_clients().is_none());
    let mixed = [("COGNITO_CLIENT_IDS", "*,abc")];
    let get = |k: &str| {
        mixed
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(VerifierBuilder::from_env_with(get).is_err());
    let two_jwks = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc,eu-west-1_def"),
        ("COGNITO_JWKS_URL", "http://127.0.0.1/jwks"),
    ];
    let get = |k: &str| {
        two_jwks
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(VerifierBuilder::from_env_with(get).is_err());
}

#[test]
fn builder_validates() {
    use cognito_auth::verify::ConfigError;
    assert!(matches!(
        Verifier::builder()
            .token_use(TokenUse::Access)
            .any_client()
            .build(),
        Err(ConfigError::NoPool)
    ));
    assert!(matches!(
        Verifier::builder().issuer("https://x").any_client().build(),
        Err(ConfigError::TokenUseNotSet)
    ));
    assert!(
        Verifier::builder()
            .issuer("not a url")
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .is_err()
    );
    assert!(
        Verifier::builder()
            .issuer("ftp://x/y")
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .is_err()
    );
    assert!(
        Verifier::builder()
            .issuer("https://x")
            .issuer("https://x")
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .is_err()
    );
    assert!(
        Verifier::builder()
            .issuer("https://x")
            .token_use(TokenUse::Access)
            .leeway(Duration::from_secs(3600))
            .any_client()
            .build()
            .is_err()
    );
}
