//! The M2M client and token source against the test-kit issuer over real HTTP.
#![cfg(all(feature = "tower", feature = "reqwest-middleware"))]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use cognito_auth::HttpConfig;
use cognito_auth::m2m::{
    BearerLayer, BearerMiddleware, ClientAuth, M2mClient, M2mClientBuilder, M2mError,
    RefreshPolicy, RetryPolicy, TokenSource,
};
use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{ClientSpec, Fault, LocalIssuer};
use http_body_util::{BodyExt, Full};
use tower::{ServiceBuilder, ServiceExt};

const SECRET: &str = "worker-secret-value-9f8e7d";

async fn issuer() -> LocalIssuer {
    LocalIssuer::builder()
        .client(ClientSpec::new("worker", SECRET).scopes([
            "orders/read",
            "orders/write",
            "stock/read",
        ]))
        .start()
        .await
}

fn builder(issuer: &LocalIssuer) -> M2mClientBuilder {
    M2mClient::builder()
        .token_url(issuer.token_url())
        .client_id("worker")
        .client_secret(SECRET)
        .retry_policy(RetryPolicy::none())
}

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

    assert_eq!(
        client.fetch_token(Vec::<String>::new()).await.unwrap_err(),
        M2mError::EmptyScopes
    );
    assert_eq!(
        client.fetch_token("   ").await.unwrap_err(),
        M2mError::EmptyScopes
    );
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
    assert_eq!(
        client.fetch_token("orders/read").await.unwrap_err(),
        M2mError::MissingAccessToken
    );

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
            M2mError::Transport(cognito_auth::TransportError::Timeout(_))
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
                M2mError::Transport(cognito_auth::TransportError::TooLarge { limit: 4096 })
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
async fn ten_thousand_concurrent_cold_calls_make_one_request() {
    let issuer = issuer().await;
    issuer.push_token_faults([Fault::delay(Duration::from_millis(300))]);
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10_000 {
        let s = source.clone();
        set.spawn(async move { s.token().await.map(|t| t.secret().to_owned()) });
    }
    let mut distinct = HashSet::new();
    while let Some(r) = set.join_next().await {
        distinct.insert(r.unwrap().unwrap());
    }
    assert_eq!(issuer.token_requests(), 1);
    assert_eq!(distinct.len(), 1);
    // And later calls are served from the cache.
    for _ in 0..100 {
        source.token().await.unwrap();
    }
    assert_eq!(issuer.token_requests(), 1);
}

#[tokio::test]
async fn refresh_ahead_runs_in_the_background() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(6);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().refresh_at(0.5),
    );
    let first = source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(3200)).await;
    // Past 50 % of the lifetime: the old token comes back at once, a refresh starts.
    issuer.push_token_faults([Fault::delay(Duration::from_millis(800))]);
    let started = Instant::now();
    let again = source.token().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "caller did not wait"
    );
    assert_eq!(again.secret(), first.secret());
    for _ in 0..100 {
        if source.token().await.unwrap().secret() != first.secret() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_ne!(
        source.token().await.unwrap().secret(),
        first.secret(),
        "refreshed token in use"
    );
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn failed_refresh_keeps_the_old_token_until_it_expires() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(4);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default()
            .refresh_at(0.25)
            .expiry_margin(Duration::from_millis(400))
            .failed_refresh_backoff(Duration::from_millis(200)),
    );
    let first = source.token().await.unwrap();
    issuer.push_token_faults(std::iter::repeat_n(Fault::status(500), 1000));
    // Between 25 % and expiry the refreshes fail; the old token keeps being served.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let deadline = first.expires_at() - Duration::from_millis(700);
    let mut served = 0;
    while Instant::now() < deadline {
        assert_eq!(source.token().await.unwrap().secret(), first.secret());
        served += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served > 5);
    assert!(
        issuer.token_requests() >= 3,
        "refresh was attempted, with backoff"
    );
    assert!(
        issuer.token_requests() < 30,
        "refresh attempts are spaced out"
    );
    // Expired (within the margin): never returned; the caller gets the failure instead.
    tokio::time::sleep(first.expires_at().saturating_duration_since(Instant::now())).await;
    let e = source.token().await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    issuer.clear_faults();
    let fresh = source.token().await.unwrap();
    assert_ne!(fresh.secret(), first.secret());
    assert!(!fresh.is_expired());
}

#[tokio::test]
async fn expired_token_is_never_returned() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(2);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().refresh_at(1.0),
    );
    let first = source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(first.is_expired());
    let second = source.token().await.unwrap();
    assert!(!second.is_expired());
    assert_ne!(first.secret(), second.secret());
}

#[tokio::test]
async fn scope_sets_are_cached_separately_and_invalidate_works() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let a = source.token_for("orders/write").await.unwrap();
    let b = source.token_for(["stock/read"]).await.unwrap();
    let d = source.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 3);
    assert_eq!(
        source
            .token_for(vec!["orders/write"])
            .await
            .unwrap()
            .secret(),
        a.secret()
    );
    assert_eq!(
        source.token_for("stock/read").await.unwrap().secret(),
        b.secret()
    );
    assert_eq!(
        source.token_for("orders/read").await.unwrap().secret(),
        d.secret(),
        "default scopes share the default entry"
    );
    assert_eq!(issuer.token_requests(), 3);
    assert!(source.token_for("").await.is_err());

    source.invalidate_token(&a);
    assert_ne!(
        source.token_for("orders/write").await.unwrap().secret(),
        a.secret()
    );
    assert_eq!(
        source.token().await.unwrap().secret(),
        d.secret(),
        "other entries kept"
    );
    source.invalidate();
    assert_ne!(source.token().await.unwrap().secret(), d.secret());
    assert_eq!(issuer.token_requests(), 5);

    let h = source.headers().await.unwrap();
    let v = h.get("authorization").unwrap();
    assert!(v.to_str().unwrap().starts_with("Bearer ey"));
    assert!(v.is_sensitive());
}

/// A resource server that rejects (401) the first token it sees, as if it had been revoked,
/// and echoes the request body for the others.
async fn resource_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let state = seen.clone();
    let app = axum::Router::new().route(
        "/echo",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let seen = state.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let mut seen = seen.lock().unwrap();
                seen.push(auth.clone());
                if seen.len() == 1 || !auth.starts_with("Bearer ") || auth == seen[0] {
                    (StatusCode::UNAUTHORIZED, Bytes::new())
                } else {
                    (StatusCode::OK, body)
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/echo", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn tower_layer_injects_and_retries_once_on_401() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let (url, seen) = resource_server().await;
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let svc = ServiceBuilder::new()
        .layer(BearerLayer::new(source.clone()))
        .service(hyper);
    let req = http::Request::post(&url)
        .body(Full::new(Bytes::from_static(b"payload-1")))
        .unwrap();
    let resp = svc.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"payload-1", "the replayed body arrived intact");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0], seen[1], "retried with a fresh token");
    assert_eq!(issuer.token_requests(), 2);

    // Next request: the fresh token is cached, no further token request.
    let req = http::Request::post(&url)
        .body(Full::new(Bytes::from_static(b"payload-2")))
        .unwrap();
    assert_eq!(svc.oneshot(req).await.unwrap().status(), 200);
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn tower_layer_does_not_retry_unreplayable_bodies_and_reports_token_errors() {
    use http_body_util::combinators::BoxBody;
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let (url, seen) = resource_server().await;
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<BoxBody<Bytes, std::convert::Infallible>>();
    let svc = ServiceBuilder::new()
        .layer(BearerLayer::new(source))
        .service(hyper);
    let req = http::Request::post(&url)
        .body(BoxBody::new(Full::new(Bytes::from_static(b"x"))))
        .unwrap();
    assert_eq!(svc.oneshot(req).await.unwrap().status(), 401);
    assert_eq!(seen.lock().unwrap().len(), 1);

    let bad = TokenSource::new(builder(&issuer).client_secret("wrong").build().unwrap());
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let svc = ServiceBuilder::new()
        .layer(BearerLayer::new(bad))
        .service(hyper);
    let req = http::Request::post(&url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    match svc.oneshot(req).await.unwrap_err() {
        cognito_auth::m2m::BearerError::Token(e) => {
            assert_eq!(e.oauth_error(), Some("invalid_client"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn reqwest_middleware_injects_and_retries_once_on_401() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let (url, seen) = resource_server().await;
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(source))
        .build();
    let resp = http.post(&url).body("payload-3").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "payload-3");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0], seen[1]);
    assert_eq!(issuer.token_requests(), 2);
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

/// A downstream that refuses every token (401), counting the calls.
async fn always_401_server() -> (String, Arc<Mutex<usize>>) {
    let calls: Arc<Mutex<usize>> = Arc::default();
    let state = calls.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move || {
            let calls = state.clone();
            async move {
                *calls.lock().unwrap() += 1;
                StatusCode::UNAUTHORIZED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

#[tokio::test]
async fn downstream_401s_cannot_turn_into_a_bill() {
    let issuer = issuer().await;
    let (url, calls) = always_401_server().await;

    // tower: 100 calls answered 401 → the first token and one refetch, nothing more.
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let svc = ServiceBuilder::new()
        .layer(BearerLayer::new(source.clone()))
        .service(hyper);
    for _ in 0..100 {
        let req = http::Request::post(&url)
            .body(Full::new(Bytes::from_static(b"x")))
            .unwrap();
        assert_eq!(svc.clone().oneshot(req).await.unwrap().status(), 401);
    }
    assert_eq!(
        issuer.token_requests(),
        2,
        "one token, one 401-triggered refetch"
    );
    assert_eq!(
        *calls.lock().unwrap(),
        101,
        "one retry in all, not one per call"
    );

    // Concurrent callers share the budget too.
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let svc = svc.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let req = http::Request::post(&url)
                .body(Full::new(Bytes::from_static(b"x")))
                .unwrap();
            svc.oneshot(req).await.unwrap().status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 401);
    }
    assert_eq!(issuer.token_requests(), 2);

    // reqwest-middleware: the same budget.
    issuer.reset_counters();
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(source))
        .build();
    for _ in 0..100 {
        let resp = http.post(&url).body("x").send().await.unwrap();
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn the_401_budget_renews_after_its_interval_and_only_drops_the_refused_token() {
    let issuer = issuer().await;
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().unauthorized_refetch_interval(Duration::from_millis(200)),
    );
    let first = source.token().await.unwrap();
    assert!(source.token_rejected(&first), "first 401: refetch allowed");
    let second = source.token().await.unwrap();
    assert!(!second.access_token().ct_eq(first.secret()));
    assert_eq!(issuer.token_requests(), 2);
    // A late 401 for the old token does not drop the new one.
    assert!(source.token_rejected(&first), "the newer token is retried");
    let still = source.token().await.unwrap();
    assert!(still.access_token().ct_eq(second.secret()));
    // Within the interval a 401 for the current token is passed on.
    assert!(!source.token_rejected(&second));
    assert_eq!(issuer.token_requests(), 2);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(source.token_rejected(&second), "the budget renews");
    source.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 3);
}

#[tokio::test]
async fn retry_after_is_remembered_between_calls() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    issuer.push_token_faults([Fault::too_many_requests(60)]);
    let err = source.token().await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    for _ in 0..20 {
        match source.token().await.unwrap_err() {
            M2mError::Throttled { retry_after } => {
                assert!(retry_after <= Duration::from_secs(60));
                assert!(retry_after > Duration::from_secs(50));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        issuer.token_requests(),
        1,
        "nothing sent before Retry-After"
    );

    // The pause is capped.
    issuer.reset_counters();
    let capped = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().max_retry_after(Duration::from_millis(100)),
    );
    issuer.push_token_faults([Fault::too_many_requests(3600)]);
    assert_eq!(capped.token().await.unwrap_err().status(), Some(429));
    assert!(matches!(
        capped.token().await.unwrap_err(),
        M2mError::Throttled { .. }
    ));
    tokio::time::sleep(Duration::from_millis(150)).await;
    capped.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn retry_after_holds_back_the_background_refresh_too() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(4);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default()
            .refresh_at(0.25)
            .failed_refresh_backoff(Duration::ZERO)
            .expiry_margin(Duration::ZERO),
    );
    let t = source.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 1);
    issuer.push_token_faults([Fault::too_many_requests(60)]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Refresh due: one background attempt meets the 429...
    let same = source.token().await.unwrap();
    assert!(same.access_token().ct_eq(t.secret()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...after which callers keep the valid token and nothing more is sent.
    for _ in 0..20 {
        let same = source.token().await.unwrap();
        assert!(same.access_token().ct_eq(t.secret()));
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(issuer.token_requests(), 2);
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
