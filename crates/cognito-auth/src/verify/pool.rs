//! Trusted issuers: a Cognito user pool (with both issuer formats and any replica regions) or
//! an explicit issuer URL, where its keys are, and the rules that apply to its tokens.

use std::sync::Arc;

use super::{AcceptedTokenUse, ConfigError};

/// Where one pool's keys come from.
#[derive(Debug, Clone)]
pub(super) enum KeysFrom {
    /// `<issuer>/.well-known/jwks.json`, per issuer.
    Derived,
    /// One URL for every issuer of the pool.
    Url(String),
    /// A JWKS document; never fetched.
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

/// Which app clients a pool's tokens may come from.
#[derive(Debug, Clone)]
pub(super) enum ClientRule {
    Any,
    Only(Arc<[String]>),
}

impl ClientRule {
    pub(super) fn allows(&self, client: &str) -> bool {
        match self {
            ClientRule::Any => true,
            ClientRule::Only(list) => list.iter().any(|c| c == client),
        }
    }
    pub(super) fn list(&self) -> Option<&[String]> {
        match self {
            ClientRule::Any => None,
            ClientRule::Only(l) => Some(l),
        }
    }
    pub(super) fn only<I, S>(clients: I) -> ClientRule
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClientRule::Only(clients.into_iter().map(Into::into).collect())
    }
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match self {
            ClientRule::Only(l) if l.is_empty() || l.iter().any(String::is_empty) => {
                Err(ConfigError::invalid(
                    "allowed_clients",
                    "the list is empty or holds an empty client id; use any_client() to allow every client",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// One trusted issuer (user pool): where its keys are, and optionally its own `token_use` and
/// client rule (otherwise the verifier's apply).
///
/// A user pool is trusted under both issuer formats Cognito uses,
/// `https://cognito-idp.<region>.amazonaws.com/<pool>` and
/// `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`, in its own region and in every
/// [replica region](PoolConfig::replica_regions) (multi-region replication). Keys are fetched
/// per issuer, lazily: an issuer format or region whose JWKS does not exist costs nothing
/// until a token names it.
///
/// ```
/// use cognito_auth::verify::{PoolConfig, TokenUse};
///
/// // Tokens carry the AWS issuer, keys come from a local emulator:
/// let pool = PoolConfig::user_pool("us-east-1_abc")
///     .jwks_url("http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json");
/// assert_eq!(pool.issuer(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
///
/// // A replicated pool whose ID tokens are accepted for one app client only.
/// let replicated = PoolConfig::user_pool("eu-west-1_AbC")
///     .replica_regions(["eu-central-1"])
///     .token_use(TokenUse::Id)
///     .allowed_clients(["web-app"]);
/// assert_eq!(replicated.issuers().len(), 4);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PoolConfig {
    kind: PoolKind,
    pub(super) keys: KeysFrom,
    replica_regions: Vec<String>,
    issuer_jwks: Vec<(String, String)>,
    pub(super) token_use: Option<AcceptedTokenUse>,
    pub(super) clients: Option<ClientRule>,
}

/// A resolved issuer of a pool and where its keys are.
pub(super) struct IssuerKeys {
    pub issuer: String,
    pub keys: KeysFrom,
}

impl PoolConfig {
    fn new(kind: PoolKind) -> Self {
        PoolConfig {
            kind,
            keys: KeysFrom::Derived,
            replica_regions: Vec::new(),
            issuer_jwks: Vec::new(),
            token_use: None,
            clients: None,
        }
    }

    /// The user pool `pool_id` (`<region>_<suffix>`); the region is the id's prefix unless
    /// [`PoolConfig::region`] says otherwise. The id and regions are checked against
    /// Cognito's formats when the verifier is built.
    pub fn user_pool(pool_id: impl Into<String>) -> Self {
        Self::new(PoolKind::UserPool {
            pool_id: pool_id.into(),
            region: None,
        })
    }
    /// An explicit issuer URL; keys default to `<issuer>/.well-known/jwks.json`.
    pub fn issuer_url(issuer: impl Into<String>) -> Self {
        Self::new(PoolKind::Issuer(issuer.into()))
    }
    /// The region of a user pool, when it differs from the pool id's prefix.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        if let PoolKind::UserPool { region: r, .. } = &mut self.kind {
            *r = Some(region.into());
        }
        self
    }
    /// Regions the pool is replicated to (multi-region replication): tokens issued there,
    /// in either issuer format, are trusted too.
    pub fn replica_regions<I, S>(mut self, regions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.replica_regions = regions.into_iter().map(Into::into).collect();
        self
    }
    /// Fetch every issuer's keys from this URL instead of the URLs derived from the issuers.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.keys = KeysFrom::Url(url.into());
        self
    }
    /// Fetch the keys of one issuer of this pool from `url` (e.g. a replica region reached
    /// through a proxy, or a local emulator in tests).
    pub fn issuer_jwks_url(mut self, issuer: impl Into<String>, url: impl Into<String>) -> Self {
        self.issuer_jwks.push((issuer.into(), url.into()));
        self
    }
    /// Use these keys (a JWKS JSON document) and never fetch.
    pub fn jwks_json(mut self, json: impl Into<String>) -> Self {
        self.keys = KeysFrom::Json(json.into());
        self
    }
    /// The `token_use` accepted from this pool (overrides the verifier's).
    pub fn token_use(mut self, t: impl Into<AcceptedTokenUse>) -> Self {
        self.token_use = Some(t.into());
        self
    }
    /// The app clients allowed from this pool (overrides the verifier's client rule).
    pub fn allowed_clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.clients = Some(ClientRule::only(clients));
        self
    }
    /// Every app client of this pool is allowed (overrides the verifier's client rule).
    pub fn any_client(mut self) -> Self {
        self.clients = Some(ClientRule::Any);
        self
    }

    fn regions(&self) -> Vec<String> {
        match &self.kind {
            PoolKind::Issuer(_) => Vec::new(),
            PoolKind::UserPool { pool_id, region } => {
                let primary = region
                    .clone()
                    .unwrap_or_else(|| pool_id.split_once('_').map_or("", |(r, _)| r).to_owned());
                let mut all = vec![primary];
                for r in &self.replica_regions {
                    if !all.contains(r) {
                        all.push(r.clone());
                    }
                }
                all
            }
        }
    }

    /// The primary issuer tokens carry (`cognito-idp.<region>` format for user pools).
    pub fn issuer(&self) -> String {
        match &self.kind {
            PoolKind::Issuer(i) => i.clone(),
            PoolKind::UserPool { pool_id, .. } => {
                let region = self.regions().swap_remove(0);
                format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
        }
    }

    /// Every issuer trusted for this pool: for a user pool, both formats in its region and
    /// in each replica region; otherwise the one URL.
    pub fn issuers(&self) -> Vec<String> {
        match &self.kind {
            PoolKind::Issuer(i) => vec![i.clone()],
            PoolKind::UserPool { pool_id, .. } => self
                .regions()
                .iter()
                .flat_map(|r| {
                    [
                        format!("https://cognito-idp.{r}.amazonaws.com/{pool_id}"),
                        format!("https://issuer-cognito-idp.{r}.amazonaws.com/{pool_id}"),
                    ]
                })
                .collect(),
        }
    }

    /// The JWKS URL of the primary issuer (`None` for offline keys).
    pub fn effective_jwks_url(&self) -> Option<String> {
        self.jwks_url_for(&self.issuer())
    }

    /// Where `issuer`'s keys are fetched from; `None` for offline keys.
    fn jwks_url_for(&self, issuer: &str) -> Option<String> {
        if let Some((_, url)) = self.issuer_jwks.iter().find(|(i, _)| i == issuer) {
            return Some(url.clone());
        }
        match &self.keys {
            KeysFrom::Json(_) => None,
            KeysFrom::Url(u) => Some(u.clone()),
            KeysFrom::Derived => Some(format!(
                "{}/.well-known/jwks.json",
                issuer.trim_end_matches('/')
            )),
        }
    }

    /// Validates the pool id and regions (before any URL is built from them) and lists the
    /// issuers with their key sources.
    pub(super) fn resolve(
        &self,
        allow_insecure_http: bool,
    ) -> Result<Vec<IssuerKeys>, ConfigError> {
        match &self.kind {
            PoolKind::UserPool { pool_id, region } => {
                crate::ids::check_user_pool_id(pool_id)
                    .map_err(|m| ConfigError::invalid("user_pool_id", m))?;
                for r in region.iter().chain(&self.replica_regions) {
                    crate::ids::check_region(r).map_err(|m| ConfigError::invalid("region", m))?;
                }
            }
            PoolKind::Issuer(i) => {
                crate::transport::check_url(i, allow_insecure_http)
                    .map_err(|m| ConfigError::invalid("issuer", m))?;
            }
        }
        if let Some(c) = &self.clients {
            c.validate()?;
        }
        let issuers = self.issuers();
        for (i, _) in &self.issuer_jwks {
            if !issuers.contains(i) {
                return Err(ConfigError::invalid(
                    "issuer_jwks_url",
                    format!("`{i}` is not an issuer of this pool"),
                ));
            }
        }
        issuers
            .into_iter()
            .map(|issuer| {
                let keys = match self.jwks_url_for(&issuer) {
                    None => self.keys.clone(),
                    Some(u) => {
                        crate::transport::check_url(&u, allow_insecure_http)
                            .map_err(|m| ConfigError::invalid("jwks_url", m))?;
                        KeysFrom::Url(u)
                    }
                };
                Ok(IssuerKeys { issuer, keys })
            })
            .collect()
    }
}
