//! A signed-in person's session authorising outgoing requests through the bearer layers
//! (pycognito's `RequestsSrpAuth`): tokens renewed with the refresh token before expiry, and
//! once more when a downstream refuses the current one.
#![cfg(all(
    feature = "tower",
    feature = "reqwest-middleware",
    feature = "hosted-ui"
))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use cognito_auth::bearer::{BearerLayer, BearerMiddleware};
use cognito_auth::hosted_ui::{HostedUiClient, LoginOptions};
use cognito_auth::refresh::{RefreshingTokens, UserTokens};
use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use http_body_util::{BodyExt, Full};
use tower::{ServiceBuilder, ServiceExt};

fn scripted_browser() -> cognito_auth::hosted_ui::Opener {
    Arc::new(|url: &str| {
        let url = url.to_owned();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let r = http.get(&url).send().await.unwrap();
            let location = r.headers()["location"].to_str().unwrap().to_owned();
            http.get(location).send().await.unwrap();
        });
        Ok(())
    })
}

/// A resource server verifying access tokens of `issuer` for real, which also refuses the
/// first valid token it sees (as if revoked). Records every authorization header.
async fn resource_server(issuer: &LocalIssuer) -> (String, Arc<Mutex<Vec<String>>>) {
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .allowed_clients(["cli-app"])
        .build()
        .unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let state = seen.clone();
    let app = axum::Router::new().route(
        "/me",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let seen = state.clone();
            let verifier = verifier.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let first = {
                    let mut s = seen.lock().unwrap();
                    s.push(auth.clone());
                    s.len() == 1
                };
                let Some(token) = auth.strip_prefix("Bearer ") else {
                    return (StatusCode::UNAUTHORIZED, String::new());
                };
                match verifier.verify(token).await {
                    Ok(_) if first => (StatusCode::UNAUTHORIZED, String::new()),
                    Ok(t) => (
                        StatusCode::OK,
                        format!("{}:{}", t.username().unwrap_or("-"), body.len()),
                    ),
                    Err(_) => (StatusCode::UNAUTHORIZED, String::new()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/me", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// Signs "ann" in through the hosted UI of a fresh test-kit issuer; the tokens are marked as
/// expiring now, so the first use renews them.
async fn signed_in() -> (LocalIssuer, RefreshingTokens) {
    let issuer = LocalIssuer::builder()
        .client(
            ClientSpec::public("cli-app")
                .scopes(["openid", "profile"])
                .callback_urls(["http://127.0.0.1:0/callback"]),
        )
        .start()
        .await;
    issuer.set_login_user("ann");
    let client = HostedUiClient::builder()
        .domain(issuer.base_url())
        .client_id("cli-app")
        .redirect_uri("http://127.0.0.1:0/callback")
        .scopes(["openid", "profile"])
        .build()
        .unwrap();
    let t = client
        .login(LoginOptions {
            opener: Some(scripted_browser()),
            print_url: false,
            timeout: Duration::from_secs(10),
            ..LoginOptions::default()
        })
        .await
        .unwrap();
    let tokens = UserTokens::new(
        t.access_token,
        t.id_token,
        t.refresh_token,
        SystemTime::now(),
    );
    issuer.reset_counters();
    let session = RefreshingTokens::new(tokens, Some(Arc::new(client)), Duration::from_secs(60));
    (issuer, session)
}

#[tokio::test]
async fn tower_bearer_layer_with_a_user_session() {
    let (issuer, session) = signed_in().await;
    let (url, seen) = resource_server(&issuer).await;
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let svc = ServiceBuilder::new()
        .layer(BearerLayer::new(session.clone()))
        .service(hyper);
    let stale = session.tokens().access_token;

    let req = http::Request::post(&url)
        .body(Full::new(Bytes::from_static(b"12345")))
        .unwrap();
    let resp = svc.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"ann:5");
    // Renewed before the first request (expiring), and once more after the 401.
    assert_eq!(issuer.token_requests(), 2);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0], seen[1]);
    assert_ne!(seen[0], format!("Bearer {}", stale.expose()));
    assert_eq!(
        seen[1],
        format!("Bearer {}", session.tokens().access_token.expose())
    );

    // Fresh now: the next request uses the same token, no refresh.
    let req = http::Request::post(&url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(svc.oneshot(req).await.unwrap().status(), 200);
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn reqwest_middleware_with_a_user_session_and_a_revoked_refresh_token() {
    let (issuer, session) = signed_in().await;
    let (url, _) = resource_server(&issuer).await;
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(session.clone()))
        .build();
    let resp = http.post(&url).body("abc").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "ann:3");
    assert_eq!(issuer.token_requests(), 2);

    // The refresh token is revoked: the next renewal fails with a typed error, the request is
    // not sent with a token the layer knows to be stale.
    let rt = session.tokens().refresh_token.unwrap();
    let client = HostedUiClient::builder()
        .domain(issuer.base_url())
        .client_id("cli-app")
        .redirect_uri("http://127.0.0.1:0/callback")
        .build()
        .unwrap();
    client.revoke(&rt).await.unwrap();
    let expiring = RefreshingTokens::new(
        UserTokens::new(
            session.tokens().access_token,
            None,
            Some(rt),
            SystemTime::now(),
        ),
        Some(Arc::new(client)),
        Duration::from_secs(60),
    );
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(expiring))
        .build();
    let e = http.post(&url).send().await.unwrap_err();
    let chain = cognito_auth::error_chain(&e);
    assert!(chain.contains("refused the refresh token"), "{chain}");
}
