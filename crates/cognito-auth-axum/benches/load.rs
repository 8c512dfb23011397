//! Loopback load: the same handler unprotected and behind `CognitoAuthLayer` + a scope guard,
//! measured with a bounded load generator (fixed connections, fixed time).
//!
//! Run: `cargo bench -p cognito-auth-axum --bench load`
//! (env `LOAD_SECONDS`, `LOAD_ROUNDS`, `LOAD_CONNECTIONS`: defaults 1 s, 11 rounds, 32.)

use axum::Router;
use axum::routing::get;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, GuardLayer};
use cognito_auth_testkit::LocalIssuer;
use cognito_auth_testsuite::load;

fn main() {
    let issuer = LocalIssuer::builder().start_blocking();
    let token = issuer
        .access_token()
        .client_id("bench")
        .scopes(["orders/read"])
        .sign();
    let cfg = AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(AcceptedTokenUse::Access),
        allowed_clients: Some(vec!["bench".into()]),
        ..AuthConfig::default()
    };
    let protected = Router::new()
        .route(
            "/protected",
            get(|| async { "hello" }).route_layer(GuardLayer::new(Guard::all(["orders/read"]))),
        )
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let app = Router::new()
        .route("/open", get(|| async { "hello" }))
        .merge(protected);

    // Server and load generator each get one worker thread (the machine has two cores).
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    server_rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    load::compare(
        &client_rt,
        "axum",
        &format!("{base}/open"),
        &format!("{base}/protected"),
        &format!("Bearer {token}"),
        &load::Comparison::from_env(),
    );
}
