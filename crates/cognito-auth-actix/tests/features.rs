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

#[actix_web::test]
async fn tokens_from_a_cookie_or_a_query_parameter_and_group_guards() {
    use cognito_auth::web::{Guard, TokenLocation};
    let issuer = LocalIssuer::start().await;
    let token = issuer.access_token().client_id("browser").sign();
    for (location, ok_req, ignored_req) in [
        (
            TokenLocation::HeaderOrCookie("sid".into()),
            test::TestRequest::get()
                .uri("/who")
                .insert_header(("cookie", format!("a=b; sid={token}"))),
            test::TestRequest::get()
                .uri("/who")
                .insert_header(("cookie", format!("other={token}"))),
        ),
        (
            TokenLocation::Query("access_token".into()),
            test::TestRequest::get().uri(&format!("/who?access_token={token}")),
            test::TestRequest::get()
                .uri("/who")
                .insert_header(("cookie", format!("access_token={token}"))),
        ),
    ] {
        let mut cfg = config(&issuer);
        cfg.token_location = location;
        let app = test::init_service(
            App::new()
                .route(
                    "/who",
                    web::get().to(|p: Principal| async move { p.client_id().to_owned() }),
                )
                .wrap(CognitoAuth::from_config(&cfg).unwrap()),
        )
        .await;
        let resp = test::call_service(&app, ok_req.to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(test::read_body(resp).await, "browser");
        let resp = test::call_service(&app, ignored_req.to_request()).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }

    let mut cfg = config(&issuer);
    cfg.token_use = Some(AcceptedTokenUse::Id);
    let app = test::init_service(
        App::new()
            .service(
                cognito_auth_actix::guarded(
                    "/staff",
                    Guard::authenticated().any_group(["admins", "support"]),
                )
                .get(&[], || async { "staff" }),
            )
            .wrap(CognitoAuth::from_config(&cfg).unwrap()),
    )
    .await;
    for (groups, expected) in [
        (vec![], StatusCode::FORBIDDEN),
        (vec!["support"], StatusCode::OK),
        (vec!["guests"], StatusCode::FORBIDDEN),
    ] {
        let t = issuer
            .id_token()
            .client_id("web")
            .groups(groups.clone())
            .sign();
        let req = test::TestRequest::get()
            .uri("/staff")
            .insert_header(("authorization", format!("Bearer {t}")))
            .to_request();
        assert_eq!(
            test::call_service(&app, req).await.status(),
            expected,
            "{groups:?}"
        );
    }
}
