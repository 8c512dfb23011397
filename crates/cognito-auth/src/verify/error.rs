use std::borrow::Cow;
use std::fmt;

use crate::transport::{Cause, TransportError};

/// The three outcomes a resource server must tell apart.
///
/// | kind | meaning | HTTP |
/// |---|---|---|
/// | [`NotAuthenticated`](ErrorKind::NotAuthenticated) | no genuine, current token for this server | 401 |
/// | [`Forbidden`](ErrorKind::Forbidden) | a genuine token that lacks a scope, group or allowed client | 403 |
/// | [`Unavailable`](ErrorKind::Unavailable) | the signing keys could not be fetched, so nothing was decided | 503 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller is not authenticated (401).
    NotAuthenticated,
    /// The caller is authenticated but not allowed (403).
    Forbidden,
    /// We could not check (503).
    Unavailable,
}

impl ErrorKind {
    /// Stable snake_case name: `not_authenticated`, `forbidden`, `unavailable`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotAuthenticated => "not_authenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Unavailable => "unavailable",
        }
    }

    /// The HTTP status a server should answer with: 401, 403 or 503.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::NotAuthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::Unavailable => 503,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reasons {
    ($( $(#[$m:meta])* $variant:ident => $name:literal, $kind:ident; )*) => {
        /// Why a token was rejected: a stable snake_case code (see [`Reason::as_str`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Reason {
            $( $(#[$m])* $variant, )*
        }

        impl Reason {
            /// The stable snake_case code, e.g. `"expired"`.
            pub fn as_str(self) -> &'static str {
                match self { $( Reason::$variant => $name, )* }
            }

            /// The kind this reason belongs to by default.
            pub fn kind(self) -> ErrorKind {
                match self { $( Reason::$variant => ErrorKind::$kind, )* }
            }

            /// Every reason, for documentation and exhaustive tests.
            pub const ALL: &'static [Reason] = &[ $( Reason::$variant, )* ];
        }
    };
}

reasons! {
    /// The token exceeds the configured size cap; nothing was parsed.
    TokenTooLarge => "token_too_large", NotAuthenticated;
    /// Not three base64url segments separated by dots.
    Malformed => "malformed", NotAuthenticated;
    /// A segment is not valid unpadded base64url.
    InvalidBase64 => "invalid_base64", NotAuthenticated;
    /// The header or payload is not a JSON object.
    InvalidJson => "invalid_json", NotAuthenticated;
    /// The header or payload repeats a key.
    DuplicateKey => "duplicate_key", NotAuthenticated;
    /// `alg` is not RS256 (including `none` and HMAC).
    UnsupportedAlgorithm => "unsupported_algorithm", NotAuthenticated;
    /// The header has no `kid`.
    MissingKid => "missing_kid", NotAuthenticated;
    /// The header has a `crit` parameter (no extensions are understood).
    UnsupportedCriticalHeader => "unsupported_critical_header", NotAuthenticated;
    /// No key with this `kid` in the pool's JWKS (after an allowed refetch).
    UnknownKid => "unknown_kid", NotAuthenticated;
    /// The RS256 signature does not verify.
    InvalidSignature => "invalid_signature", NotAuthenticated;
    /// `exp` has passed (beyond the leeway).
    Expired => "expired", NotAuthenticated;
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid => "not_yet_valid", NotAuthenticated;
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture => "issued_in_future", NotAuthenticated;
    /// A required claim is absent.
    MissingClaim => "missing_claim", NotAuthenticated;
    /// A claim has the wrong type or an invalid value.
    InvalidClaim => "invalid_claim", NotAuthenticated;
    /// `iss` is not one of the configured pools.
    WrongIssuer => "wrong_issuer", NotAuthenticated;
    /// `token_use` is not the accepted one.
    WrongTokenUse => "wrong_token_use", NotAuthenticated;
    /// `aud` does not match the configured audience.
    WrongAudience => "wrong_audience", NotAuthenticated;
    /// The token's client (`client_id`, or `aud` for ID tokens) is not on the allowlist.
    ClientNotAllowed => "client_not_allowed", Forbidden;
    /// Required scopes are missing.
    InsufficientScope => "insufficient_scope", Forbidden;
    /// None of the required groups is present.
    MissingGroup => "missing_group", Forbidden;
    /// The custom check rejected the token.
    CustomCheck => "custom_check", Forbidden;
    /// The JWKS could not be fetched or parsed.
    JwksUnavailable => "jwks_unavailable", Unavailable;
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a list of required scopes is matched.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
///
/// Deliberately closed: all or any.
#[serde(rename_all = "lowercase")]
pub enum ScopeMatch {
    /// Every required scope must be present (the default).
    #[default]
    All,
    /// At least one required scope must be present.
    Any,
}

impl std::str::FromStr for ScopeMatch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(ScopeMatch::All),
            "any" => Ok(ScopeMatch::Any),
            other => Err(format!("scope match must be `all` or `any`, not `{other}`")),
        }
    }
}

/// Scope detail carried by an [`InsufficientScope`](Reason::InsufficientScope) error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScopeFailure {
    /// The scopes the token carries.
    pub token_scopes: Vec<String>,
    /// The scopes that were required.
    pub required: Vec<String>,
    /// How they were matched.
    pub matching: ScopeMatch,
}

/// A rejected token: a [kind](ErrorKind), a stable [reason](Reason) and a message that never
/// contains the token.
///
/// ```
/// use cognito_auth::verify::{ErrorKind, Reason, VerifyError};
///
/// let err = VerifyError::new(Reason::Expired, "token expired");
/// assert_eq!(err.kind(), ErrorKind::NotAuthenticated);
/// assert_eq!(err.reason().as_str(), "expired");
/// assert_eq!(err.kind().http_status(), 401);
/// ```
#[derive(Clone)]
pub struct VerifyError(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    reason: Reason,
    message: Cow<'static, str>,
    scopes: Option<ScopeFailure>,
    source: Option<Cause>,
}

impl VerifyError {
    /// An error of the reason's default kind.
    pub fn new(reason: Reason, message: impl Into<Cow<'static, str>>) -> Self {
        VerifyError(Box::new(Inner {
            kind: reason.kind(),
            reason,
            message: message.into(),
            scopes: None,
            source: None,
        }))
    }

    /// An error with an explicit kind (custom checks choose theirs).
    pub fn with_kind(
        kind: ErrorKind,
        reason: Reason,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        let mut e = VerifyError::new(reason, message);
        e.0.kind = kind;
        e
    }

    pub(crate) fn insufficient_scope(failure: ScopeFailure) -> Self {
        let message = format!(
            "token lacks required scope ({} of: {})",
            match failure.matching {
                ScopeMatch::All => "all",
                ScopeMatch::Any => "any",
            },
            failure.required.join(" ")
        );
        let mut e = VerifyError::new(Reason::InsufficientScope, message);
        e.0.scopes = Some(failure);
        e
    }

    pub(crate) fn unavailable(
        message: impl Into<Cow<'static, str>>,
        source: Option<Cause>,
    ) -> Self {
        let mut e = VerifyError::new(Reason::JwksUnavailable, message);
        e.0.source = source;
        e
    }

    /// 401, 403 or 503 class.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The stable reason code.
    pub fn reason(&self) -> Reason {
        self.0.reason
    }

    /// Human-readable detail (never contains the token).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// For [`Reason::InsufficientScope`]: the token's scopes and the required ones.
    pub fn scope_failure(&self) -> Option<&ScopeFailure> {
        self.0.scopes.as_ref()
    }

    /// The required scopes, if this is a scope failure.
    pub fn required_scopes(&self) -> Option<&[String]> {
        self.0.scopes.as_ref().map(|s| s.required.as_slice())
    }

    /// `true` for [`ErrorKind::NotAuthenticated`].
    pub fn is_not_authenticated(&self) -> bool {
        self.0.kind == ErrorKind::NotAuthenticated
    }
    /// `true` for [`ErrorKind::Forbidden`].
    pub fn is_forbidden(&self) -> bool {
        self.0.kind == ErrorKind::Forbidden
    }
    /// `true` for [`ErrorKind::Unavailable`].
    pub fn is_unavailable(&self) -> bool {
        self.0.kind == ErrorKind::Unavailable
    }
}

impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("VerifyError");
        d.field("kind", &self.0.kind)
            .field("reason", &self.0.reason)
            .field("message", &self.0.message);
        if let Some(s) = &self.0.scopes {
            d.field("scopes", s);
        }
        if let Some(t) = &self.0.source {
            d.field("source", t);
        }
        d.finish()
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.0.kind, self.0.reason, self.0.message)
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Invalid verifier configuration, reported by the builder's `build()` or `from_env()`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No user pool or issuer was configured.
    #[error("no user pool or issuer configured")]
    NoPool,
    /// `token_use` must be chosen explicitly (`access`, `id` or `any`).
    #[error(
        "token use not chosen: call .token_use(TokenUse::Access) or .token_use(TokenUse::Id) (or AcceptedTokenUse::Any for both)"
    )]
    TokenUseNotSet,
    /// Which app clients to accept was not chosen: call `.allowed_clients([...])` or
    /// `.any_client()` (`COGNITO_CLIENT_IDS`: a list, or `*`).
    #[error(
        "client policy not chosen: call .allowed_clients([...]) or .any_client() (COGNITO_CLIENT_IDS=<ids> or *)"
    )]
    ClientPolicyNotSet,
    /// A setting has an invalid value.
    #[error("invalid setting `{name}`: {message}")]
    Invalid {
        /// The setting or environment variable.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The HTTP client could not be created.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl ConfigError {
    pub(crate) fn invalid(name: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            name: name.into(),
            message: message.into(),
        }
    }
}
