//! A bounded load generator for loopback benchmarks: a fixed number of keep-alive HTTP/1.1
//! connections, each sending one request after another for a fixed time.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! let report = cognito_auth_testsuite::load::run(
//!     "http://127.0.0.1:8080/protected",
//!     Some("Bearer eyJ..."),
//!     32,
//!     Duration::from_secs(5),
//! )
//! .await;
//! println!("{:.0} req/s", report.requests_per_second());
//! # }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What a load run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadReport {
    /// Requests answered with 2xx.
    pub ok: u64,
    /// Requests answered with another status.
    pub non_2xx: u64,
    /// Requests that failed at the transport level.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// CPU time (user + system) the whole process used during the run, where the platform
    /// reports it (Linux). Unlike wall time, it does not count time stolen by other tenants.
    pub cpu: Option<Duration>,
}

impl LoadReport {
    /// Successful requests per second.
    pub fn requests_per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// Successful requests per CPU-second of the process (client and server together).
    pub fn requests_per_cpu_second(&self) -> Option<f64> {
        self.cpu
            .filter(|c| !c.is_zero())
            .map(|c| self.ok as f64 / c.as_secs_f64())
    }
}

/// CPU time (user + system) used by this process so far, from `/proc/self/stat`.
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ ticks, 100 per second on every mainstream platform.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Sends GET requests to `url` on `concurrency` connections for `duration`.
pub async fn run(
    url: &str,
    authorization: Option<&str>,
    concurrency: usize,
    duration: Duration,
) -> LoadReport {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build_http();
    let uri: http::Uri = url.parse().expect("URL");
    let auth: Option<http::HeaderValue> = authorization.map(|a| a.parse().expect("header value"));
    let ok = Arc::new(AtomicU64::new(0));
    let non_2xx = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let (client, uri, auth) = (client.clone(), uri.clone(), auth.clone());
        let (ok, non_2xx, errors) = (ok.clone(), non_2xx.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let mut req = http::Request::get(uri.clone());
                if let Some(a) = &auth {
                    req = req.header(http::header::AUTHORIZATION, a.clone());
                }
                let req = req.body(Empty::new()).expect("request");
                match client.request(req).await {
                    Ok(resp) => {
                        let success = resp.status().is_success();
                        if resp.into_body().collect().await.is_err() {
                            errors.fetch_add(1, Ordering::Relaxed);
                        } else if success {
                            ok.fetch_add(1, Ordering::Relaxed);
                        } else {
                            non_2xx.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    LoadReport {
        ok: ok.load(Ordering::Relaxed),
        non_2xx: non_2xx.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        cpu: match (cpu_before, process_cpu_time()) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        },
    }
}

/// Settings of [`compare`].
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Keep-alive connections (default 32; env `LOAD_CONNECTIONS`).
    pub connections: usize,
    /// Seconds per round (default 1; env `LOAD_SECONDS`).
    pub seconds: u64,
    /// Rounds per handler (default 11; env `LOAD_ROUNDS`).
    pub rounds: u64,
}

impl Comparison {
    /// Defaults, overridden by `LOAD_CONNECTIONS`, `LOAD_SECONDS`, `LOAD_ROUNDS`.
    pub fn from_env() -> Self {
        let get = |n: &str, d: u64| {
            std::env::var(n)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        Comparison {
            connections: get("LOAD_CONNECTIONS", 32) as usize,
            seconds: get("LOAD_SECONDS", 1),
            rounds: get("LOAD_ROUNDS", 11),
        }
    }
}

fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    x.get(x.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Measures an unprotected and a protected URL with the same request (the bearer header
/// included), so the ratio isolates the authentication work, and prints the result.
///
/// Wall-clock speed drifts on shared machines, so rounds alternate and each protected round
/// is compared with the unprotected round just before it; medians are reported, plus the
/// ratio of requests per CPU-second of the process (which time stolen by other tenants does
/// not distort). Runs on `rt`; panics if any request fails (a benchmark, not a library).
pub fn compare(
    rt: &tokio::runtime::Runtime,
    name: &str,
    open_url: &str,
    protected_url: &str,
    authorization: &str,
    cfg: &Comparison,
) {
    let measure =
        |url: &str, d: Duration| rt.block_on(run(url, Some(authorization), cfg.connections, d));
    // Warm up: JWKS fetch, verified-token cache, connection pools.
    measure(protected_url, Duration::from_secs(1));
    measure(open_url, Duration::from_secs(1));
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..cfg.rounds {
        let o = measure(open_url, Duration::from_secs(cfg.seconds));
        let p = measure(protected_url, Duration::from_secs(cfg.seconds));
        for r in [&o, &p] {
            assert_eq!(
                (r.non_2xx, r.errors),
                (0, 0),
                "every request must succeed: {r:?}"
            );
        }
        wall.push((o.requests_per_second(), p.requests_per_second()));
        if let (Some(oc), Some(pc)) = (o.requests_per_cpu_second(), p.requests_per_cpu_second()) {
            cpu.push((oc, pc));
        }
    }
    let ratios: Vec<f64> = wall.iter().map(|(o, p)| p / o).collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(*r), b.max(*r)));
    println!(
        "{name} loopback load, {} connections, {} x ({s} s open + {s} s protected):",
        cfg.connections,
        cfg.rounds,
        s = cfg.seconds
    );
    println!(
        "  unprotected handler: {:>10.0} req/s (median)",
        median(wall.iter().map(|p| p.0).collect())
    );
    println!(
        "  protected handler:   {:>10.0} req/s (median)",
        median(wall.iter().map(|p| p.1).collect())
    );
    println!(
        "  protected / unprotected: {:.1} % (median of paired rounds; range {:.1}..{:.1} %)",
        100.0 * median(ratios),
        100.0 * lo,
        100.0 * hi
    );
    if !cpu.is_empty() {
        println!(
            "  per CPU-second (process): unprotected {:.0}, protected {:.0} requests",
            median(cpu.iter().map(|p| p.0).collect()),
            median(cpu.iter().map(|p| p.1).collect())
        );
        println!(
            "  protected / unprotected by CPU cost: {:.1} % (median of paired rounds)",
            100.0 * median(cpu.iter().map(|(o, p)| p / o).collect())
        );
    }
}
