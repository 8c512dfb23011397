//! Core errors raised as the Python classes of `cognito_auth.exceptions`, so users `except`
//! them like any Python exception and each carries the core's stable reason code.

use cognito_auth::m2m::M2mError;
use cognito_auth::verify::{ConfigError, ErrorKind, Reason, ScopeMatch, VerifyError};
use cognito_auth::web::{AuthError, ErrorResponse};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict};

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    EXCEPTIONS
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("cognito_auth.exceptions")?.unbind())
        })?
        .bind(py)
        .getattr(name)
}

fn raise(py: Python<'_>, name: &str, message: &str, kwargs: &Bound<'_, PyDict>) -> PyErr {
    match class(py, name).and_then(|c| c.call((message,), Some(kwargs))) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => PyRuntimeError::new_err(format!(
            "cognito_auth.exceptions.{name} could not be raised ({e}): {message}"
        )),
    }
}

/// A rejected token: `NotAuthenticated` (401), `Forbidden` and its `InsufficientScope` /
/// `ClientNotAllowed` (403), or `KeysUnavailable` (503).
pub(crate) fn verify_error(py: Python<'_>, e: &VerifyError) -> PyErr {
    let name = match (e.kind(), e.reason()) {
        (ErrorKind::Forbidden, Reason::InsufficientScope) => "InsufficientScope",
        (ErrorKind::Forbidden, Reason::ClientNotAllowed) => "ClientNotAllowed",
        (ErrorKind::Forbidden, _) => "Forbidden",
        (ErrorKind::Unavailable, _) => "KeysUnavailable",
        _ => "NotAuthenticated",
    };
    let build = || -> PyResult<Bound<'_, PyDict>> {
        let kw = PyDict::new(py);
        kw.set_item("reason", e.reason().as_str())?;
        kw.set_item("status", e.kind().http_status())?;
        if let Some(f) = e.scope_failure() {
            kw.set_item("token_scopes", f.token_scopes.clone())?;
            kw.set_item("required_scopes", f.required.clone())?;
            kw.set_item(
                "scope_match",
                match f.matching {
                    ScopeMatch::All => "all",
                    ScopeMatch::Any => "any",
                },
            )?;
        }
        Ok(kw)
    };
    match build() {
        Ok(kw) => raise(py, name, e.message(), &kw),
        Err(err) => err,
    }
}

/// A configuration mistake, detected before any request: `ConfigurationError` (a
/// `ValueError`).
pub(crate) fn config_error(py: Python<'_>, e: &ConfigError) -> PyErr {
    config_message(py, &e.to_string())
}

pub(crate) fn config_message(py: Python<'_>, message: &str) -> PyErr {
    raise(py, "ConfigurationError", message, &PyDict::new(py))
}

/// A token request that failed: `TokenRequestError` with the endpoint's status and OAuth2
/// error, or `ThrottledError` inside a `Retry-After` pause.
pub(crate) fn m2m_error(py: Python<'_>, e: &M2mError) -> PyErr {
    let message = cognito_auth::error_chain(e);
    let build = || -> PyResult<Bound<'_, PyDict>> {
        let kw = PyDict::new(py);
        kw.set_item("status_code", e.status())?;
        kw.set_item("error_code", e.oauth_error())?;
        if let M2mError::Endpoint {
            error_description,
            body,
            ..
        } = e
        {
            kw.set_item("error_description", error_description.as_deref())?;
            kw.set_item("response_body", body.as_str())?;
        }
        kw.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
        kw.set_item("retryable", e.is_retryable())?;
        Ok(kw)
    };
    let name = match e {
        M2mError::Config(_) | M2mError::EmptyScopes => {
            return raise(py, "ConfigurationError", &message, &PyDict::new(py));
        }
        M2mError::Throttled { .. } => "ThrottledError",
        _ => "TokenRequestError",
    };
    match build() {
        Ok(kw) => raise(py, name, &message, &kw),
        Err(err) => err,
    }
}

/// A request refused by the web layer: `RequestRefused` carrying the exact response the core
/// rendered (status, `WWW-Authenticate`, content type, body) and the reason code.
pub(crate) fn refused(py: Python<'_>, err: &AuthError, response: ErrorResponse) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyDict>> {
        let kw = PyDict::new(py);
        kw.set_item("status", response.status)?;
        kw.set_item("reason", err.reason_code())?;
        kw.set_item("www_authenticate", response.www_authenticate.as_deref())?;
        kw.set_item("content_type", response.content_type)?;
        kw.set_item("body", PyBytes::new(py, &response.body))?;
        Ok(kw)
    };
    match build() {
        Ok(kw) => raise(py, "RequestRefused", err.detail(), &kw),
        Err(e) => e,
    }
}

fn raise_with(
    py: Python<'_>,
    name: &str,
    message: &str,
    fill: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>,
) -> PyErr {
    let kw = PyDict::new(py);
    match fill(&kw) {
        Ok(()) => raise(py, name, message, &kw),
        Err(e) => e,
    }
}

fn service(py: Python<'_>, e: &cognito_auth::service::ServiceError, message: &str) -> PyErr {
    // `_user_error` picks the subclass for the code (NotAuthorizedError, CodeMismatchError, …).
    raise_with(py, "_service_error", message, |kw| {
        kw.set_item("code", e.kind.as_str())?;
        kw.set_item("operation", e.operation)?;
        kw.set_item("request_id", e.request_id.as_deref())?;
        kw.set_item("status", e.status)
    })
}

/// A failed user-pool operation: Cognito's answer as the subclass of `UserPoolError` for its
/// code, `UserPoolUnreachable` when no answer came, `WrongAnswerError` /
/// `UnknownChallengeError` for challenge misuse, `ConfigurationError` before any request.
pub(crate) fn user_error(py: Python<'_>, e: &cognito_auth::user::UserError) -> PyErr {
    use cognito_auth::user::UserError as E;
    let message = cognito_auth::error_chain(e);
    match e {
        E::Service(s) => service(py, s, &message),
        E::Transport { operation, .. } => raise_with(py, "UserPoolUnreachable", &message, |kw| {
            kw.set_item("operation", *operation)
        }),
        E::UnknownChallenge { name, parameters } => {
            raise_with(py, "UnknownChallengeError", &message, |kw| {
                kw.set_item("name", name)?;
                kw.set_item("parameters", parameters.clone())
            })
        }
        E::WrongAnswer { challenge, .. } => raise_with(py, "WrongAnswerError", &message, |kw| {
            kw.set_item("challenge", challenge)
        }),
        E::TokenVerification(v) => verify_error(py, v),
        E::Config(m) => config_message(py, m),
        E::NoRefreshToken => raise_with(py, "SessionExpired", &message, |_| Ok(())),
        _ => raise_with(py, "UserPoolError", &message, |_| Ok(())),
    }
}

/// A failed renewal of a person's tokens (the cause's own class when it is a user-pool
/// error; `SessionExpired` when there is nothing to renew with).
pub(crate) fn refresh_error(py: Python<'_>, e: &cognito_auth::refresh::RefreshError) -> PyErr {
    use cognito_auth::refresh::RefreshError as R;
    let message = cognito_auth::error_chain(e);
    match e {
        R::Rejected(cause) | R::Unreachable(cause) => {
            if let Some(u) = cause.downcast_ref::<cognito_auth::user::UserError>() {
                return user_error(py, u);
            }
            if let Some(h) = cause.downcast_ref::<cognito_auth::hosted_ui::HostedUiError>() {
                return hosted_ui_error(py, h);
            }
            let name = if e.is_unreachable() {
                "UserPoolUnreachable"
            } else {
                "NotAuthorizedError"
            };
            raise_with(py, name, &message, |_| Ok(()))
        }
        _ => raise_with(py, "SessionExpired", &message, |_| Ok(())),
    }
}

/// A failed identity-pool step: `RoleSelectionError` (with the candidates), Cognito
/// Identity's answer as `IdentityPoolError`, or the token layer's error.
pub(crate) fn identity_error(py: Python<'_>, e: &cognito_auth::identity::IdentityError) -> PyErr {
    use cognito_auth::identity::IdentityError as E;
    let message = cognito_auth::error_chain(e);
    match e {
        E::NoRoles { suffix } => raise_with(py, "RoleSelectionError", &message, |kw| {
            kw.set_item("suffix", suffix)?;
            kw.set_item("candidates", Vec::<String>::new())
        }),
        E::RoleNotFound { suffix, candidates } | E::AmbiguousRole { suffix, candidates } => {
            raise_with(py, "RoleSelectionError", &message, |kw| {
                kw.set_item("suffix", suffix)?;
                kw.set_item("candidates", candidates.clone())
            })
        }
        E::Refresh(r) => refresh_error(py, r),
        E::Config(m) => config_message(py, m),
        E::Service(s) => raise_with(py, "IdentityPoolError", &message, |kw| {
            kw.set_item("code", s.kind.as_str())?;
            kw.set_item("operation", s.operation)
        }),
        _ => raise_with(py, "IdentityPoolError", &message, |_| Ok(())),
    }
}

/// A failed hosted-UI step: `LoginTimeout`, `HostedUiError` with the OAuth2 `error`.
pub(crate) fn hosted_ui_error(py: Python<'_>, e: &cognito_auth::hosted_ui::HostedUiError) -> PyErr {
    use cognito_auth::hosted_ui::HostedUiError as E;
    let message = cognito_auth::error_chain(e);
    match e {
        E::Config(m) => config_message(py, m),
        E::NonLoopback(_) => config_message(py, &message),
        E::Timeout(_) => raise_with(py, "LoginTimeout", &message, |_| Ok(())),
        E::Authorization { error, description } => {
            raise_with(py, "HostedUiError", &message, |kw| {
                kw.set_item("error", error)?;
                kw.set_item("error_description", description.as_deref())
            })
        }
        E::Endpoint {
            status,
            error,
            description,
        } => raise_with(py, "HostedUiError", &message, |kw| {
            kw.set_item("status_code", *status)?;
            kw.set_item("error", error.as_deref())?;
            kw.set_item("error_description", description.as_deref())
        }),
        _ => raise_with(py, "HostedUiError", &message, |_| Ok(())),
    }
}
