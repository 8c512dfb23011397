//! One route model for every event kind, safe under API Gateway's authorizer cache.
//!
//! The same table of requests goes through REST `TOKEN`, REST `REQUEST` and HTTP API (2.0)
//! events, built like the examples of API Gateway's documentation (method ARNs
//! `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`, HTTP API `rawPath`
//! with the stage prefix of a named stage). Every answer is then checked the way API Gateway
//! uses a cached policy: the policy returned for one request is evaluated (IAM: an `Allow`
//! matches and no `Deny` matches, `*` and `?` wildcards) against every other request of the
//! same token, and must give that request's own verdict.

use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Authenticator, Guard};
use cognito_auth_lambda::{Authorizer, AuthorizerError, HttpApiResponse};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};
use serde_json::{Value, json};

mod iam;
use iam::evaluate;

const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Routes";
const STAGE_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod";

/// The app client `app` of the pool `ISS`, whose keys are `key`'s.
fn authenticator(key: &SigningKey) -> Authenticator {
    AuthConfig::default()
        .issuer(ISS)
        .jwks_json(jwks_json(std::slice::from_ref(key)))
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["app"])
        .authenticator()
        .unwrap()
}

fn authorizer(key: &SigningKey, http: HttpApiResponse) -> Authorizer {
    Authorizer::builder(authenticator(key))
        .route("GET /orders", Guard::all(["orders/read"]))
        .route("GET /orders/{id}", Guard::all(["orders/read"]))
        .route("POST /orders/{id}", Guard::all(["orders/write"]))
        .route("ANY /admin/{proxy+}", Guard::all(["admin/all"]))
        .route(
            "ANY /reports",
            Guard::authenticated()
                .method_scopes("GET", ["reports/read"])
                .method_scopes("POST", ["reports/write"]),
        )
        .http_api_response(http)
        .build()
}

fn token(key: &SigningKey, scopes: &[&str]) -> String {
    TokenBuilder::new(Kind::Access, ISS, key)
        .client_id("app")
        .scopes(scopes.iter().copied())
        .sign()
}

/// (method, path as the client sent it, verdict for reader, writer, admin)
#[rustfmt::skip]
const TABLE: &[(&str, &str, [bool; 3])] = &[
    ("GET", "/orders", [true, false, false]),
    ("HEAD", "/orders", [false, false, false]),          // a route names its method
    ("GET", "/orders/42", [true, false, false]),
    ("GET", "/orders/urn:x:42", [true, false, false]),   // a colon in the path
    ("POST", "/orders/42", [false, true, false]),
    ("DELETE", "/orders/42", [false, false, false]),     // unlisted: refused
    ("GET", "/orders/42/lines", [false, false, false]),  // unlisted, under {id}
    ("DELETE", "/admin/users/x:abc/prod/GET/orders", [false, false, true]),
    ("GET", "/admin/users", [false, false, true]),
    ("GET", "/%61dmin/users", [false, false, true]),     // percent-encoded
    ("GET", "/orders/../admin/users", [false, false, true]), // dot segments
    ("GET", "/reports", [true, false, false]),
    ("POST", "/reports", [false, true, false]),          // per-method rule of an ANY route
    ("GET", "/", [false, false, false]),
];

fn token_event(token: &str, method: &str, path: &str) -> Value {
    json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": format!("{STAGE_ARN}/{method}{path}"),
    })
}

/// A REST REQUEST event as in API Gateway's documentation: the resource template in
/// `resource`, the stage in `requestContext.path`.
fn request_event(token: &str, method: &str, path: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": format!("{STAGE_ARN}/{method}{path}"),
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Authorization": format!("Bearer {token}"), "Accept": "*/*"},
        "multiValueHeaders": {"Authorization": [format!("Bearer {token}")]},
        "queryStringParameters": {},
        "pathParameters": {"proxy": path.trim_start_matches('/')},
        "stageVariables": {},
        "requestContext": {
            "path": format!("/prod{path}"),
            "accountId": "123456789012",
            "resourceId": "05c7jb",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"apiKey": "", "sourceIp": "203.0.113.9"},
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "apiId": "abcdef123"
        }
    })
}

/// An HTTP API 2.0 event on a named stage (its name leads `rawPath`), routed by an
/// `ANY /{proxy+}` route or `$default`.
fn http_event(token: &str, method: &str, path: &str, route_key: &str) -> Value {
    json!({
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": format!("{STAGE_ARN}/{method}{path}"),
        "identitySource": [format!("Bearer {token}")],
        "routeKey": route_key,
        "rawPath": format!("/prod{path}"),
        "rawQueryString": "",
        "headers": {"authorization": format!("Bearer {token}")},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef123",
            "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef123",
            "http": {"method": method, "path": format!("/prod{path}"), "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "curl/8.5.0"},
            "requestId": "id-1",
            "routeKey": route_key,
            "stage": "prod",
            "time": "22/Nov/2026:19:03:58 +0000",
            "timeEpoch": 1795374238390_u64
        }
    })
}

fn arn(method: &str, path: &str) -> String {
    format!("{STAGE_ARN}/{method}{path}")
}

#[tokio::test]
async fn one_table_through_token_request_and_http_api_events() {
    let key = SigningKey::generate();
    let tokens = [
        token(&key, &["orders/read", "reports/read"]),
        token(&key, &["orders/write", "reports/write"]),
        token(&key, &["admin/all"]),
    ];
    let simple = authorizer(&key, HttpApiResponse::Simple);
    let iam = authorizer(&key, HttpApiResponse::Iam);
    for (who, tok) in tokens.iter().enumerate() {
        for (method, path, expected) in TABLE {
            let want = expected[who];
            let what = format!("token {who}: {method} {path}");
            for (kind, event) in [
                ("TOKEN", token_event(tok, method, path)),
                ("REQUEST", request_event(tok, method, path)),
            ] {
                let v = iam
                    .handle(event)
                    .await
                    .unwrap_or_else(|e| panic!("{kind} {what}: {e}"));
                assert_eq!(
                    evaluate(&v["policyDocument"], &arn(method, path)),
                    want,
                    "{kind} {what}: {v}"
                );
            }
            for route_key in ["ANY /{proxy+}", "$default"] {
                let v = iam
                    .handle(http_event(tok, method, path, route_key))
                    .await
                    .unwrap();
                assert_eq!(
                    evaluate(&v["policyDocument"], &arn(method, path)),
                    want,
                    "HTTP IAM {route_key} {what}"
                );
                let v = simple
                    .handle(http_event(tok, method, path, route_key))
                    .await
                    .unwrap();
                assert_eq!(v["isAuthorized"], want, "HTTP simple {route_key} {what}");
            }
        }
    }
}

#[tokio::test]
async fn a_cached_policy_gives_every_other_request_its_own_verdict() {
    let key = SigningKey::generate();
    let a = authorizer(&key, HttpApiResponse::Iam);
    let tokens = [
        token(&key, &["orders/read", "reports/read"]),
        token(&key, &["orders/write", "reports/write"]),
        token(&key, &["admin/all"]),
        token(
            &key,
            &["orders/read", "orders/write", "admin/all", "reports/read"],
        ),
    ];
    for tok in &tokens {
        // Each request's own verdict, then its policy replayed on all the others.
        let mut own = Vec::new();
        let mut policies = Vec::new();
        for (method, path, _) in TABLE {
            let v = a.handle(token_event(tok, method, path)).await.unwrap();
            own.push(evaluate(&v["policyDocument"], &arn(method, path)));
            policies.push(v["policyDocument"].clone());
        }
        for (i, policy) in policies.iter().enumerate() {
            for (j, (method, path, _)) in TABLE.iter().enumerate() {
                let cached = evaluate(policy, &arn(method, path));
                let odd = |p: &str| cognito_auth_lambda::normalize_path(p) != p;
                if odd(path) || odd(TABLE[i].1) {
                    // Paths the routes match only after normalising are never admitted from
                    // the cache, and get a policy of their own: a 403 from the cache at
                    // worst, never an Allow the request's own verdict would not give.
                    assert!(!cached || own[j], "{method} {path} admitted from the cache");
                    continue;
                }
                assert_eq!(
                    cached, own[j],
                    "policy cached from {} {} answers {method} {path} wrongly: {policy}",
                    TABLE[i].0, TABLE[i].1
                );
            }
        }
    }
}

#[tokio::test]
async fn a_colon_in_the_path_never_moves_the_route() {
    // The reported bypass: with the ARN split at its last `:`, this DELETE on /admin was
    // judged as GET /orders.
    let key = SigningKey::generate();
    let auth = authenticator(&key);
    let a = Authorizer::builder(auth)
        .route("GET /orders", Guard::all(["orders/read"]))
        .route("ANY /admin/{proxy+}", Guard::all(["admin/all"]))
        .build();
    let reader = token(&key, &["orders/read"]);
    let bypass = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/DELETE/admin/users/x:abc/prod/GET/orders";
    let v = a
        .handle(json!({"type": "TOKEN", "authorizationToken": format!("Bearer {reader}"), "methodArn": bypass}))
        .await
        .unwrap();
    assert!(!evaluate(&v["policyDocument"], bypass), "{v}");
    let ok = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/orders";
    assert!(
        evaluate(&v["policyDocument"], ok),
        "the cached policy still admits GET /orders"
    );
}

#[tokio::test]
async fn arns_that_do_not_parse_are_bad_events_never_decisions() {
    let key = SigningKey::generate();
    let a = authorizer(&key, HttpApiResponse::Iam);
    let t = token(&key, &["orders/read"]);
    for arn in [
        "",
        "orders",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:execute-api:us-east-1:123456789012",
        "arn:aws:execute-api:us-east-1:123456789012:abcdef123",
        "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod",
        "arn:aws:execute-api:us-east-1:not-an-account:abcdef123/prod/GET/orders",
        "arn::execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders",
        "xrn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders",
        "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/get/orders",
    ] {
        for ev in [
            json!({"type": "TOKEN", "authorizationToken": format!("Bearer {t}"), "methodArn": arn}),
            json!({"type": "REQUEST", "methodArn": arn, "headers": {"Authorization": format!("Bearer {t}")}}),
        ] {
            let got = a.handle(ev).await;
            assert!(
                matches!(got, Err(AuthorizerError::BadEvent(_))),
                "{arn:?}: {got:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_bare_jwt_in_a_token_event_is_a_bearer_token() {
    let key = SigningKey::generate();
    let a = authorizer(&key, HttpApiResponse::Iam);
    let t = token(&key, &["orders/read"]);
    let v = a
        .handle(
            json!({"type": "TOKEN", "authorizationToken": t, "methodArn": arn("GET", "/orders")}),
        )
        .await
        .unwrap();
    assert!(evaluate(&v["policyDocument"], &arn("GET", "/orders")));
    // Anything else without a scheme is still no token.
    let got = a
        .handle(json!({"type": "TOKEN", "authorizationToken": "Basic dXNlcjpwdw==", "methodArn": arn("GET", "/orders")}))
        .await;
    assert!(matches!(got, Err(AuthorizerError::Unauthorized)), "{got:?}");
}

#[tokio::test]
async fn http_api_simple_responses_warn_when_routes_differ() {
    let key = SigningKey::generate();
    assert!(
        authorizer(&key, HttpApiResponse::Simple)
            .caching_warning()
            .unwrap()
            .contains("$context.routeKey")
    );
    assert!(
        authorizer(&key, HttpApiResponse::Iam)
            .caching_warning()
            .is_none()
    );
    let auth = authenticator(&key);
    let same = Authorizer::builder(auth)
        .route("ANY /{proxy+}", Guard::all(["api/use"]))
        .unlisted_routes(Some(Guard::all(["api/use"])))
        .build();
    assert!(
        same.caching_warning().is_none(),
        "one requirement everywhere is safe to cache by token"
    );
}
