use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::verify::{ErrorKind, Reason, VerifyError};

/// Why a request was not let through: each maps to 401, 403, 500 or 503.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthError {
    /// No bearer credentials (401, `WWW-Authenticate: Bearer` without an error code).
    MissingCredentials,
    /// An authorization header with the bearer scheme but not exactly one token (401).
    MalformedHeader,
    /// The token is not genuine or not current (401, `error="invalid_token"`).
    InvalidToken(VerifyError),
    /// A genuine token that is not allowed here (403, `error="insufficient_scope"`).
    Forbidden {
        /// Why.
        reason: Reason,
        /// The scopes that were required (for the `scope` parameter), possibly empty.
        required_scopes: Vec<String>,
    },
    /// The keys could not be fetched, so nothing was decided (503).
    Unavailable(VerifyError),
    /// The token is genuine but no application user matches it (401).
    UserNotFound,
    /// A server-side failure, e.g. an ambiguous user mapping (500, generic body).
    Internal(String),
}

impl From<VerifyError> for AuthError {
    fn from(e: VerifyError) -> Self {
        match e.kind() {
            ErrorKind::Forbidden => AuthError::Forbidden {
                reason: e.reason(),
                required_scopes: e
                    .required_scopes()
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
            },
            ErrorKind::Unavailable => AuthError::Unavailable(e),
            _ => AuthError::InvalidToken(e),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::MissingCredentials => f.write_str("no bearer credentials"),
            AuthError::MalformedHeader => f.write_str("malformed authorization header"),
            AuthError::InvalidToken(e) => write!(f, "invalid token: {e}"),
            AuthError::Forbidden { reason, .. } => write!(f, "forbidden: {reason}"),
            AuthError::Unavailable(e) => write!(f, "cannot check tokens: {e}"),
            AuthError::UserNotFound => f.write_str("no application user for this principal"),
            AuthError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for AuthError {}

/// Fixed messages for response bodies (never validator internals).
pub mod messages {
    /// 401 without credentials.
    pub const NOT_PROVIDED: &str = "Authentication credentials were not provided.";
    /// 401 for a malformed authorization header.
    pub const MALFORMED: &str = "Invalid authorization header.";
    /// 401 for an invalid token.
    pub const INVALID: &str = "Invalid or expired token.";
    /// 401 when no application user matches.
    pub const NO_USER: &str = "No user is associated with this token.";
    /// 403.
    pub const FORBIDDEN: &str = "You do not have permission to perform this action.";
    /// 503.
    pub const UNAVAILABLE: &str = "Authentication is temporarily unavailable.";
    /// 500.
    pub const INTERNAL: &str = "Internal server error.";
}

impl AuthError {
    /// 401, 403, 500 or 503.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::MissingCredentials
            | AuthError::MalformedHeader
            | AuthError::InvalidToken(_)
            | AuthError::UserNotFound => 401,
            AuthError::Forbidden { .. } => 403,
            AuthError::Unavailable(_) => 503,
            AuthError::Internal(_) => 500,
        }
    }

    /// The status as a metric label: `401`, `403`, `500` or `503`.
    pub fn status_label(&self) -> &'static str {
        match self.status() {
            401 => "401",
            403 => "403",
            503 => "503",
            _ => "500",
        }
    }

    /// A stable code for logs: the verification [`Reason`] where there is one, else
    /// `missing_credentials`, `malformed_header`, `user_not_found` or `internal`.
    pub fn reason_code(&self) -> &'static str {
        match self {
            AuthError::MissingCredentials => "missing_credentials",
            AuthError::MalformedHeader => "malformed_header",
            AuthError::InvalidToken(e) | AuthError::Unavailable(e) => e.reason().as_str(),
            AuthError::Forbidden { reason, .. } => reason.as_str(),
            AuthError::UserNotFound => "user_not_found",
            AuthError::Internal(_) => "internal",
        }
    }

    /// The fixed, client-facing message.
    pub fn detail(&self) -> &'static str {
        match self {
            AuthError::MissingCredentials => messages::NOT_PROVIDED,
            AuthError::MalformedHeader => messages::MALFORMED,
            AuthError::InvalidToken(_) => messages::INVALID,
            AuthError::UserNotFound => messages::NO_USER,
            AuthError::Forbidden { .. } => messages::FORBIDDEN,
            AuthError::Unavailable(_) => messages::UNAVAILABLE,
            AuthError::Internal(_) => messages::INTERNAL,
        }
    }

    /// The RFC 6750 `WWW-Authenticate` value, if the status calls for one.
    ///
    /// ```
    /// use cognito_auth::web::AuthError;
    /// use cognito_auth::verify::Reason;
    ///
    /// assert_eq!(AuthError::MissingCredentials.www_authenticate("Bearer", None).unwrap(), "Bearer");
    /// let e = AuthError::Forbidden { reason: Reason::InsufficientScope, required_scopes: vec!["a".into(), "b".into()] };
    /// assert_eq!(e.www_authenticate("Bearer", Some("api")).unwrap(),
    ///            r#"Bearer realm="api", error="insufficient_scope", scope="a b""#);
    /// ```
    pub fn www_authenticate(&self, scheme: &str, realm: Option<&str>) -> Option<String> {
        let mut params: Vec<String> = Vec::new();
        if let Some(r) = realm {
            params.push(format!("realm=\"{}\"", quote(r)));
        }
        match self {
            AuthError::MissingCredentials => {}
            AuthError::MalformedHeader | AuthError::InvalidToken(_) | AuthError::UserNotFound => {
                params.push("error=\"invalid_token\"".into());
            }
            AuthError::Forbidden {
                required_scopes, ..
            } => {
                params.push("error=\"insufficient_scope\"".into());
                if !required_scopes.is_empty() {
                    params.push(format!("scope=\"{}\"", quote(&required_scopes.join(" "))));
                }
            }
            AuthError::Unavailable(_) | AuthError::Internal(_) => return None,
        }
        Some(if params.is_empty() {
            scheme.to_owned()
        } else {
            format!("{scheme} {}", params.join(", "))
        })
    }

    /// Renders the standard response.
    pub fn to_response(&self, opts: &ResponseOptions) -> ErrorResponse {
        if let Some(custom) = &opts.custom {
            return custom(self);
        }
        self.default_response(opts)
    }

    /// The standard response, ignoring any custom renderer.
    pub fn default_response(&self, opts: &ResponseOptions) -> ErrorResponse {
        let (content_type, body) = match opts.format {
            ErrorFormat::Json => (
                "application/json",
                Bytes::from(serde_json::json!({ "detail": self.detail() }).to_string()),
            ),
            ErrorFormat::Text => (
                "text/plain; charset=utf-8",
                Bytes::from_static(self.detail().as_bytes()),
            ),
        };
        ErrorResponse {
            status: self.status(),
            www_authenticate: self.www_authenticate(&opts.scheme, opts.realm.as_deref()),
            content_type,
            body,
        }
    }
}

fn quote(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect()
}

/// Response body format for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ErrorFormat {
    /// `{"detail": "..."}` (default).
    #[default]
    Json,
    /// The message as plain text.
    Text,
}

/// A framework-neutral error response, converted by each integration crate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorResponse {
    /// HTTP status.
    pub status: u16,
    /// `WWW-Authenticate` value, if any.
    pub www_authenticate: Option<String>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Bytes,
}

impl ErrorResponse {
    /// A response with no `WWW-Authenticate` header (add one with
    /// [`ErrorResponse::www_authenticate`]).
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        ErrorResponse {
            status,
            www_authenticate: None,
            content_type,
            body: body.into(),
        }
    }
    /// With a `WWW-Authenticate` value.
    #[must_use]
    pub fn www_authenticate(mut self, value: impl Into<String>) -> Self {
        self.www_authenticate = Some(value.into());
        self
    }
}

/// Builds a response for an [`AuthError`] instead of the standard one.
pub type CustomResponder = Arc<dyn Fn(&AuthError) -> ErrorResponse + Send + Sync>;

/// How errors are rendered.
#[derive(Clone)]
pub struct ResponseOptions {
    /// Body format.
    pub format: ErrorFormat,
    /// Auth scheme named in `WWW-Authenticate`.
    pub scheme: String,
    /// Optional `realm`.
    pub realm: Option<String>,
    /// Optional custom renderer.
    pub custom: Option<CustomResponder>,
}

impl fmt::Debug for ResponseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseOptions")
            .field("format", &self.format)
            .field("scheme", &self.scheme)
            .field("realm", &self.realm)
            .field("custom", &self.custom.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl Default for ResponseOptions {
    fn default() -> Self {
        ResponseOptions {
            format: ErrorFormat::Json,
            scheme: "Bearer".into(),
            realm: None,
            custom: None,
        }
    }
}
