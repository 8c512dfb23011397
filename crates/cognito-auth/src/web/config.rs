use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::verify::{
    AcceptedTokenUse, ConfigError, PoolConfig, ScopeMatch, Verifier, VerifierBuilder,
};

use super::ActivityConfig;
use super::authenticator::AuthInner;
use super::{
    Authenticator, CustomResponder, ErrorFormat, GuardDefaults, ResponseOptions, TokenLocation,
};

/// Whether requests without bearer credentials are refused.
///
/// Deliberately closed: credentials are required or optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Missing or invalid credentials → 401. The default.
    #[default]
    Required,
    /// No `Authorization` header, or another scheme → the request continues anonymous.
    /// An invalid bearer token is still a 401 unless `fail_on_invalid_bearer` is off.
    Permissive,
}

/// How the application's user is found for a principal (the code supplies the lookup).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "strategy")]
#[non_exhaustive]
pub enum UserMappingConfig {
    /// No mapping.
    #[default]
    None,
    /// A [`ProxyUser`](super::ProxyUser) named after the client id, no database row.
    Proxy,
    /// Look up by client id.
    ClientId,
    /// Look up by the string value of a claim.
    Claim {
        /// The claim name, e.g. `custom:user_id`.
        claim: String,
    },
}

/// The web-integration settings: a builder, or deserialised from TOML or JSON, or read from
/// `COGNITO_*` variables ([`AuthConfig::from_env`]).
///
/// ```
/// use cognito_auth::web::{AuthConfig, AuthMode};
///
/// let cfg: AuthConfig = serde_json::from_str(r#"{
///     "user_pool_id": "eu-west-1_AbC123",
///     "token_use": "access",
///     "allowed_clients": ["reporting-worker"],
///     "mode": "permissive",
///     "fail_on_invalid_bearer": false,
///     "default_scope_match": "any",
///     "error_format": "json"
/// }"#).unwrap();
/// assert_eq!(cfg.mode, AuthMode::Permissive);
/// let auth = cfg.authenticator().unwrap();
/// # let _ = auth;
/// ```
#[derive(Clone, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// AWS region (default: the prefix of the pool id).
    pub region: Option<String>,
    /// User pool id.
    pub user_pool_id: Option<String>,
    /// Explicit issuer, instead of region + pool.
    pub issuer: Option<String>,
    /// JWKS URL override (local emulators).
    pub jwks_url: Option<String>,
    /// `access`, `id` or `any`: required.
    pub token_use: Option<AcceptedTokenUse>,
    /// Allowed app clients. Enforced for every request and by every guard. Either this or
    /// `any_client = true` is required.
    pub allowed_clients: Option<Vec<String>>,
    /// Accept every app client of the pool (the explicit alternative to `allowed_clients`).
    pub any_client: bool,
    /// Accepted `aud` of access tokens that carry one.
    pub audience: Option<Vec<String>>,
    /// Header carrying the token (default `Authorization`).
    pub header_name: String,
    /// Scheme before the token, matched case-insensitively (default `Bearer`).
    pub header_prefix: String,
    /// `realm` for `WWW-Authenticate`.
    pub realm: Option<String>,
    /// Required (default) or permissive.
    pub mode: AuthMode,
    /// In permissive mode, whether an invalid bearer token is a 401 (default true) or the
    /// request continues anonymous.
    pub fail_on_invalid_bearer: bool,
    /// Scope match guards use unless they choose one (default `all`).
    pub default_scope_match: ScopeMatch,
    /// Error bodies: `json` (`{"detail": …}`, default) or `text`.
    pub error_format: ErrorFormat,
    /// Clock leeway in seconds (default 5).
    pub leeway_seconds: u64,
    /// User mapping strategy.
    pub user_mapping: UserMappingConfig,
    /// Client activity tracking.
    pub activity: ActivityConfig,
    /// Where the token is read from: `header` (default), `cookie:<name>`,
    /// `header_or_cookie:<name>` or `query:<name>` (see [`TokenLocation`] for the
    /// trade-offs); custom extractors from code.
    pub token_location: TokenLocation,
    /// Offline keys: a JWKS document (JSON text); nothing is fetched.
    pub jwks_json: Option<String>,
    /// Offline keys from a JWKS file, read when the verifier is built.
    pub jwks_file: Option<std::path::PathBuf>,
    /// Regions the user pool is replicated to (tokens issued there are trusted too).
    pub replica_regions: Vec<String>,
    /// A custom error renderer (code only).
    #[serde(skip)]
    pub custom_responder: Option<CustomResponder>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            region: None,
            user_pool_id: None,
            issuer: None,
            jwks_url: None,
            token_use: None,
            allowed_clients: None,
            any_client: false,
            audience: None,
            header_name: "Authorization".into(),
            header_prefix: "Bearer".into(),
            realm: None,
            mode: AuthMode::Required,
            fail_on_invalid_bearer: true,
            default_scope_match: ScopeMatch::All,
            error_format: ErrorFormat::Json,
            leeway_seconds: 5,
            user_mapping: UserMappingConfig::None,
            activity: ActivityConfig::default(),
            token_location: TokenLocation::Header,
            jwks_json: None,
            jwks_file: None,
            replica_regions: Vec::new(),
            custom_responder: None,
        }
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("user_pool_id", &self.user_pool_id)
            .field("issuer", &self.issuer)
            .field("token_use", &self.token_use)
            .field("allowed_clients", &self.allowed_clients)
            .field("mode", &self.mode)
            .field("fail_on_invalid_bearer", &self.fail_on_invalid_bearer)
            .finish_non_exhaustive()
    }
}

macro_rules! setters {
    ($( $(#[$m:meta])* $name:ident : $ty:ty => $field:ident = $conv:expr; )*) => {
        $(
            $(#[$m])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.$field = $conv(value);
                self
            }
        )*
    };
}

impl AuthConfig {
    /// The former name of [`AuthConfig::user_pool`].
    #[deprecated(
        since = "0.1.0",
        note = "use `user_pool`, the name every builder of this crate uses"
    )]
    pub fn user_pool_id(self, pool_id: impl Into<String>) -> Self {
        self.user_pool(pool_id)
    }

    /// Builder-style construction, starting from the defaults.
    ///
    /// ```
    /// use cognito_auth::verify::TokenUse;
    /// use cognito_auth::web::{AuthConfig, AuthMode, ErrorFormat};
    ///
    /// let auth = AuthConfig::builder()
    ///     .user_pool("eu-west-1_AbC123")
    ///     .token_use(TokenUse::Access)
    ///     .allowed_clients(["reporting-worker"])
    ///     .mode(AuthMode::Permissive)
    ///     .error_format(ErrorFormat::Text)
    ///     .authenticator()
    ///     .unwrap();
    /// # let _ = auth;
    /// ```
    pub fn builder() -> Self {
        AuthConfig::default()
    }

    /// Only these app clients (enforced for every request and by every guard).
    pub fn allowed_clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_clients = Some(clients.into_iter().map(Into::into).collect());
        self.any_client = false;
        self
    }

    /// Accept every app client of the pool (an explicit choice; see
    /// [`crate::verify::VerifierBuilder::any_client`]).
    pub fn any_client(mut self) -> Self {
        self.allowed_clients = None;
        self.any_client = true;
        self
    }

    /// Accepted `aud` values of access tokens that carry one.
    pub fn audience<I, S>(mut self, aud: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = Some(aud.into_iter().map(Into::into).collect());
        self
    }

    setters! {
        /// AWS region (default: the prefix of the pool id).
        region: impl Into<String> => region = |v: _| Some(Into::into(v));
        /// Trust the Cognito user pool `pool_id` (`<region>_<suffix>`), as
        /// [`VerifierBuilder::user_pool`](crate::verify::VerifierBuilder::user_pool).
        user_pool: impl Into<String> => user_pool_id = |v: _| Some(Into::into(v));
        /// Explicit issuer instead of region + pool.
        issuer: impl Into<String> => issuer = |v: _| Some(Into::into(v));
        /// JWKS URL override.
        jwks_url: impl Into<String> => jwks_url = |v: _| Some(Into::into(v));
        /// Which tokens to accept (required): `TokenUse::Access` / `TokenUse::Id`, or
        /// `AcceptedTokenUse::Any`, as [`VerifierBuilder::token_use`](crate::verify::VerifierBuilder::token_use).
        token_use: impl Into<AcceptedTokenUse> => token_use = |v: _| Some(Into::into(v));
        /// Header carrying the token.
        header_name: impl Into<String> => header_name = Into::into;
        /// Scheme before the token.
        header_prefix: impl Into<String> => header_prefix = Into::into;
        /// `realm` for `WWW-Authenticate`.
        realm: impl Into<String> => realm = |v: _| Some(Into::into(v));
        /// Required or permissive.
        mode: AuthMode => mode = std::convert::identity;
        /// In permissive mode, whether an invalid bearer token is a 401.
        fail_on_invalid_bearer: bool => fail_on_invalid_bearer = std::convert::identity;
        /// Scope match guards use by default.
        default_scope_match: ScopeMatch => default_scope_match = std::convert::identity;
        /// JSON or text error bodies.
        error_format: ErrorFormat => error_format = std::convert::identity;
        /// Clock leeway in seconds.
        leeway_seconds: u64 => leeway_seconds = std::convert::identity;
        /// User mapping strategy.
        user_mapping: UserMappingConfig => user_mapping = std::convert::identity;
        /// Activity tracking settings.
        activity: ActivityConfig => activity = std::convert::identity;
        /// A custom error renderer.
        custom_responder: CustomResponder => custom_responder = Some;
        /// Where the token is read from.
        token_location: TokenLocation => token_location = std::convert::identity;
        /// Offline keys (a JWKS document).
        jwks_json: impl Into<String> => jwks_json = |v: _| Some(Into::into(v));
        /// Offline keys from a JWKS file.
        jwks_file: impl Into<std::path::PathBuf> => jwks_file = |v: _| Some(Into::into(v));
    }

    /// Reads `COGNITO_*` variables: the verifier's (see
    /// [`crate::verify::VerifierBuilder::from_env_with`]) plus `COGNITO_AUTH_HEADER`,
    /// `COGNITO_AUTH_SCHEME`, `COGNITO_AUTH_MODE` (`required`/`permissive`),
    /// `COGNITO_FAIL_ON_INVALID_BEARER` (`true`/`false`), `COGNITO_ERROR_FORMAT`
    /// (`json`/`text`), `COGNITO_ACTIVITY_DATABASE_URL` (enables tracking),
    /// `COGNITO_TOKEN_LOCATION` (`header`, `cookie:<name>`, `header_or_cookie:<name>`,
    /// `query:<name>`), `COGNITO_REPLICA_REGIONS`, `COGNITO_JWKS_FILE` (offline keys).
    /// `COGNITO_CLIENT_IDS` is a list of app clients or `*` for any (one of the two is
    /// required).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Like [`AuthConfig::from_env`], reading variables through `get`.
    pub fn from_env_with<F: Fn(&str) -> Option<String>>(get: F) -> Result<Self, ConfigError> {
        let val = |k: &str| crate::env::value(&get, k);
        let list = |k: &str| crate::env::list(&get, k);
        let mut c = AuthConfig {
            region: val("COGNITO_REGION"),
            user_pool_id: val("COGNITO_USER_POOL_ID"),
            issuer: val("COGNITO_ISSUER"),
            jwks_url: val("COGNITO_JWKS_URL"),
            audience: list("COGNITO_AUDIENCE"),
            ..AuthConfig::default()
        };
        if let Some(clients) = list("COGNITO_CLIENT_IDS") {
            if clients.iter().any(|c| c == "*") {
                if clients.len() != 1 {
                    return Err(ConfigError::invalid(
                        "COGNITO_CLIENT_IDS",
                        "`*` (any client) cannot be combined with client ids",
                    ));
                }
                c.any_client = true;
            } else {
                c.allowed_clients = Some(clients);
            }
        }
        if let Some(v) = val("COGNITO_TOKEN_USE") {
            c.token_use = Some(
                v.parse()
                    .map_err(|e: String| ConfigError::invalid("COGNITO_TOKEN_USE", e))?,
            );
        }
        if let Some(v) = val("COGNITO_SCOPE_MATCH") {
            c.default_scope_match = v
                .parse()
                .map_err(|e: String| ConfigError::invalid("COGNITO_SCOPE_MATCH", e))?;
        }
        if let Some(v) = val("COGNITO_AUTH_HEADER") {
            c.header_name = v;
        }
        if let Some(v) = val("COGNITO_AUTH_SCHEME") {
            c.header_prefix = v;
        }
        if let Some(v) = val("COGNITO_AUTH_MODE") {
            c.mode = match v.to_ascii_lowercase().as_str() {
                "required" => AuthMode::Required,
                "permissive" => AuthMode::Permissive,
                _ => {
                    return Err(ConfigError::invalid(
                        "COGNITO_AUTH_MODE",
                        "required or permissive",
                    ));
                }
            };
        }
        if let Some(v) = val("COGNITO_FAIL_ON_INVALID_BEARER") {
            c.fail_on_invalid_bearer = match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(ConfigError::invalid(
                        "COGNITO_FAIL_ON_INVALID_BEARER",
                        "true or false",
                    ));
                }
            };
        }
        if let Some(v) = val("COGNITO_ERROR_FORMAT") {
            c.error_format = match v.to_ascii_lowercase().as_str() {
                "json" => ErrorFormat::Json,
                "text" => ErrorFormat::Text,
                _ => return Err(ConfigError::invalid("COGNITO_ERROR_FORMAT", "json or text")),
            };
        }
        if let Some(v) = val("COGNITO_LEEWAY_SECONDS") {
            c.leeway_seconds = v
                .parse()
                .map_err(|_| ConfigError::invalid("COGNITO_LEEWAY_SECONDS", "whole seconds"))?;
        }
        if let Some(v) = val("COGNITO_ACTIVITY_DATABASE_URL") {
            c.activity.enabled = true;
            c.activity.database_url = v;
        }
        if let Some(v) = val("COGNITO_TOKEN_LOCATION") {
            c.token_location = v
                .parse()
                .map_err(|e: String| ConfigError::invalid("COGNITO_TOKEN_LOCATION", e))?;
        }
        if let Some(v) = list("COGNITO_REPLICA_REGIONS") {
            c.replica_regions = v;
        }
        c.jwks_file = val("COGNITO_JWKS_FILE").map(Into::into);
        Ok(c)
    }

    /// The verifier these settings describe.
    pub fn verifier(&self) -> Result<Verifier, ConfigError> {
        self.verifier_builder()?.build()
    }

    /// A builder holding the verifier settings of these (pool, keys, token use, clients,
    /// audience, leeway), for adding what a configuration file does not describe (required
    /// scopes or groups, custom checks) before [`VerifierBuilder::build`].
    ///
    /// ```
    /// use cognito_auth::verify::TokenUse;
    /// use cognito_auth::web::AuthConfig;
    ///
    /// let verifier = AuthConfig::builder()
    ///     .user_pool("eu-west-1_AbC123")
    ///     .token_use(TokenUse::Access)
    ///     .any_client()
    ///     .verifier_builder()
    ///     .unwrap()
    ///     .required_scopes(["orders/read"])
    ///     .build()
    ///     .unwrap();
    /// # let _ = verifier;
    /// ```
    pub fn verifier_builder(&self) -> Result<VerifierBuilder, ConfigError> {
        let mut pool = match (&self.issuer, &self.user_pool_id) {
            (Some(iss), _) => PoolConfig::issuer_url(iss.clone()),
            (None, Some(pool)) => {
                let p = PoolConfig::user_pool(pool.clone())
                    .replica_regions(self.replica_regions.clone());
                match &self.region {
                    Some(r) => p.region(r.clone()),
                    None => p,
                }
            }
            (None, None) => return Err(ConfigError::NoPool),
        };
        if let Some(j) = &self.jwks_url {
            pool = pool.jwks_url(j.clone());
        }
        match (&self.jwks_json, &self.jwks_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::invalid(
                    "jwks_file",
                    "set jwks_json or jwks_file, not both",
                ));
            }
            (Some(json), None) => pool = pool.jwks_json(json.clone()),
            (None, Some(path)) => {
                use std::io::Read;
                const MAX: u64 = 1024 * 1024;
                let cannot = |e: std::io::Error| {
                    ConfigError::invalid(
                        "jwks_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                };
                let mut json = String::new();
                std::fs::File::open(path)
                    .map_err(cannot)?
                    .take(MAX + 1)
                    .read_to_string(&mut json)
                    .map_err(cannot)?;
                if json.len() as u64 > MAX {
                    return Err(ConfigError::invalid("jwks_file", "larger than 1 MiB"));
                }
                pool = pool.jwks_json(json);
            }
            (None, None) => {}
        }
        let mut b = Verifier::builder()
            .pool(pool)
            .leeway(Duration::from_secs(self.leeway_seconds));
        if let Some(t) = self.token_use {
            b = b.token_use(t);
        }
        if let Some(c) = &self.allowed_clients {
            b = b.allowed_clients(c.iter().cloned());
        } else if self.any_client {
            b = b.any_client();
        }
        if let Some(a) = &self.audience {
            b = b.access_token_audience(a.iter().cloned());
        }
        Ok(b)
    }

    /// The settings of these that configure a verifier, by name, when set: with
    /// [`AuthConfig::authenticator_with`] they would be ignored, so they are refused.
    fn verifier_settings(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        let defaults = AuthConfig::default();
        for (name, on) in [
            ("region", self.region.is_some()),
            ("user_pool_id", self.user_pool_id.is_some()),
            ("issuer", self.issuer.is_some()),
            ("jwks_url", self.jwks_url.is_some()),
            ("jwks_json", self.jwks_json.is_some()),
            ("jwks_file", self.jwks_file.is_some()),
            ("replica_regions", !self.replica_regions.is_empty()),
            ("token_use", self.token_use.is_some()),
            ("audience", self.audience.is_some()),
            (
                "leeway_seconds",
                self.leeway_seconds != defaults.leeway_seconds,
            ),
        ] {
            if on {
                set.push(name);
            }
        }
        set
    }

    /// An [`Authenticator`] with a verifier built from these settings.
    pub fn authenticator(&self) -> Result<Authenticator, ConfigError> {
        self.web_authenticator(self.verifier()?)
    }

    /// An [`Authenticator`] around an existing `verifier`: these settings supply the web
    /// part (header, mode, errors, default client allowlist for guards, token location). The
    /// verifier's own settings (pools, keys, token use, client rule, leeway) come from the
    /// verifier alone: setting them here too is an error, never silently ignored.
    pub fn authenticator_with(&self, verifier: Verifier) -> Result<Authenticator, ConfigError> {
        let conflicting = self.verifier_settings();
        if !conflicting.is_empty() {
            return Err(ConfigError::invalid(
                conflicting.join(", "),
                "these configure the verifier, which is given: set them on the verifier, or build it from these settings with authenticator()",
            ));
        }
        self.web_authenticator(verifier)
    }

    /// An [`Authenticator`] whose verifier is built from these settings after `customize`
    /// adds what settings files do not hold (an HTTP client, required scopes or groups, a
    /// custom check); the rest of the settings supply the web part, as
    /// [`AuthConfig::authenticator`] does.
    ///
    /// ```
    /// use cognito_auth::HttpConfig;
    /// use cognito_auth::verify::TokenUse;
    /// use cognito_auth::web::AuthConfig;
    /// use std::time::Duration;
    ///
    /// let auth = AuthConfig::builder()
    ///     .user_pool("eu-west-1_AbC123")
    ///     .token_use(TokenUse::Access)
    ///     .any_client()
    ///     .authenticator_with_builder(|b| {
    ///         b.http_config(HttpConfig::default().timeout(Duration::from_secs(3)))
    ///     })
    ///     .unwrap();
    /// # let _ = auth;
    /// ```
    pub fn authenticator_with_builder<F>(&self, customize: F) -> Result<Authenticator, ConfigError>
    where
        F: FnOnce(VerifierBuilder) -> VerifierBuilder,
    {
        self.web_authenticator(customize(self.verifier_builder()?).build()?)
    }

    pub(super) fn web_authenticator(
        &self,
        verifier: Verifier,
    ) -> Result<Authenticator, ConfigError> {
        let header = http::HeaderName::from_bytes(self.header_name.as_bytes()).map_err(|_| {
            ConfigError::invalid(
                "header_name",
                format!("`{}` is not an HTTP header name", self.header_name),
            )
        })?;
        Ok(self.authenticator_parts(verifier, header))
    }

    /// The authenticator, with the header name already parsed.
    pub(super) fn authenticator_parts(
        &self,
        verifier: Verifier,
        header: http::HeaderName,
    ) -> Authenticator {
        Authenticator {
            inner: Arc::new(AuthInner {
                verifier,
                header,
                header_name: self.header_name.to_ascii_lowercase(),
                scheme: self.header_prefix.clone(),
                mode: self.mode,
                fail_on_invalid_bearer: self.fail_on_invalid_bearer,
                allowed_clients: self.allowed_clients.clone(),
                defaults: Arc::new(GuardDefaults {
                    allowed_clients: self.allowed_clients.clone(),
                    scope_match: self.default_scope_match,
                }),
                responses: ResponseOptions {
                    format: self.error_format,
                    scheme: self.header_prefix.clone(),
                    realm: self.realm.clone(),
                    custom: self.custom_responder.clone(),
                },
                activity: None,
                location: self.token_location.clone(),
            }),
        }
    }
}
