//! The request-authentication logic shared by every web integration.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::verify::Verifier;

use super::{
    AuthConfig, AuthError, AuthMode, Credentials, ErrorResponse, GuardDefaults, ResponseOptions,
    ServicePrincipal, parse_credentials,
};

/// A read-only view of a request for token extraction: headers and the query string. The
/// integrations implement it over their request types.
pub trait RequestView {
    /// The first two values of header `name` (lowercase), in order.
    fn headers2(&self, name: &str) -> [Option<&[u8]>; 2];
    /// The query string, without `?`.
    fn query(&self) -> Option<&str>;
}

fn first_two<'a>(mut it: impl Iterator<Item = &'a http::HeaderValue>) -> [Option<&'a [u8]>; 2] {
    [
        it.next().map(|v| v.as_bytes()),
        it.next().map(|v| v.as_bytes()),
    ]
}

impl<B> RequestView for http::Request<B> {
    fn headers2(&self, name: &str) -> [Option<&[u8]>; 2] {
        first_two(self.headers().get_all(name).iter())
    }
    fn query(&self) -> Option<&str> {
        self.uri().query()
    }
}

impl RequestView for http::request::Parts {
    fn headers2(&self, name: &str) -> [Option<&[u8]>; 2] {
        first_two(self.headers.get_all(name).iter())
    }
    fn query(&self) -> Option<&str> {
        self.uri.query()
    }
}

/// Extracts a token from a request, for [`TokenLocation::Custom`] (e.g. the
/// `Sec-WebSocket-Protocol` header of a WebSocket handshake).
pub trait TokenExtractor: Send + Sync + 'static {
    /// The token, if the request carries one.
    fn extract(&self, request: &dyn RequestView) -> Option<String>;
}

impl<F> TokenExtractor for F
where
    F: Fn(&dyn RequestView) -> Option<String> + Send + Sync + 'static,
{
    fn extract(&self, request: &dyn RequestView) -> Option<String> {
        self(request)
    }
}

/// Where the bearer token is read from. The default, and the right choice for APIs, is the
/// `Authorization` header.
///
/// The others trade something away: a **cookie** makes the browser send the token
/// automatically (protect state-changing routes against CSRF: `SameSite` cookies, an
/// anti-CSRF header); a **query parameter** puts the token into URLs, which end up in access
/// logs, proxies and browser history (use it only where nothing else works, such as a
/// WebSocket handshake or `EventSource`, with short-lived tokens). Reading the header first and
/// a cookie second serves API clients and a browser app at once.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum TokenLocation {
    /// The configured header and scheme (default `Authorization: Bearer`).
    #[default]
    Header,
    /// The header; when absent, the cookie of this name.
    HeaderOrCookie(String),
    /// The cookie of this name.
    Cookie(String),
    /// The query parameter of this name.
    Query(String),
    /// A custom extractor.
    Custom(Arc<dyn TokenExtractor>),
}

impl fmt::Debug for TokenLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenLocation::Header => f.write_str("Header"),
            TokenLocation::HeaderOrCookie(n) => f.debug_tuple("HeaderOrCookie").field(n).finish(),
            TokenLocation::Cookie(n) => f.debug_tuple("Cookie").field(n).finish(),
            TokenLocation::Query(n) => f.debug_tuple("Query").field(n).finish(),
            TokenLocation::Custom(_) => f.write_str("Custom(<fn>)"),
        }
    }
}

impl std::str::FromStr for TokenLocation {
    type Err = String;
    /// `header`, `cookie:<name>`, `header_or_cookie:<name>` or `query:<name>`.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let named = |rest: &str| {
            let n = rest.trim();
            if n.is_empty()
                || !n
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b'=')
            {
                Err(format!("`{n}` is not a cookie or parameter name"))
            } else {
                Ok(n.to_owned())
            }
        };
        match s.split_once(':') {
            None if s == "header" => Ok(TokenLocation::Header),
            Some(("cookie", n)) => Ok(TokenLocation::Cookie(named(n)?)),
            Some(("header_or_cookie", n)) => Ok(TokenLocation::HeaderOrCookie(named(n)?)),
            Some(("query", n)) => Ok(TokenLocation::Query(named(n)?)),
            _ => Err(format!(
                "`{s}`: expected header, cookie:<name>, header_or_cookie:<name> or query:<name>"
            )),
        }
    }
}

impl fmt::Display for TokenLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenLocation::Header => f.write_str("header"),
            TokenLocation::HeaderOrCookie(n) => write!(f, "header_or_cookie:{n}"),
            TokenLocation::Cookie(n) => write!(f, "cookie:{n}"),
            TokenLocation::Query(n) => write!(f, "query:{n}"),
            TokenLocation::Custom(_) => f.write_str("custom"),
        }
    }
}

impl serde::Serialize for TokenLocation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TokenLocation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The value of cookie `name` in the request's `Cookie` header(s).
fn cookie(request: &dyn RequestView, name: &str) -> Option<String> {
    for value in request.headers2("cookie").into_iter().flatten() {
        let text = std::str::from_utf8(value).ok()?;
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=')
                && k == name
            {
                let v = v.trim_matches('"');
                return (!v.is_empty()).then(|| v.to_owned());
            }
        }
    }
    None
}

/// The value of query parameter `name`.
fn query_param(request: &dyn RequestView, name: &str) -> Option<String> {
    let q = request.query()?;
    if q.len() > 32 * 1024 {
        return None;
    }
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// Where an [`Authenticator`] reports each authenticated client: per-client activity
/// tracking (`cognito-auth-activity` implements it for SQLite and PostgreSQL), metrics, audit
/// logs. Called on the request path: it must not block.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use cognito_auth::web::ActivitySink;
///
/// #[derive(Default)]
/// struct Counter(AtomicUsize);
/// impl ActivitySink for Counter {
///     fn record(&self, _client_id: &str) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait ActivitySink: Send + Sync + 'static {
    /// One authenticated request from `client_id`.
    fn record(&self, client_id: &str);
}

impl<T: ActivitySink + ?Sized> ActivitySink for Arc<T> {
    fn record(&self, client_id: &str) {
        (**self).record(client_id)
    }
}

#[derive(Clone)]
pub(super) struct AuthInner {
    pub(super) verifier: Verifier,
    pub(super) header_name: String,
    pub(super) header: http::HeaderName,
    pub(super) scheme: String,
    pub(super) mode: AuthMode,
    pub(super) fail_on_invalid_bearer: bool,
    pub(super) allowed_clients: Option<Vec<String>>,
    pub(super) defaults: Arc<GuardDefaults>,
    pub(super) responses: ResponseOptions,
    pub(super) activity: Option<Arc<dyn ActivitySink>>,
    pub(super) location: TokenLocation,
}

/// The request-authentication logic shared by every web integration: reads the header,
/// verifies, applies the mode, records activity. Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    pub(super) inner: Arc<AuthInner>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("header_name", &self.inner.header_name)
            .field("scheme", &self.inner.scheme)
            .field("mode", &self.inner.mode)
            .field("fail_on_invalid_bearer", &self.inner.fail_on_invalid_bearer)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Default settings (required mode, `Authorization: Bearer`, JSON errors) around `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        AuthConfig::default().authenticator_parts(verifier, http::header::AUTHORIZATION)
    }

    /// Reports each authenticated client to `sink` (e.g. `cognito-auth-activity`'s tracker,
    /// which records it in SQLite or PostgreSQL).
    #[must_use]
    pub fn with_activity(self, sink: impl ActivitySink) -> Self {
        let mut inner = (*self.inner).clone();
        inner.activity = Some(Arc::new(sink));
        Authenticator {
            inner: Arc::new(inner),
        }
    }

    /// The header to read, lowercase.
    pub fn header_name(&self) -> &str {
        &self.inner.header_name
    }

    /// The header carrying the token, parsed once (for `HeaderMap::get_all` without parsing
    /// the name on every request).
    pub fn header(&self) -> &http::HeaderName {
        &self.inner.header
    }
    /// Defaults for guards, to place in request extensions.
    pub fn defaults(&self) -> &Arc<GuardDefaults> {
        &self.inner.defaults
    }
    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }
    /// The mode.
    pub fn mode(&self) -> AuthMode {
        self.inner.mode
    }
    /// Renders an error as configured.
    pub fn render(&self, err: &AuthError) -> ErrorResponse {
        if let AuthError::Internal(m) = err {
            tracing::error!(error = %m, "request failed with an internal authentication error");
        }
        err.to_response(&self.inner.responses)
    }

    /// Authenticates a request from the values of its authorization header (every
    /// occurrence, in order). `Ok(None)`: anonymous (permissive mode only).
    ///
    /// This is the fast path for the default [`TokenLocation::Header`]; integrations call
    /// [`Authenticator::authenticate_request`] when [`Authenticator::reads_header_only`] is
    /// false.
    pub async fn authenticate<'a, I>(
        &self,
        header_values: I,
    ) -> Result<Option<ServicePrincipal>, AuthError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        // Two values are enough to tell "one" from "several"; no allocation per request.
        let first_two: [Option<&[u8]>; 2] = {
            let mut it = header_values.into_iter();
            [it.next(), it.next()]
        };
        if let Some(outcome) = self.cached_outcome(first_two) {
            return outcome;
        }
        let outcome = match self.header_token(first_two) {
            Ok(Some(token)) => self.verify_token(token).await,
            Ok(None) => self.anonymous(),
            Err(e) => Err(e),
        };
        self.observe(outcome)
    }

    /// The outcome for a request whose answer needs no waiting: one header value,
    /// `<scheme> <token>`, and a token verified before (a cache lookup, no parsing, no
    /// signature). `None`: call [`Authenticator::authenticate`]. Integrations call this
    /// first, so the common request costs no future and no allocation of its own.
    ///
    /// With a debug subscriber for `cognito_auth::verify` it always answers `None`, so every
    /// request gets its `verify` span.
    pub fn authenticate_now<'a, I>(
        &self,
        header_values: I,
    ) -> Option<Result<Option<ServicePrincipal>, AuthError>>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        if !self.reads_header_only() {
            return None;
        }
        let mut it = header_values.into_iter();
        self.cached_outcome([it.next(), it.next()])
    }

    /// The cached fast path (see [`Authenticator::authenticate_now`]).
    #[inline]
    fn cached_outcome(
        &self,
        values: [Option<&[u8]>; 2],
    ) -> Option<Result<Option<ServicePrincipal>, AuthError>> {
        // The token's bytes are looked up as they are: a hit means they equal a token that
        // passed every check, so no UTF-8 check or parsing is needed.
        if let [Some(value), None] = values
            && let Some(token) = self.bearer_bytes(value)
            && !tracing::enabled!(target: "cognito_auth::verify", tracing::Level::DEBUG)
            && let Some(result) = self
                .inner
                .verifier
                .verify_cached(token, self.inner.verifier.policy())
        {
            return Some(self.observe(self.finish(result)));
        }
        None
    }

    /// `<scheme> <token>` exactly (one space, nothing around): the token's bytes, for the
    /// cache lookup. Anything else takes the full parser.
    #[inline]
    fn bearer_bytes<'v>(&self, value: &'v [u8]) -> Option<&'v [u8]> {
        let scheme = self.inner.scheme.as_bytes();
        let n = scheme.len();
        // Exact case first: what clients send, and a plain comparison.
        if value.len() <= n + 1
            || value[n] != b' '
            || (value[..n] != *scheme && !value[..n].eq_ignore_ascii_case(scheme))
        {
            return None;
        }
        let token = &value[n + 1..];
        match (token.first(), token.last()) {
            (Some(a), Some(b)) if !a.is_ascii_whitespace() && !b.is_ascii_whitespace() => {
                Some(token)
            }
            _ => None,
        }
    }

    /// Authenticates a request wherever its token is configured to be
    /// ([`TokenLocation`]): the header, a cookie, a query parameter, or a custom extractor.
    ///
    /// The token is taken from `request` before the returned future is first polled, so the
    /// future does not borrow the request (and is `Send` whatever the request type).
    pub fn authenticate_request(
        &self,
        request: &dyn RequestView,
    ) -> impl Future<Output = Result<Option<ServicePrincipal>, AuthError>> + Send + 'static {
        let extracted = self.extract_token(request);
        let this = self.clone();
        async move {
            let outcome = match extracted {
                Ok(Some(token)) => this.verify_token(&token).await,
                Ok(None) => this.anonymous(),
                Err(e) => Err(e),
            };
            this.observe(outcome)
        }
    }

    /// The token of `request` per the configured [`TokenLocation`]: `Ok(None)` when there is
    /// none, an error when the authorization header is malformed.
    pub fn extract_token(&self, request: &dyn RequestView) -> Result<Option<String>, AuthError> {
        let inner = &*self.inner;
        let header = || {
            self.header_token(request.headers2(&inner.header_name))
                .map(|t| t.map(str::to_owned))
        };
        match &inner.location {
            TokenLocation::Header => header(),
            TokenLocation::HeaderOrCookie(name) => match header()? {
                Some(t) => Ok(Some(t)),
                None => Ok(cookie(request, name)),
            },
            TokenLocation::Cookie(name) => Ok(cookie(request, name)),
            TokenLocation::Query(name) => Ok(query_param(request, name)),
            TokenLocation::Custom(f) => Ok(f.extract(request).filter(|t| !t.is_empty())),
        }
    }

    /// Whether the token is read from the authorization header alone (the default), so
    /// integrations may use the allocation-free [`Authenticator::authenticate`].
    pub fn reads_header_only(&self) -> bool {
        matches!(self.inner.location, TokenLocation::Header)
    }

    /// The bearer token of the authorization header: `Ok(None)` when there is none.
    fn header_token<'a>(
        &self,
        values: [Option<&'a [u8]>; 2],
    ) -> Result<Option<&'a str>, AuthError> {
        let values: &[&[u8]] = match values {
            [None, _] => &[],
            [Some(a), None] => &[a][..],
            [Some(a), Some(b)] => &[a, b][..],
        };
        match parse_credentials(values, &self.inner.scheme) {
            Credentials::Bearer(t) => Ok(Some(t)),
            Credentials::Malformed => Err(AuthError::MalformedHeader),
            _ => Ok(None),
        }
    }

    fn anonymous(&self) -> Result<Option<ServicePrincipal>, AuthError> {
        match self.inner.mode {
            AuthMode::Required => Err(AuthError::MissingCredentials),
            AuthMode::Permissive => Ok(None),
        }
    }

    async fn verify_token(&self, token: &str) -> Result<Option<ServicePrincipal>, AuthError> {
        self.finish(self.inner.verifier.verify(token).await)
    }

    /// From a verification's result to the request's principal: permissive-mode tolerance,
    /// the web client allowlist, activity.
    fn finish(
        &self,
        result: Result<crate::verify::VerifiedToken, crate::verify::VerifyError>,
    ) -> Result<Option<ServicePrincipal>, AuthError> {
        let inner = &*self.inner;
        let verified = match result {
            Ok(v) => v,
            Err(e) => {
                let err = AuthError::from(e);
                let tolerate = inner.mode == AuthMode::Permissive
                    && !inner.fail_on_invalid_bearer
                    && matches!(err, AuthError::InvalidToken(_));
                if tolerate {
                    tracing::debug!(
                        target: "cognito_auth::web",
                        error = %err,
                        "invalid bearer token let through as anonymous (permissive mode, fail_on_invalid_bearer off)"
                    );
                    return Ok(None);
                }
                return Err(err);
            }
        };
        if let Some(allowed) = &inner.allowed_clients
            && !allowed.iter().any(|c| c == verified.client_id())
        {
            return Err(AuthError::Forbidden {
                reason: crate::verify::Reason::ClientNotAllowed,
                required_scopes: Vec::new(),
            });
        }
        if let Some(tracker) = &inner.activity {
            tracker.record(verified.client_id());
        }
        Ok(Some(ServicePrincipal::admitted(verified, self.clone())))
    }

    /// Telemetry of one authentication decision.
    fn observe(
        &self,
        outcome: Result<Option<ServicePrincipal>, AuthError>,
    ) -> Result<Option<ServicePrincipal>, AuthError> {
        match &outcome {
            Ok(Some(_)) => crate::telemetry::web_decision("authenticate", "passed"),
            Ok(None) => crate::telemetry::web_decision("authenticate", "anonymous"),
            Err(e) => {
                crate::telemetry::web_decision("authenticate", e.status_label());
                tracing::debug!(
                    target: "cognito_auth::web",
                    status = e.status(),
                    reason = e.reason_code(),
                    "request refused by the authentication layer"
                );
            }
        }
        outcome
    }
}
