use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use super::shared::{Fleet, SharedCacheConfig, SharedTokenStore};
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
#[must_use]
pub struct RefreshPolicy {
    refresh_at: f64,
    expiry_margin: Duration,
    failed_refresh_backoff: Duration,
    max_scope_sets: usize,
    pub(crate) max_retry_after: Duration,
    unauthorized_refetch_interval: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            refresh_at: 0.75,
            expiry_margin: Duration::from_secs(10),
            failed_refresh_backoff: Duration::from_secs(5),
            max_scope_sets: 64,
            max_retry_after: Duration::from_secs(5 * 60),
            unauthorized_refetch_interval: Duration::from_secs(30),
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
    /// Most scope sets cached at once (default 64); the least recently fetched is dropped
    /// to make room.
    pub fn max_scope_sets(mut self, n: usize) -> Self {
        self.max_scope_sets = n.max(1);
        self
    }
    /// Longest `Retry-After` honoured (default 5 min). After a 429 or 503 carrying
    /// `Retry-After`, the token endpoint is not called again for that long (capped by this):
    /// callers keep a still-valid token, or get [`M2mError::Throttled`] at once.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }
    /// Least time between two token requests caused by a downstream answering 401
    /// (default 30 s, per scope set). A 401 invalidates only the token that was refused,
    /// once; further 401s within this interval are passed through without a new token
    /// request, so a misconfigured downstream cannot turn into a bill.
    pub fn unauthorized_refetch_interval(mut self, d: Duration) -> Self {
        self.unauthorized_refetch_interval = d;
        self
    }
    /// The refresh fraction.
    pub fn get_refresh_at(&self) -> f64 {
        self.refresh_at
    }
    /// The expiry margin.
    pub fn get_expiry_margin(&self) -> Duration {
        self.expiry_margin
    }
    /// Until when `token` may be handed out: its expiry less the margin, the margin capped
    /// at a tenth of the token's lifetime (so short-lived tokens stay usable).
    pub(crate) fn usable_until(&self, token: &M2mToken) -> Instant {
        let margin = self.expiry_margin.min(token.expires_in() / 10);
        token
            .expires_at()
            .checked_sub(margin)
            .unwrap_or_else(|| token.obtained_at())
    }
}

struct Cached {
    token: M2mToken,
    refresh_at: Instant,
    usable_until: Instant,
}

type SharedFetch = Shared<BoxFuture<'static, Result<M2mToken, M2mError>>>;

/// The slow-path state of one entry, behind one lock.
#[derive(Default)]
struct Control {
    inflight: Option<SharedFetch>,
    /// No background refresh before this (after a failed one).
    next_background_attempt: Option<Instant>,
    /// No token request at all before this (the endpoint's `Retry-After`).
    blocked_until: Option<Instant>,
    /// When a downstream 401 last caused a token request.
    last_unauthorized_refetch: Option<Instant>,
    /// When a token was last stored (for evicting the stalest scope set).
    last_stored: Option<Instant>,
    /// A token a downstream refused: the next fetch must not return it (from the fleet's
    /// shared cache).
    rejected: Option<M2mToken>,
}

struct Entry {
    scopes: Scopes,
    current: ArcSwapOption<Cached>,
    control: Mutex<Control>,
}

impl Entry {
    fn new(scopes: Scopes) -> Arc<Entry> {
        Arc::new(Entry {
            scopes,
            current: ArcSwapOption::empty(),
            control: Mutex::new(Control::default()),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct SourceInner {
    client: M2mClient,
    policy: RefreshPolicy,
    fleet: Option<Arc<Fleet>>,
    default_entry: Arc<Entry>,
    entries: RwLock<HashMap<Scopes, Arc<Entry>>>,
}

/// Builds a [`TokenSource`].
///
/// ```no_run
/// # fn run(store: impl cognito_auth::m2m::SharedTokenStore) -> Result<(), Box<dyn std::error::Error>> {
/// use cognito_auth::m2m::{M2mClient, RefreshPolicy, SharedCacheConfig, TokenSource};
///
/// let tokens = TokenSource::builder(M2mClient::from_env()?)
///     .policy(RefreshPolicy::default().refresh_at(0.8))
///     .shared_store(store) // e.g. cognito_auth_redis::RedisTokenStore
///     .shared_config(SharedCacheConfig::default())
///     .build();
/// # let _ = tokens; Ok(()) }
/// ```
#[must_use]
pub struct TokenSourceBuilder {
    client: M2mClient,
    policy: RefreshPolicy,
    store: Option<Arc<dyn SharedTokenStore>>,
    shared: SharedCacheConfig,
}

impl fmt::Debug for TokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("client", &self.client)
            .field("policy", &self.policy)
            .field("shared_store", &self.store.is_some())
            .field("shared_config", &self.shared)
            .finish()
    }
}

impl TokenSourceBuilder {
    /// When tokens are refreshed.
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }
    /// Shares tokens with every process using the same store, client and scopes: one token
    /// request for the fleet (see [`crate::m2m::shared`]).
    pub fn shared_store(mut self, store: impl SharedTokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }
    /// Timeouts and lease of the shared store.
    pub fn shared_config(mut self, cfg: SharedCacheConfig) -> Self {
        self.shared = cfg;
        self
    }
    /// The source.
    pub fn build(self) -> TokenSource {
        let default_entry = Entry::new(self.client.default_scopes().clone());
        TokenSource {
            inner: Arc::new(SourceInner {
                fleet: self.store.map(|s| Arc::new(Fleet::new(s, self.shared))),
                client: self.client,
                policy: self.policy,
                default_entry,
                entries: RwLock::new(HashMap::new()),
            }),
        }
    }
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
        TokenSource::builder(client).policy(policy).build()
    }

    /// A builder: policy, and a store shared by a fleet of processes.
    pub fn builder(client: M2mClient) -> TokenSourceBuilder {
        TokenSourceBuilder {
            client,
            policy: RefreshPolicy::default(),
            store: None,
            shared: SharedCacheConfig::default(),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &M2mClient {
        &self.inner.client
    }

    /// A valid token for the default scopes.
    pub async fn token(&self) -> Result<M2mToken, M2mError> {
        let entry = &self.inner.default_entry;
        let seen = match self.fresh(entry) {
            Ok(t) => return Ok(t),
            Err(seen) => seen,
        };
        self.start_fetch(entry, seen.as_ref())?.await
    }

    /// A valid token for `scopes` (each scope set has its own cache entry).
    pub async fn token_for(&self, scopes: impl Into<Scopes>) -> Result<M2mToken, M2mError> {
        let scopes = scopes.into();
        if scopes.is_empty() {
            return Err(M2mError::EmptyScopes);
        }
        let entry = self.entry(scopes);
        let seen = match self.fresh(&entry) {
            Ok(t) => return Ok(t),
            Err(seen) => seen,
        };
        self.start_fetch(&entry, seen.as_ref())?.await
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

    /// A downstream answered 401 to `token`: decides whether the request is worth sending
    /// once more, and with which token.
    ///
    /// The refused token is dropped only if it is still the cached one (at most once per
    /// token), and only if no 401 caused a token request for its scope set within
    /// [`RefreshPolicy::unauthorized_refetch_interval`]. Returns `true` when a retry may
    /// help (a newer token exists or will be fetched), `false` when the 401 should be passed
    /// to the caller as it is. The bearer layers call this; other integrations may too.
    pub fn token_rejected(&self, token: &M2mToken) -> bool {
        let now = Instant::now();
        let mut decision = None;
        self.for_each_entry(|e| {
            if decision.is_some() {
                return;
            }
            let cur = e.current.load();
            let is_current = cur.as_ref().is_some_and(|c| c.token.same_as(token));
            if !is_current {
                return;
            }
            let mut ctl = lock(&e.control);
            let budget = self.inner.policy.unauthorized_refetch_interval;
            if ctl
                .last_unauthorized_refetch
                .is_some_and(|at| now.saturating_duration_since(at) < budget)
            {
                tracing::debug!(
                    target: "cognito_auth::m2m",
                    "a downstream refused the token (401) again within the retry budget: passing the 401 on"
                );
                decision = Some(false);
                return;
            }
            ctl.last_unauthorized_refetch = Some(now);
            ctl.rejected = Some(token.clone());
            tracing::info!(
                target: "cognito_auth::m2m",
                scopes = %e.scopes.joined(),
                "a downstream refused the token (401): dropping it, one refetch allowed"
            );
            e.current.rcu(|cur| match cur {
                Some(c) if c.token.same_as(token) => None,
                other => other.clone(),
            });
            decision = Some(true);
        });
        // Not the cached token of any entry: it was replaced already, so the retry uses the
        // newer token without a request of its own.
        decision.unwrap_or(true)
    }

    fn for_each_entry(&self, mut f: impl FnMut(&Entry)) {
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
            && let Some(victim) = map
                .iter()
                .min_by_key(|(_, e)| lock(&e.control).last_stored)
                .map(|(k, _)| k.clone())
        {
            map.remove(&victim);
        }
        Arc::clone(
            map.entry(scopes.clone())
                .or_insert_with(|| Entry::new(scopes)),
        )
    }

    /// The cached token if it may still be handed out (starting a background refresh when
    /// due), or the unusable token seen (`None`: nothing cached), which a fetch must replace.
    #[inline]
    fn fresh(&self, entry: &Arc<Entry>) -> Result<M2mToken, Option<M2mToken>> {
        let guard = entry.current.load();
        let Some(cached) = guard.as_ref() else {
            return Err(None);
        };
        let now = Instant::now();
        if now < cached.refresh_at {
            return Ok(cached.token.clone());
        }
        if now < cached.usable_until {
            self.refresh_in_background(entry, &cached.token, now);
            return Ok(cached.token.clone());
        }
        Err(Some(cached.token.clone()))
    }

    fn refresh_in_background(&self, entry: &Arc<Entry>, seen: &M2mToken, now: Instant) {
        {
            let mut ctl = lock(&entry.control);
            if ctl.next_background_attempt.is_some_and(|at| now < at) {
                return;
            }
            // While a `Retry-After` lasts, `start_fetch` answers `Throttled` without a
            // request; the attempt counts against the back-off like a failed one.
            ctl.next_background_attempt = Some(now + self.inner.policy.failed_refresh_backoff);
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            drop(self.start_fetch(entry, Some(seen)));
        }
    }

    /// The in-flight fetch for `entry`, starting one if none runs, or
    /// [`M2mError::Throttled`] while the endpoint's `Retry-After` lasts. The fetch runs in
    /// its own task, so a caller that gives up does not cancel it for the others.
    ///
    /// `seen` is the cached token the caller found wanting (`None`: none was cached). When
    /// the cache holds another one by the time the lock is taken, a fetch finished in between:
    /// its token is the answer (when fresh), and no request is sent.
    fn start_fetch(
        &self,
        entry: &Arc<Entry>,
        seen: Option<&M2mToken>,
    ) -> Result<SharedFetch, M2mError> {
        let mut ctl = lock(&entry.control);
        if let Some(f) = ctl.inflight.as_ref() {
            return Ok(f.clone());
        }
        let now = Instant::now();
        if let Some(cur) = entry.current.load_full()
            && seen.is_none_or(|s| !s.same_as(&cur.token))
            && now < cur.refresh_at
        {
            return Ok(futures_util::future::ready(Ok(cur.token.clone()))
                .boxed()
                .shared());
        }
        if let Some(until) = ctl.blocked_until.filter(|at| now < *at) {
            return Err(M2mError::Throttled {
                retry_after: until - now,
            });
        }
        let client = self.inner.client.clone();
        let policy = self.inner.policy.clone();
        let fleet = self.inner.fleet.clone();
        let task_entry = Arc::clone(entry);
        // The token a new one must replace: the current one (a refresh), or one refused.
        let replacing = task_entry
            .current
            .load_full()
            .map(|c| c.token.clone())
            .or_else(|| ctl.rejected.take());
        let handle = tokio::spawn(async move {
            let result = match &fleet {
                Some(f) => {
                    f.obtain(&client, &task_entry.scopes, &policy, replacing.as_ref())
                        .await
                }
                None => client.fetch(&task_entry.scopes).await,
            };
            let mut ctl = lock(&task_entry.control);
            match &result {
                Ok(token) => {
                    let lifetime = token.expires_in();
                    let usable_until = policy.usable_until(token);
                    // Never later than the token stays usable (a refresh fraction of 1.0 with
                    // a margin would otherwise hand out a token inside its margin).
                    let refresh_at = (token.obtained_at() + lifetime.mul_f64(policy.refresh_at))
                        .min(usable_until);
                    task_entry.current.store(Some(Arc::new(Cached {
                        token: token.clone(),
                        refresh_at,
                        usable_until,
                    })));
                    ctl.next_background_attempt = None;
                    ctl.blocked_until = None;
                    ctl.last_stored = Some(Instant::now());
                }
                Err(e) => {
                    if let Some(ra) = e.retry_after() {
                        let pause = ra.min(policy.max_retry_after);
                        ctl.blocked_until = Some(Instant::now() + pause);
                        tracing::warn!(
                            target: "cognito_auth::m2m",
                            pause_s = pause.as_secs(),
                            "the token endpoint asked for a pause (Retry-After): no request until it passes"
                        );
                    }
                }
            }
            ctl.inflight = None;
            result
        });
        let shared = async move {
            handle
                .await
                .unwrap_or_else(|e| Err(M2mError::Internal(e.to_string())))
        }
        .boxed()
        .shared();
        ctl.inflight = Some(shared.clone());
        Ok(shared)
    }
}
