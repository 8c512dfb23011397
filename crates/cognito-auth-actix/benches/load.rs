//! Loopback load: the same handler unprotected and behind `CognitoAuth` + a scope guard.
//!
//! Run: `cargo bench -p cognito-auth-actix --bench load`
//! (env `LOAD_SECONDS`, `LOAD_ROUNDS`, `LOAD_CONNECTIONS`: defaults 1 s, 11 rounds, 32.)

use std::time::Duration;

use actix_web::{App, HttpServer, web};
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_actix::{CognitoAuth, Require};
use cognito_auth_testkit::{LocalIssuer, load};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let secs = env_or("LOAD_SECONDS", 1);
    let rounds = env_or("LOAD_ROUNDS", 11);
    let conns = env_or("LOAD_CONNECTIONS", 32) as usize;
    let issuer = LocalIssuer::builder().start_blocking();
    let token = issuer
        .access_token()
        .client_id("bench")
        .scopes(["orders/read"])
        .sign();
    let cfg = AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(AcceptedTokenUse::Access),
        allowed_clients: Some(vec!["bench".into()]),
        ..AuthConfig::default()
    };
    let auth = cfg.authenticator().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // One actix worker on its own thread; the load generator gets one Tokio worker.
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .route("/open", web::get().to(|| async { "hello" }))
                    .service(
                        web::resource("/protected")
                            .wrap(Require::new(Guard::all(["orders/read"])))
                            .wrap(CognitoAuth::new(auth.clone()))
                            .route(web::get().to(|| async { "hello" })),
                    )
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    let base = format!("http://{}", rx.recv().unwrap());
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let bearer = format!("Bearer {token}");
    let measure = |path: &str, auth: Option<&str>, d: Duration| {
        client_rt.block_on(load::run(&format!("{base}{path}"), auth, conns, d))
    };
    measure("/protected", Some(&bearer), Duration::from_secs(1));
    measure("/open", Some(&bearer), Duration::from_secs(1));
    // Both handlers receive the same request (the bearer header included), so the ratio
    // isolates the authentication work. The machine's speed drifts over seconds (shared
    // cores), so rounds alternate open / protected and each protected round is compared with
    // the open round just before it; the median of those ratios is reported.
    let mut pairs = Vec::new();
    let mut cpu_pairs = Vec::new();
    for _ in 0..rounds {
        let o = measure("/open", Some(&bearer), Duration::from_secs(secs));
        let p = measure("/protected", Some(&bearer), Duration::from_secs(secs));
        for r in [&o, &p] {
            assert_eq!((r.non_2xx, r.errors), (0, 0), "{r:?}");
        }
        pairs.push((o.requests_per_second(), p.requests_per_second()));
        if let (Some(oc), Some(pc)) = (o.requests_per_cpu_second(), p.requests_per_cpu_second()) {
            cpu_pairs.push((oc, pc));
        }
    }
    let median = |mut x: Vec<f64>| {
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let o = median(pairs.iter().map(|p| p.0).collect());
    let p = median(pairs.iter().map(|p| p.1).collect());
    let ratios: Vec<f64> = pairs.iter().map(|(o, p)| p / o).collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(*r), b.max(*r)));
    println!(
        "actix-web loopback load, {conns} connections, {rounds} x ({secs} s open + {secs} s protected):"
    );
    println!("  unprotected handler: {o:>10.0} req/s (median)");
    println!("  protected handler:   {p:>10.0} req/s (median)");
    println!(
        "  protected / unprotected: {:.1} % (median of paired rounds; range {:.1}..{:.1} %)",
        100.0 * median(ratios.clone()),
        100.0 * lo,
        100.0 * hi
    );
    if !cpu_pairs.is_empty() {
        let oc = median(cpu_pairs.iter().map(|p| p.0).collect());
        let pc = median(cpu_pairs.iter().map(|p| p.1).collect());
        let r = median(cpu_pairs.iter().map(|(o, p)| p / o).collect());
        println!("  per CPU-second (process): unprotected {oc:.0}, protected {pc:.0} requests");
        println!(
            "  protected / unprotected by CPU cost: {:.1} % (median of paired rounds)",
            100.0 * r
        );
    }
}
