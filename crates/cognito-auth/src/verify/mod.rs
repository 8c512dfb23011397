//! Verification of Cognito access and ID tokens, as a resource server needs it.
//!
//! A [`Verifier`] checks, in order: size cap, structure, header (`alg` pinned to RS256, `kid`
//! required, `crit` refused, `jku`/`x5u`/`jwk`/`x5c` ignored), duplicate JSON keys, issuer (one
//! of the configured pools, in either of Cognito's issuer formats and any replica region),
//! the RS256 signature against that issuer's JWKS, `exp`/`nbf`/`iat` with leeway,
//! `token_use`, and the client claims. The result, a [`VerifiedToken`], is cached by the whole
//! token until `exp`; the pool's client rule and the [`Policy`] (scopes, groups, custom check)
//! run on every call, cached or not.
//!
//! ```no_run
//! use cognito_auth::verify::{TokenUse, Verifier};
//!
//! # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder()
//!     .user_pool("eu-west-1_AbCdEf123")
//!     .token_use(TokenUse::Access)
//!     .allowed_clients(["4mw9nqflq0example"])
//!     .required_scopes(["orders/read"])
//!     .build()?;
//! let token = verifier.verify(token).await?;
//! println!("client {} with scopes {}", token.client_id(), token.scopes());
//! # Ok(()) }
//! ```

mod builder;
mod claims;
mod error;
pub(crate) mod jose;
mod policy;
mod pool;
mod token;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use builder::VerifierBuilder;
pub use error::{ConfigError, ErrorKind, Reason, ScopeFailure, ScopeMatch, VerifyError};
pub use policy::{Policy, Rejection};
pub use pool::PoolConfig;
pub use token::{ScopeSet, TokenUse, VerifiedToken};

use crate::jwks::{JwksError, JwksSource, KeySet};
use pool::ClientRule;

/// Default cap on the size of a token, checked before any parsing.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default clock leeway for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// Default number of verified tokens remembered.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Which `token_use` a verifier accepts. There is no default: choose explicitly.
///
/// Deliberately closed: Cognito issues access and ID tokens only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceptedTokenUse {
    /// Only access tokens.
    Access,
    /// Only ID tokens.
    Id,
    /// Both (rarely right for an API; prefer `Access`).
    Any,
}

impl AcceptedTokenUse {
    fn accepts(self, t: TokenUse) -> bool {
        matches!(
            (self, t),
            (AcceptedTokenUse::Any, _)
                | (AcceptedTokenUse::Access, TokenUse::Access)
                | (AcceptedTokenUse::Id, TokenUse::Id)
        )
    }
}

impl From<TokenUse> for AcceptedTokenUse {
    fn from(t: TokenUse) -> Self {
        match t {
            TokenUse::Access => AcceptedTokenUse::Access,
            TokenUse::Id => AcceptedTokenUse::Id,
        }
    }
}

impl std::str::FromStr for AcceptedTokenUse {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "access" => Ok(AcceptedTokenUse::Access),
            "id" => Ok(AcceptedTokenUse::Id),
            "any" => Ok(AcceptedTokenUse::Any),
            other => Err(format!(
                "token use must be access, id or any, not `{other}`"
            )),
        }
    }
}

/// Counters of the verified-token cache ([`Verifier::cache_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that verified from scratch.
    pub misses: u64,
    /// Tokens held now.
    pub entries: usize,
    /// Most tokens held.
    pub capacity: usize,
}

/// One trusted issuer string and its key source.
pub(crate) struct IssuerEntry {
    issuer: Arc<str>,
    pool: usize,
    jwks: Arc<JwksSource>,
}

/// What applies to the tokens of one pool.
pub(crate) struct PoolRules {
    token_use: AcceptedTokenUse,
    clients: ClientRule,
}

#[derive(Clone)]
struct CacheEntry {
    token: VerifiedToken,
    issuer: usize,
    epoch: u64,
}

pub(crate) struct Inner {
    issuers: Vec<IssuerEntry>,
    pools: Vec<PoolRules>,
    leeway: i64,
    access_audience: Option<Vec<String>>,
    policy: Policy,
    max_token_bytes: usize,
    cache: Option<quick_cache::sync::Cache<TokenKey, CacheEntry>>,
}

/// The verified-token cache's key: the whole raw token (compared whole). Hashed from its
/// bytes, so a lookup can start from the bytes of a header value ([`TokenBytes`]) without
/// first proving they are UTF-8: a hit means they equal a token that was verified.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct TokenKey(Arc<str>);

/// The hash of a token: its length and its last 32 bytes, which are the end of the RS256
/// signature (about 190 bits that only the issuer's key can produce). Only verified tokens
/// enter the cache, so nobody can plant entries that collide; hashing 32 bytes instead of
/// the whole ~1 KB token saves most of a lookup's cost.
#[inline]
fn token_hash<H: std::hash::Hasher>(bytes: &[u8], state: &mut H) {
    state.write_usize(bytes.len());
    state.write(&bytes[bytes.len().saturating_sub(32)..]);
}

impl std::hash::Hash for TokenKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        token_hash(self.0.as_bytes(), state);
    }
}

/// A lookup key for the cache: raw bytes, hashed like [`TokenKey`].
struct TokenBytes<'a>(&'a [u8]);

impl std::hash::Hash for TokenBytes<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        token_hash(self.0, state);
    }
}

impl quick_cache::Equivalent<TokenKey> for TokenBytes<'_> {
    fn equivalent(&self, key: &TokenKey) -> bool {
        self.0 == key.0.as_bytes()
    }
}

/// Verifies Cognito JWTs. `Send + Sync`, cheap to clone (clones share keys and caches).
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("issuers", &self.issuers().collect::<Vec<_>>())
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// `wrong_issuer`, saying which issuer the token names and which are trusted (a trailing
/// slash or another pool is the usual cause). The token's value is quoted and cut short.
fn untrusted_issuer(iss: &str, inner: &Inner) -> VerifyError {
    const SHOWN: usize = 6;
    let token_iss: String = iss.chars().take(200).collect();
    let mut trusted: Vec<&str> = inner
        .issuers
        .iter()
        .map(|e| &*e.issuer)
        .take(SHOWN)
        .collect();
    if inner.issuers.len() > SHOWN {
        trusted.push("…");
    }
    VerifyError::new(
        Reason::WrongIssuer,
        format!(
            "the token's issuer {token_iss:?} is not trusted here (trusted: {}); a trailing slash or another user pool is the usual cause",
            trusted.join(", ")
        ),
    )
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl From<JwksError> for VerifyError {
    fn from(e: JwksError) -> Self {
        match e {
            JwksError::UnknownKid => {
                VerifyError::new(Reason::UnknownKid, "no signing key with this kid")
            }
            other => VerifyError::unavailable(
                crate::transport::error_chain(&other),
                Some(Arc::new(other)),
            ),
        }
    }
}

impl Verifier {
    /// A new builder.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// A verifier configured from `COGNITO_*` variables (see [`VerifierBuilder::from_env_with`]).
    pub fn from_env() -> Result<Verifier, ConfigError> {
        VerifierBuilder::from_env()?.build()
    }

    /// Fetches the keys now (otherwise they are fetched on first use): for each pool, its
    /// issuers' key sources in order until one succeeds. An issuer format or replica region
    /// whose JWKS does not exist does not fail this; a pool none of whose sources can be
    /// fetched does.
    pub async fn hydrate(&self) -> Result<(), VerifyError> {
        for pool in 0..self.inner.pools.len() {
            let mut first_error = None;
            let mut ok = false;
            let mut tried: Vec<*const JwksSource> = Vec::new();
            for e in self.inner.issuers.iter().filter(|e| e.pool == pool) {
                let ptr = Arc::as_ptr(&e.jwks);
                if tried.contains(&ptr) {
                    continue;
                }
                tried.push(ptr);
                match e.jwks.refresh_now().await {
                    Ok(()) => {
                        ok = true;
                        break;
                    }
                    Err(err) => {
                        tracing::debug!(target: "cognito_auth::jwks", issuer = %e.issuer, error = %err, "JWKS not available for this issuer");
                        first_error.get_or_insert(err);
                    }
                }
            }
            if !ok && let Some(err) = first_error {
                return Err(err.into());
            }
        }
        Ok(())
    }

    /// Adds keys (a JWKS JSON document) for `issuer` to the running verifier, the equivalent
    /// of aws-jwt-verify's `cacheJwks`: for keys obtained out of band. A key whose `kid` is
    /// already known with other material is refused. For a remote source, the keys serve
    /// until the next fetch replaces the set. Returns how many keys were new.
    pub fn add_keys(&self, issuer: &str, jwks_json: &str) -> Result<usize, ConfigError> {
        let entry = self
            .inner
            .issuers
            .iter()
            .find(|e| &*e.issuer == issuer)
            .ok_or_else(|| {
                ConfigError::invalid("issuer", format!("`{issuer}` is not trusted here"))
            })?;
        let keys = KeySet::from_json(jwks_json.as_bytes())
            .map_err(|e| ConfigError::invalid("jwks_json", e.to_string()))?;
        entry
            .jwks
            .add_keys(&keys)
            .map_err(|e| ConfigError::invalid("jwks_json", e.to_string()))
    }

    /// The verified-token cache's counters: hits, misses, entries, capacity (all zero when the
    /// cache is off).
    pub fn cache_stats(&self) -> TokenCacheStats {
        match &self.inner.cache {
            Some(c) => TokenCacheStats {
                hits: c.hits(),
                misses: c.misses(),
                entries: c.len(),
                capacity: c.capacity() as usize,
            },
            None => TokenCacheStats::default(),
        }
    }

    /// The configured policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// Every trusted issuer (both formats and every replica region of each user pool).
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.inner.issuers.iter().map(|e| &*e.issuer)
    }

    /// The app clients allowed for tokens of `issuer` (`None`: any client, or an issuer not
    /// trusted here).
    pub fn allowed_clients(&self, issuer: &str) -> Option<&[String]> {
        let e = self.inner.issuers.iter().find(|e| &*e.issuer == issuer)?;
        self.inner.pools[e.pool].clients.list()
    }

    /// Verifies `token`, applies its pool's client rule and the configured [`Policy`].
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        self.verify_with(token, &self.inner.policy).await
    }

    /// Verifies `token`, applies its pool's client rule and `policy` instead of the
    /// configured one.
    ///
    /// With a `tracing` subscriber at debug level for `cognito_auth::verify`, each call is a
    /// `verify` span carrying the token's fingerprint (never the token), the outcome, the
    /// reason code and the client.
    pub async fn verify_with(
        &self,
        token: &str,
        policy: &Policy,
    ) -> Result<VerifiedToken, VerifyError> {
        let result = if tracing::enabled!(target: "cognito_auth::verify", tracing::Level::DEBUG) {
            use tracing::Instrument;
            let span = tracing::debug_span!(
                target: "cognito_auth::verify",
                "verify",
                token = %crate::telemetry::fingerprint(token),
                outcome = tracing::field::Empty,
                reason = tracing::field::Empty,
                client_id = tracing::field::Empty,
            );
            let r = self
                .verify_inner(token, policy)
                .instrument(span.clone())
                .await;
            match &r {
                Ok(t) => {
                    span.record("outcome", "accepted");
                    span.record("client_id", t.client_id());
                }
                Err(e) => {
                    span.record("outcome", e.kind().as_str());
                    span.record("reason", e.reason().as_str());
                }
            }
            span.in_scope(|| match &r {
                Ok(_) => tracing::debug!(target: "cognito_auth::verify", "token accepted"),
                Err(e) => tracing::debug!(target: "cognito_auth::verify", reason = e.reason().as_str(), kind = e.kind().as_str(), "token refused"),
            });
            r
        } else {
            self.verify_inner(token, policy).await
        };
        match &result {
            Ok(_) => crate::telemetry::verification(true, "ok"),
            Err(e) => crate::telemetry::verification(false, e.reason().as_str()),
        }
        result
    }

    async fn verify_inner(
        &self,
        token: &str,
        policy: &Policy,
    ) -> Result<VerifiedToken, VerifyError> {
        let t = self.authenticate(token).await?;
        self.check_client(&t)?;
        policy.check(&t)?;
        Ok(t)
    }

    fn check_client(&self, t: &VerifiedToken) -> Result<(), VerifyError> {
        let allowed = self
            .inner
            .pools
            .get(t.0.pool)
            .is_some_and(|p| p.clients.allows(t.client_id()));
        if allowed {
            Ok(())
        } else {
            Err(VerifyError::new(
                Reason::ClientNotAllowed,
                "the token's app client is not allowed here",
            ))
        }
    }

    /// Signature and claim checks only (no client rule, no policy): is this a genuine,
    /// current token of a trusted issuer?
    pub async fn authenticate(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        let now = unix_now();
        if let Some(t) = self.cached(token.as_bytes(), now)? {
            return Ok(t);
        }
        let inner = &*self.inner;
        let jws = jose::parse(token, inner.max_token_bytes)?;
        let mut claims = jose::parse_claims(&jws.payload)?;
        let iss = jose::required(claims.iss.take(), "iss")?.into_str("iss")?;
        let Some(issuer_idx) = inner.issuers.iter().position(|e| *e.issuer == *iss) else {
            return Err(untrusted_issuer(&iss, inner));
        };
        let entry = &inner.issuers[issuer_idx];
        // The key and the key-set epoch come from one snapshot: a token cached under an
        // epoch was verified with a key of exactly that key set.
        let (key, epoch) = entry.jwks.key(&jws.kid).await?;
        if !key.verify(jws.signing_input.as_bytes(), &jws.signature) {
            return Err(VerifyError::new(
                Reason::InvalidSignature,
                "signature does not verify",
            ));
        }
        // One copy of the raw token serves the verified token and the cache key.
        let raw: Arc<str> = Arc::from(token);
        let rules = &inner.pools[entry.pool];
        let mut data = claims::check(claims, entry, rules, inner, Arc::clone(&raw), now)?;
        // The claims borrowed the decoded payload until here; now it can move.
        data.payload = jws.payload.into_boxed_slice();
        let token = VerifiedToken(Arc::new(data));
        if let Some(cache) = &inner.cache {
            cache.insert(
                TokenKey(raw),
                CacheEntry {
                    token: token.clone(),
                    issuer: issuer_idx,
                    epoch,
                },
            );
        }
        Ok(token)
    }

    /// Fuzzing only: every check of [`Verifier::verify`] but the signature, so mutated tokens
    /// reach the claim checks and the policy.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn fuzz_without_signature(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        let inner = &*self.inner;
        let jws = jose::parse(token, inner.max_token_bytes)?;
        let mut claims = jose::parse_claims(&jws.payload)?;
        let iss = jose::required(claims.iss.take(), "iss")?.into_str("iss")?;
        let Some(entry) = inner.issuers.iter().find(|e| *e.issuer == *iss) else {
            return Err(VerifyError::new(Reason::WrongIssuer, "untrusted issuer"));
        };
        let rules = &inner.pools[entry.pool];
        let mut data = claims::check(claims, entry, rules, inner, Arc::from(token), unix_now())?;
        data.payload = jws.payload.into_boxed_slice();
        let t = VerifiedToken(Arc::new(data));
        let _ = t.claims();
        self.check_client(&t)?;
        self.inner.policy.check(&t)?;
        Ok(t)
    }

    fn cached(&self, token: &[u8], now: i64) -> Result<Option<VerifiedToken>, VerifyError> {
        let Some(cache) = &self.inner.cache else {
            return Ok(None);
        };
        if token.len() > self.inner.max_token_bytes {
            return Ok(None);
        }
        let key = TokenBytes(token);
        let Some(entry) = cache.get(&key) else {
            crate::telemetry::token_cache(false, || cache.len());
            return Ok(None);
        };
        crate::telemetry::token_cache(true, || cache.len());
        if self.inner.issuers[entry.issuer].jwks.epoch() != entry.epoch {
            // A key was removed or replaced since: verify from scratch.
            cache.remove(&key);
            return Ok(None);
        }
        if now > entry.token.exp().saturating_add(self.inner.leeway) {
            cache.remove(&key);
            return Err(claims::expired());
        }
        Ok(Some(entry.token))
    }

    /// The answer for a token that was verified before and is still in the verified-token
    /// cache, with its pool's client rule and `policy` applied: `None` when it is not cached
    /// (then call [`Verifier::verify_with`]). Needs no UTF-8 check, parsing or signature
    /// work: the web layer calls it with the header's bytes first.
    /// The answer for a token this verifier accepted before and still holds in its
    /// verified-token cache (a lookup: no parsing, no signature, no waiting), with the
    /// client rule and the configured policy applied; `None` when the token is not cached,
    /// and then [`Verifier::verify`] gives the answer. For callers that must not wait, such
    /// as an event loop deciding whether to hand the work to another thread.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let issuer = cognito_auth_testkit::LocalIssuer::start().await;
    /// use cognito_auth::verify::{TokenUse, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .issuer(issuer.issuer())
    ///     .token_use(TokenUse::Access)
    ///     .any_client()
    ///     .build()
    ///     .unwrap();
    /// let token = issuer.access_token().client_id("svc").sign();
    /// assert!(verifier.verify_now(&token).is_none()); // never seen: verify() it
    /// verifier.verify(&token).await.unwrap();
    /// assert_eq!(verifier.verify_now(&token).unwrap().unwrap().client_id(), "svc");
    /// # }
    /// ```
    pub fn verify_now(&self, token: &str) -> Option<Result<VerifiedToken, VerifyError>> {
        self.verify_cached(token.as_bytes(), &self.inner.policy)
    }

    pub(crate) fn verify_cached(
        &self,
        token: &[u8],
        policy: &Policy,
    ) -> Option<Result<VerifiedToken, VerifyError>> {
        let result = match self.cached(token, unix_now()) {
            Ok(None) => return None,
            Ok(Some(t)) => self
                .check_client(&t)
                .and_then(|()| policy.check(&t))
                .map(|()| t),
            Err(e) => Err(e),
        };
        match &result {
            Ok(_) => crate::telemetry::verification(true, "ok"),
            Err(e) => crate::telemetry::verification(false, e.reason().as_str()),
        }
        Some(result)
    }
}
