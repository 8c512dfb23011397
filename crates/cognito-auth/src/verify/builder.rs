//! [`VerifierBuilder`]: pools, token use, client rule, policy, limits; from code or from
//! `COGNITO_*` variables.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::pool::{ClientRule, KeysFrom};
use super::{
    AcceptedTokenUse, ConfigError, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_BYTES,
    DEFAULT_TOKEN_CACHE_CAPACITY, Inner, IssuerEntry, Policy, PoolConfig, PoolRules, Rejection,
    ScopeMatch, VerifiedToken, Verifier,
};
use crate::jwks::{JwksConfig, JwksSource, KeySet};
use crate::transport::{Http, HttpConfig};

/// Builder for [`Verifier`]. At least one pool, the `token_use` and the client rule are
/// required: a verifier never accepts "whatever the token says" by default.
#[derive(Clone)]
#[must_use]
pub struct VerifierBuilder {
    pools: Vec<PoolConfig>,
    token_use: Option<AcceptedTokenUse>,
    clients: Option<ClientRule>,
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
            .field("clients", &self.clients)
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
            clients: None,
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
    /// For another region, replica regions or per-pool rules, pass a [`PoolConfig`] to
    /// [`VerifierBuilder::pool`].
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
    /// Which `token_use` to accept (required, here or on every pool).
    pub fn token_use(mut self, t: impl Into<AcceptedTokenUse>) -> Self {
        self.token_use = Some(t.into());
        self
    }
    /// Clock leeway for `exp`, `nbf` and a future `iat` (default 5 s, at most 300 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }
    /// App clients allowed (`client_id` of access tokens, `aud` of ID tokens). This or
    /// [`VerifierBuilder::any_client`] is required (here or on every pool); a client outside
    /// the list is refused with 403 (`client_not_allowed`).
    pub fn allowed_clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.clients = Some(ClientRule::only(clients));
        self
    }
    /// Accept tokens of every app client of the trusted pools. Like `token_use`, the client
    /// rule is an explicit choice: building fails until this or
    /// [`VerifierBuilder::allowed_clients`] is called.
    pub fn any_client(mut self) -> Self {
        self.clients = Some(ClientRule::Any);
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
    /// Replace the whole policy (scopes, groups, extra client list, custom check).
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
    /// HTTP timeouts, limits and client for JWKS fetches.
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
    /// | `COGNITO_REPLICA_REGIONS` | regions the pools are replicated to, comma-separated |
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
        let replicas = list("COGNITO_REPLICA_REGIONS").unwrap_or_default();
        if let Some(pools) = list("COGNITO_USER_POOL_ID") {
            for pool in pools {
                let mut p = PoolConfig::user_pool(pool).replica_regions(replicas.clone());
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
        if self.pools.is_empty() {
            return Err(ConfigError::NoPool);
        }
        if let Some(c) = &self.clients {
            c.validate()?;
        }
        if self.leeway > Duration::from_secs(300) {
            return Err(ConfigError::invalid(
                "leeway",
                "must be at most 300 seconds",
            ));
        }
        let insecure = self.http.get_allow_insecure_http();
        let http = Http::new(self.http)?;
        let mut pools: Vec<PoolRules> = Vec::with_capacity(self.pools.len());
        let mut issuers: Vec<IssuerEntry> = Vec::new();
        let mut remote: HashMap<String, Arc<JwksSource>> = HashMap::new();
        for p in &self.pools {
            let token_use = p
                .token_use
                .or(self.token_use)
                .ok_or(ConfigError::TokenUseNotSet)?;
            let clients = p
                .clients
                .clone()
                .or_else(|| self.clients.clone())
                .ok_or(ConfigError::ClientPolicyNotSet)?;
            let pool_index = pools.len();
            let offline = match &p.keys {
                KeysFrom::Json(json) => Some(Arc::new(JwksSource::offline(
                    KeySet::from_json(json.as_bytes())
                        .map_err(|e| ConfigError::invalid("jwks_json", e.to_string()))?,
                ))),
                _ => None,
            };
            for entry in p.resolve(insecure)? {
                if issuers.iter().any(|e| *e.issuer == *entry.issuer) {
                    return Err(ConfigError::invalid(
                        "issuer",
                        format!("`{}` configured twice", entry.issuer),
                    ));
                }
                let jwks = match (&entry.keys, &offline) {
                    (KeysFrom::Url(url), _) => {
                        Arc::clone(remote.entry(url.clone()).or_insert_with(|| {
                            Arc::new(JwksSource::remote(
                                url.clone(),
                                http.clone(),
                                self.jwks.clone(),
                            ))
                        }))
                    }
                    (_, off) => off.clone().ok_or_else(|| {
                        ConfigError::invalid("jwks_json", "no key set for offline keys")
                    })?,
                };
                issuers.push(IssuerEntry {
                    issuer: entry.issuer.into(),
                    pool: pool_index,
                    jwks,
                });
            }
            pools.push(PoolRules { token_use, clients });
        }
        let cache =
            (self.cache_capacity > 0).then(|| quick_cache::sync::Cache::new(self.cache_capacity));
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuers,
                pools,
                leeway: self.leeway.as_secs() as i64,
                access_audience: self.access_audience,
                policy: self.policy,
                max_token_bytes: self.max_token_bytes,
                cache,
            }),
        })
    }
}
