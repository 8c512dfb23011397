//! Identity pools: `IdentityCredentials` turns a person's tokens (a `Session` or hosted-UI
//! `LoginTokens`) into AWS credentials, fresh on both layers (the core's
//! `CognitoCredentials`): the user-pool tokens are renewed first, then the AWS credentials.
//! `cognito_auth.identity.refreshing_session` feeds them to botocore.

use std::time::{Duration, UNIX_EPOCH};

use cognito_auth::identity::{
    AwsCredentials, CognitoCredentials, IdentityError, IdentityPoolClient, RoleChoice,
};
use cognito_auth::refresh::RefreshingTokens;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::utc_datetime;
use crate::errors::identity_error;
use crate::hosted_ui::LoginTokens;
use crate::runtime::{awaitable, http_config, wait};
use crate::user::Session;

/// AWS credentials for a signed-in person from an identity pool. Thread-safe: concurrent
/// callers share one refresh.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct IdentityCredentials {
    inner: CognitoCredentials,
    margin: Duration,
}

fn metadata(py: Python<'_>, r: Result<AwsCredentials, IdentityError>) -> PyResult<Py<PyAny>> {
    let c = r.map_err(|e| identity_error(py, &e))?;
    let secs = c
        .expiration
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let o = PyDict::new(py);
    o.set_item("access_key", &c.access_key_id)?;
    o.set_item("secret_key", c.secret_access_key.expose())?;
    o.set_item("token", c.session_token.expose())?;
    o.set_item(
        "expiry_time",
        utc_datetime(py, secs)?.call_method0("isoformat")?,
    )?;
    o.set_item("identity_id", &c.identity_id)?;
    Ok(o.into_any().unbind())
}

#[pymethods]
impl IdentityCredentials {
    /// `tokens`: a `Session` (user-pool sign-in) or `LoginTokens` (hosted UI).
    /// `user_pool_id` names the `Logins` provider (taken from a `Session` when not given).
    /// The role: the pool's default, `role_arn=`, or `role_suffix=` (exactly one role of the
    /// ID token's `cognito:roles` ending with it, else `RoleSelectionError`). `margin`:
    /// seconds before expiry at which both layers are renewed.
    #[new]
    #[pyo3(signature = (identity_pool_id, *, tokens, user_pool_id=None, region=None, role_suffix=None, role_arn=None, account_id=None, endpoint=None, margin=300.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        identity_pool_id: String,
        tokens: &Bound<'_, PyAny>,
        user_pool_id: Option<String>,
        region: Option<String>,
        role_suffix: Option<String>,
        role_arn: Option<String>,
        account_id: Option<String>,
        endpoint: Option<String>,
        margin: f64,
    ) -> PyResult<Self> {
        let (shared, pool): (RefreshingTokens, Option<String>) = if let Ok(s) =
            tokens.cast::<Session>()
        {
            let s = s.get();
            (s.tokens.clone(), Some(s.client.pool_id().to_owned()))
        } else if let Ok(t) = tokens.cast::<LoginTokens>() {
            if user_pool_id.is_none() {
                return Err(crate::errors::config_message(
                    py,
                    "hosted-UI tokens need user_pool_id= (the Logins provider of the identity pool)",
                ));
            }
            (t.get().tokens.clone(), None)
        } else {
            return Err(PyTypeError::new_err(
                "tokens: a cognito_auth Session or hosted-UI LoginTokens",
            ));
        };
        let role = match (role_suffix, role_arn) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "give role_suffix or role_arn, not both",
                ));
            }
            (Some(s), None) => RoleChoice::Suffix(s),
            (None, Some(a)) => RoleChoice::Arn(a),
            (None, None) => RoleChoice::Default,
        };
        let mut b = IdentityPoolClient::builder()
            .identity_pool_id(identity_pool_id)
            .http_config(http_config()?);
        if let Some(p) = user_pool_id.or(pool) {
            b = b.user_pool(p);
        }
        if let Some(r) = region {
            b = b.region(r);
        }
        if let Some(a) = account_id {
            b = b.account_id(a);
        }
        if let Some(e) = endpoint {
            b = b.endpoint(e);
        }
        let client = b.build().map_err(|e| identity_error(py, &e))?;
        let margin = Duration::try_from_secs_f64(margin)
            .map_err(|_| PyValueError::new_err("margin: seconds, not negative"))?;
        Ok(IdentityCredentials {
            inner: CognitoCredentials::with_tokens(client, shared, role),
            margin,
        })
    }

    /// Credentials with at least `margin` seconds left (the configured margin by default),
    /// as botocore's refresh metadata: `access_key`, `secret_key`, `token`, `expiry_time`
    /// (ISO 8601), plus `identity_id`.
    #[pyo3(signature = (margin=None))]
    fn credentials(&self, py: Python<'_>, margin: Option<f64>) -> PyResult<Py<PyAny>> {
        let m = self.margin_or(margin)?;
        let c = self.inner.clone();
        wait(py, async move { c.ensure_credentials(m).await }, metadata)
    }
    /// `await` form of `credentials()`.
    #[pyo3(signature = (margin=None))]
    fn acredentials<'py>(
        &self,
        py: Python<'py>,
        margin: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = self.margin_or(margin)?;
        let c = self.inner.clone();
        awaitable(py, async move { c.ensure_credentials(m).await }, metadata)
    }
    /// The AWS CLI `credential_process` JSON (`Version: 1`).
    fn credential_process_json(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.clone();
        crate::runtime::block_on(py, move || async move { c.credentials().await })?
            .map(|c| c.credential_process_json())
            .map_err(|e| identity_error(py, &e))
    }
    /// The refresh margin in seconds.
    #[getter]
    fn margin(&self) -> f64 {
        self.margin.as_secs_f64()
    }
    fn __repr__(&self) -> String {
        format!("IdentityCredentials(margin={}s)", self.margin.as_secs())
    }
}

impl IdentityCredentials {
    fn margin_or(&self, m: Option<f64>) -> PyResult<Duration> {
        match m {
            None => Ok(self.margin),
            Some(s) => Duration::try_from_secs_f64(s)
                .map_err(|_| PyValueError::new_err("margin: seconds, not negative")),
        }
    }
}
