//! The authorizer against sample events of each kind (the shapes of API Gateway's
//! documentation, in `fixtures/`), with real tokens: the status semantics of the web matrix
//! translated to API Gateway's answers.

use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_lambda::{Authorizer, AuthorizerError, HttpApiResponse};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};
use serde_json::Value;

mod iam;

const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Lambda";

struct Setup {
    key: SigningKey,
    other: SigningKey,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            key: SigningKey::generate(),
            other: SigningKey::generate(),
        }
    }
    fn authorizer(&self, http: HttpApiResponse, wildcard: bool) -> Authorizer {
        let auth = AuthConfig::default()
            .issuer(ISS)
            .jwks_json(jwks_json(std::slice::from_ref(&self.key)))
            .token_use(AcceptedTokenUse::Access)
            .allowed_clients(["app", "reader"])
            .authenticator()
            .unwrap();
        Authorizer::builder(auth)
            .route("GET /orders", Guard::all(["orders/read"]))
            .route("GET /orders/{id}", Guard::all(["orders/read"]))
            .route("POST /orders/{id}", Guard::all(["orders/write"]))
            .wildcard_resource(wildcard)
            .http_api_response(http)
            .build()
    }
    fn token(&self, client: &str, scopes: &[&str]) -> String {
        TokenBuilder::new(Kind::Access, ISS, &self.key)
            .client_id(client)
            .scopes(scopes.iter().copied())
            .sign()
    }
}

fn event(name: &str, token: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text.replace("@token", token)).unwrap()
}

/// The effect API Gateway gives the event's own request (IAM: the policy evaluated against
/// its ARN), or `isAuthorized` (simple); and the policy's first resource.
fn verdict(v: &Value, ev: &Value) -> (String, String) {
    if let Some(b) = v.get("isAuthorized") {
        return (
            if b == true { "Allow" } else { "Deny" }.into(),
            String::new(),
        );
    }
    let policy = &v["policyDocument"];
    assert_eq!(policy["Version"], "2012-10-17");
    let arn = ev
        .get("methodArn")
        .or(ev.get("routeArn"))
        .and_then(Value::as_str)
        .unwrap();
    let effect = if iam::evaluate(policy, arn) {
        "Allow"
    } else {
        "Deny"
    };
    (
        effect.to_owned(),
        policy["Statement"][0]["Resource"][0]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[tokio::test]
async fn every_event_kind_allows_denies_and_refuses() {
    let s = Setup::new();
    let reader = s.token("reader", &["orders/read"]);
    let writer = s.token("app", &["orders/write"]);
    let stranger = s.token("stranger", &["orders/read", "orders/write"]);
    let expired = TokenBuilder::new(Kind::Access, ISS, &s.key)
        .client_id("app")
        .expired()
        .sign();
    let forged = TokenBuilder::new(Kind::Access, ISS, &s.other)
        .client_id("app")
        .sign();
    let id_token = TokenBuilder::new(Kind::Id, ISS, &s.key)
        .client_id("app")
        .sign();

    // (fixture, token, expected): Ok(effect) or Err(401)
    #[rustfmt::skip]
    let table: Vec<(&str, &str, Result<&str, ()>)> = vec![
        // TOKEN: GET /orders needs orders/read
        ("token", &reader, Ok("Allow")),
        ("token", &writer, Ok("Deny")),          // authenticated, lacks the scope: 403
        ("token", &stranger, Ok("Deny")),        // client not allowed: 403
        ("token", &expired, Err(())),            // 401
        ("token", &forged, Err(())),             // 401
        ("token", &id_token, Err(())),           // wrong token_use: 401
        ("token", "", Err(())),                  // no token: 401
        // REQUEST: POST /orders/{id} needs orders/write
        ("request", &writer, Ok("Allow")),
        ("request", &reader, Ok("Deny")),
        ("request", &expired, Err(())),
        // HTTP API 2.0: GET /orders/{id} needs orders/read
        ("http_v2", &reader, Ok("Allow")),
        ("http_v2", &writer, Ok("Deny")),
        ("http_v2", &forged, Err(())),
    ];
    for mode in [HttpApiResponse::Simple, HttpApiResponse::Iam] {
        let a = s.authorizer(mode, false);
        for (fixture, token, expected) in &table {
            let ev = event(fixture, token);
            let got = a.handle(ev.clone()).await;
            match (expected, got) {
                (Ok(effect), Ok(v)) => {
                    let (e, _) = verdict(&v, &ev);
                    assert_eq!(&e, effect, "{fixture} {mode:?}");
                    if *effect == "Allow" {
                        let ctx = &v["context"];
                        assert!(ctx["client_id"].is_string() && ctx["scope"].is_string());
                        assert_eq!(ctx["token_use"], "access");
                        if let Some(p) = v.get("principalId") {
                            assert_eq!(p, &ctx["sub"]);
                        }
                        // Context values are strings, as API Gateway requires.
                        assert!(ctx.as_object().unwrap().values().all(Value::is_string));
                    }
                }
                (Err(()), Err(e)) => {
                    assert!(matches!(e, AuthorizerError::Unauthorized), "{e:?}");
                    assert_eq!(
                        e.to_string(),
                        "Unauthorized",
                        "the message API Gateway maps to 401"
                    );
                    let d: lambda_runtime::Diagnostic = e.into();
                    assert_eq!(d.error_message, "Unauthorized");
                }
                (expected, got) => panic!("{fixture} {mode:?}: expected {expected:?}, got {got:?}"),
            }
        }
    }
}

#[tokio::test]
async fn unlisted_routes_are_denied_and_wildcards_cover_the_stage() {
    let s = Setup::new();
    let a = s.authorizer(HttpApiResponse::Iam, true);
    let reader = s.token("reader", &["orders/read"]);
    let mut ev = event("token", &reader);
    ev["methodArn"] =
        "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/DELETE/orders".into();
    let v = a.handle(ev.clone()).await.unwrap();
    assert_eq!(
        verdict(&v, &ev),
        (
            "Deny".into(),
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/DELETE/orders".into()
        )
    );
    let ev = event("token", &reader);
    let v = a.handle(ev.clone()).await.unwrap();
    assert_eq!(
        verdict(&v, &ev),
        (
            "Allow".into(),
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*/*".into()
        ),
        "stage-wide Allow for API Gateway's authorizer cache"
    );
    let ev = event("http_v2", &reader);
    let v = a.handle(ev.clone()).await.unwrap();
    assert_eq!(
        verdict(&v, &ev).1,
        "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/*/*"
    );
    // Not an authorizer event.
    assert!(matches!(
        a.handle(serde_json::json!({"hello": 1})).await,
        Err(AuthorizerError::BadEvent(_))
    ));
}

#[tokio::test]
async fn configuration_from_the_environment() {
    let s = Setup::new();
    let jwks = jwks_json(std::slice::from_ref(&s.key));
    let env = |extra: &[(&str, &str)]| {
        let mut vars: Vec<(String, String)> = vec![
            ("COGNITO_ISSUER".into(), ISS.into()),
            ("COGNITO_TOKEN_USE".into(), "access".into()),
            ("COGNITO_CLIENT_IDS".into(), "*".into()),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        vars
    };
    let build = |vars: Vec<(String, String)>| {
        Authorizer::from_env_with(move |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    };
    let dir = std::env::temp_dir().join(format!("lambda-jwks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    std::fs::write(&path, &jwks).unwrap();
    let p = path.to_string_lossy().into_owned();
    let a = build(env(&[
        ("COGNITO_JWKS_FILE", &p),
        (
            "COGNITO_AUTHORIZER_ROUTES",
            "GET /orders=any:orders/read orders/admin; POST /orders/{id}=orders/write",
        ),
        ("COGNITO_AUTHORIZER_UNLISTED", "allow"),
    ]))
    .unwrap();
    let reader = s.token("x", &["orders/read"]);
    assert_eq!(
        {
            let ev = event("token", &reader);
            verdict(&a.handle(ev.clone()).await.unwrap(), &ev).0
        },
        "Allow"
    );
    assert_eq!(
        {
            let ev = event("request", &reader);
            verdict(&a.handle(ev.clone()).await.unwrap(), &ev).0
        },
        "Deny"
    );
    // Unlisted: a valid token suffices.
    let mut ev = event("token", &reader);
    ev["methodArn"] = "arn:aws:execute-api:us-east-1:1:api/test/GET/health".into();
    assert_eq!(
        verdict(&a.handle(ev.clone()).await.unwrap(), &ev).0,
        "Allow"
    );
    for bad in [
        ("COGNITO_AUTHORIZER_ROUTES", "orders"),
        ("COGNITO_AUTHORIZER_UNLISTED", "maybe"),
        ("COGNITO_AUTHORIZER_HTTP_RESPONSE", "xml"),
    ] {
        assert!(
            build(env(&[("COGNITO_JWKS_FILE", &p), bad])).is_err(),
            "{bad:?}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
