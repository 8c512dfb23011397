//! Error answers from Cognito's APIs, one type for every client: the user-pool client, the
//! identity-pool client and the admin client (`cognito-auth-admin`).

use std::fmt;

/// The Cognito error types the user-pool, identity-pool and admin clients meet, from the
/// `__type` (or the SDK's error code) of an error answer.
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
    /// `WebAuthnNotEnabledException`: passkeys are not enabled for the pool or app client.
    WebAuthnNotEnabled,
    /// Any other type, by name.
    Other(String),
}

impl CognitoErrorKind {
    /// The kind for an error type name (`NotAuthorizedException`, …).
    pub fn from_type(t: &str) -> Self {
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
            "WebAuthnNotEnabledException" => WebAuthnNotEnabled,
            other => Other(other.to_owned()),
        }
    }
}

impl CognitoErrorKind {
    /// The error type name as Cognito spells it (`NotAuthorizedException`, …).
    pub fn as_str(&self) -> &str {
        use CognitoErrorKind::*;
        match self {
            NotAuthorized => "NotAuthorizedException",
            UserNotFound => "UserNotFoundException",
            UserNotConfirmed => "UserNotConfirmedException",
            PasswordResetRequired => "PasswordResetRequiredException",
            CodeMismatch => "CodeMismatchException",
            ExpiredCode => "ExpiredCodeException",
            InvalidPassword => "InvalidPasswordException",
            UsernameExists => "UsernameExistsException",
            AliasExists => "AliasExistsException",
            LimitExceeded => "LimitExceededException",
            TooManyRequests => "TooManyRequestsException",
            TooManyFailedAttempts => "TooManyFailedAttemptsException",
            InvalidParameter => "InvalidParameterException",
            ResourceNotFound => "ResourceNotFoundException",
            CodeDeliveryFailure => "CodeDeliveryFailureException",
            EnableSoftwareTokenMfa => "EnableSoftwareTokenMFAException",
            SoftwareTokenMfaNotFound => "SoftwareTokenMFANotFoundException",
            Internal => "InternalErrorException",
            WebAuthnNotEnabled => "WebAuthnNotEnabledException",
            Other(s) => s,
        }
    }
}

impl fmt::Display for CognitoErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cognito answered an operation with an error: the type, its message and the request id to
/// quote to AWS support. Never contains what was sent (passwords, tokens, codes).
///
/// ```
/// use cognito_auth::service::{CognitoErrorKind, ServiceError};
/// let e = ServiceError::new("InitiateAuth", CognitoErrorKind::NotAuthorized, "Incorrect username or password.");
/// assert_eq!(e.to_string(), "Cognito refused InitiateAuth: NotAuthorizedException (Incorrect username or password.)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Cognito refused {operation}: {kind} ({message})")]
#[non_exhaustive]
pub struct ServiceError {
    /// The operation, e.g. `InitiateAuth`.
    pub operation: &'static str,
    /// The error type.
    pub kind: CognitoErrorKind,
    /// Cognito's message.
    pub message: String,
    /// `x-amzn-RequestId`, when the answer carried one.
    pub request_id: Option<String>,
    /// The HTTP status, when known.
    pub status: Option<u16>,
}

impl ServiceError {
    /// An error of `kind` for `operation`.
    pub fn new(
        operation: &'static str,
        kind: CognitoErrorKind,
        message: impl Into<String>,
    ) -> Self {
        ServiceError {
            operation,
            kind,
            message: message.into(),
            request_id: None,
            status: None,
        }
    }
    /// With the request id.
    #[must_use]
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }
    /// With the HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: Option<u16>) -> Self {
        self.status = status;
        self
    }
    /// Wrong credentials, revoked or expired tokens (`NotAuthorizedException`).
    pub fn is_not_authorized(&self) -> bool {
        self.kind == CognitoErrorKind::NotAuthorized
    }
    /// Throttling (`TooManyRequestsException`, `LimitExceededException`): retrying later may
    /// help.
    pub fn is_throttling(&self) -> bool {
        matches!(
            self.kind,
            CognitoErrorKind::TooManyRequests | CognitoErrorKind::LimitExceeded
        )
    }
}
