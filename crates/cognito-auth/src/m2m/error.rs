use std::time::Duration;

use crate::transport::TransportError;

/// Why a client-credentials token could not be obtained.
///
/// Never contains the client secret or a token. Response bodies are included (truncated)
/// only for non-2xx answers.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum M2mError {
    /// The client is misconfigured (detected before any request).
    #[error("invalid M2M client configuration: {0}")]
    Config(String),
    /// An empty scope list was passed; pass at least one scope or use the default scopes.
    #[error("no scopes requested: pass at least one scope, or use the default scopes")]
    EmptyScopes,
    /// The request did not complete: connection failure, timeout, or an oversized response
    /// (the [`TransportError`] is the source).
    #[error("token request failed")]
    Transport(#[from] TransportError),
    /// The token endpoint answered with a non-2xx status.
    #[error("token endpoint answered HTTP {status}{}", describe(.error, .error_description))]
    Endpoint {
        /// HTTP status.
        status: u16,
        /// OAuth2 `error` code (`invalid_client`, `invalid_scope`, ...), when the body had one.
        error: Option<String>,
        /// OAuth2 `error_description`, when present.
        error_description: Option<String>,
        /// The response body, truncated to 512 characters.
        body: String,
        /// `Retry-After`, when the endpoint sent one.
        retry_after: Option<Duration>,
    },
    /// A 2xx answer whose body is not a JSON object.
    #[error("token endpoint returned a body that is not a JSON object ({len} bytes)")]
    InvalidJson {
        /// Body length in bytes (the body itself is not kept: it may hold a token).
        len: usize,
    },
    /// A 2xx JSON answer without a usable `access_token`.
    #[error("token response has no access_token")]
    MissingAccessToken,
    /// A 2xx answer with an invalid field (`token_type`, `expires_in`).
    #[error("invalid token response: {0}")]
    InvalidResponse(String),
    /// The token endpoint asked for a pause (`Retry-After` on a 429 or 503) that has not
    /// passed yet; no request was sent. Retry after `retry_after`.
    #[error("token endpoint asked to wait; no request sent, retry in {retry_after:?}")]
    Throttled {
        /// Time left before the endpoint may be called again.
        retry_after: Duration,
    },
    /// The shared refresh task stopped unexpectedly.
    #[error("token refresh task failed: {0}")]
    Internal(String),
}

fn describe(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(": {e} ({d})"),
        (Some(e), None) => format!(": {e}"),
        _ => String::new(),
    }
}

impl M2mError {
    /// The HTTP status, for [`M2mError::Endpoint`].
    pub fn status(&self) -> Option<u16> {
        match self {
            M2mError::Endpoint { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The OAuth2 `error` code, for [`M2mError::Endpoint`].
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            M2mError::Endpoint { error, .. } => error.as_deref(),
            _ => None,
        }
    }

    /// Whether retrying may help: transport failures (not oversized bodies), 5xx and 429.
    /// Never 400/401 (`invalid_client`, `invalid_scope`, ...).
    pub fn is_retryable(&self) -> bool {
        match self {
            M2mError::Transport(TransportError::TooLarge { .. } | TransportError::Setup { .. }) => {
                false
            }
            M2mError::Transport(_) => true,
            M2mError::Endpoint { status, .. } => *status == 429 || (500..600).contains(status),
            _ => false,
        }
    }

    /// How long the endpoint asked to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            M2mError::Endpoint { retry_after, .. } => *retry_after,
            M2mError::Throttled { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}
