//! Verification throughput: distinct valid tokens (full path: parse, RS256, claims) with the
//! verified-token cache off and on (as deployed: each new token is also inserted), one reused
//! token (a cache hit), and raw aws-lc-rs RSA verification of the same bytes (alone, and
//! interleaved with each full-path run for a ratio that drift cannot skew).
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
use std::time::{Duration, Instant};

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
    let raw = |(m, s): &(Vec<u8>, Vec<u8>)| parsed.verify_sig(black_box(m), black_box(s)).unwrap();
    let mut j = 0;
    g.bench_function("raw_rsa_verify", |b| {
        b.iter(|| {
            j = (j + 1) % inputs.len();
            raw(&inputs[j]);
        })
    });

    // Each full-path benchmark also times raw RS256 over the same tokens, chunk by chunk
    // just before the full path (untimed for criterion): the median of the chunk ratios is a
    // comparison that drift on a shared machine cannot skew, printed after the group.
    let mut pairs: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut interleaved = |name: &'static str, cache: usize, g: &mut Group<'_>| {
        let mut ratios = Vec::new();
        let mut at = 0;
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut done = 0u64;
                // A fresh verifier every `tokens.len()` calls (outside the timing): with the
                // cache on, every call is a miss, verified and then inserted, as deployed.
                let mut v = verifier(&key, cache);
                while done < iters {
                    if at + CHUNK > tokens.len() {
                        at = 0;
                        v = verifier(&key, cache);
                    }
                    let n = ((iters - done) as usize).min(CHUNK);
                    let range = at..at + n;
                    let start = Instant::now();
                    inputs[range.clone()].iter().for_each(raw);
                    let raw_time = start.elapsed();
                    let start = Instant::now();
                    for t in &tokens[range] {
                        black_box(v.verify(black_box(t)).now_or_never().unwrap().unwrap());
                    }
                    let full_time = start.elapsed();
                    total += full_time;
                    if n == CHUNK {
                        ratios.push(raw_time.as_secs_f64() / full_time.as_secs_f64());
                    }
                    assert_eq!(v.cache_stats().hits, 0);
                    at += n;
                    done += n as u64;
                }
                total
            })
        });
        pairs.push((name, ratios));
    };
    // Every call does the whole job: the cache is off, so no token is recognised.
    interleaved("distinct_tokens", 0, &mut g);
    // As deployed: the cache is on, and every token is new to it.
    interleaved("distinct_tokens_cache_on", 10_000, &mut g);

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
    for (name, mut r) in pairs {
        r.sort_by(f64::total_cmp);
        if let Some(median) = r.get(r.len() / 2) {
            println!(
                "interleaved: verify/{name} runs at {:.1} % of raw RS256 (median of {} pairs of {CHUNK} tokens)",
                median * 100.0,
                r.len()
            );
        }
    }
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Tokens per interleaved raw / full-path pair.
const CHUNK: usize = 32;

criterion_group!(benches, bench);
criterion_main!(benches);
