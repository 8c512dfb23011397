//! Identity pools: AWS credentials from Cognito tokens. Feature `identity`;
//! `aws-credentials` adds a `ProvideCredentials` implementation for aws-sdk-rust.
//!
//! - [`IdentityPoolClient`]: `GetId` + `GetCredentialsForIdentity` (unsigned JSON calls) with
//!   the `Logins` map `cognito-idp.<region>.amazonaws.com/<pool>` → ID token, unauthenticated
//!   identities, and `CustomRoleArn` chosen from the ID token's `cognito:roles` by suffix.
//! - [`CognitoCredentials`]: two-layer freshness — [`CognitoCredentials::ensure_credentials`]
//!   refreshes the user-pool tokens (refresh token) when the ID token is near expiry, then
//!   the AWS credentials when they are; concurrent callers share one refresh.
//!
//! ```no_run
//! use cognito_auth::identity::{IdentityPoolClient, RoleChoice};
//! use cognito_auth::secret::IdToken;
//!
//! # async fn run(id_token: IdToken) -> Result<(), Box<dyn std::error::Error>> {
//! let pool = IdentityPoolClient::builder()
//!     .identity_pool_id("eu-west-1:11111111-2222-3333-4444-555555555555")
//!     .user_pool("eu-west-1_AbCdEf123")
//!     .build()?;
//! let creds = pool.credentials_for_id_token(&id_token, &RoleChoice::Suffix("/analyst".into())).await?;
//! println!("{} valid until {:?}", creds.access_key_id, creds.expiration);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwapOption;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::aws_json::{AwsJson, CallError};
use crate::secret::{AccessToken, AwsSecret, IdToken, RefreshToken};
use crate::transport::{HttpConfig, TransportError};

/// Why identity-pool credentials could not be obtained.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Cognito Identity answered with an error (`NotAuthorizedException`, …).
    #[error("Cognito Identity refused {operation}: {type_name} ({message})")]
    Cognito {
        /// The operation.
        operation: &'static str,
        /// `__type` without namespace.
        type_name: String,
        /// The message.
        message: String,
        /// HTTP status.
        status: u16,
    },
    /// The request did not complete.
    #[error("{operation} failed: {source}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// Why.
        source: TransportError,
    },
    /// A 2xx answer that does not match the API.
    #[error("unexpected response to {operation}: {message}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// No role in `cognito:roles` ends with the suffix.
    #[error("no role ends with `{suffix}`; the token allows: {}", candidates.join(", "))]
    RoleNotFound {
        /// The suffix asked for.
        suffix: String,
        /// The roles the token carries.
        candidates: Vec<String>,
    },
    /// Several roles end with the suffix.
    #[error("several roles end with `{suffix}`: {}", candidates.join(", "))]
    AmbiguousRole {
        /// The suffix asked for.
        suffix: String,
        /// The matching roles.
        candidates: Vec<String>,
    },
    /// The ID token cannot be read (for `cognito:roles`).
    #[error("ID token unreadable: {0}")]
    Token(String),
    /// Refreshing the user-pool tokens failed.
    #[error("refreshing the user-pool tokens failed: {0}")]
    Refresh(String),
    /// Misconfiguration.
    #[error("invalid identity-pool configuration: {0}")]
    Config(String),
}

impl IdentityError {
    fn from_call(operation: &'static str, e: CallError) -> Self {
        match e {
            CallError::Service {
                status,
                type_name,
                message,
            } => IdentityError::Cognito {
                operation,
                type_name,
                message,
                status,
            },
            CallError::Unparsable { status } => IdentityError::Cognito {
                operation,
                type_name: format!("HTTP {status}"),
                message: "body is not JSON".into(),
                status,
            },
            CallError::Transport(source) => IdentityError::Transport { operation, source },
            CallError::Shape(message) => IdentityError::InvalidResponse { operation, message },
        }
    }
}

/// Temporary AWS credentials. `Debug` shows the key id only.
#[derive(Clone)]
pub struct AwsCredentials {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretKey`.
    pub secret_access_key: AwsSecret,
    /// `SessionToken`.
    pub session_token: AwsSecret,
    /// `Expiration`.
    pub expiration: SystemTime,
    /// The Cognito identity id.
    pub identity_id: String,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiration", &crate::timefmt::rfc3339(self.expiration))
            .field("identity_id", &self.identity_id)
            .finish()
    }
}

impl AwsCredentials {
    /// Whether they expire within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        SystemTime::now()
            .checked_add(margin)
            .is_none_or(|t| t >= self.expiration)
    }

    /// The AWS CLI `credential_process` output (`Version: 1`, RFC 3339 `Expiration`).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use cognito_auth::identity::AwsCredentials;
    /// use cognito_auth::secret::AwsSecret;
    ///
    /// let c = AwsCredentials {
    ///     access_key_id: "ASIAEXAMPLE".into(),
    ///     secret_access_key: AwsSecret::new("secret"),
    ///     session_token: AwsSecret::new("token"),
    ///     expiration: UNIX_EPOCH + Duration::from_secs(1_795_369_149),
    ///     identity_id: "eu-west-1:abc".into(),
    /// };
    /// let v: serde_json::Value = serde_json::from_str(&c.credential_process_json()).unwrap();
    /// assert_eq!(v["Version"], 1);
    /// assert_eq!(v["Expiration"], "2026-11-22T17:39:09Z");
    /// ```
    pub fn credential_process_json(&self) -> String {
        json!({
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key.expose(),
            "SessionToken": self.session_token.expose(),
            "Expiration": crate::timefmt::rfc3339(self.expiration),
        })
        .to_string()
    }
}

/// Which role to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RoleChoice {
    /// The identity pool's default (or rule-based) role.
    #[default]
    Default,
    /// This role ARN.
    Arn(String),
    /// The one role in the ID token's `cognito:roles` ending with this suffix.
    Suffix(String),
}

/// The role of `id_token`'s `cognito:roles` ending with `suffix`: exactly one, or a typed
/// error naming the candidates. (The token is read, not verified: Cognito Identity verifies it.)
pub fn select_role(id_token: &str, suffix: &str) -> Result<String, IdentityError> {
    let claims = crate::unverified::decode_unverified(id_token)
        .map_err(|e| IdentityError::Token(e.message().to_owned()))?;
    let roles: Vec<String> = claims
        .payload
        .get("cognito:roles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let matching: Vec<String> = roles
        .iter()
        .filter(|r| r.ends_with(suffix))
        .cloned()
        .collect();
    match matching.len() {
        1 => Ok(matching.into_iter().next().unwrap_or_default()),
        0 => Err(IdentityError::RoleNotFound {
            suffix: suffix.to_owned(),
            candidates: roles,
        }),
        _ => Err(IdentityError::AmbiguousRole {
            suffix: suffix.to_owned(),
            candidates: matching,
        }),
    }
}

/// Builder for [`IdentityPoolClient`].
#[derive(Clone, Debug, Default)]
pub struct IdentityPoolClientBuilder {
    identity_pool_id: Option<String>,
    region: Option<String>,
    user_pool_id: Option<String>,
    account_id: Option<String>,
    endpoint: Option<String>,
    http: HttpConfig,
}

impl IdentityPoolClientBuilder {
    /// `<region>:<uuid>`.
    pub fn identity_pool_id(mut self, id: impl Into<String>) -> Self {
        self.identity_pool_id = Some(id.into());
        self
    }
    /// Region (default: the identity pool id's prefix).
    pub fn region(mut self, r: impl Into<String>) -> Self {
        self.region = Some(r.into());
        self
    }
    /// The user pool whose ID tokens are exchanged (the `Logins` key).
    pub fn user_pool(mut self, pool_id: impl Into<String>) -> Self {
        self.user_pool_id = Some(pool_id.into());
        self
    }
    /// AWS account id, for `GetId` (optional).
    pub fn account_id(mut self, id: impl Into<String>) -> Self {
        self.account_id = Some(id.into());
        self
    }
    /// Another endpoint than `https://cognito-identity.<region>.amazonaws.com/`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// Timeouts and the response-size cap.
    pub fn http_config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<IdentityPoolClient, IdentityError> {
        let pool = self.identity_pool_id.ok_or_else(|| {
            IdentityError::Config("identity pool id `<region>:<uuid>` is required".into())
        })?;
        let prefix = crate::ids::check_identity_pool_id(&pool).map_err(IdentityError::Config)?;
        let region = match self.region {
            Some(r) => {
                crate::ids::check_region(&r).map_err(IdentityError::Config)?;
                r
            }
            None => prefix.to_owned(),
        };
        let endpoint = self
            .endpoint
            .unwrap_or_else(|| format!("https://cognito-identity.{region}.amazonaws.com/"));
        crate::transport::check_url(&endpoint, self.http.get_allow_insecure_http())
            .map_err(|m| IdentityError::Config(format!("endpoint: {m}")))?;
        let provider = match self.user_pool_id {
            Some(p) => {
                let pool_region =
                    crate::ids::check_user_pool_id(&p).map_err(IdentityError::Config)?;
                Some(format!("cognito-idp.{pool_region}.amazonaws.com/{p}"))
            }
            None => None,
        };
        Ok(IdentityPoolClient {
            inner: Arc::new(IdInner {
                json: AwsJson::new(endpoint, "AWSCognitoIdentityService", self.http)
                    .map_err(|e| IdentityError::Config(e.to_string()))?,
                pool,
                provider,
                account_id: self.account_id,
            }),
        })
    }
}

struct IdInner {
    json: AwsJson,
    pool: String,
    provider: Option<String>,
    account_id: Option<String>,
}

/// A Cognito identity pool. `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct IdentityPoolClient {
    inner: Arc<IdInner>,
}

impl fmt::Debug for IdentityPoolClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityPoolClient")
            .field("identity_pool_id", &self.inner.pool)
            .field("provider", &self.inner.provider)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredsWire {
    identity_id: Option<String>,
    credentials: Option<CredsInner>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredsInner {
    access_key_id: String,
    secret_key: String,
    session_token: String,
    expiration: Value,
}

fn expiration(v: &Value) -> Option<SystemTime> {
    match v {
        // The JSON protocol sends epoch seconds (possibly fractional).
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| UNIX_EPOCH + Duration::from_secs_f64(f)),
        Value::String(s) => crate::timefmt::parse_rfc3339(s),
        _ => None,
    }
}

impl IdentityPoolClient {
    /// A builder.
    pub fn builder() -> IdentityPoolClientBuilder {
        IdentityPoolClientBuilder::default()
    }

    /// The `Logins` map for an ID token of the configured user pool.
    pub fn logins(&self, id_token: &IdToken) -> Result<BTreeMap<String, String>, IdentityError> {
        let provider =
            self.inner.provider.clone().ok_or_else(|| {
                IdentityError::Config("no user pool configured for Logins".into())
            })?;
        Ok(BTreeMap::from([(provider, id_token.expose().to_owned())]))
    }

    /// `GetId`: the identity id for these logins (empty: an unauthenticated identity).
    pub async fn get_id(&self, logins: &BTreeMap<String, String>) -> Result<String, IdentityError> {
        let mut body = json!({ "IdentityPoolId": self.inner.pool });
        if !logins.is_empty() {
            body["Logins"] = json!(logins);
        }
        if let Some(a) = &self.inner.account_id {
            body["AccountId"] = Value::String(a.clone());
        }
        let v: Value = self
            .inner
            .json
            .call("GetId", &body)
            .await
            .map_err(|e| IdentityError::from_call("GetId", e))?;
        v.get("IdentityId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| IdentityError::InvalidResponse {
                operation: "GetId",
                message: "no IdentityId".into(),
            })
    }

    /// `GetCredentialsForIdentity`.
    pub async fn credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        custom_role_arn: Option<&str>,
    ) -> Result<AwsCredentials, IdentityError> {
        let mut body = json!({ "IdentityId": identity_id });
        if !logins.is_empty() {
            body["Logins"] = json!(logins);
        }
        if let Some(r) = custom_role_arn {
            body["CustomRoleArn"] = Value::String(r.to_owned());
        }
        let w: CredsWire = self
            .inner
            .json
            .call("GetCredentialsForIdentity", &body)
            .await
            .map_err(|e| IdentityError::from_call("GetCredentialsForIdentity", e))?;
        let bad = |m: &str| IdentityError::InvalidResponse {
            operation: "GetCredentialsForIdentity",
            message: m.to_owned(),
        };
        let c = w.credentials.ok_or_else(|| bad("no Credentials"))?;
        Ok(AwsCredentials {
            access_key_id: c.access_key_id,
            secret_access_key: AwsSecret::new(c.secret_key),
            session_token: AwsSecret::new(c.session_token),
            expiration: expiration(&c.expiration).ok_or_else(|| bad("Expiration unreadable"))?,
            identity_id: w.identity_id.unwrap_or_else(|| identity_id.to_owned()),
        })
    }

    /// Credentials for a signed-in user: `GetId` + `GetCredentialsForIdentity` with the ID
    /// token in `Logins`, for the chosen role.
    pub async fn credentials_for_id_token(
        &self,
        id_token: &IdToken,
        role: &RoleChoice,
    ) -> Result<AwsCredentials, IdentityError> {
        let role_arn = match role {
            RoleChoice::Default => None,
            RoleChoice::Arn(a) => Some(a.clone()),
            RoleChoice::Suffix(s) => Some(select_role(id_token.expose(), s)?),
        };
        let logins = self.logins(id_token)?;
        let id = self.get_id(&logins).await?;
        self.credentials_for_identity(&id, &logins, role_arn.as_deref())
            .await
    }

    /// Credentials for a guest (the pool must allow unauthenticated identities).
    pub async fn unauthenticated_credentials(&self) -> Result<AwsCredentials, IdentityError> {
        let none = BTreeMap::new();
        let id = self.get_id(&none).await?;
        self.credentials_for_identity(&id, &none, None).await
    }
}

/// User-pool tokens that [`CognitoCredentials`] keeps fresh.
#[derive(Clone)]
pub struct UserTokens {
    /// The internal user name, when known (needed for `SECRET_HASH` on refresh).
    pub username: Option<String>,
    /// The access token.
    pub access_token: Option<AccessToken>,
    /// The ID token (exchanged for AWS credentials).
    pub id_token: IdToken,
    /// The refresh token.
    pub refresh_token: Option<RefreshToken>,
    /// ID-token expiry, seconds since the Unix epoch.
    pub expires_at: u64,
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("username", &self.username)
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Refreshes user-pool tokens (implemented for the SRP client and the hosted-UI client).
pub trait TokenRefresher: Send + Sync + 'static {
    /// New tokens from `tokens.refresh_token`; keep the refresh token if none is returned.
    fn refresh<'a>(
        &'a self,
        tokens: &'a UserTokens,
    ) -> BoxFuture<'a, Result<UserTokens, IdentityError>>;
}

#[cfg(feature = "user")]
impl TokenRefresher for crate::user::UserPoolClient {
    fn refresh<'a>(
        &'a self,
        t: &'a UserTokens,
    ) -> BoxFuture<'a, Result<UserTokens, IdentityError>> {
        Box::pin(async move {
            let session = crate::user::Session::from_tokens(
                t.username.clone().unwrap_or_default(),
                t.access_token
                    .clone()
                    .unwrap_or_else(|| AccessToken::new("")),
                Some(t.id_token.clone()),
                t.refresh_token.clone(),
                t.expires_at,
            );
            let s = crate::user::UserPoolClient::refresh(self, &session)
                .await
                .map_err(|e| IdentityError::Refresh(e.to_string()))?;
            Ok(UserTokens {
                username: Some(s.username),
                access_token: Some(s.access_token),
                id_token: s
                    .id_token
                    .ok_or_else(|| IdentityError::Refresh("no ID token".into()))?,
                refresh_token: s.refresh_token,
                expires_at: s.expires_at,
            })
        })
    }
}

#[cfg(feature = "hosted-ui")]
impl TokenRefresher for crate::hosted_ui::HostedUiClient {
    fn refresh<'a>(
        &'a self,
        t: &'a UserTokens,
    ) -> BoxFuture<'a, Result<UserTokens, IdentityError>> {
        Box::pin(async move {
            let rt = t
                .refresh_token
                .clone()
                .ok_or_else(|| IdentityError::Refresh("no refresh token".into()))?;
            let n = crate::hosted_ui::HostedUiClient::refresh(self, &rt)
                .await
                .map_err(|e| IdentityError::Refresh(e.to_string()))?;
            Ok(UserTokens {
                username: t.username.clone(),
                access_token: Some(n.access_token),
                id_token: n
                    .id_token
                    .ok_or_else(|| IdentityError::Refresh("no ID token".into()))?,
                refresh_token: n.refresh_token,
                expires_at: n.expires_at,
            })
        })
    }
}

struct Mgr {
    identity: IdentityPoolClient,
    refresher: Option<Arc<dyn TokenRefresher>>,
    role: RoleChoice,
    margin: Duration,
    tokens: std::sync::Mutex<UserTokens>,
    creds: ArcSwapOption<AwsCredentials>,
    refresh_lock: tokio::sync::Mutex<()>,
}

/// AWS credentials for a signed-in user, kept fresh on two layers (user-pool tokens, then
/// AWS credentials). Cheap to clone; concurrent callers share one refresh.
///
/// With feature `aws-credentials` it implements
/// `aws_credential_types::provider::ProvideCredentials`, so any aws-sdk-rust client refreshes
/// through it on its own.
#[derive(Clone)]
pub struct CognitoCredentials {
    inner: Arc<Mgr>,
}

impl fmt::Debug for CognitoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoCredentials")
            .field("identity", &self.inner.identity)
            .field("role", &self.inner.role)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl CognitoCredentials {
    /// Credentials for `tokens`, refreshed with `refresher` (none: the ID token is used until
    /// it expires). `margin`: refresh when less than this remains (default use: 5 minutes).
    pub fn new(
        identity: IdentityPoolClient,
        tokens: UserTokens,
        refresher: Option<Arc<dyn TokenRefresher>>,
        role: RoleChoice,
        margin: Duration,
    ) -> Self {
        CognitoCredentials {
            inner: Arc::new(Mgr {
                identity,
                refresher,
                role,
                margin,
                tokens: std::sync::Mutex::new(tokens),
                creds: ArcSwapOption::empty(),
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The current user-pool tokens (refreshed ones included).
    pub fn tokens(&self) -> UserTokens {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Valid AWS credentials with at least `margin` left: refreshes the user-pool tokens when
    /// the ID token is within `margin` of expiry, then the AWS credentials when they are.
    pub async fn ensure_credentials(
        &self,
        margin: Duration,
    ) -> Result<AwsCredentials, IdentityError> {
        if let Some(c) = self.inner.creds.load_full()
            && !c.expires_within(margin)
        {
            return Ok((*c).clone());
        }
        let _one = self.inner.refresh_lock.lock().await;
        if let Some(c) = self.inner.creds.load_full()
            && !c.expires_within(margin)
        {
            return Ok((*c).clone());
        }
        let mut tokens = self.tokens();
        if now_secs().saturating_add(margin.as_secs()) >= tokens.expires_at {
            if let Some(r) = &self.inner.refresher {
                let mut fresh = r.refresh(&tokens).await?;
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = tokens.refresh_token.clone();
                }
                *self.inner.tokens.lock().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
                tokens = fresh;
            } else if now_secs() >= tokens.expires_at {
                return Err(IdentityError::Refresh(
                    "the ID token expired and no refresher is configured".into(),
                ));
            }
        }
        let creds = self
            .inner
            .identity
            .credentials_for_id_token(&tokens.id_token, &self.inner.role)
            .await?;
        self.inner.creds.store(Some(Arc::new(creds.clone())));
        Ok(creds)
    }

    /// [`CognitoCredentials::ensure_credentials`] with the configured margin.
    pub async fn credentials(&self) -> Result<AwsCredentials, IdentityError> {
        self.ensure_credentials(self.inner.margin).await
    }
}

#[cfg(feature = "aws-credentials")]
impl aws_credential_types::provider::ProvideCredentials for CognitoCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let c = self
                .credentials()
                .await
                .map_err(aws_credential_types::provider::error::CredentialsError::provider_error)?;
            Ok(aws_credential_types::Credentials::new(
                c.access_key_id,
                c.secret_access_key.expose(),
                Some(c.session_token.expose().to_owned()),
                Some(c.expiration),
                "cognito-identity",
            ))
        })
    }
}
