//! User mapping and activity tracking through the actix middleware, in process.

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, ByClientId, LookupError, ProxyUser, ProxyUsers};
use cognito_auth_actix::{AppUser, CognitoAuth, MapUser, Principal};
use cognito_auth_testkit::LocalIssuer;

fn config(issuer: &LocalIssuer) -> AuthConfig {
    AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(AcceptedTokenUse::Access),
        any_client: true,
        ..AuthConfig::default()
    }
}

#[derive(Clone, Debug)]
struct DbUser(u32);

fn directory(client: String) -> std::future::Ready<Result<Vec<DbUser>, LookupError>> {
    std::future::ready(Ok(match client.as_str() {
        "svc-one" => vec![DbUser(1)],
        "svc-twin" => vec![DbUser(2), DbUser(3)],
        _ => vec![],
    }))
}

#[actix_web::test]
async fn user_mapping() {
    let issuer = LocalIssuer::start().await;
    let app = test::init_service(
        App::new()
            .route(
                "/",
                web::get().to(|u: AppUser<DbUser>| async move { format!("user:{}", u.0.0) }),
            )
            .wrap(MapUser::new(ByClientId::new(directory)))
            .wrap(CognitoAuth::from_config(&config(&issuer)).unwrap()),
    )
    .await;
    let call = |client: &str| {
        test::TestRequest::get()
            .uri("/")
            .insert_header((
                "authorization",
                format!("Bearer {}", issuer.access_token().client_id(client).sign()),
            ))
            .to_request()
    };
    let resp = test::call_service(&app, call("svc-one")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(test::read_body(resp).await, "user:1");

    let resp = test::call_service(&app, call("svc-nobody")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers().get("www-authenticate").unwrap(),
        r#"Bearer error="invalid_token""#
    );
    assert_eq!(
        test::read_body(resp).await,
        r#"{"detail":"No user is associated with this token."}"#
    );

    let resp = test::call_service(&app, call("svc-twin")).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(resp.headers().get("www-authenticate").is_none());
    assert_eq!(
        test::read_body(resp).await,
        r#"{"detail":"Internal server error."}"#
    );
}

#[actix_web::test]
async fn proxy_user_and_principal_together() {
    let issuer = LocalIssuer::start().await;
    let app = test::init_service(
        App::new()
            .route(
                "/",
                web::get().to(|u: AppUser<ProxyUser>, p: Principal| async move {
                    format!("{}={}", u.0.username(), p.client_id())
                }),
            )
            .wrap(MapUser::new(ProxyUsers))
            .wrap(CognitoAuth::from_config(&config(&issuer)).unwrap()),
    )
    .await;
    let req = test::TestRequest::get()
        .uri("/")
        .insert_header((
            "authorization",
            format!(
                "Bearer {}",
                issuer.access_token().client_id("batch-9").sign()
            ),
        ))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(test::read_body(resp).await, "batch-9=batch-9");
}

#[actix_web::test]
async fn activity_is_tracked() {
    use cognito_auth_activity::{ActivityOptions, ActivityTracker};
    let issuer = LocalIssuer::start().await;
    let tracker = ActivityTracker::connect("sqlite::memory:", ActivityOptions::default())
        .await
        .unwrap();
    let auth = config(&issuer)
        .authenticator()
        .unwrap()
        .with_activity(tracker.clone());
    let app = test::init_service(
        App::new()
            .route(
                "/",
                web::get().to(|p: Principal| async move { p.client_id().to_owned() }),
            )
            .wrap(CognitoAuth::new(auth)),
    )
    .await;
    for client in ["svc-a", "svc-a", "svc-b"] {
        let req = test::TestRequest::get()
            .uri("/")
            .insert_header((
                "authorization",
                format!("Bearer {}", issuer.access_token().client_id(client).sign()),
            ))
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), StatusCode::OK);
    }
    tracker.shutdown().await.unwrap();
    let rows = tracker.list().await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.client_id.as_str(), r.request_count))
            .collect::<Vec<_>>(),
        [("svc-a", 2), ("svc-b", 1)]
    );
}
