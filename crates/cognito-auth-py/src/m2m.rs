//! `TokenSource` and `AccessToken`: client-credentials tokens, cached and refreshed by the core.

use std::time::{Duration, UNIX_EPOCH};

use cognito_auth::m2m::{M2mClient, M2mClientBuilder, M2mToken, RefreshPolicy, Scopes};
use cognito_auth_redis::{RedisStoreConfig, RedisTokenStore};
use pyo3::prelude::*;
use pyo3::types::PyFrozenSet;

use crate::convert::{frozenset, hash_text, sorted_scopes, string_list, utc_datetime};
use crate::errors::{config_message, m2m_error};
use crate::runtime;

/// A shared, caching source of client-credentials tokens for one app client.
#[pyclass(frozen, subclass, module = "cognito_auth._native")]
pub struct TokenSource {
    inner: cognito_auth::m2m::TokenSource,
}

fn scopes_of(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Scopes>> {
    Ok(string_list(value)?.map(Scopes::from))
}

/// A token for `scopes`, or for the source's own scopes.
async fn fetch(
    src: cognito_auth::m2m::TokenSource,
    scopes: Option<Scopes>,
) -> Result<M2mToken, cognito_auth::m2m::M2mError> {
    match scopes {
        Some(s) => src.token_for(s).await,
        None => src.token().await,
    }
}

fn build_source(
    py: Python<'_>,
    client: M2mClient,
    redis_url: Option<String>,
    redis_ca_file: Option<std::path::PathBuf>,
    refresh_at: Option<f64>,
) -> PyResult<TokenSource> {
    let mut policy = RefreshPolicy::default();
    if let Some(f) = refresh_at {
        if !(f > 0.0 && f < 1.0) {
            return Err(config_message(
                py,
                "refresh_at must be a fraction of the lifetime between 0 and 1",
            ));
        }
        policy = policy.refresh_at(f);
    }
    let mut builder = cognito_auth::m2m::TokenSource::builder(client).policy(policy);
    if let Some(url) = redis_url {
        let mut cfg = RedisStoreConfig::default();
        if let Some(path) = redis_ca_file {
            let pem = std::fs::read(&path).map_err(|e| {
                config_message(
                    py,
                    &format!("redis_ca_file: cannot read {}: {e}", path.display()),
                )
            })?;
            cfg = cfg.tls_root_certificates(pem);
        }
        let _guard = runtime::get()?.enter();
        let store = RedisTokenStore::with_config(&url, cfg)
            .map_err(|e| config_message(py, &format!("redis_url: {e}")))?;
        builder = builder.shared_store(store);
    }
    Ok(TokenSource {
        inner: builder.build(),
    })
}

#[pymethods]
impl TokenSource {
    #[new]
    #[pyo3(signature = (
        *, client_id=None, client_secret=None, domain=None, token_url=None, scopes=None,
        redis_url=None, redis_ca_file=None, refresh_at=None, _from_env=false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: Option<String>,
        client_secret: Option<String>,
        domain: Option<String>,
        token_url: Option<String>,
        scopes: Option<&Bound<'_, PyAny>>,
        redis_url: Option<String>,
        redis_ca_file: Option<std::path::PathBuf>,
        refresh_at: Option<f64>,
        _from_env: bool,
    ) -> PyResult<Self> {
        if _from_env {
            // `TokenSource.from_env()`: `COGNITO_DOMAIN` or `COGNITO_TOKEN_URL`,
            // `COGNITO_CLIENT_ID`, `COGNITO_CLIENT_SECRET`, `COGNITO_SCOPES` and, for the
            // fleet cache, `COGNITO_M2M_REDIS_URL`.
            let client = M2mClientBuilder::from_env()
                .http_config(runtime::http_config()?)
                .build()
                .map_err(|e| m2m_error(py, &e))?;
            let redis = std::env::var("COGNITO_M2M_REDIS_URL")
                .ok()
                .filter(|v| !v.is_empty());
            return build_source(py, client, redis, redis_ca_file, refresh_at);
        }
        let Some(client_id) = client_id else {
            return Err(config_message(py, "client_id= is required"));
        };
        let mut b = M2mClient::builder().client_id(client_id);
        match (domain, token_url) {
            (Some(_), Some(_)) => {
                return Err(config_message(py, "pass domain= or token_url=, not both"));
            }
            (Some(d), None) => b = b.domain(d),
            (None, Some(u)) => b = b.token_url(u),
            (None, None) => {
                return Err(config_message(
                    py,
                    "pass domain= (https://<prefix>.auth.<region>.amazoncognito.com) or token_url=",
                ));
            }
        }
        if let Some(s) = client_secret {
            b = b.client_secret(s);
        }
        if let Some(s) = scopes_of(scopes)? {
            b = b.default_scopes(s);
        }
        let client = b
            .http_config(runtime::http_config()?)
            .build()
            .map_err(|e| m2m_error(py, &e))?;
        build_source(py, client, redis_url, redis_ca_file, refresh_at)
    }

    /// A valid token for `scopes` (default: the source's scopes). Cached; one request
    /// however many threads ask at once; refreshed ahead of expiry.
    #[pyo3(signature = (scopes=None))]
    fn token(&self, py: Python<'_>, scopes: Option<&Bound<'_, PyAny>>) -> PyResult<AccessToken> {
        let scopes = scopes_of(scopes)?;
        let src = self.inner.clone();
        let result = runtime::block_on(py, move || fetch(src, scopes))?;
        result
            .map(|token| AccessToken { token })
            .map_err(|e| m2m_error(py, &e))
    }

    #[pyo3(signature = (scopes, done))]
    fn _token_in_background(
        &self,
        scopes: Option<&Bound<'_, PyAny>>,
        done: Py<PyAny>,
    ) -> PyResult<()> {
        let scopes = scopes_of(scopes)?;
        let src = self.inner.clone();
        runtime::spawn(
            async move {
                let result = fetch(src, scopes).await;
                Box::new(move |py: Python<'_>| match result {
                    Ok(token) => Ok(Py::new(py, AccessToken { token })?.into_any()),
                    Err(e) => Err(m2m_error(py, &e)),
                }) as runtime::Finish
            },
            done,
        )
    }

    /// A resource server refused `token` (HTTP 401): forget it so the next call fetches a
    /// new one. Returns whether a retry with a new token is worthwhile (at most one refetch
    /// per 30 s per scope set: the 401 budget).
    fn token_rejected(&self, token: &AccessToken) -> bool {
        self.inner.token_rejected(&token.token)
    }

    /// Drops every cached token.
    fn invalidate(&self) {
        self.inner.invalidate();
    }

    /// The token endpoint.
    #[getter]
    fn token_url(&self) -> &str {
        self.inner.client().token_url()
    }

    /// The app client.
    #[getter]
    fn client_id(&self) -> &str {
        self.inner.client().client_id()
    }

    fn __repr__(&self) -> String {
        format!(
            "TokenSource(client_id={:?}, token_url={:?}, client_secret=<redacted>)",
            self.client_id(),
            self.token_url()
        )
    }
}

/// A client-credentials access token. `repr()` and `str()` never show it: read
/// `.access_token` (or `.authorization` for the header value) where it is sent.
#[pyclass(frozen, module = "cognito_auth._native")]
pub struct AccessToken {
    pub(crate) token: M2mToken,
}

#[pymethods]
impl AccessToken {
    /// The token itself (a secret).
    #[getter]
    fn access_token(&self) -> &str {
        self.token.secret()
    }
    /// `Bearer <token>`, the `Authorization` header value.
    #[getter]
    fn authorization(&self) -> String {
        format!("Bearer {}", self.token.secret())
    }
    /// `token_type` (`Bearer`).
    #[getter]
    fn token_type(&self) -> &str {
        self.token.token_type()
    }
    /// `expires_in` as sent by the endpoint, in seconds.
    #[getter]
    fn expires_in(&self) -> f64 {
        self.token.expires_in().as_secs_f64()
    }
    /// When the token expires, as an aware UTC datetime.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let secs = self
            .token
            .expires_at_utc()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64();
        utc_datetime(py, secs)
    }
    /// The granted scopes.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.token.scopes().iter())
    }
    /// Whether it has expired.
    #[getter]
    fn is_expired(&self) -> bool {
        self.token.is_expired()
    }
    fn __repr__(&self) -> String {
        let scopes = sorted_scopes(self.token.scopes());
        format!(
            "AccessToken(token_type={:?}, scopes={scopes:?}, expires_in={}, access_token=<redacted>)",
            self.token.token_type(),
            self.token.expires_in().as_secs()
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<AccessToken>()
            .map(|o| o.get().token.secret() == self.token.secret())
            .unwrap_or(false)
    }
    fn __hash__(&self) -> u64 {
        hash_text(self.token.secret())
    }
}
