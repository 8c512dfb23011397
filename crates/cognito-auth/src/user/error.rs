use std::collections::BTreeMap;

use crate::aws_json::CallError;
use crate::service::{CognitoErrorKind, ServiceError};
use crate::srp::SrpError;
use crate::transport::TransportError;
use crate::verify::VerifyError;

/// Why a user-pool operation failed. Causes are kept: [`std::error::Error::source`] leads
/// to the service error, the transport failure or the verification error underneath.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// Cognito answered with an error.
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
    /// Cognito answered, but not as the protocol says.
    #[error("unexpected response to {operation}: {message}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A challenge this library does not know; its name and parameters are kept.
    #[error("unsupported challenge {name}")]
    UnknownChallenge {
        /// `ChallengeName`.
        name: String,
        /// `ChallengeParameters`.
        parameters: BTreeMap<String, String>,
    },
    /// The answer does not fit the challenge (e.g. a code for a new-password challenge).
    #[error("answer does not fit challenge {challenge}: {message}")]
    WrongAnswer {
        /// The challenge.
        challenge: String,
        /// What was wrong.
        message: String,
    },
    /// SRP computation failed (a broken or malicious server value).
    #[error("SRP failed")]
    Srp(#[from] SrpError),
    /// The issued tokens did not pass verification.
    #[error("issued tokens failed verification")]
    TokenVerification(#[from] VerifyError),
    /// The client is misconfigured (detected before any request).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The session holds no refresh token (it was not issued, or not stored).
    #[error("the session holds no refresh token")]
    NoRefreshToken,
    /// The session holds no new device to confirm (device tracking is off, or it was
    /// confirmed already).
    #[error("the session holds no new device to confirm")]
    NoNewDevice,
    /// Cognito asked for `DEVICE_SRP_AUTH` but the sign-in was started without device
    /// credentials.
    #[error("Cognito asked for DEVICE_SRP_AUTH but no device credentials were given")]
    DeviceCredentialsRequired,
}

impl UserError {
    pub(crate) fn from_call(operation: &'static str, e: CallError) -> Self {
        match e {
            CallError::Service(s) => UserError::Service(s),
            CallError::Transport(source) => UserError::Transport { operation, source },
            CallError::Shape(message) => UserError::InvalidResponse { operation, message },
        }
    }

    pub(crate) fn invalid(operation: &'static str, message: impl Into<String>) -> Self {
        UserError::InvalidResponse {
            operation,
            message: message.into(),
        }
    }

    /// The Cognito error kind, if Cognito reported one.
    pub fn kind(&self) -> Option<&CognitoErrorKind> {
        match self {
            UserError::Service(s) => Some(&s.kind),
            _ => None,
        }
    }

    /// The service error, if Cognito answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            UserError::Service(s) => Some(s),
            _ => None,
        }
    }

    /// Wrong credentials, revoked or expired tokens (`NotAuthorizedException`).
    pub fn is_not_authorized(&self) -> bool {
        self.kind() == Some(&CognitoErrorKind::NotAuthorized)
    }

    /// The service could not be reached (network, timeout): retrying later may help,
    /// signing in again does not.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, UserError::Transport { .. })
    }
}
