//! The user-pool app client: configuration, the unsigned JSON calls, `SECRET_HASH`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::UserError;
use super::wire::{Metadata, Params};
use crate::aws_json::AwsJson;
use crate::secret::ClientSecret;
use crate::srp;
use crate::transport::HttpConfig;
use crate::verify::{AcceptedTokenUse, PoolConfig, Verifier};

const SERVICE: &str = "AWSCognitoIdentityProviderService";

/// Builder for [`UserPoolClient`].
#[derive(Clone, Default)]
#[must_use]
pub struct UserPoolClientBuilder {
    pool_id: Option<String>,
    region: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    endpoint: Option<String>,
    http: HttpConfig,
    verifier: Option<Verifier>,
    verify: bool,
    jwks_url: Option<String>,
}

impl fmt::Debug for UserPoolClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPoolClientBuilder")
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl UserPoolClientBuilder {
    /// The user pool id (`<region>_<name>`); the region defaults to its prefix.
    pub fn user_pool(mut self, pool_id: impl Into<String>) -> Self {
        self.pool_id = Some(pool_id.into());
        self
    }
    /// The region, when the pool id does not start with it.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// The app client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// The app client secret, for clients that have one (`SECRET_HASH` is then sent).
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }
    /// Another endpoint than `https://cognito-idp.<region>.amazonaws.com/` (emulators, VPC
    /// endpoints).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// Timeouts, the response-size cap, the HTTP client.
    pub fn http_config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
    /// Verify issued ID and access tokens (issuer, signature, client) before returning them.
    pub fn verify_tokens(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }
    /// With [`UserPoolClientBuilder::verify_tokens`]: fetch keys from this URL instead of the
    /// pool's (emulators serve keys locally).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }
    /// Verify issued tokens with this verifier.
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Reads `COGNITO_USER_POOL_ID`, `COGNITO_REGION`, `COGNITO_CLIENT_ID`,
    /// `COGNITO_CLIENT_SECRET` and `COGNITO_IDP_ENDPOINT`.
    pub fn from_env() -> Self {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Like [`UserPoolClientBuilder::from_env`], reading variables through `get`.
    ///
    /// ```
    /// use cognito_auth::user::UserPoolClientBuilder;
    /// let vars = [("COGNITO_USER_POOL_ID", "eu-west-1_AbC"), ("COGNITO_CLIENT_ID", "app")];
    /// let client = UserPoolClientBuilder::from_env_with(|k| {
    ///     vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    /// })
    /// .build()
    /// .unwrap();
    /// assert_eq!(client.region(), "eu-west-1");
    /// ```
    pub fn from_env_with<F: Fn(&str) -> Option<String>>(get: F) -> Self {
        crate::env::apply(
            &get,
            UserPoolClientBuilder::default(),
            [
                ("COGNITO_USER_POOL_ID", |b, v| b.user_pool(v)),
                ("COGNITO_REGION", |b, v| b.region(v)),
                ("COGNITO_CLIENT_ID", |b, v| b.client_id(v)),
                ("COGNITO_CLIENT_SECRET", |b, v| b.client_secret(v)),
                ("COGNITO_IDP_ENDPOINT", |b, v| b.endpoint(v)),
            ],
        )
    }

    /// Validates and builds. No network I/O.
    pub fn build(self) -> Result<UserPoolClient, UserError> {
        let pool_id = self
            .pool_id
            .filter(|p| !p.is_empty())
            .ok_or_else(|| UserError::Config("user pool id is required".into()))?;
        let prefix = crate::ids::check_user_pool_id(&pool_id).map_err(UserError::Config)?;
        let pool_name = pool_id[prefix.len() + 1..].to_owned();
        let region = match self.region {
            Some(r) => {
                crate::ids::check_region(&r).map_err(UserError::Config)?;
                r
            }
            None => prefix.to_owned(),
        };
        let client_id = self
            .client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| UserError::Config("client id is required".into()))?;
        let endpoint = self
            .endpoint
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/"));
        crate::transport::check_url(&endpoint, self.http.get_allow_insecure_http())
            .map_err(|m| UserError::Config(format!("endpoint: {m}")))?;
        let idp = AwsJson::new(endpoint, SERVICE, self.http.clone())
            .map_err(|e| UserError::Config(crate::transport::error_chain(&e)))?;
        let verifier = match (self.verifier, self.verify) {
            (Some(v), _) => Some(v),
            (None, true) => {
                let mut pool = PoolConfig::user_pool(pool_id.clone()).region(region.clone());
                if let Some(u) = &self.jwks_url {
                    pool = pool.jwks_url(u.clone());
                }
                Some(
                    Verifier::builder()
                        .pool(pool)
                        .token_use(AcceptedTokenUse::Any)
                        .allowed_clients([client_id.clone()])
                        .http_config(self.http)
                        .build()
                        .map_err(|e| UserError::Config(e.to_string()))?,
                )
            }
            (None, false) => None,
        };
        Ok(UserPoolClient {
            inner: Arc::new(Inner {
                pool_name,
                pool_id,
                region,
                client_id,
                client_secret: self.client_secret,
                idp,
                verifier,
            }),
            metadata: None,
        })
    }
}

pub(super) struct Inner {
    pub pool_id: String,
    pub pool_name: String,
    pub region: String,
    pub client_id: String,
    pub client_secret: Option<ClientSecret>,
    pub idp: AwsJson,
    pub verifier: Option<Verifier>,
}

/// A Cognito user-pool app client for sign-in and account flows. `Send + Sync`, cheap to
/// clone.
///
/// Its methods are grouped by job: sign-in and challenges, sessions (refresh, sign-out,
/// revocation), devices, and account flows (sign-up, passwords, attributes, MFA).
#[derive(Clone)]
pub struct UserPoolClient {
    pub(super) inner: Arc<Inner>,
    pub(super) metadata: Option<Arc<Metadata>>,
}

impl fmt::Debug for UserPoolClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPoolClient")
            .field("pool_id", &self.inner.pool_id)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("endpoint", &self.inner.idp.endpoint())
            .finish()
    }
}

impl UserPoolClient {
    /// A builder.
    pub fn builder() -> UserPoolClientBuilder {
        UserPoolClientBuilder::default()
    }

    /// A client configured from `COGNITO_*` variables (see
    /// [`UserPoolClientBuilder::from_env_with`]).
    pub fn from_env() -> Result<UserPoolClient, UserError> {
        UserPoolClientBuilder::from_env().build()
    }

    /// The pool id.
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }
    /// The region.
    pub fn region(&self) -> &str {
        &self.inner.region
    }
    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    /// The user-pool API endpoint calls go to.
    pub fn endpoint(&self) -> &str {
        self.inner.idp.endpoint()
    }

    /// A client that sends `metadata` as `ClientMetadata` (for Lambda triggers) on every
    /// call that accepts it: sign-in, challenge answers, sign-up, confirmations, password
    /// resets, attribute updates. Cheap: the configuration is shared.
    ///
    /// ```
    /// use cognito_auth::user::UserPoolClient;
    /// let client = UserPoolClient::builder().user_pool("eu-west-1_abc").client_id("app").build().unwrap();
    /// let with_meta = client.with_client_metadata([("tenant", "acme")]);
    /// # let _ = with_meta;
    /// ```
    pub fn with_client_metadata<I, K, V>(&self, metadata: I) -> UserPoolClient
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map: BTreeMap<String, String> = metadata
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        UserPoolClient {
            inner: Arc::clone(&self.inner),
            metadata: (!map.is_empty()).then(|| Arc::new(map)),
        }
    }

    /// The `ClientMetadata` sent with calls that accept it.
    pub fn client_metadata(&self) -> Option<&BTreeMap<String, String>> {
        self.metadata.as_deref()
    }

    pub(super) fn meta(&self) -> Option<&Metadata> {
        self.metadata.as_deref()
    }

    pub(super) async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        op: &'static str,
        body: &Req,
    ) -> Result<Resp, UserError> {
        tracing::debug!(target: "cognito_auth::user", operation = op, "user-pool call");
        self.inner
            .idp
            .call(op, body)
            .await
            .map_err(|e| UserError::from_call(op, e))
    }

    /// `SECRET_HASH` for `username`, when the app client has a secret: Base64(HMAC-SHA256(
    /// secret, username ‖ client id)).
    pub fn secret_hash(&self, username: &str) -> Option<String> {
        self.inner
            .client_secret
            .as_ref()
            .map(|s| srp::secret_hash(username, &self.inner.client_id, s.expose()))
    }

    pub(super) fn add_secret_hash<'a>(&self, params: &mut Params<'a>, username: &str) {
        if let Some(h) = self.secret_hash(username) {
            params.insert("SECRET_HASH".into(), h.into());
        }
    }

    /// The client secret, for operations that take it in the body.
    pub(super) fn client_secret_str(&self) -> Option<&str> {
        self.inner.client_secret.as_ref().map(|s| s.expose())
    }
}
