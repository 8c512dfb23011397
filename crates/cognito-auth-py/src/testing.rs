//! `LocalIssuer`: the Rust test kit's Cognito-shaped issuer (JWKS, `/oauth2/token`, real RS256
//! signatures) on 127.0.0.1, for Python test suites.

use std::sync::Mutex;
use std::time::Duration;

use cognito_auth_testkit::{ClientSpec, Fault, Signing, TokenBuilder};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::string_list;
use crate::errors::config_message;

/// `(client_id, secret_or_None, scopes)`.
type ClientTuple = (String, Option<String>, Vec<String>);

/// A local issuer on its own thread. Stops on `close()` or when collected.
#[pyclass(frozen, module = "cognito_auth._native")]
pub struct LocalIssuer {
    inner: Mutex<Option<cognito_auth_testkit::LocalIssuer>>,
    issuer: String,
    base_url: String,
    pool_id: String,
}

fn json_value(v: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let text: String = v
        .py()
        .import("json")?
        .getattr("dumps")?
        .call1((v,))?
        .extract()?;
    serde_json::from_str(&text).map_err(|e| config_message(v.py(), &e.to_string()))
}

impl LocalIssuer {
    fn with<T>(&self, f: impl FnOnce(&cognito_auth_testkit::LocalIssuer) -> T) -> PyResult<T> {
        let guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("LocalIssuer lock poisoned"))?;
        match guard.as_ref() {
            Some(i) => Ok(f(i)),
            None => Err(PyRuntimeError::new_err("LocalIssuer is closed")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn mint(
        &self,
        py: Python<'_>,
        access: bool,
        client_id: &str,
        scopes: Option<&Bound<'_, PyAny>>,
        groups: Option<&Bound<'_, PyAny>>,
        username: Option<&str>,
        expires_in: Option<i64>,
        expired: bool,
        claims: Option<&Bound<'_, PyDict>>,
        signing: &str,
    ) -> PyResult<String> {
        let scopes = string_list(scopes)?;
        let groups = string_list(groups)?;
        let mut extra = Vec::new();
        if let Some(c) = claims {
            for (k, v) in c.iter() {
                let k: String = k.extract()?;
                extra.push((
                    k,
                    if v.is_none() {
                        None
                    } else {
                        Some(json_value(&v)?)
                    },
                ));
            }
        }
        let signing = signing.to_owned();
        let client_id = client_id.to_owned();
        let username = username.map(str::to_owned);
        let token = self.with(|i| {
            let mut b: TokenBuilder = if access {
                i.access_token()
            } else {
                i.id_token()
            };
            b = b.client_id(&client_id);
            if let Some(u) = &username {
                b = b.user(u);
            }
            if let Some(s) = scopes {
                b = b.scopes(s);
            }
            if let Some(g) = groups {
                b = b.groups(g);
            }
            if let Some(e) = expires_in {
                b = b.expires_in(e);
            }
            if expired {
                b = b.expired();
            }
            for (k, v) in extra {
                b = match v {
                    Some(v) => b.claim(&k, v),
                    None => b.without(&k),
                };
            }
            let signing = match signing.as_str() {
                "rs256" => None,
                "unpublished_key" => Some(Signing::Rs256(
                    i.other_key().with_kid(i.current_key().kid()),
                )),
                "hs256" => Some(Signing::Hs256(i.current_key().public_components().0)),
                "es256" => Some(Signing::Es256),
                "none" => Some(Signing::None),
                _ => return Err(signing),
            };
            if let Some(s) = signing {
                b = b.signing(s);
            }
            Ok(b.sign())
        })?;
        token.map_err(|s| {
            config_message(
                py,
                &format!("signing must be rs256, unpublished_key, hs256, es256 or none, not {s:?}"),
            )
        })
    }
}

#[pymethods]
impl LocalIssuer {
    /// `clients`: `(client_id, secret_or_None, scopes)` tuples the token endpoint knows;
    /// `issuer`: the `iss` of its tokens (default: its own URL), e.g. a real pool's issuer
    /// for code that derives the issuer from a region and pool id.
    #[new]
    #[pyo3(signature = (*, clients=None, token_lifetime=3600, pool_id=None, issuer=None))]
    fn new(
        py: Python<'_>,
        clients: Option<Vec<ClientTuple>>,
        token_lifetime: i64,
        pool_id: Option<String>,
        issuer: Option<String>,
    ) -> PyResult<Self> {
        let mut b = cognito_auth_testkit::LocalIssuer::builder().token_lifetime(token_lifetime);
        if let Some(i) = issuer {
            b = b.issuer(i);
        }
        if let Some(p) = pool_id {
            b = b.pool_id(p);
        }
        for (id, secret, scopes) in clients.unwrap_or_default() {
            let spec = match secret {
                Some(s) => ClientSpec::new(id, s),
                None => ClientSpec::public(id),
            };
            b = b.client(spec.scopes(scopes));
        }
        let issuer = py.detach(|| b.start_blocking());
        Ok(LocalIssuer {
            issuer: issuer.issuer().to_owned(),
            base_url: issuer.base_url().to_owned(),
            pool_id: issuer.pool_id().to_owned(),
            inner: Mutex::new(Some(issuer)),
        })
    }

    /// The `iss` of its tokens.
    #[getter]
    fn issuer(&self) -> &str {
        &self.issuer
    }
    /// `http://127.0.0.1:<port>`.
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The pool id its tokens name.
    #[getter]
    fn pool_id(&self) -> &str {
        &self.pool_id
    }
    /// The JWKS URL.
    #[getter]
    fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base_url)
    }
    /// The token endpoint (`/oauth2/token`).
    #[getter]
    fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.base_url)
    }
    /// The JWKS document.
    fn jwks_json(&self) -> PyResult<String> {
        self.with(|i| i.jwks_json())
    }

    /// A signed access token. `claims`: extra claims (`None` removes one); `signing`:
    /// `rs256` (default), or a forgery (`unpublished_key`, `hs256`, `es256`, `none`).
    #[pyo3(signature = (
        *, client_id="test-client", scopes=None, groups=None, username=None,
        expires_in=None, expired=false, claims=None, signing="rs256",
    ))]
    #[allow(clippy::too_many_arguments)]
    fn access_token(
        &self,
        py: Python<'_>,
        client_id: &str,
        scopes: Option<&Bound<'_, PyAny>>,
        groups: Option<&Bound<'_, PyAny>>,
        username: Option<&str>,
        expires_in: Option<i64>,
        expired: bool,
        claims: Option<&Bound<'_, PyDict>>,
        signing: &str,
    ) -> PyResult<String> {
        self.mint(
            py, true, client_id, scopes, groups, username, expires_in, expired, claims, signing,
        )
    }

    /// A signed ID token (same keywords as `access_token`, without scopes).
    #[pyo3(signature = (
        *, client_id="test-client", groups=None, username=None, expires_in=None,
        expired=false, claims=None, signing="rs256",
    ))]
    #[allow(clippy::too_many_arguments)]
    fn id_token(
        &self,
        py: Python<'_>,
        client_id: &str,
        groups: Option<&Bound<'_, PyAny>>,
        username: Option<&str>,
        expires_in: Option<i64>,
        expired: bool,
        claims: Option<&Bound<'_, PyDict>>,
        signing: &str,
    ) -> PyResult<String> {
        self.mint(
            py, false, client_id, None, groups, username, expires_in, expired, claims, signing,
        )
    }

    /// Adds an app client to the token endpoint.
    /// `callback_urls`: redirect URIs allowed for the hosted-UI login (a loopback URI with
    /// port 0 allows any port).
    #[pyo3(signature = (client_id, secret=None, scopes=Vec::new(), callback_urls=Vec::new()))]
    fn add_client(
        &self,
        client_id: String,
        secret: Option<String>,
        scopes: Vec<String>,
        callback_urls: Vec<String>,
    ) -> PyResult<()> {
        let spec = match secret {
            Some(s) => ClientSpec::new(client_id, s),
            None => ClientSpec::public(client_id),
        };
        self.with(|i| i.add_client(spec.scopes(scopes).callback_urls(callback_urls)))
    }

    /// The user `/oauth2/authorize` signs in (no page is shown).
    fn set_login_user(&self, username: &str) -> PyResult<()> {
        self.with(|i| i.set_login_user(username))
    }

    /// Makes the next `/oauth2/authorize` redirect back with `error=<code>`.
    fn fail_next_login(&self, code: &str) -> PyResult<()> {
        self.with(|i| i.fail_next_login(code))
    }

    /// When on, the refresh-token grant returns a new refresh token (Cognito's rotation).
    fn set_refresh_token_rotation(&self, on: bool) -> PyResult<()> {
        self.with(|i| i.set_refresh_token_rotation(on))
    }

    /// Requests served by `/oauth2/token` so far.
    fn token_requests(&self) -> PyResult<usize> {
        self.with(|i| i.token_requests())
    }
    /// Requests served by the JWKS endpoint so far.
    fn jwks_requests(&self) -> PyResult<usize> {
        self.with(|i| i.jwks_requests())
    }
    /// Sets both counters to zero.
    fn reset_counters(&self) -> PyResult<()> {
        self.with(|i| i.reset_counters())
    }
    /// Lifetime of tokens the endpoint issues from now on.
    fn set_token_lifetime(&self, seconds: i64) -> PyResult<()> {
        self.with(|i| i.set_token_lifetime(seconds))
    }
    /// Publishes a new signing key and signs with it from now on; returns its `kid`.
    fn rotate_key(&self) -> PyResult<String> {
        self.with(|i| i.rotate_key())
    }
    /// The next `count` token requests answer `status` (with `Retry-After: retry_after`
    /// for a 429 when given) or, with `delay`, answer normally after that many seconds.
    #[pyo3(signature = (*, status=None, count=1, retry_after=None, delay=None))]
    fn fail_token_requests(
        &self,
        py: Python<'_>,
        status: Option<u16>,
        count: usize,
        retry_after: Option<u64>,
        delay: Option<f64>,
    ) -> PyResult<()> {
        let fault = match (status, retry_after, delay) {
            (Some(429), Some(secs), None) => Fault::too_many_requests(secs),
            (Some(s), None, None) => Fault::status(s),
            (None, None, Some(d)) if d.is_finite() && d >= 0.0 => {
                Fault::delay(Duration::from_secs_f64(d))
            }
            _ => {
                return Err(config_message(
                    py,
                    "pass status= (retry_after= only with 429) or delay=",
                ));
            }
        };
        self.with(|i| i.push_token_faults(std::iter::repeat_n(fault, count)))
    }
    /// Makes the JWKS endpoint answer `status` (`None`: healthy again).
    #[pyo3(signature = (status=None))]
    fn set_jwks_status(&self, status: Option<u16>) -> PyResult<()> {
        self.with(|i| match status {
            Some(s) => i.set_jwks_fault(Fault::status(s)),
            None => i.clear_faults(),
        })
    }

    /// Stops the server.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("LocalIssuer lock poisoned"))?
            .take();
        py.detach(move || drop(taken));
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("LocalIssuer(issuer={:?})", self.issuer)
    }
}
