//! The small HTTP layer every network call in this crate goes through.
//!
//! What callers tune is [`HttpConfig`]: timeouts, the response-size cap, plain-http policy,
//! and optionally their own `reqwest::Client` (proxies, custom CAs, one connection pool for
//! the whole application). Without one, every client of this crate shares one lazily built
//! `reqwest::Client` (rustls), so a process holds one connection pool, not one per object.

use std::error::Error as StdError;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_USER_AGENT: &str = concat!("cognito-auth/", env!("CARGO_PKG_VERSION"));

/// Timeouts, limits and the HTTP client for outgoing requests.
///
/// ```
/// use std::time::Duration;
/// use cognito_auth::HttpConfig;
///
/// let http = HttpConfig::default()
///     .timeout(Duration::from_secs(3))
///     .max_response_bytes(256 * 1024);
/// assert_eq!(http.get_timeout(), Duration::from_secs(3));
/// ```
#[derive(Clone)]
#[must_use]
pub struct HttpConfig {
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    user_agent: String,
    allow_insecure_http: bool,
    client: Option<reqwest::Client>,
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent", &self.user_agent)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("own_client", &self.client.is_some())
            .finish()
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: 1024 * 1024,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            allow_insecure_http: false,
            client: None,
        }
    }
}

impl HttpConfig {
    /// Total time allowed for one request, from connecting to the last body byte (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Time allowed to establish a connection (default 5 s). Ignored with
    /// [`HttpConfig::client`] (the caller's client has its own).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Largest response body accepted; larger bodies fail without being buffered (default 1 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }
    /// `User-Agent` header value (ignored with [`HttpConfig::client`]).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Allow plain `http://` URLs for hosts other than loopback (default `false`).
    ///
    /// By default every endpoint (JWKS and issuer, token URL, hosted-UI domain, user-pool and
    /// identity endpoints) must use `https`, except on a loopback host (`127.0.0.0/8`, `::1`,
    /// `localhost`), where emulators and test issuers run. Turning this on sends tokens and
    /// client secrets in clear text to whatever host is configured: only for closed networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }
    /// Send requests with this `reqwest::Client` (a proxy, a custom CA, one connection pool
    /// shared with the rest of the application). Its own settings apply (redirects, proxies,
    /// connect timeout); the total [`HttpConfig::timeout`] and the response-size cap are
    /// still enforced per request.
    ///
    /// ```
    /// use cognito_auth::HttpConfig;
    /// let shared = reqwest::Client::new();
    /// let http = HttpConfig::default().client(shared.clone());
    /// # let _ = http;
    /// ```
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }
    /// Whether plain `http://` is allowed for non-loopback hosts.
    pub fn get_allow_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }
    /// The configured total timeout.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }
    /// The configured response-size cap.
    pub fn get_max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }
}

/// A failure's cause, shareable (errors of this crate are `Clone`).
pub(crate) type Cause = Arc<dyn StdError + Send + Sync + 'static>;

/// Why an HTTP exchange failed before a complete response was read. The underlying error
/// (connection refused, DNS, TLS, …) is kept as the [`source`](std::error::Error::source).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request did not complete within the configured timeout.
    #[error("request to {url} timed out after {after:?}")]
    Timeout {
        /// The URL (without query).
        url: String,
        /// The timeout that passed.
        after: Duration,
    },
    /// The response body exceeded the configured cap.
    #[error("response from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL (without query).
        url: String,
        /// The cap that was exceeded.
        limit: usize,
    },
    /// Connection, TLS or protocol failure; the cause is the source.
    #[error("could not reach {url}")]
    Network {
        /// The URL (without query).
        url: String,
        /// What went wrong underneath.
        #[source]
        source: Cause,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client set-up failed")]
    Setup {
        /// What went wrong.
        #[source]
        source: Cause,
    },
}

impl TransportError {
    /// The URL the request went to, when there was one.
    pub fn url(&self) -> Option<&str> {
        match self {
            TransportError::Timeout { url, .. }
            | TransportError::TooLarge { url, .. }
            | TransportError::Network { url, .. } => Some(url),
            TransportError::Setup { .. } => None,
        }
    }
    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, TransportError::Timeout { .. })
    }
}

/// A fully read, size-capped response.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// Shared, cheap-to-clone HTTP client with a body cap.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    timeout: Duration,
    max_response_bytes: usize,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

fn build_client(
    connect_timeout: Duration,
    user_agent: &str,
) -> Result<reqwest::Client, TransportError> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .map_err(|e| TransportError::Setup {
            source: Arc::new(e),
        })
}

/// The process-wide default client (built on first use).
fn shared_client() -> Result<reqwest::Client, TransportError> {
    static SHARED: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = SHARED.get() {
        return Ok(c.clone());
    }
    let c = build_client(DEFAULT_CONNECT_TIMEOUT, DEFAULT_USER_AGENT)?;
    Ok(SHARED.get_or_init(|| c).clone())
}

/// The URL without its query string (which may carry secrets), for errors and logs.
pub(crate) fn shown_url(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

impl Http {
    pub fn new(config: HttpConfig) -> Result<Self, TransportError> {
        let client = match config.client {
            Some(c) => c,
            None if config.connect_timeout == DEFAULT_CONNECT_TIMEOUT
                && config.user_agent == DEFAULT_USER_AGENT =>
            {
                shared_client()?
            }
            None => build_client(config.connect_timeout, &config.user_agent)?,
        };
        Ok(Http {
            client,
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
        })
    }

    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.get(url).timeout(self.timeout)
    }

    pub fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.post(url).timeout(self.timeout)
    }

    /// Sends a request and reads the whole body, refusing bodies above the configured cap.
    pub async fn send(
        &self,
        url: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<HttpResponse, TransportError> {
        self.send_capped(url, req, self.max_response_bytes).await
    }

    /// Sends a request and reads the whole body, refusing bodies above `limit`.
    pub async fn send_capped(
        &self,
        url: &str,
        req: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<HttpResponse, TransportError> {
        let timeout = self.timeout;
        // reqwest's own timeout covers the body too; the outer one is a belt-and-braces bound.
        match tokio::time::timeout(
            timeout + Duration::from_millis(50),
            self.send_inner(url, req, limit),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout {
                url: shown_url(url),
                after: timeout,
            }),
        }
    }

    async fn send_inner(
        &self,
        url: &str,
        req: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<HttpResponse, TransportError> {
        let mut resp = req.send().await.map_err(|e| self.map_err(url, e))?;
        let too_large = || TransportError::TooLarge {
            url: shown_url(url),
            limit,
        };
        if resp.content_length().is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_err(url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }

    fn map_err(&self, url: &str, e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout {
                url: shown_url(url),
                after: self.timeout,
            }
        } else {
            // reqwest errors never include request bodies or auth headers.
            TransportError::Network {
                url: shown_url(url),
                source: Arc::new(e.without_url()),
            }
        }
    }
}

/// A request body that is zeroised when the last reference to it (ours or the HTTP
/// stack's) is dropped: for bodies carrying passwords, codes, secrets and tokens.
pub(crate) fn zeroizing_body(body: Vec<u8>) -> Bytes {
    struct ZeroizingBuf(Vec<u8>);
    impl AsRef<[u8]> for ZeroizingBuf {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }
    impl Drop for ZeroizingBuf {
        fn drop(&mut self) {
            zeroize::Zeroize::zeroize(&mut self.0);
        }
    }
    Bytes::from_owner(ZeroizingBuf(body))
}

/// `error: cause: cause…`, for logs and verbose output.
pub fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let text = inner.to_string();
        if !s.ends_with(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        src = inner.source();
    }
    s
}

/// Checks an endpoint URL: absolute, `https` (or `http` on a loopback host, or anywhere when
/// `allow_insecure_http` is set), with a host, and without credentials in it.
pub(crate) fn check_url(url: &str, allow_insecure_http: bool) -> Result<url::Url, String> {
    let u = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{url}` has no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("the URL must not carry a user name or password".into());
    }
    match u.scheme() {
        "https" => Ok(u),
        "http" if allow_insecure_http || is_loopback(&u) => Ok(u),
        "http" => Err(format!(
            "`{url}` uses plain http to a host that is not loopback; use https, or opt in with \
             HttpConfig::allow_insecure_http(true)"
        )),
        other => Err(format!("`{url}` must be an https URL, not {other}")),
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub(crate) fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn https_required_except_loopback() {
        assert!(check_url("https://cognito-idp.eu-west-1.amazonaws.com/x", false).is_ok());
        for ok in [
            "http://127.0.0.1:9/x",
            "http://127.8.0.1/x",
            "http://[::1]:80/",
            "http://localhost:8080/",
            "http://LOCALHOST/",
        ] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/.well-known/jwks.json",
            "http://10.0.0.1/",
            "http://localhost.attacker.example/",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://example.com/", true).is_ok());
    }

    #[test]
    fn shown_urls_drop_queries() {
        assert_eq!(super::shown_url("https://h/p?code=secret#x"), "https://h/p");
    }
}
