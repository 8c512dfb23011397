//! The demo's orders API: axum + cognito-auth-axum.

use axum::Router;
use axum::routing::get;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, GuardLayer, Principal};

/// Starts the API on 127.0.0.1 and returns its base URL.
pub async fn start(issuer: &str) -> Result<String, Box<dyn std::error::Error>> {
    let config = AuthConfig::builder()
        .issuer(issuer)
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["reporting-worker", "order-writer"]);
    let app = Router::new()
        .route(
            "/orders",
            get(|p: Principal| async move { format!("orders visible to {}", p.client_id()) })
                .post(|p: Principal| async move { format!("order created by {}", p.client_id()) })
                .delete(|| async { "deleted" })
                // Per-method scopes; methods not listed (DELETE) are denied.
                .route_layer(GuardLayer::new(
                    Guard::authenticated()
                        .method_scopes("GET", ["orders/read"])
                        .method_scopes("POST", ["orders/write"]),
                )),
        )
        .layer(CognitoAuthLayer::from_config(&config)?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}
