//! Hosted-UI login for people at a terminal or desktop apps: authorization code with PKCE
//! (S256) through a single-shot loopback callback server (RFC 8252), code exchange, refresh
//! and revocation at the Cognito domain. Feature `hosted-ui`.
//!
//! ```no_run
//! use cognito_auth::hosted_ui::{HostedUiClient, LoginOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HostedUiClient::builder()
//!     .domain("https://example.auth.eu-west-1.amazoncognito.com")
//!     .client_id("4mw9nqflq0example")
//!     .redirect_uri("http://127.0.0.1:8765/callback")
//!     .scopes(["openid", "email"])
//!     .build()?;
//! // Prints the URL, opens the browser, waits for the redirect, exchanges the code.
//! let tokens = client.login(LoginOptions::default()).await?;
//! println!("signed in; the ID token expires at {}", tokens.expires_at);
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::{Map, Value};

use crate::secret::{AccessToken, ClientSecret, IdToken, RefreshToken, SecretString, ct_eq};
use crate::transport::{Http, HttpConfig, TransportError};

/// Why a hosted-UI step failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HostedUiError {
    /// Misconfiguration, detected before any request.
    #[error("invalid hosted-UI configuration: {0}")]
    Config(String),
    /// The redirect URI does not point at this machine's loopback interface.
    #[error("redirect URI host `{0}` is not loopback (use 127.0.0.1 or localhost)")]
    NonLoopback(String),
    /// The callback port is taken by another program.
    #[error(
        "port {0} on 127.0.0.1 is already in use; close the other program or choose another redirect URI"
    )]
    PortInUse(u16),
    /// No callback arrived in time.
    #[error("no sign-in callback within {0:?}")]
    Timeout(Duration),
    /// The authorization server redirected back with an error.
    #[error("sign-in failed: {error}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Authorization {
        /// OAuth2 `error`.
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// The token endpoint refused.
    #[error("token endpoint answered HTTP {status}{}", .error.as_deref().map(|e| format!(": {e}")).unwrap_or_default())]
    Endpoint {
        /// HTTP status.
        status: u16,
        /// OAuth2 `error`.
        error: Option<String>,
        /// `error_description`.
        description: Option<String>,
    },
    /// The request did not complete.
    #[error("request failed: {0}")]
    Transport(#[from] TransportError),
    /// A 2xx answer that does not match the protocol.
    #[error("invalid token response: {0}")]
    InvalidResponse(String),
    /// The browser could not be opened (the URL was printed anyway).
    #[error("could not open a browser: {0}")]
    Browser(String),
    /// The callback server failed.
    #[error("callback server error: {0}")]
    Io(String),
}

/// The redirect URI the CLI uses unless told otherwise: the loopback IP literal, not
/// `localhost` (RFC 8252 §7.3, §8.3), so the port cannot be taken over on another address
/// `localhost` resolves to.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// A PKCE pair (RFC 7636, S256). The verifier is a secret; `Debug` hides it.
#[derive(Clone)]
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"<redacted>")
            .field("challenge", &self.challenge)
            .finish()
    }
}

fn random_b64(bytes: usize) -> Result<String, HostedUiError> {
    let mut b = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| HostedUiError::Io("random number generator failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

impl Pkce {
    /// A fresh pair: 32 random bytes → a 43-character verifier.
    pub fn new() -> Result<Pkce, HostedUiError> {
        Self::with_length(43)
    }

    /// A fresh pair with a verifier of `len` characters (43..=128).
    pub fn with_length(len: usize) -> Result<Pkce, HostedUiError> {
        if !(43..=128).contains(&len) {
            return Err(HostedUiError::Config(
                "PKCE verifiers are 43 to 128 characters".into(),
            ));
        }
        let mut v = random_b64(96)?;
        v.truncate(len);
        Ok(Pkce::from_verifier(&v))
    }

    /// The pair for a given verifier (for tests and for resuming a flow).
    pub fn from_verifier(verifier: &str) -> Pkce {
        let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()).as_ref());
        Pkce {
            verifier: SecretString::new(verifier),
            challenge,
        }
    }

    /// `code_verifier` (secret).
    pub fn verifier(&self) -> &str {
        self.verifier.expose()
    }

    /// `code_challenge` (S256).
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// An authorization request: the URL to open and what the callback must match.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The URL to open in a browser.
    pub url: String,
    /// The redirect URI the callback arrives at.
    pub redirect_uri: String,
    /// The PKCE pair (keep it for the exchange).
    pub pkce: Pkce,
    state: SecretString,
}

impl AuthorizationRequest {
    /// The `state` sent (compare callbacks with [`AuthorizationRequest::state_matches`]).
    pub fn state_matches(&self, candidate: &str) -> bool {
        self.state.ct_eq(candidate)
    }
}

/// Tokens from the hosted UI. `Debug` never prints a token.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct HostedUiTokens {
    /// The access token.
    #[serde(with = "crate::secret::expose")]
    pub access_token: AccessToken,
    /// The ID token (with the `openid` scope).
    #[serde(with = "crate::secret::expose_option")]
    pub id_token: Option<IdToken>,
    /// The refresh token (kept across refreshes unless a new one is returned).
    #[serde(with = "crate::secret::expose_option")]
    pub refresh_token: Option<RefreshToken>,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds the tokens were issued for.
    pub expires_in: u64,
    /// Expiry, seconds since the Unix epoch (from when the request was sent).
    pub expires_at: u64,
}

impl fmt::Debug for HostedUiTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedUiTokens")
            .field("access_token", &self.access_token)
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Which page the hosted UI should show, where supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// `prompt=login`: ask for credentials even with a session.
    Login,
    /// `prompt=none`: fail rather than show a page.
    None,
}

/// Opens a URL (the default opens the system browser with the `webbrowser` crate).
pub type Opener = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Options of [`HostedUiClient::login`].
#[derive(Clone)]
pub struct LoginOptions {
    /// How long to wait for the callback (default 5 minutes).
    pub timeout: Duration,
    /// Whether to open a browser (the URL is always printed to stderr).
    pub open_browser: bool,
    /// A custom way to open the URL (tests, embedded webviews).
    pub opener: Option<Opener>,
    /// `identity_provider` hint (e.g. `Google`, a SAML provider name).
    pub identity_provider: Option<String>,
    /// `login_hint`, where the hosted UI supports it.
    pub login_hint: Option<String>,
    /// `prompt`, where supported.
    pub prompt: Option<Prompt>,
    /// Whether to print the URL to stderr (default true, for headless machines).
    pub print_url: bool,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            timeout: Duration::from_secs(300),
            open_browser: true,
            opener: None,
            identity_provider: None,
            login_hint: None,
            prompt: None,
            print_url: true,
        }
    }
}

impl fmt::Debug for LoginOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginOptions")
            .field("timeout", &self.timeout)
            .field("open_browser", &self.open_browser)
            .field("identity_provider", &self.identity_provider)
            .finish_non_exhaustive()
    }
}

/// Builder for [`HostedUiClient`].
#[derive(Clone, Default)]
pub struct HostedUiClientBuilder {
    domain: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
    http: HttpConfig,
}

impl fmt::Debug for HostedUiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedUiClientBuilder")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl HostedUiClientBuilder {
    /// The Cognito domain (`https://<prefix>.auth.<region>.amazoncognito.com` or custom).
    pub fn domain(mut self, d: impl Into<String>) -> Self {
        self.domain = Some(d.into());
        self
    }
    /// The app client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// The client secret, for confidential clients (public clients rely on PKCE alone).
    pub fn client_secret(mut self, s: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(s.into());
        self
    }
    /// The loopback redirect URI registered on the app client, e.g.
    /// `http://127.0.0.1:8765/callback` ([`DEFAULT_REDIRECT_URI`]). Prefer the IP literal
    /// (RFC 8252 §8.3); with `localhost`, the callback server binds both `127.0.0.1` and
    /// `[::1]` so no other program can take the port on either. Port 0 picks a free port (the
    /// app client must then accept any loopback port).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }
    /// Scopes to request (e.g. `openid email`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// Timeouts and the response-size cap.
    pub fn http_config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<HostedUiClient, HostedUiError> {
        let domain = self
            .domain
            .ok_or_else(|| HostedUiError::Config("the Cognito domain is required".into()))?;
        let domain = if domain.contains("://") {
            domain
        } else {
            format!("https://{domain}")
        };
        let domain = domain.trim_end_matches('/').to_owned();
        // The token request carries the code, the PKCE verifier and any client secret.
        crate::transport::check_url(&domain, self.http.get_allow_insecure_http())
            .map_err(|m| HostedUiError::Config(format!("domain: {m}")))?;
        let client_id = self
            .client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| HostedUiError::Config("client id is required".into()))?;
        let redirect_uri = self
            .redirect_uri
            .ok_or_else(|| HostedUiError::Config("a loopback redirect URI is required".into()))?;
        loopback_port(&redirect_uri)?;
        Ok(HostedUiClient {
            inner: Arc::new(ClientInner {
                domain,
                client_id,
                client_secret: self.client_secret,
                redirect_uri,
                scopes: self.scopes,
                http: Http::new(self.http)?,
            }),
        })
    }
}

struct ClientInner {
    domain: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: String,
    scopes: Vec<String>,
    http: Http,
}

/// A Cognito app client used through the hosted UI. `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct HostedUiClient {
    inner: Arc<ClientInner>,
}

impl fmt::Debug for HostedUiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedUiClient")
            .field("domain", &self.inner.domain)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("redirect_uri", &self.inner.redirect_uri)
            .finish()
    }
}

/// The addresses a loopback redirect URI's host names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoopbackHost {
    /// `127.0.0.1`.
    V4,
    /// `[::1]`.
    V6,
    /// `localhost`: both, since either may be what the browser resolves it to.
    Both,
}

/// The host kind and port of a loopback redirect URI; refuses other hosts and schemes.
fn loopback_port(redirect_uri: &str) -> Result<(LoopbackHost, u16, String), HostedUiError> {
    let u = url::Url::parse(redirect_uri)
        .map_err(|e| HostedUiError::Config(format!("redirect URI: {e}")))?;
    if u.scheme() != "http" {
        return Err(HostedUiError::Config(
            "a loopback redirect URI uses http".into(),
        ));
    }
    let host = match u.host() {
        Some(url::Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => LoopbackHost::V4,
        Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => LoopbackHost::V6,
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => LoopbackHost::Both,
        _ => {
            return Err(HostedUiError::NonLoopback(
                u.host_str().unwrap_or("").to_owned(),
            ));
        }
    };
    Ok((host, u.port().unwrap_or(80), u.path().to_owned()))
}

fn form_error(status: u16, body: &[u8]) -> HostedUiError {
    let v: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    let f = |k: &str| {
        v.as_ref()
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    HostedUiError::Endpoint {
        status,
        error: f("error"),
        description: f("error_description"),
    }
}

impl HostedUiClient {
    /// A builder.
    pub fn builder() -> HostedUiClientBuilder {
        HostedUiClientBuilder::default()
    }

    /// The domain.
    pub fn domain(&self) -> &str {
        &self.inner.domain
    }
    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// A fresh authorization request (new PKCE pair and `state`) for `redirect_uri`.
    pub fn authorization_request(
        &self,
        redirect_uri: &str,
        opts: &LoginOptions,
    ) -> Result<AuthorizationRequest, HostedUiError> {
        let pkce = Pkce::new()?;
        let state = random_b64(32)?;
        let mut url = url::Url::parse(&format!("{}/oauth2/authorize", self.inner.domain))
            .map_err(|e| HostedUiError::Config(e.to_string()))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code");
            q.append_pair("client_id", &self.inner.client_id);
            q.append_pair("redirect_uri", redirect_uri);
            if !self.inner.scopes.is_empty() {
                q.append_pair("scope", &self.inner.scopes.join(" "));
            }
            q.append_pair("state", &state);
            q.append_pair("code_challenge", pkce.challenge());
            q.append_pair("code_challenge_method", "S256");
            if let Some(p) = &opts.identity_provider {
                q.append_pair("identity_provider", p);
            }
            if let Some(h) = &opts.login_hint {
                q.append_pair("login_hint", h);
            }
            match opts.prompt {
                Some(Prompt::Login) => {
                    q.append_pair("prompt", "login");
                }
                Some(Prompt::None) => {
                    q.append_pair("prompt", "none");
                }
                None => {}
            }
        }
        Ok(AuthorizationRequest {
            url: url.into(),
            redirect_uri: redirect_uri.to_owned(),
            pkce,
            state: SecretString::new(state),
        })
    }

    /// The whole login: binds the loopback callback, prints (and opens) the authorization
    /// URL, waits for the redirect, checks `state`, exchanges the code with the PKCE verifier.
    pub async fn login(&self, opts: LoginOptions) -> Result<HostedUiTokens, HostedUiError> {
        let server = CallbackServer::bind(&self.inner.redirect_uri).await?;
        let request = self.authorization_request(server.redirect_uri(), &opts)?;
        if opts.print_url {
            eprintln!("Open this URL to sign in:\n\n  {}\n", request.url);
        }
        if let Some(open) = &opts.opener {
            open(&request.url).map_err(HostedUiError::Browser)?;
        } else if opts.open_browser
            && let Err(e) = webbrowser::open(&request.url)
        {
            // Headless machine: the URL is printed; keep waiting for the callback.
            tracing::info!(error = %e, "could not open a browser");
        }
        let code = server.wait(&request, opts.timeout).await?;
        self.exchange_code(&code, &request.pkce, &request.redirect_uri)
            .await
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<HostedUiTokens, HostedUiError> {
        let inner = &*self.inner;
        let body = {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                ser.append_pair(k, v);
            }
            ser.append_pair("client_id", &inner.client_id);
            ser.finish()
        };
        let mut req = inner
            .http
            .post(&format!("{}/oauth2/token", inner.domain))
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json");
        if let Some(s) = &inner.client_secret {
            let creds = format!("{}:{}", inner.client_id, s.expose());
            let mut v = http::HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(creds)))
                .map_err(|_| {
                HostedUiError::Config("client credentials are not header-safe".into())
            })?;
            v.set_sensitive(true);
            req = req.header(http::header::AUTHORIZATION, v);
        }
        let sent = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let resp = inner.http.send(req.body(body)).await?;
        if !(200..300).contains(&resp.status) {
            return Err(form_error(resp.status, &resp.body));
        }
        let mut m: Map<String, Value> = serde_json::from_slice(&resp.body)
            .map_err(|_| HostedUiError::InvalidResponse("body is not a JSON object".into()))?;
        let s = |m: &mut Map<String, Value>, k: &str| match m.remove(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        let access = s(&mut m, "access_token")
            .ok_or_else(|| HostedUiError::InvalidResponse("no access_token".into()))?;
        let expires_in = m.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        Ok(HostedUiTokens {
            access_token: AccessToken::new(access),
            id_token: s(&mut m, "id_token").map(IdToken::new),
            refresh_token: s(&mut m, "refresh_token").map(RefreshToken::new),
            token_type: s(&mut m, "token_type").unwrap_or_else(|| "Bearer".into()),
            expires_in,
            expires_at: sent.saturating_add(expires_in),
        })
    }

    /// Exchanges an authorization code (with the PKCE verifier of its request).
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce: &Pkce,
        redirect_uri: &str,
    ) -> Result<HostedUiTokens, HostedUiError> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier()),
        ])
        .await
    }

    /// Refreshes; keeps `refresh_token` when Cognito does not return a new one.
    pub async fn refresh(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<HostedUiTokens, HostedUiError> {
        let mut t = self
            .token_request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
            ])
            .await?;
        if t.refresh_token.is_none() {
            t.refresh_token = Some(refresh_token.clone());
        }
        Ok(t)
    }

    /// Revokes a refresh token at `/oauth2/revoke`.
    pub async fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), HostedUiError> {
        let inner = &*self.inner;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", refresh_token.expose())
            .append_pair("client_id", &inner.client_id)
            .finish();
        let mut req = inner
            .http
            .post(&format!("{}/oauth2/revoke", inner.domain))
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if let Some(s) = &inner.client_secret {
            let creds = format!("{}:{}", inner.client_id, s.expose());
            let mut v = http::HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(creds)))
                .map_err(|_| {
                HostedUiError::Config("client credentials are not header-safe".into())
            })?;
            v.set_sensitive(true);
            req = req.header(http::header::AUTHORIZATION, v);
        }
        let resp = inner.http.send(req.body(body)).await?;
        if !(200..300).contains(&resp.status) {
            return Err(form_error(resp.status, &resp.body));
        }
        Ok(())
    }
}

/// The single-shot loopback server that receives the authorization redirect.
///
/// Binds the loopback address of the redirect URI (`127.0.0.1`, `[::1]`, or both for
/// `localhost`), answers the browser with a short page, checks `state` in constant time, and
/// stops after the callback of this login or on timeout. Requests without the right `state`
/// (a stray request, a page probing the port) get an error page and do not end the login.
pub struct CallbackServer {
    listeners: Vec<tokio::net::TcpListener>,
    path: String,
    redirect_uri: String,
}

impl fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackServer")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

type Outcome = Result<String, HostedUiError>;

fn page(status: u16, title: &str, text: &str) -> http::Response<Full<Bytes>> {
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body>"
    );
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::from(html)))
        .unwrap_or_default()
}

fn html_escape(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            c => c.to_string(),
        })
        .collect()
}

impl CallbackServer {
    /// Binds the redirect URI's loopback address at its port (0: a free port): `127.0.0.1`,
    /// `[::1]`, or, for `localhost`, both (where the machine has IPv6), so no other local
    /// program can receive the redirect on the other one. Refuses non-loopback redirect URIs;
    /// reports a taken port as [`HostedUiError::PortInUse`].
    pub async fn bind(redirect_uri: &str) -> Result<CallbackServer, HostedUiError> {
        let (host, port, path) = loopback_port(redirect_uri)?;
        let listeners = match host {
            LoopbackHost::V4 => vec![bind_one(IpAddr::V4(Ipv4Addr::LOCALHOST), port).await?],
            LoopbackHost::V6 => vec![bind_one(IpAddr::V6(Ipv6Addr::LOCALHOST), port).await?],
            LoopbackHost::Both => bind_both(port).await?,
        };
        let actual = listeners[0]
            .local_addr()
            .map_err(|e| HostedUiError::Io(e.to_string()))?
            .port();
        let mut u =
            url::Url::parse(redirect_uri).map_err(|e| HostedUiError::Config(e.to_string()))?;
        let _ = u.set_port(Some(actual));
        Ok(CallbackServer {
            listeners,
            path: if path.is_empty() { "/".into() } else { path },
            redirect_uri: u.into(),
        })
    }

    /// The local addresses the server listens on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// The redirect URI with the real port.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the callback of `request`; returns the authorization code.
    pub async fn wait(
        self,
        request: &AuthorizationRequest,
        timeout: Duration,
    ) -> Result<String, HostedUiError> {
        let (tx, rx) = tokio::sync::oneshot::channel::<Outcome>();
        let tx = Arc::new(Mutex::new(Some(tx)));
        let expected = request.state.clone();
        let mut accepts = Vec::new();
        for listener in self.listeners {
            let tx = Arc::clone(&tx);
            let expected = expected.clone();
            let path = self.path.clone();
            accepts.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        break;
                    };
                    let tx = Arc::clone(&tx);
                    let expected = expected.clone();
                    let path = path.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(
                            move |req: http::Request<hyper::body::Incoming>| {
                                let resp = handle_callback(&req, &path, &expected, &tx);
                                async move { Ok::<_, Infallible>(resp) }
                            },
                        );
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .keep_alive(false)
                            .serve_connection(io, svc)
                            .await;
                    });
                }
            }));
        }
        let result = tokio::time::timeout(timeout, rx).await;
        // Give the browser its page before the listener goes away.
        tokio::time::sleep(Duration::from_millis(50)).await;
        for a in accepts {
            a.abort();
        }
        match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(HostedUiError::Io("callback server stopped".into())),
            Err(_) => Err(HostedUiError::Timeout(timeout)),
        }
    }
}

/// The parameters of an authorization callback's query string. A parameter given twice, or
/// a query longer than 16 KiB, is refused rather than guessed at.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct CallbackQuery {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackQuery {
    pub(crate) fn parse(query: &str) -> Result<CallbackQuery, &'static str> {
        if query.len() > 16 * 1024 {
            return Err("query too long");
        }
        let mut q = CallbackQuery::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "state" => &mut q.state,
                "code" => &mut q.code,
                "error" => &mut q.error,
                "error_description" => &mut q.error_description,
                _ => continue,
            };
            if slot.is_some() {
                return Err("parameter repeated");
            }
            *slot = Some(v.into_owned());
        }
        Ok(q)
    }
}

async fn bind_one(ip: IpAddr, port: u16) -> Result<tokio::net::TcpListener, HostedUiError> {
    tokio::net::TcpListener::bind(SocketAddr::new(ip, port))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => HostedUiError::PortInUse(port),
            _ => HostedUiError::Io(e.to_string()),
        })
}

/// `127.0.0.1` and `[::1]` at one port (for `localhost`). A machine without IPv6 loopback
/// gets the IPv4 listener alone; a port taken on either address is refused. With port 0, a
/// few free ports are tried until one is free on both.
async fn bind_both(port: u16) -> Result<Vec<tokio::net::TcpListener>, HostedUiError> {
    for _ in 0..8 {
        let v4 = bind_one(IpAddr::V4(Ipv4Addr::LOCALHOST), port).await?;
        let actual = v4
            .local_addr()
            .map_err(|e| HostedUiError::Io(e.to_string()))?
            .port();
        match tokio::net::TcpListener::bind(SocketAddr::new(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            actual,
        ))
        .await
        {
            Ok(v6) => return Ok(vec![v4, v6]),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                if port != 0 {
                    return Err(HostedUiError::PortInUse(port));
                }
                // Another program holds this port on [::1]: try another one.
            }
            // No IPv6 loopback here: nobody can listen on [::1] either.
            Err(_) => return Ok(vec![v4]),
        }
    }
    Err(HostedUiError::Io(
        "no port free on both 127.0.0.1 and [::1]".into(),
    ))
}

fn handle_callback(
    req: &http::Request<hyper::body::Incoming>,
    path: &str,
    expected_state: &SecretString,
    tx: &Arc<Mutex<Option<tokio::sync::oneshot::Sender<Outcome>>>>,
) -> http::Response<Full<Bytes>> {
    if req.uri().path() != path || req.method() != http::Method::GET {
        return page(
            404,
            "Not found",
            "This is the sign-in callback; nothing else lives here.",
        );
    }
    let q = match CallbackQuery::parse(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(_) => {
            return page(400, "Sign-in refused", "The callback is not well formed.");
        }
    };
    // `state` first: a request that does not carry this login's state (a stray request, a
    // web page probing the port) is answered and ignored; the login keeps waiting.
    if !q
        .state
        .as_deref()
        .is_some_and(|s| ct_eq(s.as_bytes(), expected_state.expose().as_bytes()))
    {
        return page(
            400,
            "Sign-in refused",
            "The request did not come from this login. Finish the sign-in in the browser              window the terminal opened.",
        );
    }
    let mut slot = tx.lock().unwrap_or_else(|p| p.into_inner());
    let Some(sender) = slot.take() else {
        return page(
            409,
            "Already handled",
            "This sign-in has already been completed.",
        );
    };
    let (outcome, resp) = if let Some(error) = &q.error {
        let description = q.error_description.clone();
        let text = format!(
            "{}{}",
            html_escape(error),
            description
                .as_deref()
                .map(|d| format!(": {}", html_escape(d)))
                .unwrap_or_default()
        );
        (
            Err(HostedUiError::Authorization {
                error: error.clone(),
                description,
            }),
            page(400, "Sign-in failed", &text),
        )
    } else if let Some(code) = q.code.as_ref().filter(|c| !c.is_empty()) {
        (
            Ok(code.clone()),
            page(
                200,
                "Signed in",
                "You can close this window and return to the terminal.",
            ),
        )
    } else {
        (
            Err(HostedUiError::InvalidResponse(
                "callback without code or error".into(),
            )),
            page(400, "Sign-in failed", "The callback carried no code."),
        )
    };
    let _ = sender.send(outcome);
    resp
}
