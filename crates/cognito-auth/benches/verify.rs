//! Verification throughput: distinct valid tokens (full path: parse, RS256, claims) with the
//! verified-token cache off and on (as deployed: each new token is also inserted), one reused
//! token (a cache hit), and raw aws-lc-rs RSA verification of the same bytes (before and
//! after the full-path runs).
//!
//! Run: `cargo bench -p cognito-auth --bench verify`

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::FutureExt;
use std::hint::black_box;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench";

fn mint(key: &SigningKey, i: usize) -> String {
    TokenBuilder::new(Kind::Access, ISSUER, key)
        .client_id("bench-client")
        .scopes(["orders/read", "orders/write"])
        .claim("n", i)
        .sign()
}

fn verifier(key: &SigningKey, cache: usize) -> Verifier {
    Verifier::builder()
        .issuer(ISSUER)
        .jwks_json(jwks_json(std::slice::from_ref(key)))
        .token_use(TokenUse::Access)
        .allowed_clients(["bench-client"])
        .required_scopes(["orders/read"])
        .token_cache_capacity(cache)
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::generate();
    let tokens: Vec<String> = (0..4096).map(|i| mint(&key, i)).collect();
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));

    // The floor: aws-lc-rs RS256 verification of the same signing input and signature.
    // Measured before and after the full-path benchmarks; `scripts/bench.sh` compares them
    // with the mean of the two, so drift during the run (a shared machine) cancels.
    let (n, e) = key.public_components();
    let parsed = RsaPublicKeyComponents {
        n: &n[..],
        e: &e[..],
    }
    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
    .unwrap();
    let inputs: Vec<(Vec<u8>, Vec<u8>)> = tokens
        .iter()
        .map(|t| {
            let (signing_input, sig) = t.rsplit_once('.').unwrap();
            (
                signing_input.as_bytes().to_vec(),
                URL_SAFE_NO_PAD.decode(sig).unwrap(),
            )
        })
        .collect();
    let raw = |g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
               name: &str| {
        let mut j = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                j = (j + 1) % inputs.len();
                let (m, s) = &inputs[j];
                parsed.verify_sig(black_box(m), black_box(s)).unwrap();
            })
        });
    };
    raw(&mut g, "raw_rsa_verify");

    // Every call does the whole job: the cache is off, so no token is recognised.
    let full = verifier(&key, 0);
    let mut i = 0;
    g.bench_function("distinct_tokens", |b| {
        b.iter(|| {
            i = (i + 1) % tokens.len();
            let t = full
                .verify(black_box(&tokens[i]))
                .now_or_never()
                .unwrap()
                .unwrap();
            black_box(t);
        })
    });

    // As deployed: the cache is on, and every token is new to it (verified, then inserted).
    // A fresh verifier every `tokens.len()` calls (outside the timing) keeps every call a miss.
    g.bench_function("distinct_tokens_cache_on", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                let v = verifier(&key, 10_000);
                let n = (iters - done).min(tokens.len() as u64) as usize;
                let start = std::time::Instant::now();
                for t in &tokens[..n] {
                    black_box(v.verify(black_box(t)).now_or_never().unwrap().unwrap());
                }
                total += start.elapsed();
                assert_eq!(v.cache_stats().hits, 0);
                done += n as u64;
            }
            total
        })
    });

    raw(&mut g, "raw_rsa_verify_after");

    let cached = verifier(&key, 10_000);
    let one = &tokens[0];
    cached.verify(one).now_or_never().unwrap().unwrap();
    g.bench_function("reused_token", |b| {
        b.iter(|| {
            let t = cached
                .verify(black_box(one))
                .now_or_never()
                .unwrap()
                .unwrap();
            black_box(t);
        })
    });

    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
