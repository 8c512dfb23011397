//! A fleet of real OS processes sharing one Redis (started by scripts/test.sh; some tests
//! start their own to kill it), each with many tasks asking for tokens, against the test-kit
//! issuer, which counts the token requests.
//!
//! The fleet's processes are this test binary itself, run again with `FLEET_WORKER` set:
//! only the `worker` test then runs, and it does what the spec in that variable says.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cognito_auth::m2m::{M2mClient, RefreshPolicy, RetryPolicy, SharedCacheConfig, TokenSource};
use cognito_auth_redis::{RedisStoreConfig, RedisTokenStore};
use cognito_auth_testkit::{ClientSpec, Fault, LocalIssuer};
use serde_json::{Value, json};

const SECRET: &str = "fleet-secret-0a1b2c";
const SECOND_SECRET: &str = "rotated-secret-9f8e7d";

mod common;
use common::redis_url;

// ---------------------------------------------------------------- the worker process

/// One process of the fleet. Spec: token URL, secret, Redis URL, tasks, how long to keep
/// asking (0: once per task), refresh fraction, lease TTL. Prints one line
/// `FLEET {"tokens": [...distinct...], "errors": n, "millis": ms}`.
#[test]
fn worker() {
    let Ok(spec) = std::env::var("FLEET_WORKER") else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let client = M2mClient::builder()
            .token_url(spec["token_url"].as_str().unwrap())
            .client_id("fleet")
            .client_secret(spec["secret"].as_str().unwrap())
            .default_scopes("orders/read")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let store = RedisTokenStore::with_config(
            spec["redis"].as_str().unwrap(),
            RedisStoreConfig::default()
                .connection_timeout(Duration::from_millis(200))
                .response_timeout(Duration::from_millis(200)),
        )
        .unwrap();
        let source = TokenSource::builder(client)
            .policy(
                RefreshPolicy::default().refresh_at(spec["refresh_at"].as_f64().unwrap_or(0.75)),
            )
            .shared_store(store)
            .shared_config(
                SharedCacheConfig::default()
                    .lease_ttl(Duration::from_millis(
                        spec["lease_ms"].as_u64().unwrap_or(5000),
                    ))
                    .op_timeout(Duration::from_millis(300)),
            )
            .build();
        let run_for = Duration::from_millis(spec["run_ms"].as_u64().unwrap_or(0));
        let ready = std::sync::Arc::new(std::sync::Once::new());
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..spec["tasks"].as_u64().unwrap() {
            let source = source.clone();
            let ready = ready.clone();
            tasks.push(tokio::spawn(async move {
                let mut seen = BTreeSet::new();
                let mut errors = 0u32;
                loop {
                    match source.token().await {
                        Ok(t) if !t.is_expired() => {
                            seen.insert(t.secret().to_owned());
                            ready.call_once(|| {
                                use std::io::Write;
                                println!("\nFLEET-READY");
                                let _ = std::io::stdout().flush();
                            });
                        }
                        _ => errors += 1,
                    }
                    if started.elapsed() >= run_for {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                (seen, errors)
            }));
        }
        let mut all = BTreeSet::new();
        let mut errors = 0;
        for t in tasks {
            let (seen, e) = t.await.unwrap();
            all.extend(seen);
            errors += e;
        }
        println!(
            "FLEET {}",
            json!({"tokens": all, "errors": errors, "millis": started.elapsed().as_millis() as u64})
        );
    });
}

fn spawn(spec: &Value) -> Child {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "worker", "--nocapture", "--test-threads=1"])
        .env("FLEET_WORKER", spec.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // A worker whose wall clock runs ahead (libfaketime; the monotonic clock is left alone).
    if let (Some(skew), Ok(lib)) = (
        spec["clock_skew"].as_str(),
        std::env::var("COGNITO_TEST_FAKETIME_LIB"),
    ) {
        c.env("LD_PRELOAD", lib)
            .env("FAKETIME", skew)
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .env("FAKETIME_NO_CACHE", "1");
    }
    c.spawn().unwrap()
}

struct Report {
    tokens: BTreeSet<String>,
    errors: u64,
    millis: u64,
}

fn report(child: Child) -> Report {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.find("FLEET {").map(|i| &l[i + 6..]))
        .unwrap_or_else(|| panic!("worker printed no report: {text}"));
    let v: Value = serde_json::from_str(line).unwrap();
    Report {
        tokens: v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect(),
        errors: v["errors"].as_u64().unwrap(),
        millis: v["millis"].as_u64().unwrap(),
    }
}

async fn issuer(lifetime: i64) -> LocalIssuer {
    LocalIssuer::builder()
        .client(
            ClientSpec::new("fleet", SECRET)
                .second_secret(SECOND_SECRET)
                .scopes(["orders/read"]),
        )
        .token_lifetime(lifetime)
        .start()
        .await
}

fn spec(issuer: &LocalIssuer, redis: &str) -> Value {
    json!({"token_url": issuer.token_url(), "secret": SECRET, "redis": redis, "tasks": 200, "run_ms": 0})
}

/// The test binary's runtime must keep serving the issuer while the test waits for
/// processes: run blocking waits off the runtime.
async fn collect(children: Vec<Child>) -> Vec<Report> {
    tokio::task::spawn_blocking(move || children.into_iter().map(report).collect())
        .await
        .unwrap()
}

// ---------------------------------------------------------------- the fleet

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_cold_processes_make_one_token_request() {
    let Some(redis) = redis_url() else { return };
    let issuer = issuer(3600).await;
    let s = spec(&issuer, &redis);
    let children: Vec<Child> = (0..16).map(|_| spawn(&s)).collect();
    let reports = collect(children).await;
    assert_eq!(
        issuer.token_requests(),
        1,
        "one billed request for 16 x 200 callers"
    );
    let all: BTreeSet<&String> = reports.iter().flat_map(|r| &r.tokens).collect();
    assert_eq!(all.len(), 1, "every caller got the same token");
    assert!(reports.iter().all(|r| r.errors == 0));

    // What Redis holds is ciphertext: not the token, not a JWT, not JSON.
    let token = all.into_iter().next().unwrap().clone();
    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("cognito-auth:m2m:*:token")
        .query_async(&mut c)
        .await
        .unwrap();
    let mut found = false;
    for k in keys {
        let v: Vec<u8> = redis::cmd("GET").arg(&k).query_async(&mut c).await.unwrap();
        let text = String::from_utf8_lossy(&v);
        assert!(!text.contains(&token) && !text.contains("eyJ") && !text.contains("access"));
        assert!(
            !k.contains("fleet") && !k.contains(SECRET),
            "no secret in the key: {k}"
        );
        found |= v.starts_with(b"v1");
    }
    assert!(found, "a sealed value is stored");

    // A process with another secret of the same client cannot open it: it fetches its own.
    let mut other = spec(&issuer, &redis);
    other["secret"] = json!(SECOND_SECRET);
    other["tasks"] = json!(20);
    let r = collect(vec![spawn(&other)]).await.pop().unwrap();
    assert_eq!(r.errors, 0);
    assert_eq!(issuer.token_requests(), 2);
    assert!(!r.tokens.contains(&token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ahead_happens_once_for_the_fleet() {
    let Some(redis) = redis_url() else { return };
    // 4 s tokens refreshed at half their life, for 9 s: refreshes near 2, 4, 6 and 8 s.
    let issuer = issuer(4).await;
    let mut s = spec(&issuer, &redis);
    s["tasks"] = json!(20);
    s["run_ms"] = json!(9000);
    s["refresh_at"] = json!(0.5);
    let children: Vec<Child> = (0..8).map(|_| spawn(&s)).collect();
    let reports = collect(children).await;
    let requests = issuer.token_requests();
    let all: BTreeSet<&String> = reports.iter().flat_map(|r| &r.tokens).collect();
    assert!(
        reports.iter().all(|r| r.errors == 0),
        "no caller ever failed"
    );
    assert_eq!(
        all.len(),
        requests,
        "every requested token was shared: no process fetched one for itself"
    );
    // One cold fetch plus one per refresh period (2 s) over 9 s, give or take a boundary.
    assert!(
        (4..=6).contains(&requests),
        "{requests} requests for 8 processes over 9 s of 4 s tokens"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_past_its_expiry_is_never_taken_from_redis() {
    let Some(redis) = redis_url() else { return };
    let issuer = issuer(2).await;
    let mut s = spec(&issuer, &redis);
    s["tasks"] = json!(5);
    let first = collect(vec![spawn(&s)]).await.pop().unwrap();
    assert_eq!(issuer.token_requests(), 1);
    // Keep the sealed value in Redis well beyond the token's life.
    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("cognito-auth:m2m:*:token")
        .query_async(&mut c)
        .await
        .unwrap();
    for k in &keys {
        let _: i64 = redis::cmd("PEXPIRE")
            .arg(k)
            .arg(60_000)
            .query_async(&mut c)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let second = collect(vec![spawn(&s)]).await.pop().unwrap();
    assert_eq!(second.errors, 0);
    assert_eq!(issuer.token_requests(), 2, "the expired token was not used");
    assert!(first.tokens.is_disjoint(&second.tokens));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lease_holder_is_replaced_after_the_lease_ttl() {
    let Some(redis) = redis_url() else { return };
    let issuer = issuer(3600).await;
    // The first token request hangs: its process holds the lease when it is killed.
    issuer.push_token_faults([Fault::delay(Duration::from_secs(30))]);
    let mut s = spec(&issuer, &redis);
    s["tasks"] = json!(5);
    s["lease_ms"] = json!(1000);
    let mut holder = spawn(&s);
    let deadline = Instant::now() + Duration::from_secs(20);
    while issuer.token_requests() == 0 {
        assert!(Instant::now() < deadline, "the holder never asked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    holder.kill().unwrap();
    let _ = holder.wait();
    let r = collect(vec![spawn(&s)]).await.pop().unwrap();
    assert_eq!(r.errors, 0);
    assert_eq!(r.tokens.len(), 1);
    assert_eq!(
        issuer.token_requests(),
        2,
        "the next process fetched once the lease expired"
    );
    // It waited for the dead holder's lease (1 s), not for the hung request (30 s) nor
    // beyond the configured longest wait (10 s).
    assert!(r.millis < 10_000, "waited {} ms", r.millis);
}

/// A Redis of this test's own, to kill and restart.
struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let bin =
            std::env::var("COGNITO_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(bin)
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnRedis { child, port }
    }
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_means_each_process_fetches_once_and_sharing_resumes() {
    if redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let own = OwnRedis::start(port);
    let issuer = issuer(3600).await;
    let mut s = spec(&issuer, &own.url());
    s["tasks"] = json!(50);

    let up: Vec<Child> = (0..4).map(|_| spawn(&s)).collect();
    let up = collect(up).await;
    assert!(up.iter().all(|r| r.errors == 0));
    let shared = issuer.token_requests();
    assert_eq!(shared, 1, "the fleet shared one token");

    // A process that takes the shared token, then keeps asking through the outage. It says
    // FLEET-READY on stdout once it holds a token.
    let mut long = s.clone();
    long["run_ms"] = json!(6000);
    long["tasks"] = json!(10);
    let mut long_running = spawn(&long);
    let out = long_running.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let long_output = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut text = String::new();
        for line in std::io::BufReader::new(out).lines() {
            let line = line.unwrap();
            if line.contains("FLEET-READY") {
                let _ = ready_tx.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    tokio::task::spawn_blocking(move || ready_rx.recv_timeout(Duration::from_secs(30)))
        .await
        .unwrap()
        .expect("the long-running process got a token");
    assert_eq!(issuer.token_requests(), shared, "it took the shared token");

    drop(own); // SIGKILL
    let down: Vec<Child> = (0..4).map(|_| spawn(&s)).collect();
    let down = collect(down).await;
    assert!(
        down.iter().all(|r| r.errors == 0),
        "no caller failed because Redis did"
    );
    assert_eq!(
        issuer.token_requests(),
        shared + 4,
        "each process fetched its own token, once for its 50 tasks: {:?}",
        down.iter()
            .map(|r| (r.tokens.len(), r.millis))
            .collect::<Vec<_>>()
    );

    let _again = OwnRedis::start(port);
    let before = issuer.token_requests();
    let back: Vec<Child> = (0..4).map(|_| spawn(&s)).collect();
    let back = collect(back).await;
    assert!(back.iter().all(|r| r.errors == 0));
    assert_eq!(issuer.token_requests(), before + 1, "sharing again");
    let one: BTreeSet<&String> = back.iter().flat_map(|r| &r.tokens).collect();
    assert_eq!(one.len(), 1);

    let status = tokio::task::spawn_blocking(move || long_running.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    let text = long_output.join().unwrap();
    let line = text
        .lines()
        .find_map(|l| l.find("FLEET {").map(|i| l[i + 6..].to_owned()))
        .expect("the long-running process reported");
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        v["errors"], 0,
        "a process running through the outage never failed"
    );
    assert_eq!(
        v["tokens"].as_array().unwrap().len(),
        1,
        "and kept its token"
    );
}

/// A process whose clock runs 16 s fast fetches and shares the token; a process with the
/// right clock never uses it past the JWT's `exp` (before: the writer's clock set the
/// expiry, and the token was handed out 16 s past it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_clock_in_the_fleet_never_stretches_a_token_past_its_exp() {
    let Some(url) = redis_url() else { return };
    if std::env::var("COGNITO_TEST_FAKETIME_LIB").is_err() {
        assert!(
            std::env::var("COGNITO_TEST_REQUIRE_SERVICES").is_err(),
            "COGNITO_TEST_FAKETIME_LIB is required: run ./scripts/test.sh"
        );
        eprintln!("skipping: libfaketime is not installed (run ./scripts/test.sh)");
        return;
    }
    let issuer = issuer(120).await;
    let mut s = spec(&issuer, &url);
    s["tasks"] = json!(1);
    s["clock_skew"] = json!("+16s");
    let r = collect(vec![spawn(&s)]).await.pop().unwrap();
    assert_eq!(r.errors, 0);
    assert_eq!(issuer.token_requests(), 1);
    // The skewed writer really did store its own clock's times.
    let client = M2mClient::builder()
        .token_url(issuer.token_url())
        .client_id("fleet")
        .client_secret(SECRET)
        .default_scopes("orders/read")
        .build()
        .unwrap();
    let reader = TokenSource::builder(client)
        .shared_store(RedisTokenStore::new(&url).unwrap())
        .build();
    let t = reader.token().await.unwrap();
    assert_eq!(
        issuer.token_requests(),
        1,
        "the reader took the shared token"
    );
    let claims = cognito_auth::unverified::decode_unverified(t.secret()).unwrap();
    let exp = claims.payload["exp"].as_u64().unwrap();
    let until = t
        .expires_at_utc()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(until <= exp, "used until {until}, past the JWT's exp {exp}");
}

// ---------------------------------------------------------------- store-level contracts

/// A former lease holder, slow past its lease, publishes after another process has stored a
/// newer token: the newer token stays. (Before: `publish` always overwrote.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_former_holder_never_replaces_a_newer_token() {
    use cognito_auth::m2m::Scopes;
    use cognito_auth_redis::shared::{Lease, SharedKey, SharedTokenStore};
    let Some(url) = redis_url() else { return };
    let store = RedisTokenStore::new(&url).unwrap();
    let key = SharedKey::for_secret(
        "http://127.0.0.1:1/oauth2/token",
        &format!("fenced-{}", std::process::id()),
        &Scopes::from("a/read"),
        SECRET,
    );
    let (slow, fresh) = (Lease::new(), Lease::new());
    // `slow` took the lease, which then expired; `fresh` took it and published.
    assert!(
        store
            .try_lease(&key, &slow, Duration::from_millis(50))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(
        store
            .try_lease(&key, &fresh, Duration::from_secs(5))
            .await
            .unwrap()
    );
    store
        .publish(&key, b"newer", Duration::from_secs(60), &fresh)
        .await
        .unwrap();
    // The slow one's token was issued earlier: it lives shorter.
    store
        .publish(&key, b"older", Duration::from_secs(50), &slow)
        .await
        .unwrap();
    assert_eq!(
        store.get(&key).await.unwrap().as_deref(),
        Some(&b"newer"[..])
    );
    // A token that lives longer may replace it (the lease no longer guards anything).
    store
        .publish(&key, b"longer", Duration::from_secs(70), &slow)
        .await
        .unwrap();
    assert_eq!(
        store.get(&key).await.unwrap().as_deref(),
        Some(&b"longer"[..])
    );
}

/// Redis 7's default ACL for a new user grants no Pub/Sub channels (`resetchannels`): the
/// store works for a user allowed only its keys and commands. (Before: the publish script's
/// `PUBLISH` failed, so every fetch logged that the token could not be shared.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_for_an_acl_user_with_redis_7_defaults() {
    use cognito_auth::m2m::Scopes;
    use cognito_auth_redis::shared::{Lease, SharedKey, SharedTokenStore};
    let Some(url) = redis_url() else { return };
    let admin = redis::Client::open(url.as_str()).unwrap();
    let mut admin = admin.get_multiplexed_async_connection().await.unwrap();
    let user = format!("fleet-acl-{}", std::process::id());
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg("reset")
        .arg("on")
        .arg(">acl-pass")
        .arg("~cognito-auth:*")
        .arg("resetchannels")
        .arg("+@read")
        .arg("+@write")
        .arg("+@scripting")
        .arg("+ping")
        .query_async(&mut admin)
        .await
        .unwrap();
    let authed = url.replacen("redis://", &format!("redis://{user}:acl-pass@"), 1);
    let store = RedisTokenStore::new(&authed).unwrap();
    let key = SharedKey::for_secret(
        "http://127.0.0.1:1/oauth2/token",
        &user,
        &Scopes::from("a/read"),
        SECRET,
    );
    let lease = Lease::new();
    assert!(
        store
            .try_lease(&key, &lease, Duration::from_secs(5))
            .await
            .unwrap()
    );
    store
        .publish(&key, b"sealed", Duration::from_secs(60), &lease)
        .await
        .expect("publish under Redis 7's default channel permissions");
    assert_eq!(
        store.get(&key).await.unwrap().as_deref(),
        Some(&b"sealed"[..])
    );
    let _: () = redis::cmd("ACL")
        .arg("DELUSER")
        .arg(&user)
        .query_async(&mut admin)
        .await
        .unwrap();
}
