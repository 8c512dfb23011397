//! The bearer layers: injection, the 401 retry and its budget.

use super::*;

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

#[test]
fn in_memory_bodies_replay_as_they_are() {
    use cognito_auth::bearer::ReplayBody;
    assert_eq!("abc".to_string().try_replay().as_deref(), Some("abc"));
    assert_eq!(vec![1u8, 2].try_replay(), Some(vec![1u8, 2]));
    assert_eq!(
        Bytes::from_static(b"xy").try_replay(),
        Some(Bytes::from_static(b"xy"))
    );
    assert!(http_body_util::Empty::<Bytes>::new().try_replay().is_some());
    assert_eq!(().try_replay(), Some(()));
    let full = http_body_util::Full::new(Bytes::from_static(b"body"));
    assert!(full.try_replay().is_some());
}

/// An inner service that refuses in `poll_ready`.
#[derive(Clone)]
struct NotReady;

impl tower::Service<http::Request<String>> for NotReady {
    type Response = http::Response<String>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Err(std::io::Error::other("not ready")))
    }
    fn call(&mut self, _: http::Request<String>) -> Self::Future {
        std::future::ready(Ok(http::Response::new(String::new())))
    }
}

#[tokio::test]
async fn the_inner_service_readiness_and_errors_come_through() {
    use std::error::Error as _;
    use tower::{Layer, Service};
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let mut svc = BearerLayer::new(source).layer(NotReady);
    let e = std::future::poll_fn(|cx| svc.poll_ready(cx))
        .await
        .unwrap_err();
    assert!(matches!(e, cognito_auth::bearer::BearerError::Inner(_)));
    assert_eq!(e.source().unwrap().to_string(), "not ready");
    let token_error: cognito_auth::bearer::BearerError<std::io::Error, std::io::Error> =
        cognito_auth::bearer::BearerError::Token(std::io::Error::other("no token"));
    assert_eq!(token_error.source().unwrap().to_string(), "no token");
    assert_eq!(issuer.token_requests(), 0);
}
