//! One M2M token per client for a whole fleet of processes: a [`SharedTokenStore`] (Redis in
//! the `cognito-auth-redis` crate) behind [`TokenSource`](super::TokenSource).
//!
//! The in-process cache stays the fast path: a cached read never touches the store. When a
//! process needs a token (cold start, or the refresh point of the current one), it first
//! reads the shared one; if that is missing or is the token it already has, one process of
//! the fleet takes a short lease and asks Cognito while the others wait for its answer. The
//! refresh point is computed from the token's own issue and expiry times, so every process
//! holding it reaches it together and one of them refreshes for all.
//!
//! What is stored is not a bearer token in clear: AES-256-GCM under a key derived (HKDF-
//! SHA256) from the app client's secret and the cache key, so exactly the processes holding
//! the secret can use it. Keys are derived from the token URL, client id and scope set and
//! hold nothing secret.
//!
//! The store is never a single point of failure: every call has a short timeout, and when
//! the store fails or is slow the process fetches its own token (still one request for all
//! its tasks), says so in a log line and the `cognito_auth_m2m_shared_cache_total` metric,
//! and uses the store again on its next token.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use futures_util::future::BoxFuture;
use zeroize::Zeroizing;

use super::token::M2mToken;
use super::{M2mClient, M2mError, RefreshPolicy, Scopes};

/// Where one scope set's shared token lives: a value key, a lease key and a channel that
/// share one Redis Cluster hash slot (`{…}`). Derived from the token URL, the client id and
/// the scopes (SHA-256): nothing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedKey {
    base: String,
}

impl SharedKey {
    /// The key for tokens of `client_id` at `token_url` with `scopes`.
    pub fn new(token_url: &str, client_id: &str, scopes: &Scopes) -> SharedKey {
        Self::build(token_url, client_id, scopes, "")
    }

    /// [`SharedKey::new`], told apart by a keyed fingerprint of the client secret (HMAC-SHA256
    /// under a fixed label, not reversible to the secret): during a secret rotation the
    /// processes on the old and on the new secret keep their own tokens instead of
    /// overwriting each other's. The token source uses this one.
    pub fn for_secret(
        token_url: &str,
        client_id: &str,
        scopes: &Scopes,
        secret: &str,
    ) -> SharedKey {
        use aws_lc_rs::hmac;
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
            b"cognito-auth m2m shared key secret fingerprint v1",
        );
        Self::build(
            token_url,
            client_id,
            scopes,
            &crate::hex::lower(&tag.as_ref()[..8]),
        )
    }

    fn build(token_url: &str, client_id: &str, scopes: &Scopes, fingerprint: &str) -> SharedKey {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for part in [token_url, client_id, &scopes.joined(), fingerprint] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part.as_bytes());
        }
        let digest = ctx.finish();
        let hex = crate::hex::lower(&digest.as_ref()[..16]);
        SharedKey {
            base: format!("cognito-auth:m2m:{{{hex}}}"),
        }
    }
    /// The key of the sealed token.
    pub fn value_key(&self) -> String {
        format!("{}:token", self.base)
    }
    /// The key of the fetch lease.
    pub fn lease_key(&self) -> String {
        format!("{}:lease", self.base)
    }
    /// The key of a fleet-wide pause the token endpoint asked for (`Retry-After`).
    pub fn pause_key(&self) -> String {
        format!("{}:pause", self.base)
    }
    /// A channel for "the token changed" notifications (no store of this crate uses one).
    pub fn channel(&self) -> String {
        format!("{}:ready", self.base)
    }
    /// The common prefix.
    pub fn as_str(&self) -> &str {
        &self.base
    }
}

impl fmt::Debug for SharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// A fetch lease: who may ask Cognito for the fleet's next token. The random fencing value
/// lets only its holder release it.
#[derive(Clone, PartialEq, Eq)]
pub struct Lease {
    fencing: String,
}

impl Lease {
    /// A new lease with a random 128-bit fencing value.
    pub fn new() -> Lease {
        let mut b = [0u8; 16];
        // A failing system RNG leaves a fixed value: the lease then still works, it only
        // loses the fencing against a second holder after expiry.
        let _ = crate::random::fill(&mut b);
        Lease {
            fencing: crate::hex::lower(&b),
        }
    }
    /// The fencing value stored under the lease key.
    pub fn fencing(&self) -> &str {
        &self.fencing
    }
}

impl Default for Lease {
    fn default() -> Self {
        Lease::new()
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease").finish_non_exhaustive()
    }
}

/// A shared store failed (unreachable, timed out, answered an error). The token source falls
/// back to its own fetch; this is only ever logged.
#[derive(Debug, Clone, thiserror::Error)]
#[error("shared token store: {message}")]
pub struct SharedStoreError {
    message: String,
    #[source]
    source: Option<crate::transport::Cause>,
}

impl SharedStoreError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        SharedStoreError {
            message: message.into(),
            source: None,
        }
    }
    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        SharedStoreError {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

/// A stored value and how long the store keeps it, when it knows.
pub type ValueWithTtl = (Vec<u8>, Option<Duration>);

/// A store shared by the fleet: opaque values with an expiry, and a lease with a fencing
/// value. Implemented for Redis by `cognito-auth-redis`; the values it sees are sealed.
pub trait SharedTokenStore: Send + Sync + 'static {
    /// The value under `key.value_key()`, if any.
    fn get<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, SharedStoreError>>;
    /// Takes the lease at `key.lease_key()` for `ttl` if nobody holds it (`SET NX PX`).
    fn try_lease<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;
    /// Stores `value` for `ttl`, releases `lease` if it is still the holder, and wakes the
    /// waiters.
    fn publish<'a>(
        &'a self,
        key: &'a SharedKey,
        value: &'a [u8],
        ttl: Duration,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>>;
    /// Releases `lease` if it is still the holder (after a failed fetch).
    fn release<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>>;
    /// Returns when `key`'s value may have changed, or after `timeout`: a notification or a
    /// polling interval.
    fn wait_for_change<'a>(&'a self, key: &'a SharedKey, timeout: Duration) -> BoxFuture<'a, ()>;

    /// The value under `key.value_key()` and how long the store keeps it, by the store's own
    /// clock (no process's wall clock skews it), if it knows. The default asks
    /// [`SharedTokenStore::get`] and knows no time to live.
    fn get_with_ttl<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<ValueWithTtl>, SharedStoreError>> {
        Box::pin(async move { Ok(self.get(key).await?.map(|v| (v, None))) })
    }
    /// Extends `lease` to `ttl` from now if it is still the holder (`false` when it is not),
    /// so a token request slower than the lease keeps it. The default cannot extend and
    /// answers `true`.
    fn extend_lease<'a>(
        &'a self,
        key: &'a SharedKey,
        lease: &'a Lease,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        let _ = (key, lease, ttl);
        Box::pin(async { Ok(true) })
    }
    /// What is left of a fleet-wide pause (`key.pause_key()`): a process was told
    /// `Retry-After` and no process asks before it passes. The default knows none.
    fn pause<'a>(
        &'a self,
        key: &'a SharedKey,
    ) -> BoxFuture<'a, Result<Option<Duration>, SharedStoreError>> {
        let _ = key;
        Box::pin(async { Ok(None) })
    }
    /// Records a fleet-wide pause of `d` (see [`SharedTokenStore::pause`]). The default
    /// records nothing.
    fn set_pause<'a>(
        &'a self,
        key: &'a SharedKey,
        d: Duration,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        let _ = (key, d);
        Box::pin(async { Ok(()) })
    }
    /// The last error met talking to the store's server (an authentication failure, an
    /// untrusted certificate, a refused connection), for the log line of a fallback whose
    /// own error is only a timeout.
    fn last_error(&self) -> Option<String> {
        None
    }
}

/// How the token source uses a shared store.
#[derive(Debug, Clone)]
#[must_use]
pub struct SharedCacheConfig {
    lease_ttl: Duration,
    op_timeout: Duration,
    max_wait: Duration,
}

impl Default for SharedCacheConfig {
    fn default() -> Self {
        SharedCacheConfig {
            lease_ttl: Duration::from_secs(5),
            op_timeout: Duration::from_millis(250),
            max_wait: Duration::from_secs(10),
        }
    }
}

impl SharedCacheConfig {
    /// How long a fetch lease lasts (default 5 s): when its holder dies, another process
    /// fetches after this. Longer than a token request normally takes.
    pub fn lease_ttl(mut self, d: Duration) -> Self {
        self.lease_ttl = d.max(Duration::from_millis(100));
        self
    }
    /// Timeout of each store call (default 250 ms); past it the process fetches its own.
    pub fn op_timeout(mut self, d: Duration) -> Self {
        self.op_timeout = d.max(Duration::from_millis(1));
        self
    }
    /// Longest wait for another process's fetch (default 10 s): after it, fetch anyway. A
    /// caller never waits longer than this plus one token request.
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }
}

/// The token source's view of the fleet.
pub(crate) struct Fleet {
    store: Arc<dyn SharedTokenStore>,
    cfg: SharedCacheConfig,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet").field("config", &self.cfg).finish()
    }
}

const SALT: &[u8] = b"cognito-auth m2m shared token cache v1";
const VERSION: &[u8; 2] = b"v1";

/// The AES-256-GCM key for `key`'s values, derived from the client secret.
fn sealing_key(secret: &str, key: &SharedKey) -> Option<LessSafeKey> {
    use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
    let prk = Salt::new(HKDF_SHA256, SALT).extract(secret.as_bytes());
    let info = [key.as_str().as_bytes()];
    let okm = prk.expand(&info, &AES_256_GCM).ok()?;
    Some(LessSafeKey::new(UnboundKey::from(okm)))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Sealed {
    /// The access token.
    t: String,
    /// Granted scopes.
    s: String,
    /// Issued (request sent), Unix milliseconds.
    i: u64,
    /// Expires, Unix milliseconds.
    e: u64,
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64)
        .unwrap_or(0)
}

/// Seals `token` for the store: `v1 || nonce || AES-256-GCM(JSON)`, the key as AAD.
pub(crate) fn seal(secret: &str, key: &SharedKey, token: &M2mToken) -> Option<Vec<u8>> {
    let sealing = sealing_key(secret, key)?;
    let issued = token
        .expires_at_utc()
        .checked_sub(token.expires_in())
        .unwrap_or(UNIX_EPOCH);
    let plain = Zeroizing::new(
        serde_json::to_vec(&Sealed {
            t: token.secret().to_owned(),
            s: token.scopes().to_string(),
            i: unix_ms(issued),
            e: unix_ms(token.expires_at_utc()),
        })
        .ok()?,
    );
    let mut nonce = [0u8; NONCE_LEN];
    crate::random::fill(&mut nonce).ok()?;
    let mut buf = Zeroizing::new(plain.to_vec());
    sealing
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(key.as_str().as_bytes()),
            &mut *buf,
        )
        .ok()?;
    let mut out = Vec::with_capacity(VERSION.len() + NONCE_LEN + buf.len());
    out.extend_from_slice(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    Some(out)
}

/// Opens a stored value; `None` for anything that is not a value sealed for this key with
/// this secret (another secret, tampering, garbage).
pub(crate) fn open(
    secret: &str,
    key: &SharedKey,
    value: &[u8],
    ttl: Option<Duration>,
) -> Option<M2mToken> {
    let rest = value.strip_prefix(VERSION)?;
    if rest.len() < NONCE_LEN + AES_256_GCM.tag_len() || rest.len() > 64 * 1024 {
        return None;
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let sealing = sealing_key(secret, key)?;
    let mut buf = Zeroizing::new(sealed.to_vec());
    let plain = sealing
        .open_in_place(
            Nonce::try_assume_unique_for_key(nonce).ok()?,
            Aad::from(key.as_str().as_bytes()),
            &mut buf,
        )
        .ok()?;
    let Sealed { t, s, i, e } = serde_json::from_slice(plain).ok()?;
    M2mToken::from_shared(t, &s, i, e, ttl)
}

impl Fleet {
    pub(crate) fn new(store: Arc<dyn SharedTokenStore>, cfg: SharedCacheConfig) -> Fleet {
        Fleet { store, cfg }
    }

    async fn timed<T>(
        &self,
        what: &'static str,
        f: impl std::future::Future<Output = Result<T, SharedStoreError>>,
    ) -> Result<T, SharedStoreError> {
        match tokio::time::timeout(self.cfg.op_timeout, f).await {
            Ok(r) => r,
            Err(_) => Err(SharedStoreError::new(match self.store.last_error() {
                Some(cause) => format!(
                    "{what} timed out after {:?} (last error: {cause})",
                    self.cfg.op_timeout
                ),
                None => format!("{what} timed out after {:?}", self.cfg.op_timeout),
            })),
        }
    }

    /// A token for `scopes`: the fleet's, or one this process fetched for the fleet, or (the
    /// store failing) one of its own. `current` is the token this process holds, which a
    /// refresh must replace.
    ///
    /// At most one process of the fleet asks Cognito at a time (the lease, extended while
    /// its request runs); a `Retry-After` is shared, so no process asks before it passes;
    /// retries follow the client's [`RetryPolicy`](super::RetryPolicy) with the lease given
    /// up while waiting.
    pub(crate) async fn obtain(
        &self,
        client: &M2mClient,
        scopes: &Scopes,
        policy: &RefreshPolicy,
        current: Option<&M2mToken>,
    ) -> Result<M2mToken, M2mError> {
        let secret = client.secret().expose();
        let key = SharedKey::for_secret(client.token_url(), client.client_id(), scopes, secret);
        let lease = Lease::new();
        let started = Instant::now();
        let deadline = started + self.cfg.max_wait;
        let mut failed = 0u32;
        let usable = |t: &M2mToken| {
            policy.usable_until(t) > Instant::now()
                && current.is_none_or(|c| c.secret() != t.secret())
        };
        loop {
            match self.shared_token(secret, &key, &usable).await {
                Ok(Some(t)) => return Ok(t),
                Ok(None) => {}
                Err(e) => return self.fallback(client, scopes, &e).await,
            }
            match self.timed("pause", self.store.pause(&key)).await {
                Ok(Some(pause)) => {
                    if started.elapsed() + pause > client.retry_budget() {
                        crate::telemetry::shared_cache("paused");
                        return Err(M2mError::Throttled { retry_after: pause });
                    }
                    tracing::debug!(target: "cognito_auth::m2m", pause_ms = pause.as_millis() as u64, "the fleet is pausing token requests (Retry-After)");
                    tokio::time::sleep(pause).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => return self.fallback(client, scopes, &e).await,
            }
            match self
                .timed(
                    "lease",
                    self.store.try_lease(&key, &lease, self.cfg.lease_ttl),
                )
                .await
            {
                Ok(true) => {
                    // Another process may have published between our read and our lease
                    // (its publish stores the token before it drops its lease): look once
                    // more before asking Cognito.
                    if let Ok(Some(t)) = self.shared_token(secret, &key, &usable).await {
                        let _ = self
                            .timed("release", self.store.release(&key, &lease))
                            .await;
                        return Ok(t);
                    }
                    let err = match self
                        .fetch_for_fleet(client, scopes, &key, &lease, policy, failed)
                        .await
                    {
                        Ok(t) => return Ok(t),
                        Err(e) => e,
                    };
                    failed += 1;
                    match client.retry_wait(scopes, &err, failed, started) {
                        // A Retry-After is the fleet's pause now: the loop waits it out.
                        Some(_) if err.retry_after().is_some() => {}
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => return Err(err),
                    }
                }
                Ok(false) => {
                    let now = Instant::now();
                    if now >= deadline {
                        crate::telemetry::shared_cache("waited_too_long");
                        tracing::warn!(
                            target: "cognito_auth::m2m",
                            key = ?key,
                            "waited the longest allowed for another process's token request: fetching, and sharing the result"
                        );
                        let t = client.fetch(scopes).await?;
                        self.share(client, &key, &t, &lease).await;
                        return Ok(t);
                    }
                    let wait = (deadline - now).min(self.cfg.lease_ttl);
                    self.store.wait_for_change(&key, wait).await;
                }
                Err(e) => return self.fallback(client, scopes, &e).await,
            }
        }
    }

    /// The fleet's token, when it is one this process may use.
    async fn shared_token(
        &self,
        secret: &str,
        key: &SharedKey,
        usable: &impl Fn(&M2mToken) -> bool,
    ) -> Result<Option<M2mToken>, SharedStoreError> {
        let Some((bytes, ttl)) = self.timed("GET", self.store.get_with_ttl(key)).await? else {
            return Ok(None);
        };
        match open(secret, key, &bytes, ttl) {
            Some(t) if usable(&t) => {
                crate::telemetry::shared_cache("hit");
                tracing::debug!(target: "cognito_auth::m2m", key = ?key, "token from the shared cache");
                Ok(Some(t))
            }
            Some(_) => Ok(None),
            None => {
                tracing::warn!(
                    target: "cognito_auth::m2m",
                    key = ?key,
                    "the shared cache holds a value this client cannot open: fetching"
                );
                Ok(None)
            }
        }
    }

    /// One token request under the lease, which is extended while the request runs. A
    /// failure gives the lease up; a `Retry-After` becomes the fleet's pause first.
    async fn fetch_for_fleet(
        &self,
        client: &M2mClient,
        scopes: &Scopes,
        key: &SharedKey,
        lease: &Lease,
        policy: &RefreshPolicy,
        attempt: u32,
    ) -> Result<M2mToken, M2mError> {
        let ttl = self.cfg.lease_ttl;
        let keep = async {
            loop {
                tokio::time::sleep(ttl / 3).await;
                match self
                    .timed("extend lease", self.store.extend_lease(key, lease, ttl))
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(target: "cognito_auth::m2m", key = ?key, "lost the fetch lease while asking for a token");
                        break;
                    }
                    Err(e) => {
                        tracing::debug!(target: "cognito_auth::m2m", error = %e, "could not extend the fetch lease");
                    }
                }
            }
            std::future::pending::<()>().await;
        };
        let result = tokio::select! {
            r = client.attempt(scopes, attempt) => r,
            () = keep => unreachable!("the lease keeper never ends"),
        };
        match &result {
            Ok(t) => {
                crate::telemetry::shared_cache("fetched");
                self.share(client, key, t, lease).await;
            }
            Err(e) => {
                if let Some(ra) = e.retry_after() {
                    let pause = ra.min(policy.max_retry_after);
                    if let Err(se) = self.timed("pause", self.store.set_pause(key, pause)).await {
                        tracing::warn!(target: "cognito_auth::m2m", error = %se, "could not share the token endpoint's Retry-After");
                    }
                }
                let _ = self.timed("release", self.store.release(key, lease)).await;
            }
        }
        result
    }

    /// Publishes `t` for the fleet (fenced by the store: only while holding `lease`, or when
    /// it outlives the stored token).
    async fn share(&self, client: &M2mClient, key: &SharedKey, t: &M2mToken, lease: &Lease) {
        let ttl = t
            .expires_at()
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let stored = match seal(client.secret().expose(), key, t) {
            Some(v) => {
                self.timed("publish", self.store.publish(key, &v, ttl, lease))
                    .await
            }
            None => Err(SharedStoreError::new("could not seal the token")),
        };
        if let Err(e) = stored {
            tracing::warn!(target: "cognito_auth::m2m", error = %e, "could not share the new token");
        }
    }

    async fn fallback(
        &self,
        client: &M2mClient,
        scopes: &Scopes,
        e: &SharedStoreError,
    ) -> Result<M2mToken, M2mError> {
        crate::telemetry::shared_cache("store_error");
        tracing::warn!(
            target: "cognito_auth::m2m",
            error = %crate::transport::error_chain(e),
            "the shared token cache is unavailable: this process fetches its own token"
        );
        client.fetch(scopes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secret_token: &str, lifetime: u64) -> M2mToken {
        let now = unix_ms(SystemTime::now());
        M2mToken::from_shared(
            secret_token.to_owned(),
            "a/read",
            now,
            now + lifetime * 1000,
            None,
        )
        .unwrap()
    }

    #[test]
    fn sealed_values_open_only_with_the_same_secret_and_key() {
        let key = SharedKey::new("https://x/oauth2/token", "client", &Scopes::from("a/read"));
        let other_key =
            SharedKey::new("https://x/oauth2/token", "client", &Scopes::from("a/write"));
        let t = token("eyJ.secret-token.sig", 3600);
        let sealed = seal("s3cret", &key, &t).unwrap();
        assert!(!sealed.windows(12).any(|w| w == b"secret-token"));
        let back = open("s3cret", &key, &sealed, None).unwrap();
        assert_eq!(back.secret(), t.secret());
        assert_eq!(back.scopes().to_string(), "a/read");
        assert!(back.expires_in() >= Duration::from_secs(3599));
        assert!(open("other", &key, &sealed, None).is_none());
        assert!(open("s3cret", &other_key, &sealed, None).is_none());
        let mut tampered = sealed.clone();
        let n = tampered.len() - 1;
        tampered[n] ^= 1;
        assert!(open("s3cret", &key, &tampered, None).is_none());
        assert!(open("s3cret", &key, b"v1", None).is_none());
        assert!(open("s3cret", &key, b"", None).is_none());
        // Two seals of one token differ (fresh nonce).
        assert_ne!(seal("s3cret", &key, &t).unwrap(), sealed);
    }

    #[test]
    fn another_secret_is_another_key() {
        let scopes = Scopes::from("a/read");
        let old = SharedKey::for_secret("https://x/oauth2/token", "c", &scopes, "old-secret");
        let new = SharedKey::for_secret("https://x/oauth2/token", "c", &scopes, "new-secret");
        assert_ne!(
            old, new,
            "a rotation must not make two secrets share one key"
        );
        assert_eq!(
            old,
            SharedKey::for_secret("https://x/oauth2/token", "c", &scopes, "old-secret")
        );
        assert!(!old.as_str().contains("old-secret"));
    }

    #[test]
    fn a_fast_writer_clock_never_extends_a_jwt_past_its_exp() {
        // A writer 16 s fast stored issue and expiry by its clock; the JWT's own exp is right.
        let now = unix_ms(SystemTime::now());
        let exp_s = now / 1000 + 60;
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let jwt = format!(
            "{}.{}.c2ln",
            b64.encode(br#"{"alg":"RS256","kid":"k"}"#),
            b64.encode(format!(r#"{{"exp":{exp_s},"client_id":"c"}}"#))
        );
        let t = M2mToken::from_shared(
            jwt,
            "a/read",
            now + 16_000 - 3_600_000,
            now + 16_000 + 60_000,
            None,
        )
        .unwrap();
        let late = t
            .expires_at_utc()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(
            late <= exp_s * 1000,
            "expiry {late} past the JWT's exp {}",
            exp_s * 1000
        );
        // An opaque token issued "16 s from now": the writer's clock is 16 s fast, so its
        // expiry moves back by as much.
        let t = M2mToken::from_shared("opaque".into(), "a/read", now + 16_000, now + 76_000, None)
            .unwrap();
        let left = t
            .expires_at_utc()
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(left <= Duration::from_millis(60_000), "{left:?}");
        // And the store's own time to live bounds it too.
        let t = M2mToken::from_shared(
            "opaque".into(),
            "a/read",
            now,
            now + 60_000,
            Some(Duration::from_secs(5)),
        )
        .unwrap();
        let left = t
            .expires_at_utc()
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(left <= Duration::from_millis(5_000), "{left:?}");
    }

    #[test]
    fn keys_hold_nothing_secret_and_share_a_slot() {
        let k = SharedKey::new("https://x/oauth2/token", "client", &Scopes::from("b a"));
        assert_eq!(
            k,
            SharedKey::new("https://x/oauth2/token", "client", &Scopes::from("a b"))
        );
        assert!(!k.value_key().contains("client"));
        let tag = |s: String| s[s.find('{').unwrap()..=s.find('}').unwrap()].to_owned();
        assert_eq!(tag(k.value_key()), tag(k.lease_key()));
        assert_eq!(tag(k.value_key()), tag(k.channel()));
        assert_ne!(Lease::new(), Lease::new());
    }
}
