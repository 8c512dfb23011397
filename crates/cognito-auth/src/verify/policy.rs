//! Authorization rules applied to every verified token: scopes, groups, extra client
//! allowlists and custom checks.

use std::fmt;
use std::sync::Arc;

use super::{ErrorKind, Reason, ScopeFailure, ScopeMatch, VerifiedToken, VerifyError};

/// A custom check's verdict on a genuine token.
///
/// ```
/// use cognito_auth::verify::{ErrorKind, Rejection};
/// let r = Rejection::forbidden("tenant suspended");
/// assert_eq!(r.kind(), ErrorKind::Forbidden);
/// ```
#[derive(Debug, Clone)]
pub struct Rejection {
    kind: ErrorKind,
    message: String,
}

impl Rejection {
    /// The token is genuine but not allowed here (403).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Rejection {
            kind: ErrorKind::Forbidden,
            message: message.into(),
        }
    }
    /// The token must not count as authentication (401).
    pub fn not_authenticated(message: impl Into<String>) -> Self {
        Rejection {
            kind: ErrorKind::NotAuthenticated,
            message: message.into(),
        }
    }
    /// The kind this rejection maps to.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

type CustomCheck = Arc<dyn Fn(&VerifiedToken) -> Result<(), Rejection> + Send + Sync>;

/// Authorization rules applied to every verified token, cached or not.
///
/// Usable on its own (web guards do) through [`Policy::check`].
///
/// ```
/// use cognito_auth::verify::{Policy, ScopeMatch};
///
/// let policy = Policy::new()
///     .required_scopes(["orders/read", "orders/admin"])
///     .scope_match(ScopeMatch::Any)
///     .allowed_clients(["client-a"]);
/// assert_eq!(policy.get_required_scopes(), &["orders/read".to_string(), "orders/admin".to_string()]);
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct Policy {
    allowed_clients: Option<Arc<[String]>>,
    required_scopes: Vec<String>,
    scope_match: ScopeMatch,
    required_groups: Vec<String>,
    custom: Option<CustomCheck>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("allowed_clients", &self.allowed_clients)
            .field("required_scopes", &self.required_scopes)
            .field("scope_match", &self.scope_match)
            .field("required_groups", &self.required_groups)
            .field("custom", &self.custom.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl Policy {
    /// A policy that allows every genuine token.
    pub fn new() -> Self {
        Policy::default()
    }
    /// Only these app clients (`client_id`, or `aud` of ID tokens) are allowed, in addition
    /// to the verifier's own client rule (which always applies).
    pub fn allowed_clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_clients = Some(clients.into_iter().map(Into::into).collect());
        self
    }
    /// Scopes the token must carry (matched by [`Policy::scope_match`]).
    pub fn required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// `All` (default) or `Any`.
    pub fn scope_match(mut self, m: ScopeMatch) -> Self {
        self.scope_match = m;
        self
    }
    /// Groups of which the token must list at least one in `cognito:groups`.
    pub fn required_groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_groups = groups.into_iter().map(Into::into).collect();
        self
    }
    /// An extra check run last, on every call.
    pub fn custom_check<F>(mut self, f: F) -> Self
    where
        F: Fn(&VerifiedToken) -> Result<(), Rejection> + Send + Sync + 'static,
    {
        self.custom = Some(Arc::new(f));
        self
    }
    /// The required scopes.
    pub fn get_required_scopes(&self) -> &[String] {
        &self.required_scopes
    }
    /// The client allowlist, if any.
    pub fn get_allowed_clients(&self) -> Option<&[String]> {
        self.allowed_clients.as_deref()
    }

    /// Applies the policy to a verified token.
    pub fn check(&self, token: &VerifiedToken) -> Result<(), VerifyError> {
        if let Some(allowed) = &self.allowed_clients
            && !allowed.iter().any(|c| c == token.client_id())
        {
            return Err(VerifyError::new(
                Reason::ClientNotAllowed,
                "the token's app client is not allowed here",
            ));
        }
        if !token
            .scopes()
            .satisfies(&self.required_scopes, self.scope_match)
        {
            return Err(VerifyError::insufficient_scope(ScopeFailure {
                token_scopes: token.scopes().to_vec(),
                required: self.required_scopes.clone(),
                matching: self.scope_match,
            }));
        }
        if !self.required_groups.is_empty()
            && !self.required_groups.iter().any(|g| token.in_group(g))
        {
            return Err(VerifyError::new(
                Reason::MissingGroup,
                format!(
                    "token is in none of the required groups: {}",
                    self.required_groups.join(", ")
                ),
            ));
        }
        if let Some(custom) = &self.custom
            && let Err(r) = custom(token)
        {
            return Err(VerifyError::with_kind(
                r.kind,
                Reason::CustomCheck,
                r.message,
            ));
        }
        Ok(())
    }
}
