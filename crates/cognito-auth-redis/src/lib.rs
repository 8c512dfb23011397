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
//!   connection is made lazily and re-made in the background.
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
use std::time::Duration;

use cognito_auth::m2m::shared::{Lease, SharedKey, SharedStoreError, SharedTokenStore};
use futures_util::future::BoxFuture;
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

/// How the store talks to Redis.
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisStoreConfig {
    connection_timeout: Duration,
    response_timeout: Duration,
    poll_interval: Duration,
}

impl Default for RedisStoreConfig {
    fn default() -> Self {
        RedisStoreConfig {
            connection_timeout: Duration::from_millis(500),
            response_timeout: Duration::from_millis(250),
            poll_interval: Duration::from_millis(20),
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
}

/// A poll interval of zero would spin.
fn at_least_1ms(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

/// Why a store could not be made: the Redis URL is invalid.
#[derive(Debug)]
pub struct RedisStoreError(redis::RedisError);

impl fmt::Display for RedisStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid Redis URL: {}", self.0)
    }
}

impl std::error::Error for RedisStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Where the connection comes from: made lazily by the store, or given. One per store, so
/// the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Conn<C> {
    Lazy {
        client: redis::Client,
        config: RedisStoreConfig,
        manager: tokio::sync::OnceCell<ConnectionManager>,
    },
    Given(C),
}

/// A [`SharedTokenStore`] on Redis. `Send + Sync`; give it to
/// [`TokenSourceBuilder::shared_store`](cognito_auth::m2m::TokenSourceBuilder::shared_store).
pub struct RedisTokenStore<C = ConnectionManager> {
    conn: Conn<C>,
    poll_interval: Duration,
    publish: redis::Script,
    release: redis::Script,
}

impl<C> fmt::Debug for RedisTokenStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RedisTokenStore");
        if let Conn::Lazy { client, .. } = &self.conn {
            // Host and port only: a URL may carry a password.
            let info = client.get_connection_info();
            d.field("addr", &info.addr().to_string());
        }
        d.field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore<ConnectionManager> {
    /// A store for the Redis at `url` (`redis://[user:password@]host:port[/db]`, or `rediss://`
    /// with a TLS-enabled `redis` crate). Connects on first use, and reconnects in the
    /// background when the connection drops.
    pub fn new(url: &str) -> Result<Self, RedisStoreError> {
        Self::with_config(url, RedisStoreConfig::default())
    }

    /// [`RedisTokenStore::new`] with explicit timeouts.
    pub fn with_config(url: &str, config: RedisStoreConfig) -> Result<Self, RedisStoreError> {
        let client = redis::Client::open(url).map_err(RedisStoreError)?;
        Ok(RedisTokenStore {
            poll_interval: config.poll_interval,
            conn: Conn::Lazy {
                client,
                config,
                manager: tokio::sync::OnceCell::new(),
            },
            publish: redis::Script::new(PUBLISH),
            release: redis::Script::new(RELEASE),
        })
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
            poll_interval: RedisStoreConfig::default().poll_interval,
            publish: redis::Script::new(PUBLISH),
            release: redis::Script::new(RELEASE),
        }
    }

    /// How often a waiting process looks for the token another is fetching.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = at_least_1ms(d);
        self
    }
}

fn failed(what: &str, e: redis::RedisError) -> SharedStoreError {
    SharedStoreError::with_source(format!("Redis {what} failed"), e)
}

impl<C> RedisTokenStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A connection to run one command on (cheap clones of a multiplexed connection).
    async fn connection(&self) -> Result<Either<ConnectionManager, C>, SharedStoreError> {
        match &self.conn {
            Conn::Given(c) => Ok(Either::Right(c.clone())),
            Conn::Lazy {
                client,
                config,
                manager,
            } => {
                let m = manager
                    .get_or_try_init(|| async {
                        let cfg = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(config.connection_timeout))
                            .set_response_timeout(Some(config.response_timeout))
                            .set_number_of_retries(2)
                            .set_max_delay(Duration::from_secs(2));
                        ConnectionManager::new_lazy_with_config(client.clone(), cfg)
                    })
                    .await
                    .map_err(|e| failed("connection", e))?;
                Ok(Either::Left(m.clone()))
            }
        }
    }
}

/// One of two connection types, as one `ConnectionLike`.
#[doc(hidden)]
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

impl<A: ConnectionLike + Send, B: ConnectionLike + Send> ConnectionLike for Either<A, B> {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Either::Left(a) => a.req_packed_command(cmd),
            Either::Right(b) => b.req_packed_command(cmd),
        }
    }
    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Either::Left(a) => a.req_packed_commands(cmd, offset, count),
            Either::Right(b) => b.req_packed_commands(cmd, offset, count),
        }
    }
    fn get_db(&self) -> i64 {
        match self {
            Either::Left(a) => a.get_db(),
            Either::Right(b) => b.get_db(),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl<C> SharedTokenStore for RedisTokenStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn get<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, SharedStoreError>> {
        Box::pin(async move {
            let mut c = self.connection().await?;
            redis::cmd("GET")
                .arg(key.value_key())
                .query_async(&mut c)
                .await
                .map_err(|e| failed("GET", e))
        })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            let mut c = self.connection().await?;
            let set: Option<String> = redis::cmd("SET")
                .arg(key.lease_key())
                .arg(lease.fencing())
                .arg("NX")
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut c)
                .await
                .map_err(|e| failed("SET NX", e))?;
            Ok(set.is_some())
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
            let mut c = self.connection().await?;
            let _: i64 = self
                .publish
                .key(key.value_key())
                .key(key.lease_key())
                .arg(value)
                .arg(millis(ttl))
                .arg(lease.fencing())
                .invoke_async(&mut c)
                .await
                .map_err(|e| failed("publish", e))?;
            Ok(())
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move {
            let mut c = self.connection().await?;
            let _: i64 = self
                .release
                .key(key.lease_key())
                .arg(lease.fencing())
                .invoke_async(&mut c)
                .await
                .map_err(|e| failed("release", e))?;
            Ok(())
        })
    }

    fn wait_for_change<'a>(&'a self, _key: &'a SharedKey, timeout: Duration) -> BoxFuture<'a, ()> {
        // Bounded polling: the waiter reads the key again after one interval.
        Box::pin(tokio::time::sleep(self.poll_interval.min(timeout)))
    }
}
