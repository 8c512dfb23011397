//! # cognito-auth-activity
//!
//! Per-client activity in a real database for services protected by `cognito-auth`: `client_id`, `first_seen_at`, `last_seen_at` and
//! a request count, one row per client.
//!
//! [`ActivityTracker::record`] only touches memory (a short mutex, no I/O), so a request never
//! waits on the database and tracking never fails a request. Updates are coalesced per client
//! and written in one transaction per flush: on an interval, on [`ActivityTracker::flush`],
//! and on [`ActivityTracker::shutdown`]. A failed flush keeps the updates for the next one
//! (bounded by `max_pending_clients`).
//!
//! Backends: SQLite (feature `sqlite`; a file or `sqlite::memory:`) and PostgreSQL
//! (feature `postgres`). The schema is created by migrations shipped in this crate,
//! tracked in their own table (`_cognito_auth_migrations`), so they never interfere with the
//! application's own sqlx migrations.
//!
//! Plug it into the web layer with `Authenticator::with_activity` (the tracker is a
//! [`cognito_auth::web::ActivitySink`]), or build it from the `[activity]` section of an
//! `AuthConfig` with [`ActivityTracker::from_config`].
//!
//! ## Cargo features
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
//!
//! ```no_run
//! use std::time::Duration;
//! use cognito_auth_activity::{ActivityOptions, ActivityTracker};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tracker = ActivityTracker::connect(
//!     "sqlite://activity.db?mode=rwc",
//!     ActivityOptions::default().flush_interval(Duration::from_secs(5)),
//! )
//! .await?;
//! tracker.record("reporting-worker");
//! tracker.shutdown().await?; // final flush
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

/// Why the activity store could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActivityError {
    /// The URL names no enabled backend.
    #[error("unsupported activity database URL `{0}` (enable the sqlite or postgres feature)")]
    UnsupportedUrl(String),
    /// A database error.
    #[error("activity database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("activity migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Tracker settings.
#[derive(Debug, Clone)]
#[must_use]
pub struct ActivityOptions {
    flush_interval: Duration,
    max_pending_clients: usize,
}

impl Default for ActivityOptions {
    fn default() -> Self {
        ActivityOptions {
            flush_interval: Duration::from_secs(5),
            max_pending_clients: 100_000,
        }
    }
}

impl ActivityOptions {
    /// How often buffered updates are written (default 5 s).
    pub fn flush_interval(mut self, d: Duration) -> Self {
        self.flush_interval = d.max(Duration::from_millis(10));
        self
    }
    /// Most distinct clients buffered between flushes (default 100 000); beyond it, new
    /// clients are counted as dropped until the next flush.
    pub fn max_pending_clients(mut self, n: usize) -> Self {
        self.max_pending_clients = n.max(1);
        self
    }
}

/// One client's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientActivity {
    /// The app client id.
    pub client_id: String,
    /// First request seen.
    pub first_seen_at: SystemTime,
    /// Latest request seen.
    pub last_seen_at: SystemTime,
    /// Requests counted.
    pub request_count: u64,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    first_ms: i64,
    last_ms: i64,
    count: i64,
}

#[derive(Clone)]
enum Store {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// No backend compiled in: no tracker can be built.
    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    #[allow(dead_code)]
    None(std::convert::Infallible),
}

struct Inner {
    store: Store,
    pending: Mutex<HashMap<Box<str>, Pending>>,
    max_pending: usize,
    dropped: AtomicU64,
    wake: Notify,
    stopped: AtomicBool,
    flush_lock: tokio::sync::Mutex<()>,
}

/// Records which clients call the service, in SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct ActivityTracker {
    inner: Arc<Inner>,
}

impl fmt::Debug for ActivityTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match &self.inner.store {
            #[cfg(feature = "sqlite")]
            Store::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => "postgres",
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Store::None(n) => match *n {},
        };
        f.debug_struct("ActivityTracker")
            .field("backend", &backend)
            .field("pending", &self.pending_clients())
            .finish()
    }
}

#[cfg(feature = "sqlite")]
const SQLITE_UPSERT: &str = "INSERT INTO cognito_client_activity \
     (client_id, first_seen_at, last_seen_at, request_count) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (client_id) DO UPDATE SET \
     first_seen_at = MIN(cognito_client_activity.first_seen_at, excluded.first_seen_at), \
     last_seen_at = MAX(cognito_client_activity.last_seen_at, excluded.last_seen_at), \
     request_count = cognito_client_activity.request_count + excluded.request_count";

#[cfg(feature = "sqlite")]
const SQLITE_LIST: &str = "SELECT client_id, first_seen_at, last_seen_at, request_count \
     FROM cognito_client_activity ORDER BY client_id";

#[cfg(feature = "postgres")]
const POSTGRES_UPSERT: &str = "INSERT INTO cognito_client_activity \
     (client_id, first_seen_at, last_seen_at, request_count) \
     VALUES ($1, to_timestamp($2::double precision / 1000.0), \
             to_timestamp($3::double precision / 1000.0), $4) \
     ON CONFLICT (client_id) DO UPDATE SET \
     first_seen_at = LEAST(cognito_client_activity.first_seen_at, excluded.first_seen_at), \
     last_seen_at = GREATEST(cognito_client_activity.last_seen_at, excluded.last_seen_at), \
     request_count = cognito_client_activity.request_count + excluded.request_count";

#[cfg(feature = "postgres")]
const POSTGRES_LIST: &str = "SELECT client_id, \
     (EXTRACT(EPOCH FROM first_seen_at) * 1000)::BIGINT, \
     (EXTRACT(EPOCH FROM last_seen_at) * 1000)::BIGINT, request_count \
     FROM cognito_client_activity ORDER BY client_id";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl cognito_auth::web::ActivitySink for ActivityTracker {
    fn record(&self, client_id: &str) {
        ActivityTracker::record(self, client_id);
    }
}

impl ActivityTracker {
    /// The tracker an `AuthConfig`'s `[activity]` section describes: `None` when tracking is
    /// off.
    pub async fn from_config(
        config: &cognito_auth::web::ActivityConfig,
    ) -> Option<Result<Self, ActivityError>> {
        if !config.enabled {
            return None;
        }
        Some(
            Self::connect(
                &config.database_url,
                ActivityOptions::default()
                    .flush_interval(Duration::from_millis(config.flush_interval_ms))
                    .max_pending_clients(config.max_pending_clients),
            )
            .await,
        )
    }

    /// Connects to `url` (`sqlite:…` or `postgres://…`), runs the migrations and starts the
    /// background flusher on the current Tokio runtime.
    pub async fn connect(url: &str, opts: ActivityOptions) -> Result<Self, ActivityError> {
        #[cfg(feature = "sqlite")]
        if url.starts_with("sqlite:") {
            use std::str::FromStr;
            let memory = url.contains(":memory:") || url.contains("mode=memory");
            let options =
                sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(true);
            // One connection for in-memory databases: each connection would be its own database.
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(if memory { 1 } else { 4 })
                .min_connections(if memory { 1 } else { 0 })
                .idle_timeout(if memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if memory {
                    None
                } else {
                    Some(Duration::from_secs(1800))
                })
                .connect_with(options)
                .await?;
            return Self::from_sqlite_pool(pool, opts).await;
        }
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await?;
            return Self::from_pg_pool(pool, opts).await;
        }
        let shown = url.split('@').next_back().unwrap_or(url);
        Err(ActivityError::UnsupportedUrl(shown.to_owned()))
    }

    /// Uses an existing SQLite pool (runs the migrations).
    #[cfg(feature = "sqlite")]
    pub async fn from_sqlite_pool(
        pool: sqlx::SqlitePool,
        opts: ActivityOptions,
    ) -> Result<Self, ActivityError> {
        let mut m = sqlx::migrate!("./migrations/sqlite");
        m.dangerous_set_table_name("_cognito_auth_migrations");
        m.run(&pool).await?;
        Ok(Self::start(Store::Sqlite(pool), opts))
    }

    /// Uses an existing PostgreSQL pool (runs the migrations).
    #[cfg(feature = "postgres")]
    pub async fn from_pg_pool(
        pool: sqlx::PgPool,
        opts: ActivityOptions,
    ) -> Result<Self, ActivityError> {
        let mut m = sqlx::migrate!("./migrations/postgres");
        m.dangerous_set_table_name("_cognito_auth_migrations");
        m.run(&pool).await?;
        Ok(Self::start(Store::Postgres(pool), opts))
    }

    fn start(store: Store, opts: ActivityOptions) -> Self {
        let inner = Arc::new(Inner {
            store,
            pending: Mutex::new(HashMap::new()),
            max_pending: opts.max_pending_clients,
            dropped: AtomicU64::new(0),
            wake: Notify::new(),
            stopped: AtomicBool::new(false),
            flush_lock: tokio::sync::Mutex::new(()),
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        let interval = opts.flush_interval;
        tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else { break };
                if inner.stopped.load(Ordering::Acquire) {
                    break;
                }
                let tracker = ActivityTracker { inner };
                let woke = tracker.inner.wake.notified();
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = woke => {}
                }
                if tracker.inner.stopped.load(Ordering::Acquire) {
                    break;
                }
                if let Err(e) = tracker.flush().await {
                    tracing::warn!(error = %e, "client activity flush failed; will retry");
                }
            }
        });
        ActivityTracker { inner }
    }

    /// Records one request from `client_id`. Memory only; never blocks on the database.
    pub fn record(&self, client_id: &str) {
        let now = now_ms();
        let mut pending = lock(&self.inner.pending);
        if let Some(p) = pending.get_mut(client_id) {
            p.last_ms = p.last_ms.max(now);
            p.count += 1;
            return;
        }
        if pending.len() >= self.inner.max_pending {
            self.inner.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        pending.insert(
            client_id.into(),
            Pending {
                first_ms: now,
                last_ms: now,
                count: 1,
            },
        );
    }

    /// Distinct clients waiting for the next flush.
    pub fn pending_clients(&self) -> usize {
        lock(&self.inner.pending).len()
    }

    /// Requests not recorded because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Writes buffered updates now, in one transaction. Returns the number of clients written.
    /// On failure the updates stay buffered for the next flush.
    pub async fn flush(&self) -> Result<usize, ActivityError> {
        let _one_at_a_time = self.inner.flush_lock.lock().await;
        let batch: Vec<(Box<str>, Pending)> = {
            let mut pending = lock(&self.inner.pending);
            if pending.is_empty() {
                return Ok(0);
            }
            std::mem::take(&mut *pending).into_iter().collect()
        };
        match self.write(&batch).await {
            Ok(()) => Ok(batch.len()),
            Err(e) => {
                let mut pending = lock(&self.inner.pending);
                for (id, p) in batch {
                    if let Some(q) = pending.get_mut(&id) {
                        q.first_ms = q.first_ms.min(p.first_ms);
                        q.last_ms = q.last_ms.max(p.last_ms);
                        q.count += p.count;
                    } else if pending.len() < self.inner.max_pending {
                        pending.insert(id, p);
                    } else {
                        self.inner
                            .dropped
                            .fetch_add(p.count as u64, Ordering::Relaxed);
                    }
                }
                Err(e)
            }
        }
    }

    /// Stops the background flusher and writes what is buffered.
    pub async fn shutdown(&self) -> Result<(), ActivityError> {
        self.inner.stopped.store(true, Ordering::Release);
        self.inner.wake.notify_one();
        self.flush().await.map(|_| ())
    }

    async fn write(&self, batch: &[(Box<str>, Pending)]) -> Result<(), ActivityError> {
        // One transaction per flush; the SQL differs by backend, the loop does not.
        macro_rules! upsert_batch {
            ($pool:expr, $sql:expr) => {{
                let mut tx = $pool.begin().await?;
                for (id, p) in batch {
                    sqlx::query($sql)
                        .bind(&**id)
                        .bind(p.first_ms)
                        .bind(p.last_ms)
                        .bind(p.count)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }};
        }
        match &self.inner.store {
            #[cfg(feature = "sqlite")]
            Store::Sqlite(pool) => upsert_batch!(pool, SQLITE_UPSERT),
            #[cfg(feature = "postgres")]
            Store::Postgres(pool) => upsert_batch!(pool, POSTGRES_UPSERT),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Store::None(n) => match *n {},
        }
        Ok(())
    }

    /// One client's stored activity (flushed updates only).
    pub async fn get(&self, client_id: &str) -> Result<Option<ClientActivity>, ActivityError> {
        Ok(self
            .list()
            .await?
            .into_iter()
            .find(|a| a.client_id == client_id))
    }

    /// Every client's stored activity, ordered by client id.
    pub async fn list(&self) -> Result<Vec<ClientActivity>, ActivityError> {
        use sqlx::Row;
        macro_rules! fetch_rows {
            ($pool:expr, $sql:expr) => {
                sqlx::query($sql)
                    .fetch_all($pool)
                    .await?
                    .into_iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                    .collect()
            };
        }
        let rows: Vec<(String, i64, i64, i64)> = match &self.inner.store {
            #[cfg(feature = "sqlite")]
            Store::Sqlite(pool) => fetch_rows!(pool, SQLITE_LIST),
            #[cfg(feature = "postgres")]
            Store::Postgres(pool) => fetch_rows!(pool, POSTGRES_LIST),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Store::None(n) => match *n {},
        };
        Ok(rows
            .into_iter()
            .map(|(client_id, f, l, c)| ClientActivity {
                client_id,
                first_seen_at: from_ms(f),
                last_seen_at: from_ms(l),
                request_count: c.max(0) as u64,
            })
            .collect())
    }
}
