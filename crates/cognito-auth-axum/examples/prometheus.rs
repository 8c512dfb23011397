//! The library's metrics on a Prometheus `/metrics` endpoint, beside a protected API.
//!
//! Runs on the embedded test-kit issuer (no AWS account): it serves the API, sends itself a
//! few requests (one passes, one has no token, one lacks the scope) and prints what
//! Prometheus would scrape. Pass `--serve` to keep serving.
//!
//! ```text
//! cargo run -p cognito-auth-axum --example prometheus
//! ```
//!
//! In a real service, the three lines that matter are the recorder installation, the
//! `/metrics` route, and `features = ["metrics"]` on `cognito-auth`.

use axum::Router;
use axum::routing::get;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, Principal, guarded};
use cognito_auth_testkit::LocalIssuer;
use metrics_exporter_prometheus::PrometheusBuilder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Log lines driven by RUST_LOG (e.g. `RUST_LOG=cognito_auth=debug`: every refused
    // request with its reason code).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    // 1. Install the recorder; keep the handle to render the scrape.
    let prometheus = PrometheusBuilder::new().install_recorder()?;

    let issuer = LocalIssuer::builder().start().await;
    let auth = AuthConfig::default()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["reporting"])
        .authenticator()?;

    let api = Router::new()
        .route(
            "/reports",
            guarded(Guard::authenticated())
                .get(&["reports/read"], |p: Principal| async move {
                    format!("reports for {}\n", p.client_id())
                })
                .into(),
        )
        .layer(CognitoAuthLayer::new(auth));
    // 2. The scrape endpoint, outside the authentication layer.
    let app = api.route(
        "/metrics",
        get(move || std::future::ready(prometheus.render())),
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::new();
    let good = issuer
        .access_token()
        .client_id("reporting")
        .scopes(["reports/read"])
        .sign();
    let unscoped = issuer.access_token().client_id("reporting").sign();
    for req in [
        http.get(format!("{base}/reports")).bearer_auth(&good),
        http.get(format!("{base}/reports")),
        http.get(format!("{base}/reports")).bearer_auth(&unscoped),
    ] {
        let r = req.send().await?;
        println!("GET /reports -> {}", r.status());
    }

    println!("\n--- {base}/metrics ---");
    print!(
        "{}",
        http.get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?
    );

    if std::env::args().any(|a| a == "--serve") {
        println!("\nserving on {base} (Ctrl-C to stop)");
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}
