//! User mapping, configuration, custom responses, via `tower::ServiceExt::oneshot`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{
    AuthConfig, ByClaim, ByClientId, ErrorFormat, ErrorResponse, FromFn, Lookup, LookupError,
    ProxyUser, ProxyUsers, UserMapper,
};
use cognito_auth_axum::{AppUser, CognitoAuthLayer, Principal, UserLayer};
use cognito_auth_testkit::LocalIssuer;
use http::{Request, StatusCode};
use tower::ServiceExt;

fn base_config(issuer: &LocalIssuer) -> AuthConfig {
    AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(AcceptedTokenUse::Access),
        any_client: true,
        ..AuthConfig::default()
    }
}

async fn call(app: &Router, token: Option<&str>) -> (StatusCode, Option<String>, String) {
    let mut req = Request::get("/");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let www = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, www, String::from_utf8(body.to_vec()).unwrap())
}

#[derive(Clone, Debug, PartialEq)]
struct DbUser {
    id: u32,
    name: String,
}

fn mapped_app<M: UserMapper<User = DbUser>>(issuer: &LocalIssuer, mapper: M) -> Router {
    Router::new()
        .route(
            "/",
            get(|u: AppUser<DbUser>| async move { format!("{}:{}", u.0.id, u.0.name) }),
        )
        .layer(UserLayer::new(mapper))
        .layer(CognitoAuthLayer::from_config(&base_config(issuer)).unwrap())
}

fn directory(key: String) -> std::future::Ready<Result<Vec<DbUser>, LookupError>> {
    let users = match key.as_str() {
        "svc-one" | "u-1" => vec![DbUser {
            id: 1,
            name: "one".into(),
        }],
        "svc-twin" => vec![
            DbUser {
                id: 2,
                name: "twin-a".into(),
            },
            DbUser {
                id: 3,
                name: "twin-b".into(),
            },
        ],
        "svc-broken" => return std::future::ready(Err("directory offline".into())),
        _ => vec![],
    };
    std::future::ready(Ok(users))
}

#[tokio::test]
async fn user_mapping_by_client_id() {
    let issuer = LocalIssuer::start().await;
    let app = mapped_app(&issuer, ByClientId::new(directory));
    let (s, _, b) = call(
        &app,
        Some(&issuer.access_token().client_id("svc-one").sign()),
    )
    .await;
    assert_eq!((s, b.as_str()), (StatusCode::OK, "1:one"));
    // A miss never authenticates as anybody.
    let (s, www, b) = call(
        &app,
        Some(&issuer.access_token().client_id("svc-nobody").sign()),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(www.as_deref(), Some(r#"Bearer error="invalid_token""#));
    assert_eq!(b, r#"{"detail":"No user is associated with this token."}"#);
    // Ambiguous: 500 with a generic body.
    let (s, www, b) = call(
        &app,
        Some(&issuer.access_token().client_id("svc-twin").sign()),
    )
    .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(www, None);
    assert_eq!(b, r#"{"detail":"Internal server error."}"#);
    assert!(!b.contains("twin"), "no internals in the body");
    let (s, _, b) = call(
        &app,
        Some(&issuer.access_token().client_id("svc-broken").sign()),
    )
    .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!b.contains("offline"));
}

#[tokio::test]
async fn user_mapping_by_claim_and_closure() {
    let issuer = LocalIssuer::start().await;
    let app = mapped_app(&issuer, ByClaim::new("custom:user_id", directory));
    let t = issuer
        .access_token()
        .client_id("svc-x")
        .claim("custom:user_id", "u-1")
        .sign();
    assert_eq!(call(&app, Some(&t)).await.2, "1:one");
    let no_claim = issuer.access_token().client_id("svc-one").sign();
    assert_eq!(
        call(&app, Some(&no_claim)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let app = mapped_app(
        &issuer,
        FromFn::new(|p: cognito_auth::web::ServicePrincipal| async move {
            Ok::<_, LookupError>(if p.has_scope("admin") {
                Lookup::Found(DbUser {
                    id: 9,
                    name: p.client_id().to_owned(),
                })
            } else {
                Lookup::NotFound
            })
        }),
    );
    let admin = issuer
        .access_token()
        .client_id("ops")
        .scopes(["admin"])
        .sign();
    assert_eq!(call(&app, Some(&admin)).await.2, "9:ops");
    assert_eq!(
        call(&app, Some(&issuer.access_token().sign())).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn proxy_user_has_the_client_id_and_no_row() {
    let issuer = LocalIssuer::start().await;
    let app = Router::new()
        .route(
            "/",
            get(|u: AppUser<ProxyUser>, p: Principal| async move {
                assert!(u.0.is_authenticated());
                assert_eq!(u.0.principal().client_id(), p.client_id());
                u.0.username().to_owned()
            }),
        )
        .layer(UserLayer::new(Arc::new(ProxyUsers)))
        .layer(CognitoAuthLayer::from_config(&base_config(&issuer)).unwrap());
    let (s, _, b) = call(
        &app,
        Some(&issuer.access_token().client_id("batch-7").sign()),
    )
    .await;
    assert_eq!((s, b.as_str()), (StatusCode::OK, "batch-7"));
}

#[tokio::test]
async fn config_from_toml_text_errors_and_custom_header() {
    let issuer = LocalIssuer::start().await;
    let toml_text = format!(
        r#"
        issuer = "{}"
        token_use = "access"
        header_name = "X-Service-Token"
        header_prefix = "Token"
        realm = "orders-api"
        error_format = "text"
        allowed_clients = ["svc-a"]
        default_scope_match = "any"
        [user_mapping]
        strategy = "proxy"
        [activity]
        enabled = false
        "#,
        issuer.issuer()
    );
    let cfg: AuthConfig = toml::from_str(&toml_text).unwrap();
    assert_eq!(cfg.error_format, ErrorFormat::Text);
    let app = Router::new()
        .route(
            "/",
            get(|p: Principal| async move { p.client_id().to_owned() }),
        )
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let t = issuer.access_token().client_id("svc-a").sign();
    let ok = Request::get("/")
        .header("x-service-token", format!("token {t}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.clone().oneshot(ok).await.unwrap().status(),
        StatusCode::OK
    );
    let (s, www, b) = call(&app, Some(&t)).await; // Authorization header is not the configured one
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(www.as_deref(), Some(r#"Token realm="orders-api""#));
    assert_eq!(b, "Authentication credentials were not provided.");
    assert!(
        toml::from_str::<AuthConfig>("unknown_setting = 1").is_err(),
        "typos are errors"
    );
}

#[tokio::test]
async fn custom_responder_builds_the_response() {
    let issuer = LocalIssuer::start().await;
    let mut cfg = base_config(&issuer);
    cfg.custom_responder = Some(Arc::new(|e| {
        ErrorResponse::new(
            e.status(),
            "application/problem+json",
            format!(r#"{{"title":"{}","status":{}}}"#, e.detail(), e.status()),
        )
    }));
    let app = Router::new()
        .route(
            "/",
            get(|p: Principal| async move { p.client_id().to_owned() }),
        )
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let resp = app
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(
        &body[..],
        br#"{"title":"Authentication credentials were not provided.","status":401}"#
    );
}

#[test]
fn config_from_env() {
    let vars = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_AUTH_MODE", "permissive"),
        ("COGNITO_FAIL_ON_INVALID_BEARER", "false"),
        ("COGNITO_ERROR_FORMAT", "text"),
        ("COGNITO_CLIENT_IDS", "a,b"),
    ];
    let get = |k: &str| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let cfg = AuthConfig::from_env_with(get).unwrap();
    assert_eq!(cfg.mode, cognito_auth::web::AuthMode::Permissive);
    assert!(!cfg.fail_on_invalid_bearer);
    assert_eq!(cfg.allowed_clients, Some(vec!["a".into(), "b".into()]));
    assert!(cfg.authenticator().is_ok());
    let bad = [("COGNITO_AUTH_MODE", "sometimes")];
    let get = |k: &str| {
        bad.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(AuthConfig::from_env_with(get).is_err());
}

#[tokio::test]
async fn activity_is_tracked_per_client_and_never_fails_a_request() {
    use cognito_auth_activity::{ActivityOptions, ActivityTracker};
    use std::time::Duration;

    let issuer = LocalIssuer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("activity.db").display()
    );
    let tracker = ActivityTracker::connect(
        &url,
        ActivityOptions::default().flush_interval(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    let auth = base_config(&issuer)
        .authenticator()
        .unwrap()
        .with_activity(tracker.clone());
    let app = Router::new()
        .route(
            "/",
            get(|p: Principal| async move { p.client_id().to_owned() }),
        )
        .layer(CognitoAuthLayer::new(auth));
    let a = issuer.access_token().client_id("svc-a").sign();
    let b = issuer.access_token().client_id("svc-b").sign();
    for _ in 0..5 {
        assert_eq!(call(&app, Some(&a)).await.0, StatusCode::OK);
    }
    assert_eq!(call(&app, Some(&b)).await.0, StatusCode::OK);
    assert_eq!(
        call(&app, None).await.0,
        StatusCode::UNAUTHORIZED,
        "anonymous requests are not tracked"
    );
    tracker.flush().await.unwrap();
    let rows = tracker.list().await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.client_id.as_str(), r.request_count))
            .collect::<Vec<_>>(),
        [("svc-a", 5), ("svc-b", 1)]
    );

    // The database breaks: requests still succeed, and the counts wait for the next flush.
    let admin = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("ALTER TABLE cognito_client_activity RENAME TO away")
        .execute(&admin)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(call(&app, Some(&a)).await.0, StatusCode::OK);
    }
    assert!(tracker.flush().await.is_err());
    sqlx::query("ALTER TABLE away RENAME TO cognito_client_activity")
        .execute(&admin)
        .await
        .unwrap();
    tracker.shutdown().await.unwrap();
    assert_eq!(
        tracker.get("svc-a").await.unwrap().unwrap().request_count,
        8
    );
}

/// `route_layer` guards only the handlers added before it; `guarded` declares each handler
/// with its scopes, so the method added last is guarded like the first.
#[tokio::test]
async fn a_method_added_later_cannot_slip_past_the_guard() {
    use cognito_auth::web::Guard;
    use cognito_auth_axum::guarded;
    let issuer = LocalIssuer::start().await;
    let app = Router::new()
        .route(
            "/items",
            guarded(Guard::authenticated())
                .get(&["items/read"], || async { "list" })
                .post(&["items/write"], || async { "created" })
                .delete(&["items/admin"], || async { "deleted" })
                .into(),
        )
        .layer(CognitoAuthLayer::from_config(&base_config(&issuer)).unwrap());
    let reader = issuer
        .access_token()
        .client_id("svc")
        .scopes(["items/read"])
        .sign();
    let send = |method: &str, token: &str| {
        Request::builder()
            .method(method)
            .uri("/items")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let status = |r: Request<Body>| {
        let app = app.clone();
        async move { app.oneshot(r).await.unwrap().status() }
    };
    assert_eq!(status(send("GET", &reader)).await, StatusCode::OK);
    assert_eq!(status(send("HEAD", &reader)).await, StatusCode::OK);
    assert_eq!(status(send("POST", &reader)).await, StatusCode::FORBIDDEN);
    assert_eq!(status(send("DELETE", &reader)).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status(send("PUT", &reader)).await,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let writer = issuer
        .access_token()
        .client_id("svc")
        .scopes(["items/write"])
        .sign();
    assert_eq!(status(send("POST", &writer)).await, StatusCode::OK);
    assert_eq!(status(send("HEAD", &writer)).await, StatusCode::FORBIDDEN);
}
