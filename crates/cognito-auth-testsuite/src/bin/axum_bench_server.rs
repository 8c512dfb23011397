//! The server of `scripts/bench.sh`'s auth-layer measurement: one handler body behind three
//! routes, so the load generator (another process) can compare them.
//!
//! - `GET /public`: no authentication;
//! - `GET /auth`: behind `CognitoAuthLayer`;
//! - `GET /guarded`: behind `CognitoAuthLayer` and a `GuardLayer` requiring one scope;
//! - `GET /combined`: behind one `CognitoAuthLayer::with_guard` requiring the same scope;
//! - `GET /noop`: behind a pass-through layer (what axum itself charges for one layer);
//! - `GET /__exit`: stops the server (so callgrind writes its counts).
//!
//! Keys are offline (no JWKS fetch during the measurement). Prints `PORT <port>` and
//! `TOKEN <token>` (a valid access token with the scope) on stdout, then serves on one
//! worker thread.
//!
//! `cargo run --release -p cognito-auth-testsuite --bin axum_bench_server`

use axum::Router;
use axum::routing::get;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, GuardLayer};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};
use std::io::Write;

async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let key = SigningKey::generate();
    let iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Bench";
    let token = TokenBuilder::new(Kind::Access, iss, &key)
        .client_id("4mw9nqflq0bench0client0id00")
        .scopes(["orders/read", "orders/write"])
        .sign();
    let cfg = AuthConfig::default()
        .issuer(iss)
        .jwks_json(jwks_json(std::slice::from_ref(&key)))
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["4mw9nqflq0bench0client0id00"]);
    let auth = CognitoAuthLayer::from_config(&cfg).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let app = Router::new()
        .route("/public", get(hello))
        .merge(Router::new().route("/auth", get(hello)).layer(auth.clone()))
        .merge(
            Router::new()
                .route(
                    "/guarded",
                    get(hello).route_layer(GuardLayer::new(Guard::all(["orders/read"]))),
                )
                .layer(auth.clone()),
        )
        .merge(
            Router::new()
                .route("/noop", get(hello))
                .layer(tower_layer::layer_fn(|s| s)),
        )
        .merge(
            Router::new()
                .route("/combined", get(hello))
                .layer(auth.with_guard(Guard::all(["orders/read"]))),
        )
        .route(
            "/__exit",
            get(move || {
                let _ = stop_tx.send(true);
                std::future::ready("bye")
            }),
        );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut out = std::io::stdout().lock();
        writeln!(out, "PORT {port}").unwrap();
        writeln!(out, "TOKEN {token}").unwrap();
        out.flush().unwrap();
        drop(out);
        let mut stop = stop_rx;
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
            .unwrap();
    });
}
