//! # cognito-auth-redis
//!
//! One Amazon Cognito M2M token for a whole fleet of processes: a
//! [`SharedTokenStore`] on Redis for `cognito-auth`'s
//! [`TokenSource`](cognito_auth::m2m::TokenSource).
//!
//! AWS bills every client-credentials token request and Cognito rate-limits the token
//! endpoint per pool. Inside one process the token source already turns any number of
//! concurrent callers into one request; with this store, every process using the same Redis,
//! client and scopes shares one token, and the refresh before expiry happens once for all.
//!
//! - **Sealed values**: Redis holds AES-256-GCM ciphertext under a key derived from the client
//!   secret; reading Redis does not give anyone a usable token. Keys hold nothing secret and
//!   share one hash slot (`cognito-auth:m2m:{…}:token`, `…:lease`), so Redis Cluster works.
//! - **One fetch for the fleet**: the process that needs a token when none is shared takes a
//!   lease (`SET NX PX` with a random fencing value) and asks Cognito; the others poll for its
//!   token and never ask while the lease lives. A holder that dies is replaced when its lease
//!   expires.
//! - **Never a single point of failure**: each Redis call times out quickly (the token source's
//!   [`SharedCacheConfig`](cognito_auth::m2m::SharedCacheConfig)); when Redis is down or slow,
//!   each process fetches its own token and comes back to sharing when Redis does. The
//!   connection is made on first use; a command that finds it dropped (a restart, a
//!   failover) is sent once more on the new connection before the process gives up sharing,
//!   and the log line of a fallback names the real cause (authentication, certificate,
//!   refused connection), not only a timeout.
//! - **Fenced and skew-proof**: the lease is extended while its holder's request runs and
//!   given up before a `Retry-After` pause, which is shared (`…:pause`) so no process of the
//!   fleet asks before it passes; a publish stores the token only for the lease holder or when
//!   it outlives the stored one (Redis's clock); a lease written without a TTL, or with one far
//!   above ours, is treated as broken and replaced; a token read is never used past its JWT
//!   `exp`, nor past the key's `PTTL`.
//! - **TLS and Cluster from the URL**: `rediss://` with feature `tls` (rustls; public roots,
//!   or a private CA with [`RedisStoreConfig::tls_root_certificates`]), and `?cluster=true`
//!   with feature `cluster` (ElastiCache Serverless and cluster-mode ElastiCache). A
//!   single-node client talking to a cluster fails with an error that says so.
//!
//! ```no_run
//! use cognito_auth::m2m::{M2mClient, TokenSource};
//! use cognito_auth_redis::RedisTokenStore;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tokens = TokenSource::builder(M2mClient::from_env()?)
//!     .shared_store(RedisTokenStore::new("redis://127.0.0.1:6379")?)
//!     .build();
//! let token = tokens.token().await?; // the fleet's token, or one fetched for the fleet
//! # let _ = token; Ok(()) }
//! ```
//!
//! ## Features
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognito_auth::m2m::shared::{
    Lease, SharedKey, SharedStoreError, SharedTokenStore, ValueWithTtl,
};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};

pub use cognito_auth::m2m::shared;

/// Stores the value while the caller holds the lease, or when it lives longer than the one
/// stored (by Redis's own clock: a slow former holder never replaces a newer token), then
/// releases the lease if the caller still holds it. No `PUBLISH`: nothing subscribes, and
/// Redis 7's default ACL denies channels to new users.
const PUBLISH: &str = r"
local holder = redis.call('GET', KEYS[2]) == ARGV[3]
if holder or redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
if holder then redis.call('DEL', KEYS[2]) end
return 1
";

/// Releases the lease if the caller still holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Takes the lease if free and no fleet-wide pause (KEYS[2]) runs. A lease without a TTL, or
/// with one above ARGV[3] ms, was not written by a live holder (a squatter, or a bug): it is
/// dropped first.
const TRY_LEASE: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local t = redis.call('PTTL', KEYS[1])
if t == -1 or t > tonumber(ARGV[3]) then redis.call('DEL', KEYS[1]) end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
";

/// Extends the lease if the caller still holds it.
const EXTEND: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";

/// The value and its remaining time to live, in one round trip.
const GET_TTL: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
";

/// How the store talks to Redis.
#[derive(Clone)]
#[must_use]
pub struct RedisStoreConfig {
    connection_timeout: Duration,
    response_timeout: Duration,
    poll_interval: Duration,
    root_certificates: Option<Vec<u8>>,
}

impl fmt::Debug for RedisStoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreConfig")
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("poll_interval", &self.poll_interval)
            .field("private_ca", &self.root_certificates.is_some())
            .finish()
    }
}

impl Default for RedisStoreConfig {
    fn default() -> Self {
        RedisStoreConfig {
            connection_timeout: Duration::from_millis(500),
            response_timeout: Duration::from_millis(250),
            poll_interval: Duration::from_millis(20),
            root_certificates: None,
        }
    }
}

impl RedisStoreConfig {
    /// Timeout of a connection attempt (default 500 ms).
    pub fn connection_timeout(mut self, d: Duration) -> Self {
        self.connection_timeout = d;
        self
    }
    /// Timeout of a command (default 250 ms).
    pub fn response_timeout(mut self, d: Duration) -> Self {
        self.response_timeout = d;
        self
    }
    /// How often a process waiting for another's token looks for it (default 20 ms).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = at_least_1ms(d);
        self
    }
    /// Trust these CA certificates (PEM) for `rediss://` instead of the public roots: a
    /// private CA in front of Redis. ElastiCache's certificates chain to public roots and need
    /// nothing here. Needs feature `tls`.
    pub fn tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }
}

/// A poll interval of zero would spin.
fn at_least_1ms(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

/// Why a store could not be made: the Redis URL is invalid, or needs a feature of this crate
/// that is off.
#[derive(Debug)]
pub struct RedisStoreError {
    message: String,
    source: Option<redis::RedisError>,
}

impl fmt::Display for RedisStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RedisStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

fn invalid_url(e: redis::RedisError) -> RedisStoreError {
    RedisStoreError {
        message: format!("invalid Redis URL: {e}"),
        source: Some(e),
    }
}

fn needs_feature(what: &str, feature: &str) -> RedisStoreError {
    RedisStoreError {
        message: format!(
            "{what} needs feature `{feature}` of cognito-auth-redis (cognito-auth-redis = {{ features = [\"{feature}\"] }})"
        ),
        source: None,
    }
}

/// A connection attempt that every caller waiting for it shares.
type Attempt<T> = Shared<BoxFuture<'static, Result<T, String>>>;

/// A connection made once, on first use, by a task of its own: a caller that times out
/// does not cancel it, and its failure is kept for the log line that explains a fallback.
struct Connector<T> {
    ready: tokio::sync::OnceCell<T>,
    connecting: Mutex<Option<Attempt<T>>>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl<T: Clone + Send + Sync + 'static> Connector<T> {
    fn new() -> Self {
        Connector {
            ready: tokio::sync::OnceCell::new(),
            connecting: Mutex::new(None),
            last_error: Arc::new(Mutex::new(None)),
        }
    }

    async fn get<F>(&self, make: impl FnOnce() -> F) -> Result<T, SharedStoreError>
    where
        F: std::future::Future<Output = redis::RedisResult<T>> + Send + 'static,
    {
        if let Some(c) = self.ready.get() {
            return Ok(c.clone());
        }
        let attempt = {
            let mut slot = self.connecting.lock().unwrap_or_else(|p| p.into_inner());
            match slot.as_ref() {
                Some(f) => f.clone(),
                None => {
                    let last_error = Arc::clone(&self.last_error);
                    let task = tokio::spawn(make());
                    let f = async move {
                        match task.await {
                            Ok(Ok(c)) => Ok(c),
                            Ok(Err(e)) => {
                                let e = describe(&e);
                                *last_error.lock().unwrap_or_else(|p| p.into_inner()) =
                                    Some(e.clone());
                                Err(e)
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    .boxed()
                    .shared();
                    *slot = Some(f.clone());
                    f
                }
            }
        };
        let result = attempt.await;
        *self.connecting.lock().unwrap_or_else(|p| p.into_inner()) = None;
        match result {
            Ok(c) => {
                let _ = self.ready.set(c.clone());
                Ok(c)
            }
            Err(e) => Err(SharedStoreError::new(format!(
                "Redis connection failed: {e}"
            ))),
        }
    }

    fn record(&self, e: &redis::RedisError) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(describe(e));
    }

    fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A Redis error in words an operator acts on.
fn describe(e: &redis::RedisError) -> String {
    if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::Moved)
        || e.to_string().contains("MOVED")
    {
        return format!(
            "this Redis is a cluster (it answered MOVED): add ?cluster=true to the URL, with feature `cluster` ({e})"
        );
    }
    e.to_string()
}

/// Where the connection comes from: made by the store from a URL, or given. One per store,
/// so the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Conn<C> {
    Single {
        client: redis::Client,
        config: RedisStoreConfig,
        connector: Connector<ConnectionManager>,
    },
    #[cfg(feature = "cluster")]
    Cluster {
        client: redis::cluster::ClusterClient,
        connector: Connector<redis::cluster_async::ClusterConnection>,
    },
    Given(C),
}

/// A [`SharedTokenStore`] on Redis. `Send + Sync`; give it to
/// [`TokenSourceBuilder::shared_store`](cognito_auth::m2m::TokenSourceBuilder::shared_store).
pub struct RedisTokenStore<C = ConnectionManager> {
    conn: Conn<C>,
    addr: String,
    poll_interval: Duration,
    scripts: Scripts,
}

struct Scripts {
    publish: redis::Script,
    release: redis::Script,
    try_lease: redis::Script,
    extend: redis::Script,
    get_ttl: redis::Script,
}

impl Scripts {
    fn new() -> Self {
        Scripts {
            publish: redis::Script::new(PUBLISH),
            release: redis::Script::new(RELEASE),
            try_lease: redis::Script::new(TRY_LEASE),
            extend: redis::Script::new(EXTEND),
            get_ttl: redis::Script::new(GET_TTL),
        }
    }
}

impl<C> fmt::Debug for RedisTokenStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Host and port only: a URL may carry a password.
        f.debug_struct("RedisTokenStore")
            .field("addr", &self.addr)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

/// `url` without a `cluster=true` query parameter, and whether it had one.
fn split_cluster(url: &str) -> (String, bool) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), false);
    };
    let mut cluster = false;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match *kv {
            "cluster=true" | "cluster=1" | "cluster" => {
                cluster = true;
                false
            }
            "cluster=false" | "cluster=0" => false,
            _ => true,
        })
        .collect();
    if rest.is_empty() {
        (base.to_owned(), cluster)
    } else {
        (format!("{base}?{}", rest.join("&")), cluster)
    }
}

impl RedisTokenStore<ConnectionManager> {
    /// A store for the Redis at `url`:
    ///
    /// | URL | what |
    /// |---|---|
    /// | `redis://[user:password@]host:port[/db]` | one Redis (or a primary endpoint) |
    /// | `rediss://…` | the same over TLS (feature `tls`): ElastiCache with in-transit encryption |
    /// | `…?cluster=true` | Redis Cluster from one seed node (feature `cluster`): ElastiCache Serverless, cluster-mode ElastiCache |
    ///
    /// Connects on first use and reconnects after a drop.
    ///
    /// ```
    /// use cognito_auth_redis::RedisTokenStore;
    ///
    /// assert!(RedisTokenStore::new("redis://127.0.0.1:6379").is_ok());
    /// assert!(RedisTokenStore::new("http://127.0.0.1:6379").is_err());
    /// ```
    pub fn new(url: &str) -> Result<Self, RedisStoreError> {
        Self::with_config(url, RedisStoreConfig::default())
    }

    /// [`RedisTokenStore::new`] with explicit timeouts and TLS roots.
    pub fn with_config(url: &str, config: RedisStoreConfig) -> Result<Self, RedisStoreError> {
        let (url, cluster) = split_cluster(url);
        let tls = url.starts_with("rediss://");
        if tls && !cfg!(feature = "tls") {
            return Err(needs_feature("a rediss:// (TLS) URL", "tls"));
        }
        let info =
            redis::IntoConnectionInfo::into_connection_info(url.as_str()).map_err(invalid_url)?;
        let addr = info.addr().to_string();
        let poll_interval = config.poll_interval;
        let conn = if cluster {
            Self::cluster_conn(info, &config)?
        } else {
            let client = match (&config.root_certificates, tls) {
                #[cfg(feature = "tls")]
                (Some(pem), true) => redis::Client::build_with_tls(
                    info,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(pem.clone()),
                    },
                ),
                _ => redis::Client::open(info),
            }
            .map_err(invalid_url)?;
            Conn::Single {
                client,
                config,
                connector: Connector::new(),
            }
        };
        Ok(RedisTokenStore {
            conn,
            addr,
            poll_interval,
            scripts: Scripts::new(),
        })
    }

    #[cfg(feature = "cluster")]
    fn cluster_conn(
        info: redis::ConnectionInfo,
        config: &RedisStoreConfig,
    ) -> Result<Conn<ConnectionManager>, RedisStoreError> {
        let mut b = redis::cluster::ClusterClient::builder(vec![info])
            .connection_timeout(config.connection_timeout)
            .response_timeout(config.response_timeout)
            .retries(2);
        #[cfg(feature = "tls")]
        if let Some(pem) = &config.root_certificates {
            b = b.certs(redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.clone()),
            });
        }
        Ok(Conn::Cluster {
            client: b.build().map_err(invalid_url)?,
            connector: Connector::new(),
        })
    }

    #[cfg(not(feature = "cluster"))]
    fn cluster_conn(
        _info: redis::ConnectionInfo,
        _config: &RedisStoreConfig,
    ) -> Result<Conn<ConnectionManager>, RedisStoreError> {
        Err(needs_feature(
            "a ?cluster=true URL (Redis Cluster)",
            "cluster",
        ))
    }
}

impl<C> RedisTokenStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A store over an existing connection: a `ConnectionManager`, or with feature
    /// `cluster` a `redis::cluster_async::ClusterConnection` (the keys share one slot).
    pub fn from_connection(conn: C) -> Self {
        RedisTokenStore {
            conn: Conn::Given(conn),
            addr: "(given connection)".to_owned(),
            poll_interval: RedisStoreConfig::default().poll_interval,
            scripts: Scripts::new(),
        }
    }

    /// How often a waiting process looks for the token another is fetching.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = at_least_1ms(d);
        self
    }

    /// A connection to run one command on (cheap clones of a multiplexed connection).
    async fn connection(&self) -> Result<AnyConn<C>, SharedStoreError> {
        match &self.conn {
            Conn::Given(c) => Ok(AnyConn::Given(c.clone())),
            Conn::Single {
                client,
                config,
                connector,
            } => {
                let (client, config) = (client.clone(), config.clone());
                connector
                    .get(move || async move {
                        let cfg = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(config.connection_timeout))
                            .set_response_timeout(Some(config.response_timeout))
                            .set_number_of_retries(2)
                            .set_max_delay(Duration::from_secs(2));
                        ConnectionManager::new_with_config(client, cfg).await
                    })
                    .await
                    .map(AnyConn::Single)
            }
            #[cfg(feature = "cluster")]
            Conn::Cluster { client, connector } => {
                let client = client.clone();
                connector
                    .get(move || async move { client.get_async_connection().await })
                    .await
                    .map(AnyConn::Cluster)
            }
        }
    }

    fn record(&self, e: &redis::RedisError) {
        match &self.conn {
            Conn::Single { connector, .. } => connector.record(e),
            #[cfg(feature = "cluster")]
            Conn::Cluster { connector, .. } => connector.record(e),
            Conn::Given(_) => {}
        }
    }

    /// Sends `req`; when the connection was found dropped (a restart, a failover), once
    /// more on the new one (the connection manager reconnects after a failed command) before
    /// giving up.
    async fn run<T: redis::FromRedisValue>(
        &self,
        what: &str,
        req: Req<'_>,
    ) -> Result<T, SharedStoreError> {
        let mut c = self.connection().await?;
        let e = match req.send(&mut c).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let e = if e.is_connection_dropped() || e.is_io_error() || e.is_connection_refusal() {
            match req.send(&mut c).await {
                Ok(v) => return Ok(v),
                Err(again) => again,
            }
        } else {
            e
        };
        self.record(&e);
        Err(SharedStoreError::new(format!(
            "Redis {what} failed: {}",
            describe(&e)
        )))
    }
}

/// One request: a command or a script.
enum Req<'a> {
    Cmd(redis::Cmd),
    Script(redis::ScriptInvocation<'a>),
}

impl Req<'_> {
    async fn send<T: redis::FromRedisValue>(
        &self,
        c: &mut (impl ConnectionLike + Send),
    ) -> redis::RedisResult<T> {
        match self {
            Req::Cmd(cmd) => cmd.query_async(c).await,
            Req::Script(s) => s.invoke_async(c).await,
        }
    }
}

/// One script argument.
fn a(v: impl redis::ToRedisArgs) -> Vec<Vec<u8>> {
    v.to_redis_args()
}

/// A script invocation with `keys` and `args`.
fn script<'a>(s: &'a redis::Script, keys: &[&str], args: &[Vec<Vec<u8>>]) -> Req<'a> {
    let mut inv = s.prepare_invoke();
    for k in keys {
        inv.key(*k);
    }
    for a in args {
        inv.arg(a);
    }
    Req::Script(inv)
}

/// One of the connection kinds, as one `ConnectionLike`.
#[doc(hidden)]
pub enum AnyConn<C> {
    Single(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
    Given(C),
}

impl<C: ConnectionLike + Send> ConnectionLike for AnyConn<C> {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            AnyConn::Single(a) => a.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            AnyConn::Cluster(a) => a.req_packed_command(cmd),
            AnyConn::Given(b) => b.req_packed_command(cmd),
        }
    }
    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            AnyConn::Single(a) => a.req_packed_commands(cmd, offset, count),
            #[cfg(feature = "cluster")]
            AnyConn::Cluster(a) => a.req_packed_commands(cmd, offset, count),
            AnyConn::Given(b) => b.req_packed_commands(cmd, offset, count),
        }
    }
    fn get_db(&self) -> i64 {
        match self {
            AnyConn::Single(a) => a.get_db(),
            #[cfg(feature = "cluster")]
            AnyConn::Cluster(a) => a.get_db(),
            AnyConn::Given(b) => b.get_db(),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A lease TTL above this (or none) was not written by a live holder of this fleet.
fn broken_lease_after(ttl: Duration) -> u64 {
    millis(ttl).saturating_mul(4).max(60_000)
}

impl<C> SharedTokenStore for RedisTokenStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn get<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, SharedStoreError>> {
        Box::pin(async move { Ok(self.get_with_ttl(key).await?.map(|(v, _)| v)) })
    }

    fn get_with_ttl<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<ValueWithTtl>, SharedStoreError>> {
        Box::pin(async move {
            let k = key.value_key();
            let got: Option<(Vec<u8>, i64)> = self
                .run("GET", script(&self.scripts.get_ttl, &[&k], &[]))
                .await?;
            Ok(got.map(|(v, pttl)| {
                let ttl = u64::try_from(pttl).ok().map(Duration::from_millis);
                (v, ttl)
            }))
        })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            let (k, pause) = (key.lease_key(), key.pause_key());
            let took: i64 = self
                .run(
                    "lease",
                    script(
                        &self.scripts.try_lease,
                        &[&k, &pause],
                        &[
                            a(lease.fencing()),
                            a(millis(ttl)),
                            a(broken_lease_after(ttl)),
                        ],
                    ),
                )
                .await?;
            Ok(took == 1)
        })
    }

    fn extend_lease<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            let k = key.lease_key();
            let kept: i64 = self
                .run(
                    "lease extension",
                    script(
                        &self.scripts.extend,
                        &[&k],
                        &[a(lease.fencing()), a(millis(ttl))],
                    ),
                )
                .await?;
            Ok(kept == 1)
        })
    }

    fn publish<'a>(
        &'a self,
        key: &'a SharedKey,
        value: &'a [u8],
        ttl: Duration,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move {
            let (v, l) = (key.value_key(), key.lease_key());
            let _: i64 = self
                .run(
                    "publish",
                    script(
                        &self.scripts.publish,
                        &[&v, &l],
                        &[a(value), a(millis(ttl)), a(lease.fencing())],
                    ),
                )
                .await?;
            Ok(())
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move {
            let k = key.lease_key();
            let _: i64 = self
                .run(
                    "release",
                    script(&self.scripts.release, &[&k], &[a(lease.fencing())]),
                )
                .await?;
            Ok(())
        })
    }

    fn pause<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<Duration>, SharedStoreError>> {
        Box::pin(async move {
            let k = key.pause_key();
            let pttl: i64 = self
                .run("pause", Req::Cmd(redis::cmd("PTTL").arg(&k).clone()))
                .await?;
            Ok(u64::try_from(pttl)
                .ok()
                .filter(|&ms| ms > 0)
                .map(Duration::from_millis))
        })
    }

    fn set_pause<'a>(
        &'a self,
        key: &'a SharedKey,
        d: Duration,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move {
            let k = key.pause_key();
            let _: () = self
                .run(
                    "pause",
                    Req::Cmd(
                        redis::cmd("SET")
                            .arg(&k)
                            .arg("1")
                            .arg("PX")
                            .arg(millis(d))
                            .clone(),
                    ),
                )
                .await?;
            Ok(())
        })
    }

    fn wait_for_change<'a>(&'a self, _key: &'a SharedKey, timeout: Duration) -> BoxFuture<'a, ()> {
        // Bounded polling: the waiter reads the key again after one interval.
        Box::pin(tokio::time::sleep(self.poll_interval.min(timeout)))
    }

    fn last_error(&self) -> Option<String> {
        match &self.conn {
            Conn::Single { connector, .. } => connector.last_error(),
            #[cfg(feature = "cluster")]
            Conn::Cluster { connector, .. } => connector.last_error(),
            Conn::Given(_) => None,
        }
    }
}
