//! A person's tokens (the core's `RefreshingTokens`) as Python sees them: what `Session`
//! (user-pool sign-in) and `LoginTokens` (hosted UI) share.

use std::time::{SystemTime, UNIX_EPOCH};

use cognito_auth::refresh::{RefreshError, RefreshingTokens, UserTokens};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::utc_datetime;
use crate::errors::refresh_error;
use crate::runtime::{awaitable, wait};

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Which token a caller asks for.
#[derive(Clone, Copy)]
pub(crate) enum Which {
    Access,
    Id,
}

fn pick(py: Python<'_>, which: Which, r: Result<UserTokens, RefreshError>) -> PyResult<Py<PyAny>> {
    let t = r.map_err(|e| refresh_error(py, &e))?;
    let text = match which {
        Which::Access => Some(t.access_token.expose().to_owned()),
        Which::Id => t.id_token.map(|t| t.expose().to_owned()),
    };
    Ok(text.into_pyobject(py)?.into_any().unbind())
}

/// The access or ID token, renewed first when it is within the margin of expiry; a value,
/// or a coroutine with `asynchronous`.
pub(crate) fn current<'py>(
    py: Python<'py>,
    tokens: &RefreshingTokens,
    which: Which,
    asynchronous: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let tokens = tokens.clone();
    let fut = async move { tokens.current().await };
    let convert = move |py: Python<'_>, r| pick(py, which, r);
    if asynchronous {
        awaitable(py, fut, convert)
    } else {
        Ok(wait(py, fut, convert)?.into_bound(py))
    }
}

/// Renews the tokens now (unless another caller just did); `None`, or a coroutine.
pub(crate) fn renew<'py>(
    py: Python<'py>,
    tokens: &RefreshingTokens,
    asynchronous: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (tokens, stale) = (tokens.clone(), tokens.tokens().access_token);
    let fut = async move { tokens.renew_if_current(&stale).await };
    let convert = |py: Python<'_>, r: Result<UserTokens, RefreshError>| {
        r.map(|_| py.None()).map_err(|e| refresh_error(py, &e))
    };
    if asynchronous {
        awaitable(py, fut, convert)
    } else {
        Ok(wait(py, fut, convert)?.into_bound(py))
    }
}

/// When the current tokens expire (aware UTC datetime).
pub(crate) fn expires_at<'py>(
    py: Python<'py>,
    tokens: &RefreshingTokens,
) -> PyResult<Bound<'py, PyAny>> {
    utc_datetime(py, secs(tokens.tokens().expires_at))
}

/// The refresh token's text.
pub(crate) fn refresh_token(tokens: &RefreshingTokens) -> Option<String> {
    tokens.tokens().refresh_token.map(|t| t.expose().to_owned())
}

/// The tokens as a dict for a token store (secrets).
pub(crate) fn to_dict<'py>(
    py: Python<'py>,
    tokens: &RefreshingTokens,
) -> PyResult<Bound<'py, PyDict>> {
    let t = tokens.tokens();
    let o = PyDict::new(py);
    o.set_item("username", t.username)?;
    o.set_item("access_token", t.access_token.expose())?;
    o.set_item("id_token", t.id_token.as_ref().map(|t| t.expose()))?;
    o.set_item(
        "refresh_token",
        t.refresh_token.as_ref().map(|t| t.expose()),
    )?;
    o.set_item("expires_at", secs(t.expires_at))?;
    Ok(o)
}
