//! `Verifier` and `VerifiedToken`.

use std::time::Duration;

use cognito_auth::verify::{AcceptedTokenUse, ScopeMatch, TokenUse, VerifierBuilder};
use cognito_auth::web::{AuthConfig, ServicePrincipal};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{frozenset, hash_text, json_to_py, sorted_scopes, string_list, utc_datetime};
use crate::errors::{config_error, config_message, verify_error};
use crate::runtime;

/// Verifies Cognito access or ID tokens against a pool's JWKS (see the stubs for the
/// keyword arguments). One key cache and one verified-token cache, shared by every thread.
#[pyclass(frozen, subclass, module = "cognito_auth._native")]
pub struct Verifier {
    pub(crate) inner: cognito_auth::Verifier,
}

fn parse_scope_match(py: Python<'_>, s: &str) -> PyResult<ScopeMatch> {
    s.parse().map_err(|m: String| config_message(py, &m))
}

pub(crate) fn parse_token_use(py: Python<'_>, s: &str) -> PyResult<AcceptedTokenUse> {
    s.parse()
        .map_err(|m: String| config_message(py, &format!("token_use: {m}")))
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (
        *, token_use=None, user_pool_id=None, region=None, issuer=None, allowed_clients=None,
        any_client=false, scopes=None, scope_match="all", audience=None, groups=None,
        leeway=5.0, replica_regions=None, jwks_url=None, jwks_file=None, jwks_json=None,
        token_cache_size=None, _from_env=false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        token_use: Option<&str>,
        user_pool_id: Option<String>,
        region: Option<String>,
        issuer: Option<String>,
        allowed_clients: Option<&Bound<'_, PyAny>>,
        any_client: bool,
        scopes: Option<&Bound<'_, PyAny>>,
        scope_match: &str,
        audience: Option<&Bound<'_, PyAny>>,
        groups: Option<&Bound<'_, PyAny>>,
        leeway: f64,
        replica_regions: Option<&Bound<'_, PyAny>>,
        jwks_url: Option<String>,
        jwks_file: Option<std::path::PathBuf>,
        jwks_json: Option<String>,
        token_cache_size: Option<usize>,
        _from_env: bool,
    ) -> PyResult<Self> {
        if _from_env {
            // `Verifier.from_env()`: every setting from the `COGNITO_*` variables.
            let http = runtime::http_config()?;
            let inner = VerifierBuilder::from_env()
                .and_then(|b| b.http_config(http).build())
                .map_err(|e| config_error(py, &e))?;
            return Ok(Verifier { inner });
        }
        let Some(token_use) = token_use else {
            return Err(config_message(
                py,
                "token_use= is required: \"access\", \"id\" or \"any\"",
            ));
        };
        if !(0.0..=300.0).contains(&leeway) {
            return Err(config_message(
                py,
                "leeway must be between 0 and 300 seconds",
            ));
        }
        if user_pool_id.is_some() && issuer.is_some() {
            return Err(config_message(
                py,
                "pass user_pool_id= or issuer=, not both",
            ));
        }
        let clients = string_list(allowed_clients)?;
        if clients.is_some() && any_client {
            return Err(config_message(
                py,
                "pass allowed_clients=[...] or any_client=True, not both",
            ));
        }
        let cfg = AuthConfig {
            region,
            user_pool_id,
            issuer,
            jwks_url,
            jwks_json,
            jwks_file,
            token_use: Some(parse_token_use(py, token_use)?),
            allowed_clients: clients,
            any_client,
            audience: string_list(audience)?,
            replica_regions: string_list(replica_regions)?.unwrap_or_default(),
            ..AuthConfig::default()
        };
        let mut b: VerifierBuilder = cfg.verifier_builder().map_err(|e| config_error(py, &e))?;
        b = b
            .leeway(Duration::from_secs_f64(leeway))
            .http_config(runtime::http_config()?);
        if let Some(s) = string_list(scopes)? {
            b = b.required_scopes(s);
        }
        b = b.scope_match(parse_scope_match(py, scope_match)?);
        if let Some(g) = string_list(groups)? {
            b = b.required_groups(g);
        }
        if let Some(n) = token_cache_size {
            b = b.token_cache_capacity(n);
        }
        let inner = b.build().map_err(|e| config_error(py, &e))?;
        Ok(Verifier { inner })
    }

    /// Verifies `token` and returns its claims, or raises.
    fn verify(&self, py: Python<'_>, token: &str) -> PyResult<VerifiedToken> {
        let result = match self.inner.verify_now(token) {
            Some(r) => r,
            None => {
                let v = self.inner.clone();
                runtime::block_on(py, move || async move { v.verify(token).await })?
            }
        };
        result
            .map(VerifiedToken::from_token)
            .map_err(|e| verify_error(py, &e))
    }

    /// The answer for a token verified before (a cache lookup that never waits), or `None`.
    fn verify_now(&self, py: Python<'_>, token: &str) -> PyResult<Option<VerifiedToken>> {
        match self.inner.verify_now(token) {
            None => Ok(None),
            Some(Ok(t)) => Ok(Some(VerifiedToken::from_token(t))),
            Some(Err(e)) => Err(verify_error(py, &e)),
        }
    }

    /// Verifies on the module's I/O threads and calls `done(ok, value)` from there.
    fn _verify_in_background(&self, token: String, done: Py<PyAny>) -> PyResult<()> {
        let v = self.inner.clone();
        runtime::spawn(
            async move {
                let result = v.verify(&token).await;
                Box::new(move |py: Python<'_>| match result {
                    Ok(t) => Ok(Py::new(py, VerifiedToken::from_token(t))?.into_any()),
                    Err(e) => Err(verify_error(py, &e)),
                }) as runtime::Finish
            },
            done,
        )
    }

    /// Fetches the signing keys now (they are fetched on first use otherwise).
    fn hydrate(&self, py: Python<'_>) -> PyResult<()> {
        let v = self.inner.clone();
        runtime::block_on(py, move || async move { v.hydrate().await })?
            .map_err(|e| verify_error(py, &e))
    }

    /// Adds keys for `issuer` from a JWKS document; returns how many were added.
    fn add_keys(&self, py: Python<'_>, issuer: &str, jwks_json: &str) -> PyResult<usize> {
        self.inner
            .add_keys(issuer, jwks_json)
            .map_err(|e| config_error(py, &e))
    }

    /// The trusted issuers.
    #[getter]
    fn issuers(&self) -> Vec<String> {
        self.inner.issuers().map(str::to_owned).collect()
    }

    /// Verified-token cache counters: `{"hits", "misses", "entries", "capacity"}`.
    fn cache_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.cache_stats();
        let d = PyDict::new(py);
        d.set_item("hits", s.hits)?;
        d.set_item("misses", s.misses)?;
        d.set_item("entries", s.entries)?;
        d.set_item("capacity", s.capacity)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("Verifier(issuers={:?})", self.issuers())
    }
}

/// A verified token: the caller of a request (the `ServicePrincipal` of the web layer).
/// Immutable; `repr()` never shows the token.
#[pyclass(frozen, module = "cognito_auth._native")]
pub struct VerifiedToken {
    pub(crate) principal: ServicePrincipal,
}

impl VerifiedToken {
    pub(crate) fn from_token(t: cognito_auth::verify::VerifiedToken) -> Self {
        VerifiedToken {
            principal: ServicePrincipal::from(t),
        }
    }
}

#[pymethods]
impl VerifiedToken {
    /// The app client (`client_id`, or `aud` of an ID token).
    #[getter]
    fn client_id(&self) -> &str {
        self.principal.client_id()
    }
    /// `sub`.
    #[getter]
    fn sub(&self) -> &str {
        self.principal.sub()
    }
    /// `username` (access tokens) or `cognito:username` (ID tokens), when present.
    #[getter]
    fn username(&self) -> Option<&str> {
        self.principal.username()
    }
    /// The granted scopes.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyFrozenSet>> {
        frozenset(py, self.principal.scopes().iter())
    }
    /// `cognito:groups`.
    #[getter]
    fn groups<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.principal.groups())
    }
    /// `"access"` or `"id"`.
    #[getter]
    fn token_use(&self) -> &'static str {
        match self.principal.token_use() {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
    /// `iss`.
    #[getter]
    fn issuer(&self) -> &str {
        self.principal.issuer()
    }
    /// `aud` values (ID tokens; access tokens that carry one).
    #[getter]
    fn audience<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.principal.audience())
    }
    /// Expiry as an aware UTC datetime.
    #[getter]
    fn exp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime(py, self.principal.exp() as f64)
    }
    /// Issue time as an aware UTC datetime, when present.
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.principal
            .iat()
            .map(|t| utc_datetime(py, t as f64))
            .transpose()
    }
    /// Every claim of the payload, as `json.loads` would give it.
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (k, v) in self.principal.claims() {
            dict.set_item(k, json_to_py(py, v)?)?;
        }
        Ok(dict.into_any())
    }
    /// Whether the token carries `scope`.
    fn has_scope(&self, scope: &str) -> bool {
        self.principal.has_scope(scope)
    }
    /// Whether the token carries all (`match="all"`) or any (`match="any"`) of `scopes`
    /// (no scopes: true).
    #[pyo3(signature = (*scopes, r#match="all"))]
    fn has_scopes(&self, py: Python<'_>, scopes: Vec<String>, r#match: &str) -> PyResult<bool> {
        let m = parse_scope_match(py, r#match)?;
        Ok(scopes.is_empty() || self.principal.has_scopes(&scopes, m))
    }
    /// Whether the token's groups include `group`.
    fn in_group(&self, group: &str) -> bool {
        self.principal.in_group(group)
    }
    /// Always true (Django's `request.auth` / user-like checks).
    #[getter]
    fn is_authenticated(&self) -> bool {
        true
    }
    fn __repr__(&self) -> String {
        let scopes = sorted_scopes(self.principal.scopes());
        format!(
            "VerifiedToken(client_id={:?}, sub={:?}, token_use={:?}, scopes={:?}, groups={:?}, exp={})",
            self.principal.client_id(),
            self.principal.sub(),
            self.token_use(),
            scopes,
            self.principal.groups(),
            self.principal.exp()
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<VerifiedToken>()
            .map(|o| o.get().principal.token().raw_token() == self.principal.token().raw_token())
            .unwrap_or(false)
    }
    fn __hash__(&self) -> u64 {
        hash_text(self.principal.token().raw_token())
    }
}
