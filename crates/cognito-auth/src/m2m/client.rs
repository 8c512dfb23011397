use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::M2mError;
use crate::secret::{AccessToken, ClientSecret};
use crate::transport::{Http, HttpConfig, HttpResponse};
use crate::verify::ScopeSet;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (what Cognito documents).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// Retries for transport errors, 5xx and 429: exponential backoff with jitter, bounded in
/// count and in total time. 400/401 answers are never retried.
///
/// ```
/// use std::time::Duration;
/// use cognito_auth::m2m::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_retries(5).max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.get_max_retries(), 5);
/// assert_eq!(RetryPolicy::none().get_max_retries(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
    /// Retries after the first attempt (default 3).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// First backoff (default 200 ms); doubles each time.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// Largest backoff (default 5 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Total time budget across attempts and waits (default 30 s). A `Retry-After` beyond the
    /// budget ends the retries at once.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }
    /// The retry count.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Backoff before retry number `attempt` (1-based): "equal jitter", in
    /// `[b/2, b]` with `b = min(max, initial * 2^(attempt-1))`.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let b = exp.min(self.max_backoff);
        let half = b / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// A client-credentials token as issued. Cheap to clone; `Debug` never prints the token.
#[derive(Clone)]
pub struct M2mToken(Arc<TokenData>);

struct TokenData {
    access_token: AccessToken,
    token_type: String,
    expires_in: Duration,
    obtained_at: Instant,
    expires_at: Instant,
    expires_at_system: SystemTime,
    scopes: ScopeSet,
    extra: Map<String, Value>,
    header: http::HeaderValue,
}

impl M2mToken {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.0.access_token
    }
    /// The token as a string (treat as a secret).
    pub fn secret(&self) -> &str {
        self.0.access_token.expose()
    }
    /// `token_type` (always `Bearer` from Cognito).
    pub fn token_type(&self) -> &str {
        &self.0.token_type
    }
    /// `expires_in` as sent by the endpoint.
    pub fn expires_in(&self) -> Duration {
        self.0.expires_in
    }
    /// When the request for this token was sent (lifetimes count from here, conservatively).
    pub fn obtained_at(&self) -> Instant {
        self.0.obtained_at
    }
    /// When the token expires (monotonic clock).
    pub fn expires_at(&self) -> Instant {
        self.0.expires_at
    }
    /// When the token expires (wall clock).
    pub fn expires_at_utc(&self) -> SystemTime {
        self.0.expires_at_system
    }
    /// The scopes granted: the response's `scope`, else the token's `scope` claim, else the
    /// requested ones.
    pub fn scopes(&self) -> &ScopeSet {
        &self.0.scopes
    }
    /// Every other member of the response, for forward compatibility (tokens removed).
    pub fn extra(&self) -> &Map<String, Value> {
        &self.0.extra
    }
    /// `Authorization: Bearer …` as a header value marked sensitive.
    pub fn authorization_header(&self) -> http::HeaderValue {
        self.0.header.clone()
    }
    /// Whether the token has expired.
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.0.expires_at
    }
    pub(crate) fn same_as(&self, other: &M2mToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for M2mToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("M2mToken")
            .field("access_token", &self.0.access_token)
            .field("token_type", &self.0.token_type)
            .field("expires_in", &self.0.expires_in)
            .field("scopes", &self.0.scopes)
            .finish()
    }
}

/// Scopes for a token request: one space-separated string or a list.
///
/// ```
/// use cognito_auth::m2m::Scopes;
/// assert_eq!(Scopes::from("a/read a/write").as_slice(), ["a/read", "a/write"]);
/// assert_eq!(Scopes::from(vec!["a/read"]).as_slice(), ["a/read"]);
/// assert!(Scopes::from(Vec::<String>::new()).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// The scopes, deduplicated and sorted.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
    /// Whether no scope is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn normalized(mut v: Vec<String>) -> Scopes {
        v.retain(|s| !s.is_empty());
        v.sort();
        v.dedup();
        Scopes(v)
    }
    pub(crate) fn joined(&self) -> String {
        self.0.join(" ")
    }
}

impl From<&str> for Scopes {
    fn from(s: &str) -> Self {
        Scopes::normalized(s.split_whitespace().map(str::to_owned).collect())
    }
}
impl From<String> for Scopes {
    fn from(s: String) -> Self {
        Scopes::from(s.as_str())
    }
}
impl From<&String> for Scopes {
    fn from(s: &String) -> Self {
        Scopes::from(s.as_str())
    }
}
impl<S: AsRef<str>> From<Vec<S>> for Scopes {
    fn from(v: Vec<S>) -> Self {
        Scopes::normalized(v.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}
impl<S: AsRef<str>> From<&[S]> for Scopes {
    fn from(v: &[S]) -> Self {
        Scopes::normalized(v.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}
impl<S: AsRef<str>, const N: usize> From<[S; N]> for Scopes {
    fn from(v: [S; N]) -> Self {
        Scopes::normalized(v.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}

/// Builder for [`M2mClient`].
#[derive(Clone, Default)]
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
        let non_empty = |k: &str| crate::env::value(&get, k);
        let mut b = M2mClientBuilder::default();
        if let Some(u) = non_empty("COGNITO_TOKEN_URL") {
            b = b.token_url(u);
        }
        if let Some(d) = non_empty("COGNITO_DOMAIN") {
            b = b.domain(d);
        }
        if let Some(id) = non_empty("COGNITO_CLIENT_ID") {
            b = b.client_id(id);
        }
        if let Some(s) = non_empty("COGNITO_CLIENT_SECRET") {
            b = b.client_secret(s);
        }
        if let Some(s) = non_empty("COGNITO_SCOPES") {
            b = b.default_scopes(s.replace(',', " "));
        }
        b
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
        let retry = &self.inner.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            let result = self.fetch_once(scopes).await;
            let err = match result {
                Ok(t) => return Ok(t),
                Err(e) => e,
            };
            attempt += 1;
            if !err.is_retryable() || attempt > retry.max_retries {
                return Err(err);
            }
            let wait = match err.retry_after() {
                Some(ra) => ra.max(retry.backoff(attempt)),
                None => retry.backoff(attempt),
            };
            if started.elapsed() + wait > retry.max_elapsed {
                return Err(err);
            }
            tracing::debug!(attempt, ?wait, error = %err, "retrying token request");
            tokio::time::sleep(wait).await;
        }
    }

    async fn fetch_once(&self, scopes: &Scopes) -> Result<M2mToken, M2mError> {
        let inner = &*self.inner;
        let mut req = inner
            .http
            .post(&inner.token_url)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if inner.auth == ClientAuth::Basic {
            req = req.header(
                http::header::AUTHORIZATION,
                basic_auth(&inner.client_id, &inner.client_secret),
            );
        }
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if !scopes.is_empty() {
                form.append_pair("scope", &scopes.joined());
            }
            if inner.auth == ClientAuth::Body {
                form.append_pair("client_id", &inner.client_id);
                form.append_pair("client_secret", inner.client_secret.expose());
            }
            form.finish()
        };
        let sent_at = Instant::now();
        let sent_at_system = SystemTime::now();
        let resp = inner.http.send(req.body(body)).await?;
        parse_token_response(resp, scopes, sent_at, sent_at_system)
    }
}

/// RFC 6749 §2.3.1: form-urlencode id and secret, then base64 `id:secret`.
fn basic_auth(id: &str, secret: &ClientSecret) -> http::HeaderValue {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let creds = format!("{}:{}", enc(id), enc(secret.expose()));
    let mut v = http::HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(creds)))
        .unwrap_or_else(|_| http::HeaderValue::from_static("Basic"));
    v.set_sensitive(true);
    v
}

fn truncated(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= 512 {
        text.into_owned()
    } else {
        let mut s: String = text.chars().take(512).collect();
        s.push('…');
        s
    }
}

pub(crate) fn parse_retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(24 * 3600)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

fn parse_token_response(
    resp: HttpResponse,
    scopes: &Scopes,
    sent_at: Instant,
    sent_at_system: SystemTime,
) -> Result<M2mToken, M2mError> {
    if !(200..300).contains(&resp.status) {
        let parsed: Option<Map<String, Value>> = serde_json::from_slice(&resp.body).ok();
        let field = |k: &str| {
            parsed
                .as_ref()
                .and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        return Err(M2mError::Endpoint {
            status: resp.status,
            error: field("error"),
            error_description: field("error_description"),
            body: truncated(&resp.body),
            retry_after: parse_retry_after(&resp.headers),
        });
    }
    let mut map: Map<String, Value> =
        serde_json::from_slice(&resp.body).map_err(|_| M2mError::InvalidJson {
            len: resp.body.len(),
        })?;
    let access_token = match map.remove("access_token") {
        Some(Value::String(s)) if !s.is_empty() => AccessToken::new(s),
        _ => return Err(M2mError::MissingAccessToken),
    };
    map.remove("refresh_token");
    map.remove("id_token");
    let token_type = match map.get("token_type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        Some(other) => {
            return Err(M2mError::InvalidResponse(format!(
                "token_type must be Bearer, got {other}"
            )));
        }
        None => "Bearer".to_owned(),
    };
    let expires_in = match map.get("expires_in") {
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|s| *s > 0 && *s <= MAX_EXPIRES_IN)
            .ok_or_else(|| {
                M2mError::InvalidResponse("expires_in must be a positive number of seconds".into())
            })?,
        None => exp_from_jwt(access_token.expose())
            .and_then(|exp| {
                let now = crate::verify::unix_now();
                (exp > now).then(|| exp.saturating_sub(now) as u64)
            })
            .ok_or_else(|| M2mError::InvalidResponse("expires_in is missing".into()))?
            // A token claiming to live beyond a year is cached for a year at most.
            .min(MAX_EXPIRES_IN),
    };
    let expires_in = Duration::from_secs(expires_in);
    // Granted scopes: the response's `scope`; else the token's own `scope` claim (read for
    // information only, not trusted); else what was requested.
    let granted = map
        .get("scope")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| jwt_claim_str(access_token.expose(), "scope"))
        .and_then(|s| ScopeSet::parse(&s))
        .unwrap_or_else(|| ScopeSet::from_scopes(scopes.as_slice()));
    let mut header = http::HeaderValue::from_str(&format!("Bearer {}", access_token.expose()))
        .map_err(|_| {
            M2mError::InvalidResponse("access_token has characters not allowed in a header".into())
        })?;
    header.set_sensitive(true);
    Ok(M2mToken(Arc::new(TokenData {
        access_token,
        token_type,
        expires_in,
        obtained_at: sent_at,
        expires_at: sent_at + expires_in,
        expires_at_system: sent_at_system + expires_in,
        scopes: granted,
        extra: map,
        header,
    })))
}

/// The longest token lifetime accepted (a year and a day).
const MAX_EXPIRES_IN: u64 = 366 * 24 * 3600;

fn jwt_payload(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = crate::verify::jose::B64.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn exp_from_jwt(token: &str) -> Option<i64> {
    jwt_payload(token)?.get("exp")?.as_i64()
}

fn jwt_claim_str(token: &str, claim: &str) -> Option<String> {
    jwt_payload(token)?.get(claim)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(800));
        for attempt in 1..10 {
            let b = p.backoff(attempt);
            let cap = Duration::from_millis((100u64 << (attempt - 1)).min(800));
            assert!(b >= cap / 2 && b <= cap, "attempt {attempt}: {b:?}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            http::header::RETRY_AFTER,
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let d = parse_retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120));
        h.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn basic_auth_encodes_per_rfc6749() {
        let v = basic_auth("my client", &ClientSecret::new("p:w"));
        let b64 = v.to_str().unwrap().strip_prefix("Basic ").unwrap();
        assert_eq!(STANDARD.decode(b64).unwrap(), b"my+client:p%3Aw");
        assert!(v.is_sensitive());
    }
}
