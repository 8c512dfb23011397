//! The fleet cache's costs. Needs a Redis: `COGNITO_BENCH_REDIS_URL`, or `redis-server` on the
//! PATH (started on a free loopback port for the run).
//!
//! - `cached_token_with_store`: `TokenSource::token()` with the Redis store configured and a
//!   token cached in the process (the fast path never touches Redis).
//! - `first_token_from_fleet`: what a new process pays for its first token when the fleet
//!   already holds one: a new store and source, the Redis connection, `GET`, opening the
//!   sealed value (process start-up excluded).
//!
//! `cargo bench -p cognito-auth-redis --bench shared`

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cognito_auth::m2m::{M2mClient, RetryPolicy, TokenSource};
use cognito_auth_redis::RedisTokenStore;
use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;
use std::hint::black_box;

struct Server(Option<Child>, String);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn redis() -> Option<Server> {
    if let Ok(u) = std::env::var("COGNITO_BENCH_REDIS_URL") {
        return Some(Server(None, u));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Server(Some(child), format!("redis://127.0.0.1:{port}")))
}

fn bench(c: &mut Criterion) {
    let Some(server) = redis() else {
        eprintln!("no Redis (set COGNITO_BENCH_REDIS_URL or install redis-server): skipped");
        return;
    };
    let url = server.1.clone();
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::new("bench", "bench-secret").scopes(["a/read"]))
        .start_blocking();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let source = |url: &str| {
        TokenSource::builder(
            M2mClient::builder()
                .token_url(issuer.token_url())
                .client_id("bench")
                .client_secret("bench-secret")
                .default_scopes("a/read")
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        )
        .shared_store(RedisTokenStore::new(url).unwrap())
        .build()
    };
    // One process fetches and shares the token.
    let warm = source(&url);
    rt.block_on(warm.token()).unwrap();

    let mut g = c.benchmark_group("shared");
    g.bench_function("cached_token_with_store", |b| {
        b.iter(|| black_box(warm.token().now_or_never().unwrap().unwrap()))
    });
    g.bench_function("first_token_from_fleet", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let s = source(&url);
                let t = rt.block_on(s.token()).unwrap();
                total += start.elapsed();
                black_box(t);
            }
            total
        })
    });
    g.finish();
    assert_eq!(
        issuer.token_requests(),
        1,
        "every new source took the shared token"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
