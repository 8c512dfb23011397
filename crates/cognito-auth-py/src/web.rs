//! `Authenticator` and `Guard`: the core's web decisions (401 / 403 / 503, `WWW-Authenticate`,
//! bodies) for the Django, DRF, FastAPI and Starlette glue in Python.

use std::collections::HashMap;

use cognito_auth::web::{AuthConfig, AuthError, GuardDefaults, UnlistedMethod};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::string_list;
use crate::errors::{config_error, config_message, refused};
use crate::runtime;
use crate::verify::{VerifiedToken, Verifier};

/// Reads the token of a request, verifies it and renders refusals exactly as the Rust
/// integrations do. Built from the settings of `cognito_auth.web` (an `AuthConfig` as JSON).
#[pyclass(frozen, subclass, module = "cognito_auth._native")]
pub struct Authenticator {
    inner: cognito_auth::web::Authenticator,
}

fn header_values(values: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if values.is_none() {
        return Ok(out);
    }
    for v in values.try_iter()? {
        let v = v?;
        if let Ok(b) = v.cast::<PyBytes>() {
            out.push(b.as_bytes().to_vec());
        } else {
            out.push(v.extract::<String>()?.into_bytes());
        }
    }
    Ok(out)
}

impl Authenticator {
    fn finish(
        &self,
        py: Python<'_>,
        outcome: Result<Option<cognito_auth::web::ServicePrincipal>, AuthError>,
    ) -> PyResult<Option<VerifiedToken>> {
        match outcome {
            Ok(p) => Ok(p.map(|principal| VerifiedToken { principal })),
            Err(e) => Err(refused(py, &e, self.inner.render(&e))),
        }
    }
}

#[pymethods]
impl Authenticator {
    /// `config_json`: an `AuthConfig` document (the keys of the Rust struct); `verifier`:
    /// a verifier to use instead of one built from the document.
    #[new]
    #[pyo3(signature = (config_json, verifier=None))]
    fn new(py: Python<'_>, config_json: &str, verifier: Option<&Verifier>) -> PyResult<Self> {
        let cfg: AuthConfig = serde_json::from_str(config_json)
            .map_err(|e| config_message(py, &format!("invalid settings: {e}")))?;
        let inner = match verifier {
            // Settings that configure the verifier are refused with a given verifier.
            Some(v) => cfg.authenticator_with(v.inner.clone()),
            None => {
                let http = runtime::http_config()?;
                cfg.authenticator_with_builder(|b| b.http_config(http))
            }
        }
        .map_err(|e| config_error(py, &e))?;
        Ok(Authenticator { inner })
    }

    /// The principal of a request whose authorization header had these values (every
    /// occurrence, `str` or `bytes`), `None` for an anonymous request in permissive mode;
    /// raises `RequestRefused` carrying the response to send.
    fn authenticate(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Option<VerifiedToken>> {
        let values = header_values(headers)?;
        if let Some(outcome) = self
            .inner
            .authenticate_now(values.iter().map(Vec::as_slice))
        {
            return self.finish(py, outcome);
        }
        let auth = self.inner.clone();
        let outcome = runtime::block_on(py, move || async move {
            auth.authenticate(values.iter().map(Vec::as_slice)).await
        })?;
        self.finish(py, outcome)
    }

    /// The answer when it needs no waiting (a token verified before, or a refusal of the
    /// header alone): `(True, principal_or_None)`, or `(False, None)` to call
    /// `_authenticate_in_background`.
    fn authenticate_now(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<(bool, Option<VerifiedToken>)> {
        let values = header_values(headers)?;
        match self
            .inner
            .authenticate_now(values.iter().map(Vec::as_slice))
        {
            Some(outcome) => Ok((true, self.finish(py, outcome)?)),
            None => Ok((false, None)),
        }
    }

    fn _authenticate_in_background(
        &self,
        headers: &Bound<'_, PyAny>,
        done: Py<PyAny>,
    ) -> PyResult<()> {
        let values = header_values(headers)?;
        let auth = self.inner.clone();
        runtime::spawn(
            async move {
                let outcome = auth
                    .authenticate(values.iter().map(Vec::as_slice))
                    .await
                    .map_err(|e| {
                        let response = auth.render(&e);
                        (e, response)
                    });
                Box::new(move |py: Python<'_>| match outcome {
                    Ok(Some(principal)) => Ok(Py::new(py, VerifiedToken { principal })?.into_any()),
                    Ok(None) => Ok(py.None()),
                    Err((e, response)) => Err(refused(py, &e, response)),
                }) as runtime::Finish
            },
            done,
        )
    }

    /// The response for a request that a view refused itself (`not_authenticated`:
    /// 401, `forbidden`: 403), as `RequestRefused`.
    fn refusal(&self, py: Python<'_>, kind: &str) -> PyResult<Py<PyAny>> {
        let e = match kind {
            "not_authenticated" => AuthError::MissingCredentials,
            "forbidden" => AuthError::Forbidden {
                reason: cognito_auth::verify::Reason::CustomCheck,
                required_scopes: Vec::new(),
            },
            other => {
                return Err(config_message(
                    py,
                    &format!("refusal kind must be not_authenticated or forbidden, not {other:?}"),
                ));
            }
        };
        Ok(refused(py, &e, self.inner.render(&e))
            .into_value(py)
            .into_any())
    }

    /// `"required"` or `"permissive"`.
    #[getter]
    fn mode(&self) -> &'static str {
        match self.inner.mode() {
            cognito_auth::web::AuthMode::Permissive => "permissive",
            _ => "required",
        }
    }

    /// The header the token is read from.
    #[getter]
    fn header_name(&self) -> &str {
        self.inner.header_name()
    }

    /// The verifier behind this authenticator.
    #[getter]
    fn verifier(&self) -> Verifier {
        Verifier {
            inner: self.inner.verifier().clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Authenticator(mode={:?}, header={:?})",
            self.mode(),
            self.header_name()
        )
    }
}

/// A route's requirements: scopes (all or any), per-method scopes (`HEAD` as `GET`),
/// groups and a client allowlist. `check` raises `RequestRefused` with the core's response.
#[pyclass(frozen, module = "cognito_auth._native")]
pub struct Guard {
    inner: cognito_auth::web::Guard,
}

#[pymethods]
impl Guard {
    #[new]
    #[pyo3(signature = (
        *, scopes=None, scope_match=None, method_scopes=None, unlisted_methods="deny",
        clients=None, any_groups=None, all_groups=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        scopes: Option<&Bound<'_, PyAny>>,
        scope_match: Option<&str>,
        method_scopes: Option<HashMap<String, Bound<'_, PyAny>>>,
        unlisted_methods: &str,
        clients: Option<&Bound<'_, PyAny>>,
        any_groups: Option<&Bound<'_, PyAny>>,
        all_groups: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut g = cognito_auth::web::Guard::authenticated();
        if let Some(s) = string_list(scopes)? {
            g = g.scopes(s);
        }
        if let Some(m) = scope_match {
            g = g.scope_match(m.parse().map_err(|e: String| config_message(py, &e))?);
        }
        if let Some(map) = method_scopes {
            for (method, s) in map {
                let list = string_list(Some(&s))?.unwrap_or_default();
                g = g.method_scopes(&method.to_ascii_uppercase(), list);
            }
        }
        g = g.unlisted_methods(match unlisted_methods {
            "deny" => UnlistedMethod::Deny,
            "allow" => UnlistedMethod::Allow,
            other => {
                return Err(config_message(
                    py,
                    &format!("unlisted_methods must be \"deny\" or \"allow\", not {other:?}"),
                ));
            }
        });
        if let Some(c) = string_list(clients)? {
            g = g.clients(c);
        }
        match (string_list(any_groups)?, string_list(all_groups)?) {
            (Some(_), Some(_)) => {
                return Err(config_message(
                    py,
                    "pass any_groups= or all_groups=, not both",
                ));
            }
            (Some(a), None) => g = g.any_group(a),
            (None, Some(a)) => g = g.all_groups(a),
            (None, None) => {}
        }
        Ok(Guard { inner: g })
    }

    /// Checks a request of `method` by `principal` (`None`: anonymous) with the defaults and
    /// the rendering of `authenticator`; raises `RequestRefused` when it may not pass.
    fn check(
        &self,
        py: Python<'_>,
        principal: Option<&VerifiedToken>,
        method: &str,
        authenticator: &Authenticator,
    ) -> PyResult<()> {
        let defaults: &GuardDefaults = authenticator.inner.defaults();
        self.inner
            .check(principal.map(|p| &p.principal), method, defaults)
            .map_err(|e| refused(py, &e, authenticator.inner.render(&e)))
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}
