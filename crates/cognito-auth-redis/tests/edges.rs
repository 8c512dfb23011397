//! The fleet cache where its real environment differs from the easy case: slow token
//! requests, a shared `Retry-After`, a squatted lease, a Redis restart, a secret rotation,
//! a wrong password, TLS with a private CA (a real `redis-server --tls-port`, the CA made
//! here), and a real three-master Redis Cluster.
//!
//! Each "process" of a fleet is a `TokenSource` with a `RedisTokenStore` of its own (its own
//! connection and its own in-process cache), so the fleet's coordination goes through Redis
//! alone, as between processes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cognito_auth::m2m::{M2mClient, M2mError, RetryPolicy, Scopes, SharedCacheConfig, TokenSource};
use cognito_auth_redis::shared::{Lease, SharedKey, SharedTokenStore};
use cognito_auth_redis::{RedisStoreConfig, RedisTokenStore};
use cognito_auth_testkit::{ClientSpec, Fault, LocalIssuer};

const SECRET: &str = "edge-secret-0a1b2c";
const ROTATED: &str = "edge-rotated-9f8e7d";

mod common;
use common::redis_url;

fn redis_bin(name: &str) -> PathBuf {
    let server =
        std::env::var("COGNITO_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    match name {
        "redis-server" => PathBuf::from(server),
        other => Path::new(&server)
            .parent()
            .map(|d| d.join(other))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from(other)),
    }
}

async fn issuer(client: &str, lifetime: i64) -> LocalIssuer {
    LocalIssuer::builder()
        .client(
            ClientSpec::new(client, SECRET)
                .second_secret(ROTATED)
                .scopes(["orders/read"]),
        )
        .token_lifetime(lifetime)
        .start()
        .await
}

/// One process of the fleet.
fn process(
    issuer: &LocalIssuer,
    client: &str,
    secret: &str,
    store: RedisTokenStore,
    cfg: SharedCacheConfig,
    retry: RetryPolicy,
) -> TokenSource {
    let client = M2mClient::builder()
        .token_url(issuer.token_url())
        .client_id(client)
        .client_secret(secret)
        .default_scopes("orders/read")
        .retry_policy(retry)
        .build()
        .unwrap();
    TokenSource::builder(client)
        .shared_store(store)
        .shared_config(cfg)
        .build()
}

fn unique(name: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn key(issuer: &LocalIssuer, client: &str, secret: &str) -> SharedKey {
    SharedKey::for_secret(
        &issuer.token_url(),
        client,
        &Scopes::from("orders/read"),
        secret,
    )
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Everyone asks at once.
async fn all_ask(fleet: &[TokenSource]) -> Vec<Result<String, M2mError>> {
    let tasks: Vec<_> = fleet
        .iter()
        .map(|s| {
            let s = s.clone();
            tokio::spawn(async move { s.token().await.map(|t| t.secret().to_owned()) })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A token request slower than the lease: the holder keeps its lease, so the other process
/// waits for its token instead of sending a second (billed) request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_request_slower_than_the_lease_is_not_sent_twice() {
    let Some(url) = redis_url() else { return };
    let client = unique("slow");
    let issuer = issuer(&client, 3600).await;
    issuer.push_token_faults([Fault::delay(Duration::from_millis(1500))]);
    let cfg = SharedCacheConfig::default().lease_ttl(Duration::from_millis(300));
    let fleet: Vec<TokenSource> = (0..2)
        .map(|_| {
            process(
                &issuer,
                &client,
                SECRET,
                RedisTokenStore::new(&url).unwrap(),
                cfg.clone(),
                RetryPolicy::none(),
            )
        })
        .collect();
    // The second process starts once the first holds the lease.
    let first = fleet[0].clone();
    let holder = tokio::spawn(async move { first.token().await.map(|t| t.secret().to_owned()) });
    let deadline = Instant::now() + Duration::from_secs(10);
    while issuer.token_requests() == 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await; // two lease lifetimes
    let second = fleet[1].token().await.unwrap();
    assert_eq!(holder.await.unwrap().unwrap(), second.secret());
    assert_eq!(
        issuer.token_requests(),
        1,
        "the lease lived as long as the request"
    );
}

/// `Retry-After` from the token endpoint holds for the whole fleet: one request into it,
/// however many processes ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_pauses_the_whole_fleet() {
    let Some(url) = redis_url() else { return };
    let client = unique("pause");
    let issuer = issuer(&client, 3600).await;
    issuer.push_token_faults((0..8).map(|_| Fault::too_many_requests(30)));
    let fleet: Vec<TokenSource> = (0..8)
        .map(|_| {
            process(
                &issuer,
                &client,
                SECRET,
                RedisTokenStore::new(&url).unwrap(),
                SharedCacheConfig::default(),
                RetryPolicy::none(),
            )
        })
        .collect();
    let results = all_ask(&fleet).await;
    assert!(results.iter().all(|r| r.is_err()), "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(e) if e.retry_after().is_some()))
    );
    assert_eq!(
        issuer.token_requests(),
        1,
        "one request for the fleet per pause"
    );
    // Later callers in any process: no request either.
    let again = all_ask(&fleet).await;
    assert!(
        again
            .iter()
            .all(|r| matches!(r, Err(M2mError::Throttled { .. })))
    );
    assert_eq!(issuer.token_requests(), 1);
}

/// Someone wrote the predictable lease key without a TTL (or with an absurd one): it is not a
/// live holder's, so a cold start replaces it instead of waiting, and the token is shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_squatted_lease_neither_stalls_nor_splits_the_fleet() {
    let Some(url) = redis_url() else { return };
    for squat_ttl in [None, Some(86_400_000u64)] {
        let client = unique("squat");
        let issuer = issuer(&client, 3600).await;
        let lease_key = key(&issuer, &client, SECRET).lease_key();
        let mut r = raw(&url).await;
        let mut set = redis::cmd("SET");
        set.arg(&lease_key).arg("squatter");
        if let Some(ms) = squat_ttl {
            set.arg("PX").arg(ms);
        }
        let _: () = set.query_async(&mut r).await.unwrap();
        let cfg = SharedCacheConfig::default().max_wait(Duration::from_secs(2));
        let fleet: Vec<TokenSource> = (0..3)
            .map(|_| {
                process(
                    &issuer,
                    &client,
                    SECRET,
                    RedisTokenStore::new(&url).unwrap(),
                    cfg.clone(),
                    RetryPolicy::none(),
                )
            })
            .collect();
        for p in &fleet {
            p.token().await.unwrap();
        }
        assert_eq!(issuer.token_requests(), 1, "squat {squat_ttl:?}");
        let holder: Option<String> = redis::cmd("GET")
            .arg(&lease_key)
            .query_async(&mut r)
            .await
            .unwrap();
        assert_ne!(holder.as_deref(), Some("squatter"));
    }
    // A live holder's lease (within our TTL) is respected.
    let client = unique("live");
    let issuer = issuer(&client, 3600).await;
    let k = key(&issuer, &client, SECRET);
    let store = RedisTokenStore::new(&url).unwrap();
    assert!(
        store
            .try_lease(&k, &Lease::new(), Duration::from_secs(5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_lease(&k, &Lease::new(), Duration::from_secs(5))
            .await
            .unwrap()
    );
}

/// During a secret rotation, processes on the old and on the new secret keep a token each
/// instead of overwriting each other's (which made every process fetch its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_secrets_at_once_keep_a_token_each() {
    let Some(url) = redis_url() else { return };
    let client = unique("rotation");
    let issuer = issuer(&client, 3600).await;
    let fleet: Vec<TokenSource> = [SECRET, ROTATED, SECRET, ROTATED, SECRET, ROTATED]
        .into_iter()
        .map(|secret| {
            process(
                &issuer,
                &client,
                secret,
                RedisTokenStore::new(&url).unwrap(),
                SharedCacheConfig::default(),
                RetryPolicy::none(),
            )
        })
        .collect();
    for p in &fleet {
        p.token().await.unwrap();
    }
    assert_eq!(issuer.token_requests(), 2, "one token per secret");
}

/// A wrong password is named in the error (and kept for the fallback's log line), not
/// reported as a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_connection_error_is_kept() {
    let Some(url) = redis_url() else { return };
    let bad = url.replacen("redis://", "redis://nobody:wrong-password@", 1);
    let store = RedisTokenStore::new(&bad).unwrap();
    let k = SharedKey::for_secret("http://127.0.0.1:1/t", "c", &Scopes::from("a"), SECRET);
    let err = store.get(&k).await.unwrap_err().to_string();
    let names_it = |e: &str| e.to_lowercase().contains("authentication");
    assert!(names_it(&err), "the error names the cause: {err}");
    let kept = store.last_error().expect("kept for the log line");
    assert!(names_it(&kept), "{kept}");
}

// ------------------------------------------------------------------ servers of our own

/// A `redis-server` of this test's own, stopped on drop.
struct OwnRedis {
    child: Child,
    _dir: tempfile::TempDir,
}

impl OwnRedis {
    fn start(args: &[String], port: u16) -> OwnRedis {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(redis_bin("redis-server"))
            .args([
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
            ])
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnRedis { child, _dir: dir }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn plain(port: u16) -> Vec<String> {
    vec!["--port".into(), port.to_string()]
}

/// After a Redis restart, a process's next command finds its connection dropped: it is sent
/// again on a new connection, so the fleet keeps sharing (before: every process fell back to
/// its own token at its next fetch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_redis_restart_the_fleet_shares_at_once() {
    if redis_url().is_none() {
        return;
    }
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let client = unique("restart");
    let issuer = issuer(&client, 3600).await;
    let fleet: Vec<TokenSource> = (0..4)
        .map(|_| {
            process(
                &issuer,
                &client,
                SECRET,
                RedisTokenStore::new(&url).unwrap(),
                SharedCacheConfig::default().op_timeout(Duration::from_secs(2)),
                RetryPolicy::none(),
            )
        })
        .collect();
    let redis = OwnRedis::start(&plain(port), port);
    for p in &fleet {
        p.token().await.unwrap();
    }
    assert_eq!(issuer.token_requests(), 1);
    drop(redis);
    let _again = OwnRedis::start(&plain(port), port);
    // Every process needs a new token now (e.g. its refresh point): one request for all.
    for p in &fleet {
        p.invalidate();
    }
    let results = all_ask(&fleet).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(issuer.token_requests(), 2, "shared again at once");
}

/// A CA, and a certificate for 127.0.0.1 signed by it, as PEM files in `dir`.
fn make_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType,
    };
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "cognito-auth test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let mut server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let key = KeyPair::generate().unwrap();
    let cert = server.signed_by(&key, &ca).unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

/// `rediss://` against a real `redis-server --tls-port` whose certificate a CA made here
/// signed: trusted with that CA, refused without it (and the refusal names the certificate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_private_ca() {
    if redis_url().is_none() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, cert_key) = make_ca(certs.path());
    let port = free_port();
    let args: Vec<String> = vec![
        "--port".into(),
        "0".into(),
        "--tls-port".into(),
        port.to_string(),
        "--tls-cert-file".into(),
        cert.display().to_string(),
        "--tls-key-file".into(),
        cert_key.display().to_string(),
        "--tls-ca-cert-file".into(),
        ca.display().to_string(),
        "--tls-auth-clients".into(),
        "no".into(),
    ];
    let _redis = OwnRedis::start(&args, port);
    let url = format!("rediss://127.0.0.1:{port}");
    let client = unique("tls");
    let issuer = issuer(&client, 3600).await;
    let pem = std::fs::read(&ca).unwrap();
    let fleet: Vec<TokenSource> = (0..3)
        .map(|_| {
            let store = RedisTokenStore::with_config(
                &url,
                RedisStoreConfig::default().tls_root_certificates(pem.clone()),
            )
            .unwrap();
            process(
                &issuer,
                &client,
                SECRET,
                store,
                SharedCacheConfig::default().op_timeout(Duration::from_secs(2)),
                RetryPolicy::none(),
            )
        })
        .collect();
    for p in &fleet {
        p.token().await.unwrap();
    }
    assert_eq!(issuer.token_requests(), 1, "shared over TLS");

    // Without the private CA: not trusted, and the error says why.
    let untrusting = RedisTokenStore::new(&url).unwrap();
    let err = untrusting
        .get(&key(&issuer, &client, SECRET))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.to_lowercase().contains("certificate") || err.contains("UnknownIssuer"),
        "{err}"
    );
}

/// A real Redis Cluster of three masters on loopback.
struct Cluster {
    nodes: Vec<OwnRedis>,
    ports: Vec<u16>,
}

impl Cluster {
    fn start() -> Cluster {
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let nodes = ports
            .iter()
            .map(|&p| {
                let args: Vec<String> = vec![
                    "--port".into(),
                    p.to_string(),
                    "--cluster-enabled".into(),
                    "yes".into(),
                    "--cluster-config-file".into(),
                    format!("nodes-{p}.conf"),
                ];
                OwnRedis::start(&args, p)
            })
            .collect();
        let mut create = Command::new(redis_bin("redis-cli"));
        create.arg("--cluster").arg("create");
        for p in &ports {
            create.arg(format!("127.0.0.1:{p}"));
        }
        let out = create
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        // Wait until every node agrees the cluster is up.
        let deadline = Instant::now() + Duration::from_secs(20);
        for p in &ports {
            loop {
                let info = Command::new(redis_bin("redis-cli"))
                    .args(["-p", &p.to_string(), "cluster", "info"])
                    .output()
                    .unwrap();
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(Instant::now() < deadline, "cluster did not come up");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Cluster { nodes, ports }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_master_cluster_from_a_url() {
    if redis_url().is_none() {
        return;
    }
    let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    assert_eq!(cluster.nodes.len(), 3);
    let seed = format!("redis://127.0.0.1:{}", cluster.ports[0]);

    // Cluster mode from the URL: the fleet shares one token, lease and value in one slot.
    let client = unique("cluster");
    let issuer = issuer(&client, 3600).await;
    let fleet: Vec<TokenSource> = (0..4)
        .map(|_| {
            process(
                &issuer,
                &client,
                SECRET,
                RedisTokenStore::new(&format!("{seed}?cluster=true")).unwrap(),
                SharedCacheConfig::default().op_timeout(Duration::from_secs(2)),
                RetryPolicy::none(),
            )
        })
        .collect();
    for p in &fleet {
        p.token().await.unwrap();
    }
    assert_eq!(issuer.token_requests(), 1, "shared through the cluster");
    let k = key(&issuer, &client, SECRET);
    let mut node = raw(&seed).await;
    let slot = |name: String| {
        let mut c = node.clone();
        async move {
            redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(name)
                .query_async::<i64>(&mut c)
                .await
                .unwrap()
        }
    };
    let s = slot(k.value_key()).await;
    assert_eq!(slot(k.lease_key()).await, s);
    assert_eq!(slot(k.pause_key()).await, s);
    let _: () = redis::cmd("PING").query_async(&mut node).await.unwrap();

    // A single-node client pointed at the cluster: some keys live elsewhere, and the error
    // says what to do instead of a vague warning.
    let single = RedisTokenStore::new(&seed).unwrap();
    let mut moved = None;
    for i in 0..64 {
        let k = SharedKey::for_secret(
            "http://127.0.0.1:1/t",
            &format!("probe-{i}"),
            &Scopes::from("a"),
            SECRET,
        );
        if let Err(e) = single.get(&k).await {
            moved = Some(e.to_string());
            break;
        }
    }
    let moved = moved.expect("two thirds of the slots live on other nodes");
    assert!(moved.contains("cluster=true"), "{moved}");
}
