//! Loopback load: the same handler unprotected and behind `CognitoAuthLayer` + a scope guard,
//! measured with a bounded load generator (fixed connections, fixed time).
//!
//! Run: `cargo bench -p cognito-auth-axum --bench load`
//! (env `LOAD_SECONDS`, `LOAD_CONNECTIONS` to change the defaults of 5 s and 32.)

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, GuardLayer};
use cognito_auth_testkit::{LocalIssuer, load};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let secs = env_or("LOAD_SECONDS", 5);
    let conns = env_or("LOAD_CONNECTIONS", 32) as usize;
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

    let bearer = format!("Bearer {token}");
    let measure = |path: &str, auth: Option<&str>, d: Duration| {
        client_rt.block_on(load::run(&format!("{base}{path}"), auth, conns, d))
    };
    // Warm up (JWKS fetch, verified-token cache, connection pools).
    measure("/protected", Some(&bearer), Duration::from_secs(1));
    measure("/open", None, Duration::from_secs(1));
    let mut open = Vec::new();
    let mut prot = Vec::new();
    for _ in 0..2 {
        open.push(measure("/open", None, Duration::from_secs(secs)));
        prot.push(measure(
            "/protected",
            Some(&bearer),
            Duration::from_secs(secs),
        ));
    }
    for r in open.iter().chain(prot.iter()) {
        assert_eq!((r.non_2xx, r.errors), (0, 0), "{r:?}");
    }
    let rps = |v: &[load::LoadReport]| {
        v.iter().map(|r| r.requests_per_second()).sum::<f64>() / v.len() as f64
    };
    let (o, p) = (rps(&open), rps(&prot));
    println!("axum loopback load, {conns} connections, 2 x {secs} s each:");
    println!("  unprotected handler: {o:>10.0} req/s");
    println!("  protected handler:   {p:>10.0} req/s");
    println!("  protected / unprotected: {:.1} %", 100.0 * p / o);
}
