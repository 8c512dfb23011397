//! The demo's orders API: axum + cognito-auth-axum.

use axum::Router;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_axum::{CognitoAuthLayer, Principal, guarded};

/// Starts the API on 127.0.0.1 and returns its base URL.
pub async fn start(issuer: &str) -> Result<String, Box<dyn std::error::Error>> {
    let config = AuthConfig::builder()
        .issuer(issuer)
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["reporting-worker", "order-writer"]);
    let app = Router::new()
        .route(
            "/orders",
            // Each handler with the scopes it requires; the guard covers every one.
            guarded(Guard::authenticated())
                .get(&["orders/read"], |p: Principal| async move {
                    format!("orders visible to {}", p.client_id())
                })
                .post(&["orders/write"], |p: Principal| async move {
                    format!("order created by {}", p.client_id())
                })
                .delete(&["orders/admin"], || async { "deleted" })
                .into(),
        )
        .layer(CognitoAuthLayer::from_config(&config)?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}
