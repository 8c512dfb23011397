use std::collections::BTreeMap;

use crate::aws_json::CallError;
use crate::srp::SrpError;
use crate::transport::TransportError;
use crate::verify::VerifyError;

/// The Cognito error types user flows meet, from the `__type` of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CognitoErrorKind {
    /// `NotAuthorizedException`: wrong password, revoked or expired token, disabled user…
    NotAuthorized,
    /// `UserNotFoundException`.
    UserNotFound,
    /// `UserNotConfirmedException`: confirm the sign-up first.
    UserNotConfirmed,
    /// `PasswordResetRequiredException`: use forgot-password.
    PasswordResetRequired,
    /// `CodeMismatchException`.
    CodeMismatch,
    /// `ExpiredCodeException`.
    ExpiredCode,
    /// `InvalidPasswordException`: the password policy refused it.
    InvalidPassword,
    /// `UsernameExistsException`.
    UsernameExists,
    /// `AliasExistsException`.
    AliasExists,
    /// `LimitExceededException`.
    LimitExceeded,
    /// `TooManyRequestsException`: throttled.
    TooManyRequests,
    /// `TooManyFailedAttemptsException`.
    TooManyFailedAttempts,
    /// `InvalidParameterException`.
    InvalidParameter,
    /// `ResourceNotFoundException`: unknown pool or client.
    ResourceNotFound,
    /// `CodeDeliveryFailureException`.
    CodeDeliveryFailure,
    /// `EnableSoftwareTokenMFAException`.
    EnableSoftwareTokenMfa,
    /// `SoftwareTokenMFANotFoundException`.
    SoftwareTokenMfaNotFound,
    /// `InternalErrorException` or an unparsable 5xx answer.
    Internal,
    /// Any other type, by name.
    Other(String),
}

impl CognitoErrorKind {
    pub(crate) fn from_type(t: &str) -> Self {
        use CognitoErrorKind::*;
        match t {
            "NotAuthorizedException" => NotAuthorized,
            "UserNotFoundException" => UserNotFound,
            "UserNotConfirmedException" => UserNotConfirmed,
            "PasswordResetRequiredException" => PasswordResetRequired,
            "CodeMismatchException" => CodeMismatch,
            "ExpiredCodeException" => ExpiredCode,
            "InvalidPasswordException" => InvalidPassword,
            "UsernameExistsException" => UsernameExists,
            "AliasExistsException" => AliasExists,
            "LimitExceededException" => LimitExceeded,
            "TooManyRequestsException" => TooManyRequests,
            "TooManyFailedAttemptsException" => TooManyFailedAttempts,
            "InvalidParameterException" => InvalidParameter,
            "ResourceNotFoundException" => ResourceNotFound,
            "CodeDeliveryFailureException" => CodeDeliveryFailure,
            "EnableSoftwareTokenMFAException" => EnableSoftwareTokenMfa,
            "SoftwareTokenMFANotFoundException" => SoftwareTokenMfaNotFound,
            "InternalErrorException" => Internal,
            other => Other(other.to_owned()),
        }
    }
}

/// Why a user-pool operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// Cognito answered with an error.
    #[error("Cognito refused {operation}: {kind:?} ({message})")]
    Cognito {
        /// The operation, e.g. `InitiateAuth`.
        operation: &'static str,
        /// The error type.
        kind: CognitoErrorKind,
        /// Cognito's message (never contains passwords or tokens we sent).
        message: String,
        /// HTTP status.
        status: u16,
    },
    /// The request did not complete.
    #[error("{operation} failed: {source}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// Why.
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
    #[error("SRP failed: {0}")]
    Srp(#[from] SrpError),
    /// The issued tokens did not pass verification.
    #[error("issued tokens failed verification: {0}")]
    TokenVerification(#[from] VerifyError),
    /// The client is misconfigured.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An admin operation (AWS SDK) failed.
    #[error("admin operation {operation} failed: {message}")]
    Admin {
        /// The operation.
        operation: &'static str,
        /// The SDK's error, rendered.
        message: String,
        /// The Cognito error type, when the SDK reported one.
        kind: Option<CognitoErrorKind>,
    },
}

impl UserError {
    pub(crate) fn from_call(operation: &'static str, e: CallError) -> Self {
        match e {
            CallError::Service {
                status,
                type_name,
                message,
            } => UserError::Cognito {
                operation,
                kind: CognitoErrorKind::from_type(&type_name),
                message,
                status,
            },
            CallError::Unparsable { status } => UserError::Cognito {
                operation,
                kind: if status >= 500 {
                    CognitoErrorKind::Internal
                } else {
                    CognitoErrorKind::Other(format!("HTTP {status}"))
                },
                message: format!("HTTP {status} with a body that is not JSON"),
                status,
            },
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

    /// The Cognito error kind, if Cognito (or the SDK) reported one.
    pub fn kind(&self) -> Option<&CognitoErrorKind> {
        match self {
            UserError::Cognito { kind, .. } => Some(kind),
            UserError::Admin { kind, .. } => kind.as_ref(),
            _ => None,
        }
    }

    /// Wrong credentials, revoked or expired tokens (`NotAuthorizedException`).
    pub fn is_not_authorized(&self) -> bool {
        self.kind() == Some(&CognitoErrorKind::NotAuthorized)
    }
}
