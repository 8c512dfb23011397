//! How a command fails: an exit code, a message in the user's terms with the next step, and
//! the technical detail (API operation, transport cause) shown with `--verbose`.

use cognito_auth::service::CognitoErrorKind;
use cognito_auth::user::UserError;

use crate::{EXIT_NOT_AUTHENTICATED, EXIT_UNAVAILABLE, EXIT_USAGE, UsageError};

/// A failed command. `main` prints `cognito <command>: <message>` (and the detail with
/// `--verbose`) and exits with `code`.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub detail: Option<String>,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            detail: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(EXIT_USAGE, message)
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// With the whole cause chain of `e` as the detail.
    pub fn because(self, e: &(dyn std::error::Error + 'static)) -> Self {
        self.detail(cognito_auth::error_chain(e))
    }
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Self {
        Failure::usage(e.0)
    }
}

/// Where the user-pool endpoint came from, for "cannot reach" messages.
pub fn endpoint_origin(explicit: bool) -> &'static str {
    if explicit {
        "set by --endpoint or COGNITO_IDP_ENDPOINT"
    } else {
        "derived from the user pool id's region"
    }
}

/// A user-pool error, said in the user's terms. `endpoint` is the URL the client called and
/// `origin` where it came from.
pub fn user_error(e: &UserError, endpoint: &str, origin: &str) -> Failure {
    let f = match e {
        UserError::Transport { .. } => Failure::new(
            EXIT_UNAVAILABLE,
            format!(
                "cannot reach the user-pool endpoint {endpoint} ({origin}); check the network and try again"
            ),
        ),
        UserError::Config(m) => Failure::usage(m.clone()),
        UserError::WrongAnswer { message, .. } => Failure::usage(message.clone()),
        UserError::UnknownChallenge { name, .. } => Failure::new(
            EXIT_NOT_AUTHENTICATED,
            format!(
                "Cognito asked for `{name}`, which this version cannot answer; sign in through the hosted UI instead (`cognito login --domain …`)"
            ),
        ),
        _ => match e.kind() {
            Some(kind) => Failure::new(kind_exit(kind), kind_message(kind, e)),
            None => Failure::new(EXIT_NOT_AUTHENTICATED, format!("the sign-in failed: {e}")),
        },
    };
    f.because(e)
}

fn kind_exit(kind: &CognitoErrorKind) -> u8 {
    match kind {
        CognitoErrorKind::Internal => EXIT_UNAVAILABLE,
        CognitoErrorKind::ResourceNotFound | CognitoErrorKind::InvalidParameter => EXIT_USAGE,
        _ => EXIT_NOT_AUTHENTICATED,
    }
}

fn kind_message(kind: &CognitoErrorKind, e: &UserError) -> String {
    let said = e
        .service_error()
        .map(|s| s.message.trim().to_owned())
        .filter(|m| !m.is_empty());
    match kind {
        CognitoErrorKind::NotAuthorized => format!(
            "sign-in refused: {}",
            said.as_deref().unwrap_or("incorrect user name or password")
        ),
        CognitoErrorKind::UserNotFound => "no such user in this user pool".into(),
        CognitoErrorKind::UserNotConfirmed => {
            "the account is not confirmed yet: confirm it with the code sent at sign-up".into()
        }
        CognitoErrorKind::PasswordResetRequired => {
            "the password must be reset first (forgot-password in your app), then sign in again"
                .into()
        }
        CognitoErrorKind::CodeMismatch => "the code is not correct".into(),
        CognitoErrorKind::ExpiredCode => "the code has expired; sign in again for a new one".into(),
        CognitoErrorKind::InvalidPassword => format!(
            "the new password does not meet the user pool's password policy{}",
            said.map(|m| format!(": {m}")).unwrap_or_default()
        ),
        CognitoErrorKind::TooManyRequests
        | CognitoErrorKind::LimitExceeded
        | CognitoErrorKind::TooManyFailedAttempts => {
            "too many attempts; wait a while and try again".into()
        }
        CognitoErrorKind::ResourceNotFound => {
            "the user pool or app client does not exist: check --user-pool-id and --client-id"
                .into()
        }
        CognitoErrorKind::InvalidParameter => format!(
            "Cognito refused the request{}",
            said.map(|m| format!(": {m}")).unwrap_or_default()
        ),
        CognitoErrorKind::WebAuthnNotEnabled => {
            "passkeys are not enabled for this user pool or app client".into()
        }
        CognitoErrorKind::Internal => "Cognito had an internal error; try again later".into(),
        _ => format!(
            "Cognito refused the sign-in{}",
            said.map(|m| format!(": {m}")).unwrap_or_default()
        ),
    }
}

/// Whether the error is a wrong code that may be typed again within the same session.
pub fn is_wrong_code(e: &UserError) -> bool {
    e.kind() == Some(&CognitoErrorKind::CodeMismatch)
}
