//! The shared status matrix (cognito-auth-testkit's `web_matrix`) against this crate's build
//! of the standard app, over real HTTP on loopback.

use std::collections::HashMap;

use axum::Router;
use axum::routing::get;
use cognito_auth::scope_requirement;
use cognito_auth::web::{Authenticator, Guard};
use cognito_auth_axum::{CognitoAuthLayer, GuardLayer, Principal, Scoped, guarded};
use cognito_auth_testkit::LocalIssuer;
use cognito_auth_testsuite::web_matrix::{APPS, auth_config, run};

scope_requirement!(ReadOrders: all ["orders/read"]);

fn standard_app(auth: Authenticator) -> Router {
    Router::new()
        .route(
            "/whoami",
            get(|p: Option<Principal>| async move {
                match p {
                    Some(p) => format!("client:{}", p.client_id()),
                    None => "anonymous".to_owned(),
                }
            }),
        )
        .route("/me", get(|p: Principal| async move { format!("client:{}", p.client_id()) }))
        .route(
            "/orders",
            get(|| async { "orders" })
                .route_layer(GuardLayer::new(Guard::all(["orders/read", "orders/list"]))),
        )
        .route(
            "/reports",
            get(|| async { "reports" })
                .route_layer(GuardLayer::new(Guard::any(["reports/read", "reports/admin"]))),
        )
        .route(
            "/items",
            guarded(Guard::authenticated())
                .get(&["items/read"], || async { "items" })
                .post(&["items/write"], || async { "items" })
                .delete(&["items/admin"], || async { "items" })
                .into(),
        )
        .route(
            "/partners",
            get(|| async { "partners" })
                .route_layer(GuardLayer::new(Guard::authenticated().clients(["partner-a"]))),
        )
        .route(
            "/typed",
            get(|s: Scoped<ReadOrders>| async move { format!("typed:{}", s.principal().client_id()) }),
        )
        .layer(CognitoAuthLayer::new(auth))
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

#[tokio::test]
async fn status_matrix() {
    let issuer = LocalIssuer::start().await;
    let mut urls = HashMap::new();
    for app in APPS {
        let auth = auth_config(&issuer, app).authenticator().unwrap();
        urls.insert(app, serve(standard_app(auth)).await);
    }
    let failures = run(&issuer, |app| urls[&app].clone()).await;
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
