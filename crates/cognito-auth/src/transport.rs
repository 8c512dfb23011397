//! The small HTTP layer every network call in this crate goes through.
//!
//! It is deliberately not part of the public API (no `reqwest` type appears in a public
//! signature); what callers can tune is [`HttpConfig`]: timeouts and the response-size cap.

use std::time::Duration;

use bytes::{Bytes, BytesMut};

/// Timeouts and limits for outgoing HTTP requests.
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
#[derive(Debug, Clone)]
pub struct HttpConfig {
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    user_agent: String,
    allow_insecure_http: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 1024 * 1024,
            user_agent: concat!("cognito-auth/", env!("CARGO_PKG_VERSION")).to_owned(),
            allow_insecure_http: false,
        }
    }
}

impl HttpConfig {
    /// Total time allowed for one request, from connecting to the last body byte (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Time allowed to establish a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Largest response body accepted; larger bodies fail without being buffered (default 1 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }
    /// `User-Agent` header value.
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

/// Why an HTTP exchange failed before a complete response was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request did not complete within the configured timeout.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// The response body exceeded the configured cap.
    #[error("response body larger than {limit} bytes")]
    TooLarge {
        /// The cap that was exceeded.
        limit: usize,
    },
    /// Connection or protocol failure.
    #[error("transport error: {0}")]
    Network(String),
    /// The HTTP client could not be built.
    #[error("HTTP client set-up failed: {0}")]
    Setup(String),
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
    config: HttpConfig,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("config", &self.config)
            .finish()
    }
}

impl Http {
    pub fn new(config: HttpConfig) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| TransportError::Setup(e.to_string()))?;
        Ok(Http { client, config })
    }

    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.get(url)
    }

    pub fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.post(url)
    }

    /// Sends a request and reads the whole body, refusing bodies above the configured cap.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<HttpResponse, TransportError> {
        self.send_capped(req, self.config.max_response_bytes).await
    }

    /// Sends a request and reads the whole body, refusing bodies above `limit`.
    pub async fn send_capped(
        &self,
        req: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<HttpResponse, TransportError> {
        let timeout = self.config.timeout;
        // reqwest's own timeout covers the body too; the outer one is a belt-and-braces bound.
        match tokio::time::timeout(
            timeout + Duration::from_millis(50),
            self.send_inner(req, limit),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }

    async fn send_inner(
        &self,
        req: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<HttpResponse, TransportError> {
        let mut resp = req.send().await.map_err(|e| self.map_err(e))?;
        if resp.content_length().is_some_and(|len| len > limit as u64) {
            return Err(TransportError::TooLarge { limit });
        }
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_err(e))? {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }

    fn map_err(&self, e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout(self.config.timeout)
        } else {
            // reqwest errors never include request bodies or auth headers; the URL is fine.
            TransportError::Network(error_chain(&e))
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
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
}
