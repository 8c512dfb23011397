//! A warm invocation's handler time: a REST `TOKEN` event with a token the container has
//! verified before, from JSON event to JSON policy (the Lambda runtime's own HTTP round trip
//! excluded), with one route and with a five-route table (the policy names every route the
//! token may call, so its cost grows with the table). `cargo bench -p cognito-auth-lambda
//! --bench authorizer`

use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_lambda::Authorizer;
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;
use serde_json::json;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let key = SigningKey::generate();
    let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench";
    let auth = AuthConfig::default()
        .issuer(iss)
        .jwks_json(jwks_json(std::slice::from_ref(&key)))
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["app"])
        .authenticator()
        .unwrap();
    let one = Authorizer::builder(auth.clone())
        .route("GET /orders", Guard::all(["orders/read"]))
        .build();
    let five = Authorizer::builder(auth)
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
        .build();
    let token = TokenBuilder::new(Kind::Access, iss, &key)
        .client_id("app")
        .scopes(["orders/read"])
        .sign();
    let event = json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/orders"
    });
    for (name, authorizer) in [
        ("lambda/warm_token_invocation", &one),
        ("lambda/warm_token_invocation_5_routes", &five),
    ] {
        authorizer
            .handle(event.clone())
            .now_or_never()
            .unwrap()
            .unwrap();
        c.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    authorizer
                        .handle(black_box(event.clone()))
                        .now_or_never()
                        .unwrap()
                        .unwrap(),
                )
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
