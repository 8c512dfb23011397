//! A cached `TokenSource::token()` read: the hot path of every outgoing M2M request.
//!
//! Run: `cargo bench -p cognito-auth --bench m2m`

use cognito_auth::m2m::{M2mClient, TokenSource};
use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::FutureExt;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::new("bench", "bench-secret").scopes(["bench/read"]))
        .start_blocking();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let source = TokenSource::new(
        M2mClient::builder()
            .token_url(issuer.token_url())
            .client_id("bench")
            .client_secret("bench-secret")
            .default_scopes("bench/read")
            .build()
            .unwrap(),
    );
    rt.block_on(source.token()).unwrap();
    let _guard = rt.enter();

    let mut g = c.benchmark_group("m2m");
    g.throughput(Throughput::Elements(1));
    g.bench_function("cached_token", |b| {
        b.iter(|| {
            let t = source.token().now_or_never().unwrap().unwrap();
            black_box(t);
        })
    });
    g.finish();
    assert_eq!(
        issuer.token_requests(),
        1,
        "every read was served from the cache"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
