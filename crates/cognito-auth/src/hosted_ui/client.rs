//! The hosted-UI client: authorization URL, login through the loopback callback, code
//! exchange, refresh and revocation at the Cognito domain.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{AuthorizationRequest, CallbackServer, HostedUiError, Pkce, loopback_port, random_b64};
use crate::oauth2::{ClientAuthentication, oauth_error, post_form};
use crate::secret::{AccessToken, ClientSecret, IdToken, RefreshToken, SecretString};
use crate::transport::{Http, HttpConfig};

/// Tokens from the hosted UI. `Debug` never prints a token.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
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
    /// How long the tokens were issued for (whole seconds when serialised).
    #[serde(with = "crate::expiry::seconds")]
    pub expires_in: Duration,
    /// When they expire (seconds since the Unix epoch when serialised).
    #[serde(with = "crate::expiry::unix_seconds")]
    pub expires_at: SystemTime,
}

impl fmt::Debug for HostedUiTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostedUiTokens")
            .field("access_token", &self.access_token)
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &crate::timefmt::rfc3339(self.expires_at))
            .finish()
    }
}

/// Which page the hosted UI should show, where supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
#[must_use]
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
    /// `http://127.0.0.1:8765/callback` ([`DEFAULT_REDIRECT_URI`](super::DEFAULT_REDIRECT_URI)). Prefer the IP literal
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

fn form_error(status: u16, body: &[u8]) -> HostedUiError {
    let (error, description) = oauth_error(body);
    HostedUiError::Endpoint {
        status,
        error,
        description,
    }
}

/// A token endpoint's 2xx body as tokens. A body that is not a JSON object, or carries no
/// `access_token`, is an [`HostedUiError::InvalidResponse`]; the expiry saturates.
pub(crate) fn parse_tokens(body: &[u8]) -> Result<HostedUiTokens, HostedUiError> {
    #[derive(serde::Deserialize)]
    struct Wire {
        access_token: Option<String>,
        id_token: Option<String>,
        refresh_token: Option<String>,
        token_type: Option<String>,
        expires_in: Option<u64>,
    }
    let w: Wire = serde_json::from_slice(body)
        .map_err(|_| HostedUiError::InvalidResponse("body is not a token response".into()))?;
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let access = non_empty(w.access_token)
        .ok_or_else(|| HostedUiError::InvalidResponse("no access_token".into()))?;
    let expires_in = w.expires_in.unwrap_or(3600);
    Ok(HostedUiTokens {
        access_token: AccessToken::new(access),
        id_token: non_empty(w.id_token).map(IdToken::new),
        refresh_token: non_empty(w.refresh_token).map(RefreshToken::new),
        token_type: non_empty(w.token_type).unwrap_or_else(|| "Bearer".into()),
        expires_in: Duration::from_secs(expires_in),
        expires_at: crate::expiry::after(expires_in),
    })
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

    fn client_auth(&self) -> ClientAuthentication<'_> {
        match &self.inner.client_secret {
            Some(s) => ClientAuthentication::Basic(&self.inner.client_id, s),
            None => ClientAuthentication::Public(&self.inner.client_id),
        }
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<HostedUiTokens, HostedUiError> {
        let inner = &*self.inner;
        let url = format!("{}/oauth2/token", inner.domain);
        let resp = post_form(&inner.http, &url, form, self.client_auth()).await?;
        if !(200..300).contains(&resp.status) {
            return Err(form_error(resp.status, &resp.body));
        }
        parse_tokens(&resp.body)
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
        let url = format!("{}/oauth2/revoke", inner.domain);
        let resp = post_form(
            &inner.http,
            &url,
            &[("token", refresh_token.expose())],
            self.client_auth(),
        )
        .await?;
        if !(200..300).contains(&resp.status) {
            return Err(form_error(resp.status, &resp.body));
        }
        Ok(())
    }
}

impl crate::refresh::TokenRefresher for HostedUiClient {
    fn refresh<'a>(
        &'a self,
        t: &'a crate::refresh::UserTokens,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<crate::refresh::UserTokens, crate::refresh::RefreshError>,
    > {
        use crate::refresh::RefreshError;
        Box::pin(async move {
            let rt = t
                .refresh_token
                .clone()
                .ok_or(RefreshError::NoRefreshToken)?;
            let n = HostedUiClient::refresh(self, &rt)
                .await
                .map_err(|e| match e {
                    HostedUiError::Transport(_) => RefreshError::Unreachable(Arc::new(e)),
                    other => RefreshError::Rejected(Arc::new(other)),
                })?;
            Ok(crate::refresh::UserTokens {
                username: t.username.clone(),
                access_token: n.access_token,
                id_token: n.id_token,
                refresh_token: n.refresh_token,
                expires_at: n.expires_at,
            })
        })
    }
}
