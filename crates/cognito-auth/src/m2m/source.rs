use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use super::{M2mClient, M2mError, M2mToken, Scopes};

/// When a cached token is refreshed.
///
/// ```
/// use std::time::Duration;
/// use cognito_auth::m2m::RefreshPolicy;
/// let p = RefreshPolicy::default().refresh_at(0.5).expiry_margin(Duration::from_secs(5));
/// assert_eq!(p.get_refresh_at(), 0.5);
/// ```
#[derive(Debug, Clone)]
pub struct RefreshPolicy {
    refresh_at: f64,
    expiry_margin: Duration,
    failed_refresh_backoff: Duration,
    max_scope_sets: usize,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            refresh_at: 0.75,
            expiry_margin: Duration::from_secs(10),
            failed_refresh_backoff: Duration::from_secs(5),
            max_scope_sets: 64,
        }
    }
}

impl RefreshPolicy {
    /// Fraction of the lifetime after which a background refresh starts (default 0.75, as AWS
    /// suggests for client-credentials tokens). Clamped to `0.05..=1.0`.
    pub fn refresh_at(mut self, fraction: f64) -> Self {
        self.refresh_at = if fraction.is_finite() {
            fraction.clamp(0.05, 1.0)
        } else {
            0.75
        };
        self
    }
    /// A token is treated as expired this long before `expires_in` ends (default 10 s, at
    /// most a tenth of the lifetime), so it is never handed out about to expire.
    pub fn expiry_margin(mut self, d: Duration) -> Self {
        self.expiry_margin = d;
        self
    }
    /// After a failed background refresh, wait this long before the next attempt
    /// (default 5 s); callers keep the still-valid token meanwhile.
    pub fn failed_refresh_backoff(mut self, d: Duration) -> Self {
        self.failed_refresh_backoff = d;
        self
    }
    /// Most scope sets cached at once (default 64).
    pub fn max_scope_sets(mut self, n: usize) -> Self {
        self.max_scope_sets = n.max(1);
        self
    }
    /// The refresh fraction.
    pub fn get_refresh_at(&self) -> f64 {
        self.refresh_at
    }
}

struct Cached {
    token: M2mToken,
    refresh_at: Instant,
    usable_until: Instant,
}

type SharedFetch = Shared<BoxFuture<'static, Result<M2mToken, M2mError>>>;

struct Entry {
    scopes: Scopes,
    current: ArcSwapOption<Cached>,
    inflight: Mutex<Option<SharedFetch>>,
    next_background_attempt: Mutex<Option<Instant>>,
}

impl Entry {
    fn new(scopes: Scopes) -> Arc<Entry> {
        Arc::new(Entry {
            scopes,
            current: ArcSwapOption::empty(),
            inflight: Mutex::new(None),
            next_background_attempt: Mutex::new(None),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct SourceInner {
    client: M2mClient,
    policy: RefreshPolicy,
    default_entry: Arc<Entry>,
    entries: RwLock<HashMap<Scopes, Arc<Entry>>>,
}

/// A shared, caching source of client-credentials tokens.
///
/// - A fresh token is read without locks or allocation.
/// - After `refresh_at` of its lifetime (default 75 %) one background request fetches the
///   next token while callers keep the current one.
/// - Only when no valid token exists do callers wait, and all of them wait on one request.
/// - A failed background refresh keeps serving the old token until it expires; an expired
///   token is never returned.
/// - One cache entry per scope set; [`TokenSource::invalidate`] drops a rejected token.
///
/// `Send + Sync`, cheap to clone (clones share the cache).
///
/// ```no_run
/// use cognito_auth::m2m::{M2mClient, TokenSource};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = M2mClient::builder()
///     .domain("https://example.auth.eu-west-1.amazoncognito.com")
///     .client_id("4mw9nqflq0example")
///     .client_secret("…")
///     .default_scopes("orders/read")
///     .build()?;
/// let tokens = TokenSource::new(client);
/// let token = tokens.token().await?; // one request; later calls reuse it
/// let header = token.authorization_header();
/// # let _ = header; Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<SourceInner>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client", &self.inner.client)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A source with the default [`RefreshPolicy`].
    pub fn new(client: M2mClient) -> Self {
        Self::with_policy(client, RefreshPolicy::default())
    }

    /// A source with an explicit policy.
    pub fn with_policy(client: M2mClient, policy: RefreshPolicy) -> Self {
        let default_entry = Entry::new(client.default_scopes().clone());
        TokenSource {
            inner: Arc::new(SourceInner {
                client,
                policy,
                default_entry,
                entries: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &M2mClient {
        &self.inner.client
    }

    /// A valid token for the default scopes.
    pub async fn token(&self) -> Result<M2mToken, M2mError> {
        let entry = &self.inner.default_entry;
        if let Some(t) = self.fresh(entry) {
            return Ok(t);
        }
        self.wait_for_fetch(entry).await
    }

    /// A valid token for `scopes` (each scope set has its own cache entry).
    pub async fn token_for(&self, scopes: impl Into<Scopes>) -> Result<M2mToken, M2mError> {
        let scopes = scopes.into();
        if scopes.is_empty() {
            return Err(M2mError::EmptyScopes);
        }
        let entry = self.entry(scopes);
        if let Some(t) = self.fresh(&entry) {
            return Ok(t);
        }
        self.wait_for_fetch(&entry).await
    }

    /// `Authorization: Bearer …` for the default scopes, for other HTTP clients.
    pub async fn headers(&self) -> Result<http::HeaderMap, M2mError> {
        let token = self.token().await?;
        let mut h = http::HeaderMap::with_capacity(1);
        h.insert(http::header::AUTHORIZATION, token.authorization_header());
        Ok(h)
    }

    /// Drops every cached token (e.g. after the server rejected one).
    pub fn invalidate(&self) {
        self.for_each_entry(|e| e.current.store(None));
    }

    /// Drops `token` if it is still the cached one (a newer token is kept).
    pub fn invalidate_token(&self, token: &M2mToken) {
        self.for_each_entry(|e| {
            e.current.rcu(|cur| match cur {
                Some(c) if c.token.same_as(token) => None,
                other => other.clone(),
            });
        });
    }

    fn for_each_entry(&self, f: impl Fn(&Entry)) {
        f(&self.inner.default_entry);
        for e in self
            .inner
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            f(e);
        }
    }

    fn entry(&self, scopes: Scopes) -> Arc<Entry> {
        if scopes == self.inner.default_entry.scopes {
            return Arc::clone(&self.inner.default_entry);
        }
        if let Some(e) = self
            .inner
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&scopes)
        {
            return Arc::clone(e);
        }
        let mut map = self
            .inner
            .entries
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.inner.policy.max_scope_sets
            && !map.contains_key(&scopes)
            && let Some(victim) = map.keys().next().cloned()
        {
            map.remove(&victim);
        }
        Arc::clone(
            map.entry(scopes.clone())
                .or_insert_with(|| Entry::new(scopes)),
        )
    }

    /// The cached token if it may still be handed out; starts a background refresh when due.
    #[inline]
    fn fresh(&self, entry: &Arc<Entry>) -> Option<M2mToken> {
        let guard = entry.current.load();
        let cached = guard.as_ref()?;
        let now = Instant::now();
        if now < cached.refresh_at {
            return Some(cached.token.clone());
        }
        if now < cached.usable_until {
            self.refresh_in_background(entry, now);
            return Some(cached.token.clone());
        }
        None
    }

    fn refresh_in_background(&self, entry: &Arc<Entry>, now: Instant) {
        {
            let mut next = lock(&entry.next_background_attempt);
            if next.is_some_and(|at| now < at) {
                return;
            }
            *next = Some(now + self.inner.policy.failed_refresh_backoff);
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            drop(self.start_fetch(entry));
        }
    }

    async fn wait_for_fetch(&self, entry: &Arc<Entry>) -> Result<M2mToken, M2mError> {
        self.start_fetch(entry).await
    }

    /// The in-flight fetch for `entry`, starting one if none runs. The fetch runs in its own
    /// task, so a caller that gives up does not cancel it for the others.
    fn start_fetch(&self, entry: &Arc<Entry>) -> SharedFetch {
        let mut slot = lock(&entry.inflight);
        if let Some(f) = slot.as_ref() {
            return f.clone();
        }
        let client = self.inner.client.clone();
        let policy = self.inner.policy.clone();
        let task_entry = Arc::clone(entry);
        let handle = tokio::spawn(async move {
            let result = client.fetch(&task_entry.scopes).await;
            match &result {
                Ok(token) => {
                    let lifetime = token.expires_in();
                    let margin = policy.expiry_margin.min(lifetime / 10);
                    task_entry.current.store(Some(Arc::new(Cached {
                        token: token.clone(),
                        refresh_at: token.obtained_at() + lifetime.mul_f64(policy.refresh_at),
                        usable_until: token.expires_at() - margin,
                    })));
                    *lock(&task_entry.next_background_attempt) = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "client-credentials token request failed");
                }
            }
            *lock(&task_entry.inflight) = None;
            result
        });
        let shared = async move {
            handle
                .await
                .unwrap_or_else(|e| Err(M2mError::Internal(e.to_string())))
        }
        .boxed()
        .shared();
        *slot = Some(shared.clone());
        shared
    }
}
