//! Hosted-UI login (authorization code + PKCE through the core's loopback callback server),
//! and `LoginTokens`: the tokens it returns, renewed at the Cognito domain ahead of expiry.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use cognito_auth::hosted_ui::{HostedUiClient, HostedUiTokens, LoginOptions, Opener, Prompt};
use cognito_auth::refresh::{RefreshingTokens, TokenRefresher, UserTokens};
use cognito_auth::secret::RefreshToken;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::hosted_ui_error;
use crate::runtime::http_config;
use crate::tokens::{self, Which, secs};

fn user_tokens(t: HostedUiTokens) -> UserTokens {
    UserTokens::new(t.access_token, t.id_token, t.refresh_token, t.expires_at)
}

/// A Cognito domain's hosted UI for one app client. Thread-safe.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct HostedUi {
    client: HostedUiClient,
    margin: Duration,
}

/// Tokens from a hosted-UI login: `access_token()` / `id_token()` renew them at the domain's
/// token endpoint ahead of expiry (a rotated refresh token replaces the old one). `repr()`
/// never shows a token.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct LoginTokens {
    client: HostedUiClient,
    pub(crate) tokens: RefreshingTokens,
}

impl LoginTokens {
    fn create(client: HostedUiClient, t: HostedUiTokens, margin: Duration) -> LoginTokens {
        let refresher: Arc<dyn TokenRefresher> = Arc::new(client.clone());
        LoginTokens {
            tokens: RefreshingTokens::new(user_tokens(t), Some(refresher), margin),
            client,
        }
    }
}

#[pymethods]
impl HostedUi {
    /// `domain`: `https://<prefix>.auth.<region>.amazoncognito.com` or a custom domain;
    /// `redirect_uri`: a loopback URI registered on the app client (port 0 picks a free one
    /// where the client allows any port).
    #[new]
    #[pyo3(signature = (*, domain, client_id, client_secret=None, redirect_uri=None, scopes=None, refresh_margin=300.0))]
    fn new(
        py: Python<'_>,
        domain: String,
        client_id: String,
        client_secret: Option<String>,
        redirect_uri: Option<String>,
        scopes: Option<Vec<String>>,
        refresh_margin: f64,
    ) -> PyResult<Self> {
        let mut b = HostedUiClient::builder()
            .domain(domain)
            .client_id(client_id)
            .scopes(scopes.unwrap_or_else(|| vec!["openid".to_owned()]))
            .redirect_uri(
                redirect_uri
                    .unwrap_or_else(|| cognito_auth::hosted_ui::DEFAULT_REDIRECT_URI.to_owned()),
            )
            .http_config(http_config()?);
        if let Some(s) = client_secret {
            b = b.client_secret(s);
        }
        let margin = Duration::try_from_secs_f64(refresh_margin)
            .map_err(|_| PyValueError::new_err("refresh_margin: seconds, not negative"))?;
        Ok(HostedUi {
            client: b.build().map_err(|e| hosted_ui_error(py, &e))?,
            margin,
        })
    }

    /// Signs a person in: binds the loopback callback, prints the authorization URL (PKCE
    /// S256, a random `state`), opens it with `opener(url)` or the default browser, waits up
    /// to `timeout` seconds for the redirect, checks `state` and exchanges the code.
    #[pyo3(signature = (*, timeout=300.0, open_browser=true, opener=None, print_url=true, identity_provider=None, login_hint=None, prompt=None))]
    #[allow(clippy::too_many_arguments, clippy::field_reassign_with_default)]
    fn login(
        &self,
        py: Python<'_>,
        timeout: f64,
        open_browser: bool,
        opener: Option<Py<PyAny>>,
        print_url: bool,
        identity_provider: Option<String>,
        login_hint: Option<String>,
        prompt: Option<String>,
    ) -> PyResult<LoginTokens> {
        let mut opts = LoginOptions::default();
        opts.timeout = Duration::try_from_secs_f64(timeout)
            .map_err(|_| PyValueError::new_err("timeout: seconds, not negative"))?;
        opts.open_browser = open_browser || opener.is_some();
        opts.print_url = print_url;
        opts.identity_provider = identity_provider;
        opts.login_hint = login_hint;
        opts.prompt = match prompt.as_deref() {
            None => None,
            Some("login") => Some(Prompt::Login),
            Some("none") => Some(Prompt::None),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "prompt {other:?}: expected \"login\" or \"none\""
                )));
            }
        };
        if let Some(f) = opener {
            let open: Opener = Arc::new(move |url: &str| {
                Python::attach(|py| f.call1(py, (url,)).map(|_| ()).map_err(|e| e.to_string()))
            });
            opts.opener = Some(open);
        }
        let client = self.client.clone();
        let c = client.clone();
        let t = crate::runtime::block_on(py, move || async move { c.login(opts).await })?
            .map_err(|e| hosted_ui_error(py, &e))?;
        Ok(LoginTokens::create(client, t, self.margin))
    }

    /// Exchanges an authorization code obtained elsewhere (with its PKCE verifier).
    fn exchange_code(
        &self,
        py: Python<'_>,
        code: String,
        code_verifier: String,
        redirect_uri: String,
    ) -> PyResult<LoginTokens> {
        let c = self.client.clone();
        let t = crate::runtime::block_on(py, move || async move {
            let pkce = cognito_auth::hosted_ui::Pkce::from_verifier(&code_verifier);
            c.exchange_code(&code, &pkce, &redirect_uri).await
        })?
        .map_err(|e| hosted_ui_error(py, &e))?;
        Ok(LoginTokens::create(self.client.clone(), t, self.margin))
    }

    /// Tokens from a stored refresh token (renewed on first use).
    fn restore(&self, refresh_token: String) -> LoginTokens {
        let t = UserTokens::new(
            cognito_auth::secret::AccessToken::new(""),
            None,
            Some(RefreshToken::new(refresh_token)),
            UNIX_EPOCH,
        );
        let refresher: Arc<dyn TokenRefresher> = Arc::new(self.client.clone());
        LoginTokens {
            client: self.client.clone(),
            tokens: RefreshingTokens::new(t, Some(refresher), self.margin),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "HostedUi(domain={:?}, client_id={:?})",
            self.client.domain(),
            self.client.client_id()
        )
    }
}

#[pymethods]
impl LoginTokens {
    /// The access token, renewed first when less than the margin is left.
    fn access_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Access, false)
    }
    /// `await` form of `access_token()`.
    fn aaccess_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Access, true)
    }
    /// The ID token (renewed like the access token), if `openid` was among the scopes.
    fn id_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Id, false)
    }
    /// The refresh token (a secret: store it like a password).
    #[getter]
    fn refresh_token(&self) -> Option<String> {
        tokens::refresh_token(&self.tokens)
    }
    /// When the current tokens expire (aware UTC datetime).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::expires_at(py, &self.tokens)
    }
    /// Renews the tokens now at the token endpoint.
    fn refresh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::renew(py, &self.tokens, false)
    }
    /// Revokes the refresh token at `/oauth2/revoke`.
    fn revoke(&self, py: Python<'_>) -> PyResult<()> {
        let Some(rt) = self.tokens.tokens().refresh_token else {
            return Ok(());
        };
        let c = self.client.clone();
        crate::runtime::block_on(py, move || async move { c.revoke(&rt).await })?
            .map_err(|e| hosted_ui_error(py, &e))
    }
    /// The tokens as a dict (secrets: store them like a password).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        tokens::to_dict(py, &self.tokens)
    }
    fn __repr__(&self) -> String {
        format!(
            "LoginTokens(expires_at={}, access_token=<redacted>)",
            secs(self.tokens.tokens().expires_at) as u64
        )
    }
}
