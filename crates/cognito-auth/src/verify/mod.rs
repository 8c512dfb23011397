//! Verification of Cognito access and ID tokens, as a resource server needs it.
//!
//! A [`Verifier`] checks, in order: size cap, structure, header (`alg` pinned to RS256, `kid`
//! required, `crit` refused, `jku`/`x5u`/`jwk`/`x5c` ignored), duplicate JSON keys, issuer (one
//! of the configured pools), the RS256 signature against that pool's JWKS, `exp`/`nbf`/`iat`
//! with leeway, `token_use`, and the client claims. The result, a [`VerifiedToken`], is cached
//! by the whole token until `exp`; the [`Policy`] (client allowlist, scopes, groups, custom
//! check) runs on every call, cached or not.
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

mod error;
pub(crate) mod jose;
mod token;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use error::{ConfigError, ErrorKind, Reason, ScopeFailure, ScopeMatch, VerifyError};
pub use token::{ScopeSet, TokenUse, VerifiedToken};

use crate::jwks::{JwksConfig, JwksSource, KeySet};
use crate::transport::{Http, HttpConfig};
use token::TokenData;

/// Default cap on the size of a token, checked before any parsing.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default clock leeway for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// Default number of verified tokens remembered.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Which `token_use` a verifier accepts. There is no default: choose explicitly.
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

/// A custom check's verdict on a genuine token.
///
/// ```
/// use cognito_auth::verify::{ErrorKind, Rejection};
/// let r = Rejection::forbidden("tenant suspended");
/// assert_eq!(r.kind(), ErrorKind::Forbidden);
/// ```
#[derive(Debug, Clone)]
pub struct Rejection {
    kind: ErrorKind,
    message: String,
}

impl Rejection {
    /// The token is genuine but not allowed here (403).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Rejection {
            kind: ErrorKind::Forbidden,
            message: message.into(),
        }
    }
    /// The token must not count as authentication (401).
    pub fn not_authenticated(message: impl Into<String>) -> Self {
        Rejection {
            kind: ErrorKind::NotAuthenticated,
            message: message.into(),
        }
    }
    /// The kind this rejection maps to.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

type CustomCheck = Arc<dyn Fn(&VerifiedToken) -> Result<(), Rejection> + Send + Sync>;

/// Authorization rules applied to every verified token, cached or not.
///
/// Usable on its own (web guards do) through [`Policy::check`].
///
/// ```
/// use cognito_auth::verify::{Policy, ScopeMatch};
///
/// let policy = Policy::new()
///     .required_scopes(["orders/read", "orders/admin"])
///     .scope_match(ScopeMatch::Any)
///     .allowed_clients(["client-a"]);
/// assert_eq!(policy.get_required_scopes(), &["orders/read".to_string(), "orders/admin".to_string()]);
/// ```
#[derive(Clone, Default)]
pub struct Policy {
    allowed_clients: Option<Arc<[String]>>,
    /// Whether the client rule was chosen (`allowed_clients` or `any_client`).
    clients_chosen: bool,
    required_scopes: Vec<String>,
    scope_match: ScopeMatch,
    required_groups: Vec<String>,
    custom: Option<CustomCheck>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("allowed_clients", &self.allowed_clients)
            .field("required_scopes", &self.required_scopes)
            .field("scope_match", &self.scope_match)
            .field("required_groups", &self.required_groups)
            .field("custom", &self.custom.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl Policy {
    /// A policy that allows every genuine token.
    pub fn new() -> Self {
        Policy::default()
    }
    /// Only these app clients (`client_id`, or `aud` of ID tokens) are allowed.
    pub fn allowed_clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_clients = Some(clients.into_iter().map(Into::into).collect());
        self.clients_chosen = true;
        self
    }
    /// Tokens of every app client of the trusted pools are allowed (an explicit choice, like
    /// `token_use`: a verifier refuses to build until either this or
    /// [`Policy::allowed_clients`] is chosen).
    pub fn any_client(mut self) -> Self {
        self.allowed_clients = None;
        self.clients_chosen = true;
        self
    }
    /// Whether the client rule was chosen explicitly.
    pub fn client_rule_chosen(&self) -> bool {
        self.clients_chosen
    }
    /// Scopes the token must carry (matched by [`Policy::scope_match`]).
    pub fn required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// `All` (default) or `Any`.
    pub fn scope_match(mut self, m: ScopeMatch) -> Self {
        self.scope_match = m;
        self
    }
    /// Groups of which the token must list at least one in `cognito:groups`.
    pub fn required_groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_groups = groups.into_iter().map(Into::into).collect();
        self
    }
    /// An extra check run last, on every call.
    pub fn custom_check<F>(mut self, f: F) -> Self
    where
        F: Fn(&VerifiedToken) -> Result<(), Rejection> + Send + Sync + 'static,
    {
        self.custom = Some(Arc::new(f));
        self
    }
    /// The required scopes.
    pub fn get_required_scopes(&self) -> &[String] {
        &self.required_scopes
    }
    /// The client allowlist, if any.
    pub fn get_allowed_clients(&self) -> Option<&[String]> {
        self.allowed_clients.as_deref()
    }

    /// Applies the policy to a verified token.
    pub fn check(&self, token: &VerifiedToken) -> Result<(), VerifyError> {
        if let Some(allowed) = &self.allowed_clients
            && !allowed.iter().any(|c| c == token.client_id())
        {
            return Err(VerifyError::new(
                Reason::ClientNotAllowed,
                "the token's app client is not allowed here",
            ));
        }
        if !token
            .scopes()
            .satisfies(&self.required_scopes, self.scope_match)
        {
            return Err(VerifyError::insufficient_scope(ScopeFailure {
                token_scopes: token.scopes().to_vec(),
                required: self.required_scopes.clone(),
                matching: self.scope_match,
            }));
        }
        if !self.required_groups.is_empty()
            && !self.required_groups.iter().any(|g| token.in_group(g))
        {
            return Err(VerifyError::new(
                Reason::MissingGroup,
                format!(
                    "token is in none of the required groups: {}",
                    self.required_groups.join(", ")
                ),
            ));
        }
        if let Some(custom) = &self.custom
            && let Err(r) = custom(token)
        {
            return Err(VerifyError::with_kind(
                r.kind,
                Reason::CustomCheck,
                r.message,
            ));
        }
        Ok(())
    }
}

/// Where one pool's keys come from.
#[derive(Debug, Clone)]
enum KeysFrom {
    Derived,
    Url(String),
    Json(String),
}

/// Which issuer a pool is: a Cognito user pool (validated id, region from its prefix unless
/// set) or an explicit URL.
#[derive(Debug, Clone)]
enum PoolKind {
    UserPool {
        pool_id: String,
        region: Option<String>,
    },
    Issuer(String),
}

/// One trusted issuer (user pool) and where its keys are.
///
/// ```
/// use cognito_auth::verify::PoolConfig;
///
/// // Tokens carry the AWS issuer, keys come from a local emulator:
/// let pool = PoolConfig::user_pool("us-east-1_abc")
///     .jwks_url("http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json");
/// assert_eq!(pool.issuer(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
/// ```
#[derive(Debug, Clone)]
pub struct PoolConfig {
    kind: PoolKind,
    keys: KeysFrom,
}

impl PoolConfig {
    /// The user pool `pool_id` (`<region>_<suffix>`); the region is the id's prefix unless
    /// [`PoolConfig::region`] says otherwise. Issuer:
    /// `https://cognito-idp.<region>.amazonaws.com/<pool_id>`. The id and region are checked
    /// against Cognito's formats when the verifier is built.
    pub fn user_pool(pool_id: impl Into<String>) -> Self {
        PoolConfig {
            kind: PoolKind::UserPool {
                pool_id: pool_id.into(),
                region: None,
            },
            keys: KeysFrom::Derived,
        }
    }
    /// The region of a user pool, when it differs from the pool id's prefix.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        if let PoolKind::UserPool { region: r, .. } = &mut self.kind {
            *r = Some(region.into());
        }
        self
    }
    /// An explicit issuer URL; keys default to `<issuer>/.well-known/jwks.json`.
    pub fn issuer_url(issuer: impl Into<String>) -> Self {
        PoolConfig {
            kind: PoolKind::Issuer(issuer.into()),
            keys: KeysFrom::Derived,
        }
    }
    /// Fetch keys from this URL instead of the one derived from the issuer.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.keys = KeysFrom::Url(url.into());
        self
    }
    /// Use these keys (a JWKS JSON document) and never fetch.
    pub fn jwks_json(mut self, json: impl Into<String>) -> Self {
        self.keys = KeysFrom::Json(json.into());
        self
    }
    /// The issuer tokens must carry (for a user pool, built from the region and id as given,
    /// before they are validated).
    pub fn issuer(&self) -> String {
        match &self.kind {
            PoolKind::Issuer(i) => i.clone(),
            PoolKind::UserPool { pool_id, region } => {
                let region = region
                    .as_deref()
                    .unwrap_or_else(|| pool_id.split_once('_').map_or("", |(r, _)| r));
                format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
        }
    }
    /// The JWKS URL that will be used (`None` for offline keys).
    pub fn effective_jwks_url(&self) -> Option<String> {
        match &self.keys {
            KeysFrom::Derived => Some(format!(
                "{}/.well-known/jwks.json",
                self.issuer().trim_end_matches('/')
            )),
            KeysFrom::Url(u) => Some(u.clone()),
            KeysFrom::Json(_) => None,
        }
    }

    /// Validates the pool id and region (before any URL is built from them) and returns the
    /// issuer.
    fn validated_issuer(&self, allow_insecure_http: bool) -> Result<String, ConfigError> {
        match &self.kind {
            PoolKind::UserPool { pool_id, region } => {
                crate::ids::check_user_pool_id(pool_id)
                    .map_err(|m| ConfigError::invalid("user_pool_id", m))?;
                if let Some(r) = region {
                    crate::ids::check_region(r).map_err(|m| ConfigError::invalid("region", m))?;
                }
                Ok(self.issuer())
            }
            PoolKind::Issuer(i) => {
                crate::transport::check_url(i, allow_insecure_http)
                    .map_err(|m| ConfigError::invalid("issuer", m))?;
                Ok(i.clone())
            }
        }
    }
}

/// Builder for [`Verifier`]. `token_use` and at least one pool are required.
#[derive(Clone)]
pub struct VerifierBuilder {
    pools: Vec<PoolConfig>,
    token_use: Option<AcceptedTokenUse>,
    leeway: Duration,
    access_audience: Option<Vec<String>>,
    policy: Policy,
    max_token_bytes: usize,
    cache_capacity: usize,
    jwks: JwksConfig,
    http: HttpConfig,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("pools", &self.pools)
            .field("token_use", &self.token_use)
            .field("leeway", &self.leeway)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        VerifierBuilder {
            pools: Vec::new(),
            token_use: None,
            leeway: DEFAULT_LEEWAY,
            access_audience: None,
            policy: Policy::default(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            cache_capacity: DEFAULT_TOKEN_CACHE_CAPACITY,
            jwks: JwksConfig::default(),
            http: HttpConfig::default(),
        }
    }
}

impl VerifierBuilder {
    /// Trust the Cognito user pool `pool_id` (`<region>_<suffix>`; the region is its prefix).
    /// For another region or replica regions, pass a [`PoolConfig`] to [`VerifierBuilder::pool`].
    pub fn user_pool(self, pool_id: impl Into<String>) -> Self {
        self.pool(PoolConfig::user_pool(pool_id))
    }
    /// Trust an explicit issuer (keys at `<issuer>/.well-known/jwks.json` unless set).
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        self.pool(PoolConfig::issuer_url(issuer))
    }
    /// Trust one more pool. Several pools may be trusted at once; `iss` selects the pool.
    pub fn pool(mut self, pool: PoolConfig) -> Self {
        self.pools.push(pool);
        self
    }
    /// Override the JWKS URL of the pool added last.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        if let Some(p) = self.pools.pop() {
            self.pools.push(p.jwks_url(url));
        }
        self
    }
    /// Supply the keys of the pool added last as a JWKS JSON document (no network).
    pub fn jwks_json(mut self, json: impl Into<String>) -> Self {
        if let Some(p) = self.pools.pop() {
            self.pools.push(p.jwks_json(json));
        }
        self
    }
    /// Which `token_use` to accept (required).
    pub fn token_use(mut self, t: impl Into<AcceptedTokenUse>) -> Self {
        self.token_use = Some(t.into());
        self
    }
    /// Clock leeway for `exp`, `nbf` and a future `iat` (default 5 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }
    /// App clients allowed (`client_id` of access tokens, `aud` of ID tokens). Either this or
    /// [`VerifierBuilder::any_client`] is required.
    pub fn allowed_clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.policy = self.policy.allowed_clients(clients);
        self
    }
    /// Accept tokens of every app client of the trusted pools. Like `token_use`, the client
    /// rule is an explicit choice: building fails until this or
    /// [`VerifierBuilder::allowed_clients`] is called.
    pub fn any_client(mut self) -> Self {
        self.policy = self.policy.any_client();
        self
    }
    /// For access tokens that carry an `aud` claim: it must contain one of these values.
    pub fn access_token_audience<I, S>(mut self, aud: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.access_audience = Some(aud.into_iter().map(Into::into).collect());
        self
    }
    /// Scopes every token must carry.
    pub fn required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.policy = self.policy.required_scopes(scopes);
        self
    }
    /// How required scopes are matched (default `All`).
    pub fn scope_match(mut self, m: ScopeMatch) -> Self {
        self.policy = self.policy.scope_match(m);
        self
    }
    /// Groups of which a token must list at least one.
    pub fn required_groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.policy = self.policy.required_groups(groups);
        self
    }
    /// A custom check, run on every call after the built-in ones.
    pub fn custom_check<F>(mut self, f: F) -> Self
    where
        F: Fn(&VerifiedToken) -> Result<(), Rejection> + Send + Sync + 'static,
    {
        self.policy = self.policy.custom_check(f);
        self
    }
    /// Replace the whole policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
    /// Largest token accepted, checked before parsing (default 16 KiB).
    pub fn max_token_bytes(mut self, n: usize) -> Self {
        self.max_token_bytes = n;
        self
    }
    /// How many verified tokens to remember (default 10 000; 0 disables the cache).
    pub fn token_cache_capacity(mut self, n: usize) -> Self {
        self.cache_capacity = n;
        self
    }
    /// JWKS cache timings and limits.
    pub fn jwks_config(mut self, cfg: JwksConfig) -> Self {
        self.jwks = cfg;
        self
    }
    /// HTTP timeouts and limits for JWKS fetches.
    pub fn http_config(mut self, cfg: HttpConfig) -> Self {
        self.http = cfg;
        self
    }

    /// Reads the `COGNITO_*` variables into a builder (see [`VerifierBuilder::from_env_with`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Like [`VerifierBuilder::from_env`], reading variables through `get`.
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `COGNITO_USER_POOL_ID` | pool id(s), comma-separated (region taken from the id's prefix) |
    /// | `COGNITO_REGION` | region, when pool ids do not start with it |
    /// | `COGNITO_ISSUER` | explicit issuer URL(s), comma-separated, instead of pool ids |
    /// | `COGNITO_JWKS_URL` | JWKS URL (only with exactly one pool) |
    /// | `COGNITO_TOKEN_USE` | `access`, `id` or `any` (required) |
    /// | `COGNITO_CLIENT_IDS` | allowed app clients, comma- or space-separated, or `*` for any (required) |
    /// | `COGNITO_AUDIENCE` | accepted `aud` values for access tokens that carry one |
    /// | `COGNITO_REQUIRED_SCOPES` | required scopes, space- or comma-separated |
    /// | `COGNITO_SCOPE_MATCH` | `all` (default) or `any` |
    /// | `COGNITO_REQUIRED_GROUPS` | groups, at least one required |
    /// | `COGNITO_LEEWAY_SECONDS` | clock leeway (default 5) |
    ///
    /// ```
    /// use cognito_auth::verify::VerifierBuilder;
    /// let vars = [
    ///     ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
    ///     ("COGNITO_TOKEN_USE", "access"),
    ///     ("COGNITO_CLIENT_IDS", "4mw9nqflq0example"),
    /// ];
    /// let builder = VerifierBuilder::from_env_with(|k| {
    ///     vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    /// })
    /// .unwrap();
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn from_env_with<F>(get: F) -> Result<Self, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let list = |name: &str| crate::env::list(&get, name);
        let val = |name: &str| crate::env::value(&get, name);
        let mut b = VerifierBuilder::default();
        let region = val("COGNITO_REGION");
        if let Some(pools) = list("COGNITO_USER_POOL_ID") {
            for pool in pools {
                let mut p = PoolConfig::user_pool(pool);
                if let Some(r) = &region {
                    p = p.region(r.clone());
                }
                b = b.pool(p);
            }
        }
        if let Some(issuers) = list("COGNITO_ISSUER") {
            for iss in issuers {
                b = b.issuer(iss);
            }
        }
        if let Some(url) = val("COGNITO_JWKS_URL") {
            if b.pools.len() != 1 {
                return Err(ConfigError::invalid(
                    "COGNITO_JWKS_URL",
                    "can only be used with exactly one pool or issuer",
                ));
            }
            b = b.jwks_url(url);
        }
        if let Some(tu) = val("COGNITO_TOKEN_USE") {
            b = b.token_use(
                tu.parse::<AcceptedTokenUse>()
                    .map_err(|m| ConfigError::invalid("COGNITO_TOKEN_USE", m))?,
            );
        }
        if let Some(c) = list("COGNITO_CLIENT_IDS") {
            b = if c.iter().any(|c| c == "*") {
                if c.len() != 1 {
                    return Err(ConfigError::invalid(
                        "COGNITO_CLIENT_IDS",
                        "`*` (any client) cannot be combined with client ids",
                    ));
                }
                b.any_client()
            } else {
                b.allowed_clients(c)
            };
        }
        if let Some(a) = list("COGNITO_AUDIENCE") {
            b = b.access_token_audience(a);
        }
        if let Some(s) = list("COGNITO_REQUIRED_SCOPES") {
            b = b.required_scopes(s);
        }
        if let Some(m) = val("COGNITO_SCOPE_MATCH") {
            b = b.scope_match(
                m.parse()
                    .map_err(|e: String| ConfigError::invalid("COGNITO_SCOPE_MATCH", e))?,
            );
        }
        if let Some(g) = list("COGNITO_REQUIRED_GROUPS") {
            b = b.required_groups(g);
        }
        if let Some(l) = val("COGNITO_LEEWAY_SECONDS") {
            let secs: u64 = l.trim().parse().map_err(|_| {
                ConfigError::invalid(
                    "COGNITO_LEEWAY_SECONDS",
                    "must be a whole number of seconds",
                )
            })?;
            b = b.leeway(Duration::from_secs(secs));
        }
        Ok(b)
    }

    /// Validates the configuration and builds the verifier. No network I/O happens here.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let token_use = self.token_use.ok_or(ConfigError::TokenUseNotSet)?;
        if self.pools.is_empty() {
            return Err(ConfigError::NoPool);
        }
        if !self.policy.client_rule_chosen() {
            return Err(ConfigError::ClientPolicyNotSet);
        }
        if self
            .policy
            .get_allowed_clients()
            .is_some_and(|c| c.is_empty() || c.iter().any(String::is_empty))
        {
            return Err(ConfigError::invalid(
                "allowed_clients",
                "the list is empty or holds an empty client id; use any_client() to allow every client",
            ));
        }
        if self.leeway > Duration::from_secs(300) {
            return Err(ConfigError::invalid(
                "leeway",
                "must be at most 300 seconds",
            ));
        }
        let insecure = self.http.get_allow_insecure_http();
        let http = Http::new(self.http)?;
        let mut pools: Vec<Pool> = Vec::with_capacity(self.pools.len());
        for p in self.pools {
            let issuer = p.validated_issuer(insecure)?;
            if pools.iter().any(|q| *q.issuer == *issuer) {
                return Err(ConfigError::invalid(
                    "issuer",
                    format!("`{issuer}` configured twice"),
                ));
            }
            let source = match &p.keys {
                KeysFrom::Json(json) => {
                    let keys = KeySet::from_json(json.as_bytes())
                        .map_err(|e| ConfigError::invalid("jwks_json", e.to_string()))?;
                    JwksSource::offline(keys, http.clone())
                }
                _ => {
                    let url = p.effective_jwks_url().unwrap_or_default();
                    crate::transport::check_url(&url, insecure)
                        .map_err(|m| ConfigError::invalid("jwks_url", m))?;
                    JwksSource::remote(url, http.clone(), self.jwks.clone())
                }
            };
            pools.push(Pool {
                issuer: issuer.into(),
                jwks: Arc::new(source),
            });
        }
        let cache =
            (self.cache_capacity > 0).then(|| quick_cache::sync::Cache::new(self.cache_capacity));
        Ok(Verifier {
            inner: Arc::new(Inner {
                pools,
                token_use,
                leeway: self.leeway.as_secs() as i64,
                access_audience: self.access_audience,
                policy: self.policy,
                max_token_bytes: self.max_token_bytes,
                cache,
            }),
        })
    }
}

struct Pool {
    issuer: Arc<str>,
    jwks: Arc<JwksSource>,
}

#[derive(Clone)]
struct CacheEntry {
    token: VerifiedToken,
    pool: usize,
    epoch: u64,
}

struct Inner {
    pools: Vec<Pool>,
    token_use: AcceptedTokenUse,
    leeway: i64,
    access_audience: Option<Vec<String>>,
    policy: Policy,
    max_token_bytes: usize,
    cache: Option<quick_cache::sync::Cache<Arc<str>, CacheEntry>>,
}

/// Verifies Cognito JWTs. `Send + Sync`, cheap to clone (clones share keys and caches).
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "issuers",
                &self
                    .inner
                    .pools
                    .iter()
                    .map(|p| &*p.issuer)
                    .collect::<Vec<_>>(),
            )
            .field("token_use", &self.inner.token_use)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

    /// Fetches every pool's keys now (otherwise they are fetched on first use).
    pub async fn hydrate(&self) -> Result<(), VerifyError> {
        for p in &self.inner.pools {
            p.jwks.refresh_now().await?;
        }
        Ok(())
    }

    /// The configured policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The trusted issuers.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.inner.pools.iter().map(|p| &*p.issuer)
    }

    /// Verifies `token` and applies the configured [`Policy`].
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        let t = self.authenticate(token).await?;
        self.inner.policy.check(&t)?;
        Ok(t)
    }

    /// Verifies `token` and applies `policy` instead of the configured one.
    pub async fn verify_with(
        &self,
        token: &str,
        policy: &Policy,
    ) -> Result<VerifiedToken, VerifyError> {
        let t = self.authenticate(token).await?;
        policy.check(&t)?;
        Ok(t)
    }

    /// Signature and claim checks only (no policy): is this a genuine, current token?
    pub async fn authenticate(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        let now = unix_now();
        if let Some(t) = self.cached(token, now)? {
            return Ok(t);
        }
        let inner = &*self.inner;
        let jws = jose::parse(token, inner.max_token_bytes)?;
        let mut claims = jose::parse_claims(&jws.payload)?;
        let iss = jose::required(claims.iss.take(), "iss")?.into_str("iss")?;
        let Some(pool_idx) = inner.pools.iter().position(|p| *p.issuer == *iss) else {
            return Err(VerifyError::new(
                Reason::WrongIssuer,
                "the token's issuer is not trusted here",
            ));
        };
        let pool = &inner.pools[pool_idx];
        // The key and the key-set epoch come from one snapshot: a token cached under an
        // epoch was verified with a key of exactly that key set.
        let (key, epoch) = pool.jwks.key(&jws.kid).await?;
        if !key.verify(jws.signing_input.as_bytes(), &jws.signature) {
            return Err(VerifyError::new(
                Reason::InvalidSignature,
                "signature does not verify",
            ));
        }
        // One copy of the raw token serves the verified token and the cache key.
        let raw: Arc<str> = Arc::from(token);
        let mut data = self.check_claims(claims, pool, Arc::clone(&raw), now)?;
        // The claims borrowed the decoded payload until here; now it can move.
        data.payload = jws.payload.into_boxed_slice();
        let token = VerifiedToken(Arc::new(data));
        if let Some(cache) = &inner.cache {
            cache.insert(
                raw,
                CacheEntry {
                    token: token.clone(),
                    pool: pool_idx,
                    epoch,
                },
            );
        }
        Ok(token)
    }

    fn cached(&self, token: &str, now: i64) -> Result<Option<VerifiedToken>, VerifyError> {
        let Some(cache) = &self.inner.cache else {
            return Ok(None);
        };
        if token.len() > self.inner.max_token_bytes {
            return Ok(None);
        }
        let Some(entry) = cache.get(token) else {
            return Ok(None);
        };
        if self.inner.pools[entry.pool].jwks.epoch() != entry.epoch {
            // A key was removed or replaced since: verify from scratch.
            cache.remove(token);
            return Ok(None);
        }
        if now > entry.token.exp().saturating_add(self.inner.leeway) {
            cache.remove(token);
            return Err(expired());
        }
        Ok(Some(entry.token))
    }

    fn check_claims(
        &self,
        c: jose::RawClaims<'_>,
        pool: &Pool,
        raw: Arc<str>,
        now: i64,
    ) -> Result<TokenData, VerifyError> {
        let inner = &*self.inner;
        let leeway = inner.leeway;
        let exp = jose::required(c.exp, "exp")?.into_date("exp")?;
        if now > exp.saturating_add(leeway) {
            return Err(expired());
        }
        let nbf = c.nbf.map(|v| v.into_date("nbf")).transpose()?;
        if let Some(nbf) = nbf
            && nbf > now.saturating_add(leeway)
        {
            return Err(VerifyError::new(
                Reason::NotYetValid,
                "token is not valid yet (nbf)",
            ));
        }
        let iat = c.iat.map(|v| v.into_date("iat")).transpose()?;
        if let Some(iat) = iat
            && iat > now.saturating_add(leeway)
        {
            return Err(VerifyError::new(
                Reason::IssuedInFuture,
                "token was issued in the future (iat)",
            ));
        }
        let token_use = match &*jose::required(c.token_use, "token_use")?.into_str("token_use")? {
            "access" => TokenUse::Access,
            "id" => TokenUse::Id,
            _ => {
                return Err(VerifyError::new(
                    Reason::InvalidClaim,
                    "claim `token_use` must be `access` or `id`",
                ));
            }
        };
        if !inner.token_use.accepts(token_use) {
            return Err(VerifyError::new(
                Reason::WrongTokenUse,
                format!("{token_use} tokens are not accepted here"),
            ));
        }
        let sub = jose::required(c.sub, "sub")?.into_str("sub")?;
        let audience: Vec<String> = match c.aud {
            None => Vec::new(),
            Some(jose::Loose::Str(s)) => vec![s.into_owned()],
            Some(jose::Loose::StrArray(v)) => v.into_iter().map(|s| s.into_owned()).collect(),
            Some(_) => {
                return Err(VerifyError::new(
                    Reason::InvalidClaim,
                    "claim `aud` must be a string or an array of strings",
                ));
            }
        };
        let (client_id, username) = match token_use {
            TokenUse::Access => {
                let client_id = jose::required(c.client_id, "client_id")?.into_str("client_id")?;
                if let Some(expected) = &inner.access_audience
                    && !audience.is_empty()
                    && !audience.iter().any(|a| expected.contains(a))
                {
                    return Err(VerifyError::new(
                        Reason::WrongAudience,
                        "the token's audience is not accepted here",
                    ));
                }
                let username = c.username.map(|u| u.into_str("username")).transpose()?;
                (client_id.into_owned(), username)
            }
            TokenUse::Id => {
                if audience.is_empty() {
                    return Err(VerifyError::new(
                        Reason::MissingClaim,
                        "claim `aud` is missing",
                    ));
                }
                if audience.len() != 1 {
                    return Err(VerifyError::new(
                        Reason::InvalidClaim,
                        "claim `aud` of an ID token must name exactly one app client",
                    ));
                }
                let username = c
                    .cognito_username
                    .map(|u| u.into_str("cognito:username"))
                    .transpose()?;
                (audience[0].clone(), username)
            }
        };
        let scopes = match c.scope {
            None => ScopeSet::default(),
            Some(v) => {
                let s = v.into_str("scope")?;
                ScopeSet::parse(&s).ok_or_else(|| {
                    VerifyError::new(
                        Reason::InvalidClaim,
                        "claim `scope` contains characters not allowed in a scope",
                    )
                })?
            }
        };
        let groups = match c.groups {
            None => Vec::new(),
            Some(jose::Loose::StrArray(v)) => v.into_iter().map(|s| s.into_owned()).collect(),
            Some(_) => {
                return Err(VerifyError::new(
                    Reason::InvalidClaim,
                    "claim `cognito:groups` must be an array of strings",
                ));
            }
        };
        Ok(TokenData {
            raw,
            issuer: Arc::clone(&pool.issuer),
            token_use,
            sub: sub.into_owned().into_boxed_str(),
            client_id: client_id.into_boxed_str(),
            username: username.map(|u| u.into_owned().into_boxed_str()),
            audience,
            scopes,
            groups,
            exp,
            iat,
            nbf,
            payload: Box::default(),
            claims: OnceLock::new(),
        })
    }
}

fn expired() -> VerifyError {
    VerifyError::new(Reason::Expired, "token has expired")
}
