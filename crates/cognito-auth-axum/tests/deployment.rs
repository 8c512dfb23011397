//! What deployments need, over real HTTP (axum served on loopback, tokens from the test kit):
//! token sources beyond the header, groups in guards, typed claims, offline keys, and one
//! source of truth for the web configuration.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use cognito_auth::verify::{AcceptedTokenUse, TokenUse, Verifier};
use cognito_auth::web::{AuthConfig, Guard, RequestView, TokenLocation};
use cognito_auth_axum::{CognitoAuthLayer, Principal, guarded, require};
use cognito_auth_testkit::LocalIssuer;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn config(issuer: &LocalIssuer) -> AuthConfig {
    AuthConfig::default()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Access)
        .any_client()
}

async fn who(p: Principal) -> String {
    p.client_id().to_owned()
}

async fn status(req: reqwest::RequestBuilder) -> (u16, String) {
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn token_from_the_header_or_a_cookie() {
    let issuer = LocalIssuer::builder().start().await;
    let cfg = config(&issuer).token_location("header_or_cookie:session".parse().unwrap());
    let app = Router::new()
        .route("/who", get(who))
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let url = format!("{base}/who");
    let from_header = issuer.access_token().client_id("api-client").sign();
    let from_cookie = issuer.access_token().client_id("browser-app").sign();

    assert_eq!(
        status(http.get(&url).bearer_auth(&from_header)).await,
        (200, "api-client".into())
    );
    assert_eq!(
        status(
            http.get(&url)
                .header("cookie", format!("theme=dark; session={from_cookie}; x=1"))
        )
        .await,
        (200, "browser-app".into())
    );
    // The header wins over the cookie.
    assert_eq!(
        status(
            http.get(&url)
                .bearer_auth(&from_header)
                .header("cookie", format!("session={from_cookie}"))
        )
        .await
        .1,
        "api-client"
    );
    // A malformed header is a 401 even with a good cookie: no silent fallback.
    assert_eq!(
        status(
            http.get(&url)
                .header("authorization", "Bearer")
                .header("cookie", format!("session={from_cookie}"))
        )
        .await
        .0,
        401
    );
    // An invalid cookie token is a 401; other cookies are not tokens.
    assert_eq!(
        status(http.get(&url).header("cookie", "session=not-a-jwt"))
            .await
            .0,
        401
    );
    assert_eq!(
        status(
            http.get(&url)
                .header("cookie", format!("other={from_cookie}"))
        )
        .await
        .0,
        401
    );
}

#[tokio::test]
async fn cookie_only_query_and_custom_extractors() {
    let issuer = LocalIssuer::builder().start().await;
    let token = issuer.access_token().client_id("ws-client").sign();
    let http = reqwest::Client::new();

    // Cookie only: the Authorization header is not read at all.
    let app = Router::new().route("/who", get(who)).layer(
        CognitoAuthLayer::from_config(
            &config(&issuer).token_location(TokenLocation::Cookie("id".into())),
        )
        .unwrap(),
    );
    let base = serve(app).await;
    assert_eq!(
        status(http.get(format!("{base}/who")).bearer_auth(&token))
            .await
            .0,
        401
    );
    assert_eq!(
        status(
            http.get(format!("{base}/who"))
                .header("cookie", format!("id={token}"))
        )
        .await,
        (200, "ws-client".into())
    );

    // Query parameter (EventSource, WebSocket handshakes).
    let app = Router::new().route("/events", get(who)).layer(
        CognitoAuthLayer::from_config(
            &config(&issuer).token_location(TokenLocation::Query("access_token".into())),
        )
        .unwrap(),
    );
    let base = serve(app).await;
    assert_eq!(
        status(http.get(format!("{base}/events?x=1&access_token={token}"))).await,
        (200, "ws-client".into())
    );
    assert_eq!(status(http.get(format!("{base}/events?x=1"))).await.0, 401);

    // A custom extractor: the token rides in `Sec-WebSocket-Protocol: bearer, <token>`.
    let extractor = |r: &dyn RequestView| {
        let v = std::str::from_utf8(r.headers2("sec-websocket-protocol")[0]?).ok()?;
        let mut parts = v.split(',').map(str::trim);
        (parts.next()? == "bearer").then(|| parts.next().map(str::to_owned))?
    };
    let app = Router::new().route("/ws", get(who)).layer(
        CognitoAuthLayer::from_config(
            &config(&issuer).token_location(TokenLocation::Custom(Arc::new(extractor))),
        )
        .unwrap(),
    );
    let base = serve(app).await;
    assert_eq!(
        status(
            http.get(format!("{base}/ws"))
                .header("sec-websocket-protocol", format!("bearer, {token}"))
        )
        .await,
        (200, "ws-client".into())
    );
    assert_eq!(
        status(
            http.get(format!("{base}/ws"))
                .header("sec-websocket-protocol", "chat")
        )
        .await
        .0,
        401
    );
}

#[test]
fn token_locations_have_a_text_form_for_env_and_files() {
    for text in [
        "header",
        "cookie:id",
        "header_or_cookie:session",
        "query:access_token",
    ] {
        let loc: TokenLocation = text.parse().unwrap();
        assert_eq!(loc.to_string(), text);
    }
    for bad in ["", "cookie:", "cookie:a=b", "body:x", "query: "] {
        assert!(bad.parse::<TokenLocation>().is_err(), "{bad}");
    }
    let cfg = AuthConfig::from_env_with(|k| match k {
        "COGNITO_ISSUER" => Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x".into()),
        "COGNITO_TOKEN_USE" => Some("access".into()),
        "COGNITO_CLIENT_IDS" => Some("*".into()),
        "COGNITO_TOKEN_LOCATION" => Some("cookie:sid".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(cfg.token_location.to_string(), "cookie:sid");
}

#[tokio::test]
async fn guards_require_groups_any_or_all() {
    let issuer = LocalIssuer::builder().start().await;
    let cfg = AuthConfig::default()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Id)
        .any_client();
    let app = Router::new()
        .route(
            "/support",
            guarded(Guard::authenticated().any_group(["admins", "support"]))
                .get(&[], || async { "support" })
                .into(),
        )
        .route(
            "/audit",
            get(|| async { "audit" }).layer(require(
                Guard::authenticated().all_groups(["admins", "auditors"]),
            )),
        )
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let token = |groups: &[&str]| {
        issuer
            .id_token()
            .client_id("web")
            .user("u")
            .groups(groups.iter().copied())
            .sign()
    };
    for (groups, support, audit) in [
        (&[][..], 403, 403),
        (&["support"][..], 200, 403),
        (&["admins"][..], 200, 403),
        (&["auditors"][..], 403, 403),
        (&["admins", "auditors"][..], 200, 200),
        (&["Admins", "AUDITORS"][..], 403, 403),
    ] {
        let t = token(groups);
        let (s, _) = status(http.get(format!("{base}/support")).bearer_auth(&t)).await;
        assert_eq!(s, support, "{groups:?} /support");
        let r = http
            .get(format!("{base}/audit"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), audit, "{groups:?} /audit");
        if audit == 403 {
            let www = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
            assert!(www.contains("insufficient_scope"), "{www}");
            let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            assert!(body["detail"].is_string());
        }
    }
}

#[tokio::test]
async fn typed_claims_from_the_principal() {
    #[derive(serde::Deserialize)]
    struct Claims {
        #[serde(rename = "custom:tenant")]
        tenant: String,
        #[serde(rename = "cognito:groups", default)]
        groups: Vec<String>,
    }
    let issuer = LocalIssuer::builder().start().await;
    let cfg = AuthConfig::default()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Id)
        .any_client();
    let app = Router::new()
        .route(
            "/tenant",
            get(|p: Principal| async move {
                match p.claims_as::<Claims>() {
                    Ok(c) => format!("{}:{}", c.tenant, c.groups.join(",")),
                    Err(_) => "no tenant".into(),
                }
            }),
        )
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let t = issuer
        .id_token()
        .client_id("web")
        .claim("custom:tenant", "acme")
        .groups(["a", "b"])
        .sign();
    assert_eq!(
        status(http.get(format!("{base}/tenant")).bearer_auth(&t)).await,
        (200, "acme:a,b".into())
    );
    let t = issuer.id_token().client_id("web").sign();
    assert_eq!(
        status(http.get(format!("{base}/tenant")).bearer_auth(&t))
            .await
            .1,
        "no tenant"
    );
}

#[tokio::test]
async fn offline_keys_from_json_or_a_file() {
    let issuer = LocalIssuer::builder().start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, issuer.jwks_json()).unwrap();
    let token = issuer.access_token().client_id("svc").sign();
    let http = reqwest::Client::new();
    for cfg in [
        config(&issuer).jwks_json(issuer.jwks_json()),
        config(&issuer).jwks_file(&path),
    ] {
        let app = Router::new()
            .route("/who", get(who))
            .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
        let base = serve(app).await;
        issuer.reset_counters();
        assert_eq!(
            status(http.get(format!("{base}/who")).bearer_auth(&token)).await,
            (200, "svc".into())
        );
        assert_eq!(issuer.jwks_requests(), 0, "offline keys are never fetched");
    }
    assert!(
        config(&issuer)
            .jwks_json(issuer.jwks_json())
            .jwks_file(&path)
            .authenticator()
            .is_err()
    );
    let e = config(&issuer)
        .jwks_file(dir.path().join("missing.json"))
        .authenticator()
        .unwrap_err();
    assert!(e.to_string().contains("jwks_file"), "{e}");
}

#[tokio::test]
async fn an_existing_verifier_composes_without_ignored_settings() {
    let issuer = LocalIssuer::builder().start().await;
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .allowed_clients(["svc"])
        .build()
        .unwrap();
    // Verifier settings given twice are refused, by name.
    let e = AuthConfig::default()
        .token_use(AcceptedTokenUse::Id)
        .jwks_json("{}")
        .authenticator_with(verifier.clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("token_use") && e.contains("jwks_json"), "{e}");

    // Web settings (token location) combine with the verifier's own rules.
    let auth = AuthConfig::default()
        .token_location(TokenLocation::Cookie("t".into()))
        .authenticator_with(verifier)
        .unwrap();
    let app = Router::new()
        .route("/who", get(who))
        .layer(CognitoAuthLayer::new(auth));
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let ok = issuer.access_token().client_id("svc").sign();
    let other = issuer.access_token().client_id("other").sign();
    let id = issuer.id_token().client_id("svc").sign();
    let get = |t: &str| {
        http.get(format!("{base}/who"))
            .header("cookie", format!("t={t}"))
    };
    assert_eq!(status(get(&ok)).await, (200, "svc".into()));
    assert_eq!(status(get(&other)).await.0, 403);
    assert_eq!(status(get(&id)).await.0, 401);
}
