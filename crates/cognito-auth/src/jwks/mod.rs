//! JSON Web Key Sets: parsing ([`KeySet`]) and the shared key cache behind the verifier.
//!
//! The cache is read without locks on the hot path (an [`arc_swap::ArcSwap`] snapshot).
//! Network work happens only when:
//! - no keys were fetched yet, or the last good keys are older than
//!   `refresh_interval + stale_if_error` (the caller waits; concurrent callers share one fetch);
//! - a token names an unknown `kid` (one refetch per `unknown_kid_cooldown`, shared);
//! - the keys are older than `refresh_interval` (refreshed in the background while callers keep
//!   using the current keys; a failed refresh keeps them, stale-if-error, and retries after
//!   `retry_interval`).

mod keys;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

pub use keys::{JwksParseError, KeySet, MAX_RSA_BITS, MIN_RSA_BITS, RsaKey, SkippedKey};

use crate::transport::{Http, TransportError};

/// Why a key could not be had. The verifier turns [`JwksError::UnknownKid`] into a 401 and
/// every other variant into "we could not check" (503), with this error as the source.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The key set has no key with this `kid` (after a refetch, where one was allowed).
    #[error("no signing key with this kid")]
    UnknownKid,
    /// The JWKS could not be fetched.
    #[error("could not fetch the JWKS from {url}")]
    Fetch {
        /// The JWKS URL.
        url: String,
        /// The transport failure.
        #[source]
        source: TransportError,
    },
    /// The JWKS endpoint answered with an error status.
    #[error("JWKS endpoint {url} answered HTTP {status}")]
    Status {
        /// The JWKS URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The document is not a usable JWKS.
    #[error("the JWKS from {url} is not usable")]
    Invalid {
        /// The JWKS URL.
        url: String,
        /// What is wrong with it.
        #[source]
        source: JwksParseError,
    },
    /// The document holds no usable RS256 key.
    #[error("the JWKS from {url} has no usable RS256 keys")]
    NoKeys {
        /// The JWKS URL.
        url: String,
    },
    /// Offline keys only: nothing to fetch.
    #[error("no JWKS URL configured")]
    NoUrl,
    /// Added keys reuse a `kid` of the current set with other key material.
    #[error("a key reuses a kid of the current set with other material")]
    Conflict,
    /// No trusted issuer has this URL.
    #[error("`{0}` is not a trusted issuer")]
    UnknownIssuer(String),
}

/// Timing and size settings of the JWKS cache.
///
/// ```
/// use std::time::Duration;
/// use cognito_auth::jwks::JwksConfig;
///
/// let cfg = JwksConfig::default()
///     .refresh_interval(Duration::from_secs(600))
///     .unknown_kid_cooldown(Duration::from_secs(30));
/// assert_eq!(cfg.get_refresh_interval(), Duration::from_secs(600));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct JwksConfig {
    refresh_interval: Duration,
    stale_if_error: Duration,
    retry_interval: Duration,
    unknown_kid_cooldown: Duration,
    max_bytes: usize,
}

impl Default for JwksConfig {
    fn default() -> Self {
        JwksConfig {
            refresh_interval: Duration::from_secs(10 * 60),
            stale_if_error: Duration::from_secs(6 * 3600),
            retry_interval: Duration::from_secs(30),
            unknown_kid_cooldown: Duration::from_secs(30),
            max_bytes: 256 * 1024,
        }
    }
}

impl JwksConfig {
    /// Age after which keys are refreshed in the background (default 10 min).
    pub fn refresh_interval(mut self, d: Duration) -> Self {
        self.refresh_interval = d;
        self
    }
    /// How long past `refresh_interval` the last good keys keep serving while refreshes fail
    /// (default 6 h). After that, verification reports `unavailable`.
    pub fn stale_if_error(mut self, d: Duration) -> Self {
        self.stale_if_error = d;
        self
    }
    /// Wait before retrying a failed background refresh (default 30 s).
    pub fn retry_interval(mut self, d: Duration) -> Self {
        self.retry_interval = d;
        self
    }
    /// Minimum time between two refetches caused by unknown `kid`s (default 30 s), so random
    /// kids cannot storm the JWKS endpoint.
    pub fn unknown_kid_cooldown(mut self, d: Duration) -> Self {
        self.unknown_kid_cooldown = d;
        self
    }
    /// Largest JWKS document accepted (default 256 KiB).
    pub fn max_bytes(mut self, n: usize) -> Self {
        self.max_bytes = n;
        self
    }
    /// The background refresh interval.
    pub fn get_refresh_interval(&self) -> Duration {
        self.refresh_interval
    }
}

#[derive(Clone)]
struct KeyState {
    keys: Arc<KeySet>,
    /// When the keys were last fetched successfully (`None`: never, or offline keys).
    fetched_at: Option<Instant>,
    /// When a background refresh is next due.
    next_refresh: Option<Instant>,
    /// Number of fetch attempts so far (success or failure).
    attempts: u64,
    /// The error of the latest attempt, if it failed.
    last_error: Option<JwksError>,
    /// Bumped whenever a key disappears or changes, so verified-token caches drop entries
    /// verified with an older key set. Lives in the same snapshot as `keys`, so a reader
    /// never pairs new keys with an old epoch or old keys with a new one.
    epoch: u64,
}

/// One JWKS URL (or an offline key set) and its cached keys.
pub(crate) struct JwksSource {
    url: Option<Box<str>>,
    http: Option<Http>,
    cfg: JwksConfig,
    state: ArcSwap<KeyState>,
    /// `state`'s epoch, published after each store (never behind for long, never ahead):
    /// what the verified-token cache compares on every hit, one plain load instead of a
    /// snapshot. Verification itself takes the epoch from the snapshot with the keys.
    epoch: AtomicU64,
    fetch_lock: tokio::sync::Mutex<()>,
    last_unknown_kid_refetch: std::sync::Mutex<Option<Instant>>,
    refreshing: AtomicBool,
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSource")
            .field("url", &self.url)
            .field("keys", &self.state.load().keys.len())
            .finish()
    }
}

impl JwksSource {
    fn new(url: Option<String>, keys: KeySet, http: Option<Http>, cfg: JwksConfig) -> Self {
        JwksSource {
            url: url.map(String::into_boxed_str),
            http,
            cfg,
            state: ArcSwap::from_pointee(KeyState {
                keys: Arc::new(keys),
                fetched_at: None,
                next_refresh: None,
                attempts: 0,
                last_error: None,
                epoch: 0,
            }),
            epoch: AtomicU64::new(0),
            fetch_lock: tokio::sync::Mutex::new(()),
            last_unknown_kid_refetch: std::sync::Mutex::new(None),
            refreshing: AtomicBool::new(false),
        }
    }

    /// Keys fetched from `url` on demand.
    pub fn remote(url: String, http: Http, cfg: JwksConfig) -> Self {
        Self::new(Some(url), KeySet::default(), Some(http), cfg)
    }

    /// Fixed keys; never fetches.
    pub fn offline(keys: KeySet) -> Self {
        Self::new(None, keys, None, JwksConfig::default())
    }

    /// Adds `keys` to the current set (a key with a known `kid` and other material is
    /// refused). They serve until a fetch replaces the set (remote sources) or for good
    /// (offline sources).
    pub fn add_keys(&self, keys: &KeySet) -> Result<usize, JwksError> {
        let mut added = 0;
        let mut conflict = false;
        self.state.rcu(|st| {
            let mut merged = (*st.keys).clone();
            let (n, c) = merged.merge(keys);
            added = n;
            conflict = c;
            let mut next = KeyState::clone(st);
            if !c {
                next.keys = Arc::new(merged);
            }
            next
        });
        if conflict {
            return Err(JwksError::Conflict);
        }
        Ok(added)
    }

    /// The epoch of the current key set.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    fn usable(&self, st: &KeyState, now: Instant) -> bool {
        match (&self.url, st.fetched_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(_), Some(at)) => {
                now.saturating_duration_since(at)
                    <= self.cfg.refresh_interval + self.cfg.stale_if_error
            }
        }
    }

    /// The key for `kid` and the epoch of the key set it was found in, fetching or
    /// refreshing as described in the module docs.
    pub async fn key(self: &Arc<Self>, kid: &str) -> Result<(Arc<RsaKey>, u64), JwksError> {
        let now = Instant::now();
        let st = self.state.load();
        if self.usable(&st, now) {
            if let Some(k) = st.keys.get(kid) {
                if st.next_refresh.is_some_and(|due| now >= due) {
                    self.refresh_in_background();
                }
                return Ok((k.clone(), st.epoch));
            }
            if self.url.is_none() || !self.take_unknown_kid_slot(now) {
                return Err(JwksError::UnknownKid);
            }
        }
        let seen = st.attempts;
        drop(st);
        self.refresh(seen).await?;
        let st = self.state.load();
        st.keys
            .get(kid)
            .map(|k| (k.clone(), st.epoch))
            .ok_or(JwksError::UnknownKid)
    }

    /// Fetches now unless an attempt newer than `seen` already happened (then shares its
    /// outcome). Concurrent callers coalesce into one request.
    pub async fn refresh(self: &Arc<Self>, seen: u64) -> Result<(), JwksError> {
        let _guard = self.fetch_lock.lock().await;
        {
            let st = self.state.load();
            if st.attempts != seen {
                return match &st.last_error {
                    Some(e) => Err(e.clone()),
                    None => Ok(()),
                };
            }
        }
        self.fetch_and_store().await
    }

    /// Fetches unconditionally (still one at a time).
    pub async fn refresh_now(self: &Arc<Self>) -> Result<(), JwksError> {
        if self.url.is_none() {
            return Ok(());
        }
        let _guard = self.fetch_lock.lock().await;
        self.fetch_and_store().await
    }

    fn refresh_in_background(self: &Arc<Self>) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            self.refreshing.store(false, Ordering::Release);
            return;
        };
        let this = Arc::clone(self);
        handle.spawn(async move {
            let seen = this.state.load().attempts;
            // A failure is logged where it happens (fetch_and_store).
            let _ = this.refresh(seen).await;
            this.refreshing.store(false, Ordering::Release);
        });
    }

    fn take_unknown_kid_slot(&self, now: Instant) -> bool {
        let mut last = self
            .last_unknown_kid_refetch
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match *last {
            Some(at) if now.saturating_duration_since(at) < self.cfg.unknown_kid_cooldown => false,
            _ => {
                *last = Some(now);
                true
            }
        }
    }

    async fn fetch_and_store(&self) -> Result<(), JwksError> {
        let started = Instant::now();
        let result = self.fetch().await;
        let now = Instant::now();
        crate::telemetry::jwks_fetch(result.is_ok(), now - started);
        let old = self.state.load_full();
        let next = match result {
            Ok(keys) => {
                let epoch = if old.keys.is_subset_of(&keys) {
                    old.epoch
                } else {
                    old.epoch + 1
                };
                if epoch != old.epoch && old.fetched_at.is_some() {
                    tracing::info!(
                        target: "cognito_auth::jwks",
                        url = self.url.as_deref(),
                        keys = keys.len(),
                        "JWKS rotated: a key was removed or replaced; tokens it signed verify again"
                    );
                } else {
                    tracing::info!(target: "cognito_auth::jwks", url = self.url.as_deref(), keys = keys.len(), "JWKS fetched");
                }
                KeyState {
                    keys: Arc::new(keys),
                    fetched_at: Some(now),
                    next_refresh: Some(now + self.cfg.refresh_interval),
                    attempts: old.attempts + 1,
                    last_error: None,
                    epoch,
                }
            }
            Err(e) => {
                match old.fetched_at {
                    Some(at) => tracing::warn!(
                        target: "cognito_auth::jwks",
                        url = self.url.as_deref(),
                        error = %crate::transport::error_chain(&e),
                        keys_age_s = now.saturating_duration_since(at).as_secs(),
                        "JWKS fetch failed; serving the last good keys"
                    ),
                    None => tracing::warn!(
                        target: "cognito_auth::jwks",
                        url = self.url.as_deref(),
                        error = %crate::transport::error_chain(&e),
                        "JWKS fetch failed; no keys yet, tokens cannot be checked"
                    ),
                }
                KeyState {
                    keys: Arc::clone(&old.keys),
                    fetched_at: old.fetched_at,
                    next_refresh: Some(now + self.cfg.retry_interval),
                    attempts: old.attempts + 1,
                    last_error: Some(e),
                    epoch: old.epoch,
                }
            }
        };
        let outcome = match &next.last_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        };
        let epoch = next.epoch;
        self.state.store(Arc::new(next));
        // After the store: an entry verified with the new keys may briefly look older than
        // the published epoch and be verified once more, never the other way round.
        self.epoch.fetch_max(epoch, Ordering::Release);
        outcome
    }

    async fn fetch(&self) -> Result<KeySet, JwksError> {
        let (Some(url), Some(http)) = (self.url.as_deref(), self.http.as_ref()) else {
            return Err(JwksError::NoUrl);
        };
        let req = http
            .get(url)
            .header(::http::header::ACCEPT, "application/json");
        let resp = http
            .send_capped(url, req, self.cfg.max_bytes)
            .await
            .map_err(|source| JwksError::Fetch {
                url: url.to_owned(),
                source,
            })?;
        if !(200..300).contains(&resp.status) {
            return Err(JwksError::Status {
                url: url.to_owned(),
                status: resp.status,
            });
        }
        let keys = KeySet::from_json(&resp.body).map_err(|source| JwksError::Invalid {
            url: url.to_owned(),
            source,
        })?;
        if keys.is_empty() {
            return Err(JwksError::NoKeys {
                url: url.to_owned(),
            });
        }
        Ok(keys)
    }
}
