//! The axum integration inside AWS Lambda (behind API Gateway or a function URL) through
//! `lambda_http`: the same `CognitoAuthLayer`, the verifier and its JWKS cache living across
//! warm invocations. Configured from `COGNITO_*`.
//!
//! `cargo build --release -p cognito-auth-lambda --example axum_in_lambda`, deployed as
//! `bootstrap` on the `provided.al2023` runtime.

use axum::Router;
use axum::routing::get;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, Principal};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // Log lines driven by RUST_LOG (e.g. `RUST_LOG=cognito_auth=debug`: every refused
    // request with its reason code).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let auth = CognitoAuthLayer::from_config(&AuthConfig::from_env()?)?;
    let app = Router::new()
        .route(
            "/orders",
            get(|p: Principal| async move { format!("orders for {}", p.client_id()) }),
        )
        .layer(auth.with_guard(Guard::all(["orders/read"])));
    lambda_http::run(app).await
}
