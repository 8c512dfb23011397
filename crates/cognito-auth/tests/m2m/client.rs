//! The client: authentication, scopes, typed errors, retries, validation.

use super::*;

#[tokio::test]
async fn basic_and_body_auth_fetch_verifiable_tokens() {
    let issuer = issuer().await;
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    for auth in [ClientAuth::Basic, ClientAuth::Body] {
        let client = builder(&issuer).client_auth(auth).build().unwrap();
        let t = client.fetch_token("orders/read").await.unwrap();
        assert_eq!(t.token_type(), "Bearer");
        assert_eq!(t.expires_in(), Duration::from_secs(3600));
        assert!(t.expires_at() > Instant::now() + Duration::from_secs(3500));
        assert_eq!(t.scopes().to_vec(), ["orders/read"]);
        let v = verifier.verify(t.secret()).await.unwrap();
        assert_eq!(v.client_id(), "worker");
        assert_eq!(v.sub(), "worker");
        assert!(v.has_scope("orders/read"));
    }
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn scopes_as_string_or_list_and_empty_is_an_error() {
    let issuer = issuer().await;
    let client = builder(&issuer).build().unwrap();
    let a = client
        .fetch_token("orders/read orders/write")
        .await
        .unwrap();
    let b = client
        .fetch_token(vec!["orders/write", "orders/read"])
        .await
        .unwrap();
    let c = client.fetch_token(["stock/read"]).await.unwrap();
    assert_eq!(a.scopes(), b.scopes());
    assert!(c.scopes().contains("stock/read"));
    assert_eq!(issuer.token_requests(), 3);

    assert!(matches!(
        client.fetch_token(Vec::<String>::new()).await.unwrap_err(),
        M2mError::EmptyScopes
    ));
    assert!(matches!(
        client.fetch_token("   ").await.unwrap_err(),
        M2mError::EmptyScopes
    ));
    assert_eq!(issuer.token_requests(), 3, "no request for empty scopes");

    // Default scopes unset: Cognito grants every scope of the client.
    let all = client.fetch_default_token().await.unwrap();
    assert_eq!(all.scopes().len(), 3);
}

#[tokio::test]
async fn endpoint_errors_are_typed_and_never_retried_when_final() {
    let issuer = issuer().await;
    let retrying = RetryPolicy::default().initial_backoff(Duration::from_millis(10));
    let wrong_secret = builder(&issuer)
        .client_secret("nope")
        .retry_policy(retrying.clone())
        .build()
        .unwrap();
    let e = wrong_secret.fetch_token("orders/read").await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.oauth_error(), Some("invalid_client"));
    assert!(!e.is_retryable());
    assert_eq!(
        issuer.token_requests(),
        1,
        "invalid_client is never retried"
    );

    let client = builder(&issuer).retry_policy(retrying).build().unwrap();
    let e = client.fetch_token("admin/everything").await.unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_scope"));
    assert_eq!(issuer.token_requests(), 2, "invalid_scope is never retried");

    issuer.push_token_faults([Fault::oauth_error(401, "invalid_client")]);
    let e = client.fetch_token("orders/read").await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(issuer.token_requests(), 3);
}

#[tokio::test]
async fn each_failure_kind_is_distinguishable() {
    let issuer = issuer().await;
    let client = builder(&issuer)
        .http_config(
            HttpConfig::default()
                .timeout(Duration::from_millis(300))
                .max_response_bytes(4096),
        )
        .build()
        .unwrap();

    issuer.push_token_faults([Fault::status(500)]);
    let e = client.fetch_token("orders/read").await.unwrap_err();
    assert!(matches!(e, M2mError::Endpoint { status: 500, .. }), "{e:?}");
    assert!(e.is_retryable());

    issuer.push_token_faults([Fault::too_many_requests(7)]);
    match client.fetch_token("orders/read").await.unwrap_err() {
        M2mError::Endpoint {
            status: 429,
            retry_after,
            ..
        } => assert_eq!(retry_after, Some(Duration::from_secs(7))),
        other => panic!("{other:?}"),
    }

    issuer.push_token_faults([Fault::body_200("this is not json")]);
    assert!(matches!(
        client.fetch_token("orders/read").await.unwrap_err(),
        M2mError::InvalidJson { .. }
    ));

    issuer.push_token_faults([Fault::body_200(
        r#"{"token_type":"Bearer","expires_in":3600}"#,
    )]);
    assert!(matches!(
        client.fetch_token("orders/read").await.unwrap_err(),
        M2mError::MissingAccessToken
    ));

    issuer.push_token_faults([Fault::body_200(
        r#"{"access_token":"x","token_type":"mac","expires_in":3600}"#,
    )]);
    assert!(matches!(
        client.fetch_token("orders/read").await.unwrap_err(),
        M2mError::InvalidResponse(_)
    ));

    issuer.push_token_faults([Fault::delay(Duration::from_secs(2))]);
    let started = Instant::now();
    let e = client.fetch_token("orders/read").await.unwrap_err();
    assert!(
        matches!(
            e,
            M2mError::Transport(cognito_auth::TransportError::Timeout { .. })
        ),
        "{e:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));

    for chunked in [false, true] {
        issuer.push_token_faults([Fault::oversized(1 << 20, chunked)]);
        let e = client.fetch_token("orders/read").await.unwrap_err();
        assert!(
            matches!(
                e,
                M2mError::Transport(cognito_auth::TransportError::TooLarge { limit: 4096, .. })
            ),
            "{e:?}"
        );
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn retries_5xx_and_429_with_backoff_and_retry_after() {
    let issuer = issuer().await;
    let client = builder(&issuer)
        .retry_policy(
            RetryPolicy::default()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    issuer.push_token_faults([Fault::status(503), Fault::status(502)]);
    assert!(client.fetch_token("orders/read").await.is_ok());
    assert_eq!(issuer.token_requests(), 3);

    issuer.reset_counters();
    issuer.push_token_faults([Fault::too_many_requests(1)]);
    let started = Instant::now();
    assert!(client.fetch_token("orders/read").await.is_ok());
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert_eq!(issuer.token_requests(), 2);

    // Bounded in count.
    issuer.reset_counters();
    issuer.push_token_faults(std::iter::repeat_n(Fault::status(500), 10));
    assert_eq!(
        client
            .fetch_token("orders/read")
            .await
            .unwrap_err()
            .status(),
        Some(500)
    );
    assert_eq!(issuer.token_requests(), 4, "one attempt and three retries");
    issuer.clear_faults();

    // Bounded in time: a Retry-After beyond the budget ends the retries at once.
    issuer.reset_counters();
    let short = builder(&issuer)
        .retry_policy(RetryPolicy::default().max_elapsed(Duration::from_secs(2)))
        .build()
        .unwrap();
    issuer.push_token_faults([Fault::too_many_requests(60)]);
    let started = Instant::now();
    assert_eq!(
        short.fetch_token("orders/read").await.unwrap_err().status(),
        Some(429)
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(issuer.token_requests(), 1);
}

#[tokio::test]
async fn secrets_and_tokens_never_printed() {
    let issuer = issuer().await;
    let client = builder(&issuer).build().unwrap();
    let source = TokenSource::new(client.clone());
    let token = client.fetch_token("orders/read").await.unwrap();
    let printed = [
        format!("{client:?}"),
        format!("{source:?}"),
        format!("{token:?}"),
        format!("{:?}", builder(&issuer)),
        format!("{:?}", token.authorization_header()),
    ];
    for p in &printed {
        assert!(!p.contains(SECRET), "{p}");
        assert!(!p.contains(token.secret()), "{p}");
    }
    let wrong = builder(&issuer)
        .client_secret("another-secret-xyz")
        .build()
        .unwrap();
    let e = wrong.fetch_token("orders/read").await.unwrap_err();
    for s in [e.to_string(), format!("{e:?}")] {
        assert!(!s.contains("another-secret-xyz"), "{s}");
    }
    issuer.push_token_faults([Fault::body_200(format!(
        "{{\"access_token\": \"{}\"",
        token.secret()
    ))]);
    let e = client.fetch_token("orders/read").await.unwrap_err();
    assert!(
        !format!("{e:?} {e}").contains(token.secret()),
        "a broken 200 body is not echoed"
    );
}

#[test]
fn builder_validation() {
    assert!(matches!(
        M2mClient::builder()
            .client_id("a")
            .client_secret("b")
            .build(),
        Err(M2mError::Config(_))
    ));
    assert!(matches!(
        M2mClient::builder()
            .token_url("http://x/oauth2/token")
            .client_secret("b")
            .build(),
        Err(M2mError::Config(_))
    ));
    assert!(matches!(
        M2mClient::builder()
            .token_url("http://x/oauth2/token")
            .client_id("a")
            .build(),
        Err(M2mError::Config(_))
    ));
    assert!(matches!(
        M2mClient::builder()
            .token_url("file:///etc/passwd")
            .client_id("a")
            .client_secret("b")
            .build(),
        Err(M2mError::Config(_))
    ));
    let c = M2mClient::builder()
        .domain("example.auth.us-east-1.amazoncognito.com/")
        .client_id("a")
        .client_secret("b")
        .build()
        .unwrap();
    assert_eq!(
        c.token_url(),
        "https://example.auth.us-east-1.amazoncognito.com/oauth2/token"
    );
}

fn fake_jwt(payload: &serde_json::Value) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        b64.encode(br#"{"alg":"RS256","kid":"k"}"#),
        b64.encode(payload.to_string())
    )
}

#[tokio::test]
async fn absurd_lifetimes_are_bounded_not_overflowed() {
    let issuer = issuer().await;
    let client = builder(&issuer).build().unwrap();
    // expires_in far beyond a year: refused as invalid.
    issuer.push_token_faults([Fault::body_200(
        serde_json::json!({"access_token": "a.b.c", "token_type": "Bearer", "expires_in": u64::MAX})
            .to_string(),
    )]);
    assert!(matches!(
        client.fetch_token("orders/read").await.unwrap_err(),
        M2mError::InvalidResponse(_)
    ));
    // No expires_in and a token claiming exp = i64::MAX: cached for a year at most, no panic.
    let forever = fake_jwt(&serde_json::json!({ "exp": i64::MAX }));
    issuer.push_token_faults([Fault::body_200(
        serde_json::json!({"access_token": forever, "token_type": "Bearer"}).to_string(),
    )]);
    let t = client.fetch_token("orders/read").await.unwrap();
    assert_eq!(t.expires_in(), Duration::from_secs(366 * 24 * 3600));
}

#[test]
fn plain_http_token_urls_are_refused_except_on_loopback() {
    let b = || M2mClient::builder().client_id("c").client_secret("s");
    let err = b()
        .token_url("http://auth.example.com/oauth2/token")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, M2mError::Config(m) if m.contains("https")),
        "{err}"
    );
    assert!(b().domain("http://auth.example.com").build().is_err());
    assert!(
        b().token_url("http://127.0.0.1:9/oauth2/token")
            .build()
            .is_ok()
    );
    assert!(
        b().token_url("http://localhost:9/oauth2/token")
            .build()
            .is_ok()
    );
    assert!(
        b().domain("auth.example.com").build().is_ok(),
        "bare host: https"
    );
    assert!(
        b().token_url("http://auth.example.com/oauth2/token")
            .http_config(HttpConfig::default().allow_insecure_http(true))
            .build()
            .is_ok(),
        "explicit opt-in"
    );
}
