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

mod config;
mod keys;

#[tokio::test]
async fn claim_arrays_cap_what_they_collect_at_1024_strings() {
    // The cap bounds what a claim array may allocate: 1024 strings are read, 1025 refused.
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    let groups = |n: usize| (0..n).map(|i| format!("g{i}")).collect::<Vec<_>>();
    let at_cap = issuer.access_token().groups(groups(1024)).sign();
    assert_eq!(v.verify(&at_cap).await.unwrap().groups().len(), 1024);
    let over = issuer.access_token().groups(groups(1025)).sign();
    assert_eq!(reason_of(v.verify(&over).await).1, Reason::InvalidClaim);
    // After a non-string element nothing more is collected (the array can only be refused
    // where it is read), so a long tail does not trip the cap: in a claim an access token
    // does not read, it is harmless.
    let mut mixed = vec![serde_json::json!(1)];
    mixed.extend(groups(1100).into_iter().map(serde_json::Value::from));
    let unread = issuer
        .access_token()
        .claim("cognito:username", mixed)
        .sign();
    assert!(v.verify(&unread).await.is_ok());
}
