//! The client-credentials client: one token request (plus retries) per call.

use std::fmt;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::M2mError;
use super::retry::RetryPolicy;
use super::token::{M2mToken, Scopes, parse_token_response};
use crate::oauth2::{ClientAuthentication, post_form};
use crate::secret::ClientSecret;
use crate::transport::{Http, HttpConfig};

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (what Cognito documents).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// Builder for [`M2mClient`].
#[derive(Clone, Default)]
#[must_use]
pub struct M2mClientBuilder {
    token_url: Option<String>,
    domain: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    default_scopes: Scopes,
    auth: ClientAuth,
    retry: RetryPolicy,
    http: HttpConfig,
}

impl fmt::Debug for M2mClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("M2mClientBuilder")
            .field("token_url", &self.token_url)
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("default_scopes", &self.default_scopes)
            .finish_non_exhaustive()
    }
}

impl M2mClientBuilder {
    /// The full token endpoint URL.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
    /// The Cognito domain (`https://<prefix>.auth.<region>.amazoncognito.com`, a custom
    /// domain, or a bare host); the token URL is `<domain>/oauth2/token`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// The app client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// The app client secret.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }
    /// Scopes used by [`M2mClient::fetch_default_token`] and [`crate::m2m::TokenSource::token`].
    /// When empty, no `scope` is sent and Cognito grants every scope the client may use.
    pub fn default_scopes(mut self, scopes: impl Into<Scopes>) -> Self {
        self.default_scopes = scopes.into();
        self
    }
    /// Basic (default) or form-body client authentication.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }
    /// Retry policy (default: 3 retries, 200 ms doubling to 5 s, 30 s in all).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Timeouts and the response-size cap.
    pub fn http_config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Reads `COGNITO_TOKEN_URL` or `COGNITO_DOMAIN`, `COGNITO_CLIENT_ID`,
    /// `COGNITO_CLIENT_SECRET` and `COGNITO_SCOPES` (space- or comma-separated).
    pub fn from_env() -> Self {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Like [`M2mClientBuilder::from_env`], reading variables through `get`.
    ///
    /// ```
    /// use cognito_auth::m2m::M2mClientBuilder;
    /// let vars = [
    ///     ("COGNITO_DOMAIN", "https://example.auth.eu-west-1.amazoncognito.com"),
    ///     ("COGNITO_CLIENT_ID", "abc"),
    ///     ("COGNITO_CLIENT_SECRET", "s3cret"),
    ///     ("COGNITO_SCOPES", "orders/read,orders/write"),
    /// ];
    /// let client = M2mClientBuilder::from_env_with(|k| {
    ///     vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    /// })
    /// .build()
    /// .unwrap();
    /// assert_eq!(client.token_url(), "https://example.auth.eu-west-1.amazoncognito.com/oauth2/token");
    /// assert!(!format!("{client:?}").contains("s3cret"));
    /// ```
    pub fn from_env_with<F: Fn(&str) -> Option<String>>(get: F) -> Self {
        crate::env::apply(
            &get,
            M2mClientBuilder::default(),
            [
                ("COGNITO_TOKEN_URL", |b, v| b.token_url(v)),
                ("COGNITO_DOMAIN", |b, v| b.domain(v)),
                ("COGNITO_CLIENT_ID", |b, v| b.client_id(v)),
                ("COGNITO_CLIENT_SECRET", |b, v| b.client_secret(v)),
                ("COGNITO_SCOPES", |b, v| {
                    b.default_scopes(v.replace(',', " "))
                }),
            ],
        )
    }

    /// Validates and builds. No network I/O.
    pub fn build(self) -> Result<M2mClient, M2mError> {
        let token_url = match (self.token_url, self.domain) {
            (Some(u), _) => u,
            (None, Some(d)) => {
                let d = d.trim_end_matches('/');
                if d.contains("://") {
                    format!("{d}/oauth2/token")
                } else {
                    format!("https://{d}/oauth2/token")
                }
            }
            (None, None) => {
                return Err(M2mError::Config(
                    "a token URL or a Cognito domain is required".into(),
                ));
            }
        };
        // The token request carries the client secret: https only, except on loopback.
        crate::transport::check_url(&token_url, self.http.get_allow_insecure_http())
            .map_err(|m| M2mError::Config(format!("token URL: {m}")))?;
        let client_id = self
            .client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| M2mError::Config("client id is required".into()))?;
        let client_secret = self
            .client_secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| M2mError::Config("client secret is required".into()))?;
        let http = Http::new(self.http)?;
        Ok(M2mClient {
            inner: Arc::new(ClientInner {
                token_url,
                client_id,
                client_secret,
                default_scopes: self.default_scopes,
                auth: self.auth,
                retry: self.retry,
                http,
            }),
        })
    }
}

struct ClientInner {
    token_url: String,
    client_id: String,
    client_secret: ClientSecret,
    default_scopes: Scopes,
    auth: ClientAuth,
    retry: RetryPolicy,
    http: Http,
}

/// Fetches OAuth2 client-credentials tokens from a Cognito domain's `/oauth2/token`.
///
/// Each call is one token request (plus retries); for caching and sharing, wrap it in a
/// [`crate::m2m::TokenSource`]. `Send + Sync`, cheap to clone.
///
/// ```no_run
/// use cognito_auth::m2m::M2mClient;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = M2mClient::builder()
///     .domain("https://example.auth.eu-west-1.amazoncognito.com")
///     .client_id("4mw9nqflq0example")
///     .client_secret("…")
///     .build()?;
/// let token = client.fetch_token("orders/read").await?;
/// println!("expires in {:?}", token.expires_in());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct M2mClient {
    inner: Arc<ClientInner>,
}

impl fmt::Debug for M2mClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("M2mClient")
            .field("token_url", &self.inner.token_url)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("default_scopes", &self.inner.default_scopes)
            .field("auth", &self.inner.auth)
            .finish()
    }
}

impl M2mClient {
    /// A builder.
    pub fn builder() -> M2mClientBuilder {
        M2mClientBuilder::default()
    }

    /// A client configured from `COGNITO_*` variables (see [`M2mClientBuilder::from_env_with`]).
    pub fn from_env() -> Result<M2mClient, M2mError> {
        M2mClientBuilder::from_env().build()
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &str {
        &self.inner.token_url
    }
    /// The client secret (for deriving the shared cache's sealing key).
    pub(crate) fn secret(&self) -> &crate::secret::ClientSecret {
        &self.inner.client_secret
    }
    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    /// The default scopes.
    pub fn default_scopes(&self) -> &Scopes {
        &self.inner.default_scopes
    }

    /// Fetches a token for `scopes` (one string or a list). An empty list fails before any
    /// request with [`M2mError::EmptyScopes`].
    pub async fn fetch_token(&self, scopes: impl Into<Scopes>) -> Result<M2mToken, M2mError> {
        let scopes = scopes.into();
        if scopes.is_empty() {
            return Err(M2mError::EmptyScopes);
        }
        self.fetch(&scopes).await
    }

    /// Fetches a token for the default scopes (none configured: every scope the client may use).
    pub async fn fetch_default_token(&self) -> Result<M2mToken, M2mError> {
        self.fetch(&self.inner.default_scopes).await
    }

    /// One request plus retries per the [`RetryPolicy`].
    pub(crate) async fn fetch(&self, scopes: &Scopes) -> Result<M2mToken, M2mError> {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            let err = match self.attempt(scopes, attempt).await {
                Ok(t) => return Ok(t),
                Err(e) => e,
            };
            attempt += 1;
            match self.retry_wait(scopes, &err, attempt, started) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(err),
            }
        }
    }

    /// The [`RetryPolicy`]'s total time budget.
    pub(crate) fn retry_budget(&self) -> std::time::Duration {
        self.inner.retry.max_elapsed
    }

    /// One token request (`attempt` earlier ones failed), with its metric and log line.
    pub(crate) async fn attempt(
        &self,
        scopes: &Scopes,
        attempt: u32,
    ) -> Result<M2mToken, M2mError> {
        let sent = Instant::now();
        let result = self.fetch_once(scopes).await;
        crate::telemetry::m2m_request(result.is_ok(), sent.elapsed());
        if let Ok(t) = &result {
            tracing::info!(
                target: "cognito_auth::m2m",
                client_id = %self.inner.client_id,
                scopes = %scopes.joined(),
                expires_in_s = t.expires_in().as_secs(),
                attempts = attempt + 1,
                "client-credentials token obtained"
            );
        }
        result
    }

    /// After `attempt` failed requests (the last failing with `err`, the first sent at
    /// `started`): how long to wait before the next one, or `None` (logged) when the
    /// [`RetryPolicy`] says to give up.
    pub(crate) fn retry_wait(
        &self,
        scopes: &Scopes,
        err: &M2mError,
        attempt: u32,
        started: Instant,
    ) -> Option<std::time::Duration> {
        let retry = &self.inner.retry;
        if !err.is_retryable() || attempt > retry.max_retries {
            tracing::warn!(
                target: "cognito_auth::m2m",
                client_id = %self.inner.client_id,
                scopes = %scopes.joined(),
                attempts = attempt,
                status = err.status(),
                retry_after_s = err.retry_after().map(|d| d.as_secs()),
                error = %crate::transport::error_chain(err),
                "client-credentials token request failed"
            );
            return None;
        }
        let wait = match err.retry_after() {
            Some(ra) => ra.max(retry.backoff(attempt)),
            None => retry.backoff(attempt),
        };
        if started.elapsed() + wait > retry.max_elapsed {
            tracing::warn!(
                target: "cognito_auth::m2m",
                client_id = %self.inner.client_id,
                scopes = %scopes.joined(),
                retry_after_s = err.retry_after().map(|d| d.as_secs()),
                "client-credentials token request failed; the retry budget is spent"
            );
            return None;
        }
        tracing::debug!(
            target: "cognito_auth::m2m",
            client_id = %self.inner.client_id,
            attempt,
            wait_ms = wait.as_millis() as u64,
            retry_after_s = err.retry_after().map(|d| d.as_secs()),
            error = %err,
            "retrying the token request"
        );
        Some(wait)
    }

    async fn fetch_once(&self, scopes: &Scopes) -> Result<M2mToken, M2mError> {
        let inner = &*self.inner;
        let joined = scopes.joined();
        let mut form = vec![("grant_type", "client_credentials")];
        if !scopes.is_empty() {
            form.push(("scope", &joined));
        }
        let auth = match inner.auth {
            ClientAuth::Basic => {
                ClientAuthentication::Basic(&inner.client_id, &inner.client_secret)
            }
            ClientAuth::Body => ClientAuthentication::Body(&inner.client_id, &inner.client_secret),
        };
        let sent_at = Instant::now();
        let sent_at_system = SystemTime::now();
        let resp = post_form(&inner.http, &inner.token_url, &form, auth).await?;
        parse_token_response(resp, scopes, sent_at, sent_at_system)
    }
}
