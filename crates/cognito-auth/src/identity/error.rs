use crate::aws_json::CallError;
use crate::refresh::RefreshError;
use crate::service::ServiceError;
use crate::transport::TransportError;
use crate::verify::VerifyError;

/// Why identity-pool credentials could not be obtained. Causes are kept as
/// [`source`](std::error::Error::source)s.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Cognito Identity answered with an error (`NotAuthorizedException`, …).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The request did not complete.
    #[error("{operation} failed")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// Why.
        #[source]
        source: TransportError,
    },
    /// A 2xx answer that does not match the API.
    #[error("unexpected response to {operation}: {message}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The ID token carries no `cognito:roles` claim, so no role can be chosen by suffix
    /// (the user is in no group with an IAM role, or the identity pool is set to use the
    /// default role: choose the default role or a role ARN instead).
    #[error("the ID token carries no roles (cognito:roles), so no role ends with `{suffix}`")]
    NoRoles {
        /// The suffix asked for.
        suffix: String,
    },
    /// No role in `cognito:roles` ends with the suffix.
    #[error("no role ends with `{suffix}`; the token allows: {}", candidates.join(", "))]
    RoleNotFound {
        /// The suffix asked for.
        suffix: String,
        /// The roles the token carries.
        candidates: Vec<String>,
    },
    /// Several roles end with the suffix.
    #[error("several roles end with `{suffix}`: {}", candidates.join(", "))]
    AmbiguousRole {
        /// The suffix asked for.
        suffix: String,
        /// The matching roles.
        candidates: Vec<String>,
    },
    /// The ID token cannot be read (for `cognito:roles`).
    #[error("the ID token is unreadable")]
    Token(#[source] VerifyError),
    /// The signed-in person's tokens hold no ID token (sign in with the `openid` scope).
    #[error("the tokens hold no ID token (sign in with the openid scope)")]
    NoIdToken,
    /// Renewing the user-pool tokens failed.
    #[error("renewing the user-pool tokens failed")]
    Refresh(#[from] RefreshError),
    /// Misconfiguration (detected before any request).
    #[error("invalid identity-pool configuration: {0}")]
    Config(String),
}

impl IdentityError {
    pub(crate) fn from_call(operation: &'static str, e: CallError) -> Self {
        match e {
            CallError::Service(s) => IdentityError::Service(s),
            CallError::Transport(source) => IdentityError::Transport { operation, source },
            CallError::Shape(message) => IdentityError::InvalidResponse { operation, message },
        }
    }

    /// The identity service, or the sign-in service behind a refresh, could not be reached.
    pub fn is_unreachable(&self) -> bool {
        match self {
            IdentityError::Transport { .. } => true,
            IdentityError::Refresh(r) => r.is_unreachable(),
            _ => false,
        }
    }
}
