//! The identity-pool client: `GetId` and `GetCredentialsForIdentity`, the `Logins` map,
//! role choice.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::IdentityError;
use crate::aws_json::AwsJson;
use crate::secret::{AwsSecret, IdToken};
use crate::transport::HttpConfig;

/// Temporary AWS credentials. `Debug` shows the key id only.
#[derive(Clone)]
#[non_exhaustive]
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
    /// Credentials as obtained elsewhere (for tests and `credential_process` output).
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: AwsSecret,
        session_token: AwsSecret,
        expiration: SystemTime,
        identity_id: impl Into<String>,
    ) -> Self {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key,
            session_token,
            expiration,
            identity_id: identity_id.into(),
        }
    }

    /// Whether they expire within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        crate::expiry::within(self.expiration, margin)
    }

    /// The AWS CLI `credential_process` output (`Version: 1`, RFC 3339 `Expiration`).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use cognito_auth::identity::AwsCredentials;
    /// use cognito_auth::secret::AwsSecret;
    ///
    /// let c = AwsCredentials::new(
    ///     "ASIAEXAMPLE",
    ///     AwsSecret::new("secret"),
    ///     AwsSecret::new("token"),
    ///     UNIX_EPOCH + Duration::from_secs(1_795_369_149),
    ///     "eu-west-1:abc",
    /// );
    /// let v: serde_json::Value = serde_json::from_str(&c.credential_process_json()).unwrap();
    /// assert_eq!(v["Version"], 1);
    /// assert_eq!(v["Expiration"], "2026-11-22T17:39:09Z");
    /// ```
    pub fn credential_process_json(&self) -> String {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Process<'a> {
            version: u8,
            access_key_id: &'a str,
            secret_access_key: &'a str,
            session_token: &'a str,
            expiration: String,
        }
        serde_json::to_string(&Process {
            version: 1,
            access_key_id: &self.access_key_id,
            secret_access_key: self.secret_access_key.expose(),
            session_token: self.session_token.expose(),
            expiration: crate::timefmt::rfc3339(self.expiration),
        })
        .unwrap_or_default()
    }
}

/// Which role to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
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
    let claims = crate::unverified::decode_unverified(id_token).map_err(IdentityError::Token)?;
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
    if roles.is_empty() {
        return Err(IdentityError::NoRoles {
            suffix: suffix.to_owned(),
        });
    }
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
#[must_use]
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
            .and_then(|f| Duration::try_from_secs_f64(f).ok())
            .and_then(|d| UNIX_EPOCH.checked_add(d)),
        Value::String(s) => crate::timefmt::parse_rfc3339(s),
        _ => None,
    }
}

#[cfg(fuzzing)]
pub(super) fn fuzz_credentials(body: &[u8]) {
    if let Ok(w) = crate::aws_json::parse_success::<CredsWire>("Fuzz", body)
        && let Some(c) = w.credentials
    {
        let _ = expiration(&c.expiration);
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
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            identity_pool_id: &'a str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            logins: &'a BTreeMap<String, String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            account_id: Option<&'a str>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            identity_id: Option<String>,
        }
        let r: Resp = self
            .inner
            .json
            .call(
                "GetId",
                &Req {
                    identity_pool_id: &self.inner.pool,
                    logins,
                    account_id: self.inner.account_id.as_deref(),
                },
            )
            .await
            .map_err(|e| IdentityError::from_call("GetId", e))?;
        r.identity_id.ok_or_else(|| IdentityError::InvalidResponse {
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
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            identity_id: &'a str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            logins: &'a BTreeMap<String, String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            custom_role_arn: Option<&'a str>,
        }
        tracing::debug!(target: "cognito_auth::identity", "requesting AWS credentials");
        let w: CredsWire = self
            .inner
            .json
            .call(
                "GetCredentialsForIdentity",
                &Req {
                    identity_id,
                    logins,
                    custom_role_arn,
                },
            )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_out_of_range_are_refused_not_panics() {
        use serde_json::json;
        assert!(expiration(&json!(1e300)).is_none());
        assert!(expiration(&json!(-1.0)).is_none());
        assert!(expiration(&json!("99999999999-01-01T00:00:00Z")).is_none());
        assert_eq!(
            expiration(&json!(1_795_369_149)),
            Some(UNIX_EPOCH + Duration::from_secs(1_795_369_149))
        );
    }
}
