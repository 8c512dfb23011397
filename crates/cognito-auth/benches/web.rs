//! The per-request authentication step of the web integrations: header parsing, cached
//! verification, policy, principal. `cargo bench -p cognito-auth --features web --bench web`

use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth::web::{AuthConfig, parse_credentials};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::FutureExt;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let key = SigningKey::generate();
    let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench";
    let token = TokenBuilder::new(Kind::Access, iss, &key)
        .client_id("bench")
        .scopes(["orders/read"])
        .sign();
    let header = format!("Bearer {token}");
    let verifier = Verifier::builder()
        .issuer(iss)
        .jwks_json(jwks_json(std::slice::from_ref(&key)))
        .token_use(TokenUse::Access)
        .allowed_clients(["bench"])
        .build()
        .unwrap();
    let cfg = AuthConfig {
        allowed_clients: Some(vec!["bench".into()]),
        ..AuthConfig::default()
    };
    let auth = cfg.authenticator_with(verifier).unwrap();
    auth.authenticate([header.as_bytes()])
        .now_or_never()
        .unwrap()
        .unwrap();

    let mut g = c.benchmark_group("web");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_authorization_header", |b| {
        b.iter(|| black_box(parse_credentials(&[black_box(header.as_bytes())], "Bearer")))
    });
    g.bench_function("authenticate_cached_token", |b| {
        b.iter(|| {
            let p = auth
                .authenticate([black_box(header.as_bytes())])
                .now_or_never()
                .unwrap()
                .unwrap();
            black_box(p)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
