use std::collections::HashMap;

use crate::verify::{Reason, ScopeMatch};

use super::{AuthError, ServicePrincipal};

/// Settings every guard honours unless it overrides them: the default client allowlist and
/// the default scope match. Put in the request by the authentication layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardDefaults {
    /// Clients allowed by default (`None`: any).
    pub allowed_clients: Option<Vec<String>>,
    /// Scope match used when a guard does not choose one.
    pub scope_match: ScopeMatch,
}

/// What to do with an HTTP method a per-method guard does not list.
///
/// Deliberately closed: an unlisted method is allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnlistedMethod {
    /// Refuse (403). The default.
    #[default]
    Deny,
    /// Allow any authenticated principal.
    Allow,
}

/// A route guard: authentication required, plus optional scopes (all/any), per-method scopes,
/// `cognito:groups` (any/all) and a client allowlist. The same logic serves every web
/// integration.
///
/// ```
/// use cognito_auth::verify::ScopeMatch;
/// use cognito_auth::web::Guard;
///
/// let read_or_write = Guard::authenticated()
///     .scopes(["orders/read", "orders/write"])
///     .scope_match(ScopeMatch::Any);
/// let per_method = Guard::authenticated()
///     .method_scopes("GET", ["orders/read"])
///     .method_scopes("POST", ["orders/write"]);
/// let staff = Guard::authenticated().any_group(["admins", "support"]);
/// # let _ = (read_or_write, per_method, staff);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Guard {
    scopes: Vec<String>,
    scope_match: Option<ScopeMatch>,
    methods: Option<HashMap<String, Vec<String>>>,
    unlisted: UnlistedMethod,
    clients: Option<Vec<String>>,
    groups: Vec<String>,
    group_match: ScopeMatch,
}

impl Guard {
    /// Requires an authenticated principal, nothing more.
    pub fn authenticated() -> Self {
        Guard::default()
    }
    /// Requires these scopes (all of them unless [`Guard::scope_match`] says any).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// Shorthand: all of `scopes`.
    pub fn all<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Guard::authenticated()
            .scopes(scopes)
            .scope_match(ScopeMatch::All)
    }
    /// Shorthand: any of `scopes`.
    pub fn any<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Guard::authenticated()
            .scopes(scopes)
            .scope_match(ScopeMatch::Any)
    }
    /// All or any (default: the configured default scope match).
    pub fn scope_match(mut self, m: ScopeMatch) -> Self {
        self.scope_match = Some(m);
        self
    }
    /// Scopes required for one HTTP method (e.g. `"GET"`), checked in addition to
    /// [`Guard::scopes`]. Methods not listed follow [`Guard::unlisted_methods`].
    ///
    /// `HEAD` is authorized exactly as `GET` (frameworks answer `HEAD` with the `GET`
    /// handler, so its headers are the `GET` response's): `method_scopes("HEAD", …)` sets the
    /// requirement of both.
    pub fn method_scopes<I, S>(mut self, method: &str, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.methods.get_or_insert_with(HashMap::new).insert(
            authorization_method(method).into_owned(),
            scopes.into_iter().map(Into::into).collect(),
        );
        self
    }
    /// Allow or deny methods a per-method guard does not list (default deny).
    pub fn unlisted_methods(mut self, u: UnlistedMethod) -> Self {
        self.unlisted = u;
        self
    }
    /// Only these clients (in addition to the default allowlist, which always applies).
    pub fn clients<I, S>(mut self, clients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.clients = Some(clients.into_iter().map(Into::into).collect());
        self
    }

    /// Requires at least one of `groups` in the token's `cognito:groups` (ID tokens, and
    /// access tokens of users in groups). Refused with 403 `missing_group`.
    pub fn any_group<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self.group_match = ScopeMatch::Any;
        self
    }
    /// Requires every one of `groups` in the token's `cognito:groups`.
    pub fn all_groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self.group_match = ScopeMatch::All;
        self
    }

    /// The HTTP methods this guard lists scopes for (uppercase; `HEAD` counts as `GET`).
    pub fn listed_methods(&self) -> impl Iterator<Item = &str> {
        self.methods
            .iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }

    /// Checks a request. `principal` is `None` for anonymous requests (permissive mode).
    /// `HEAD` is checked as `GET`.
    pub fn check(
        &self,
        principal: Option<&ServicePrincipal>,
        method: &str,
        defaults: &GuardDefaults,
    ) -> Result<(), AuthError> {
        let outcome = self.decide(principal, method, defaults);
        match &outcome {
            Ok(()) => crate::telemetry::web_decision("guard", "passed"),
            Err(e) => {
                crate::telemetry::web_decision("guard", e.status_label());
                tracing::debug!(
                    target: "cognito_auth::web",
                    status = e.status(),
                    reason = e.reason_code(),
                    method,
                    client_id = principal.map(|p| p.client_id()),
                    "request refused by a route guard"
                );
            }
        }
        outcome
    }

    /// [`Guard::check`] without its log line and metric: for questions about requests that
    /// were not made (an API Gateway policy naming every route a caller may call).
    ///
    /// ```
    /// use cognito_auth::web::{Guard, GuardDefaults};
    ///
    /// // No caller: 401, whatever the route requires.
    /// let e = Guard::all(["orders/read"]).evaluate(None, "GET", &GuardDefaults::default());
    /// assert_eq!(e.unwrap_err().status(), 401);
    /// ```
    pub fn evaluate(
        &self,
        principal: Option<&ServicePrincipal>,
        method: &str,
        defaults: &GuardDefaults,
    ) -> Result<(), AuthError> {
        self.decide(principal, method, defaults)
    }

    fn decide(
        &self,
        principal: Option<&ServicePrincipal>,
        method: &str,
        defaults: &GuardDefaults,
    ) -> Result<(), AuthError> {
        let Some(p) = principal else {
            return Err(AuthError::MissingCredentials);
        };
        // The default allowlist always applies; a guard's own list narrows it further.
        for allowed in [defaults.allowed_clients.as_ref(), self.clients.as_ref()]
            .into_iter()
            .flatten()
        {
            if !allowed.iter().any(|c| c == p.client_id()) {
                return Err(AuthError::Forbidden {
                    reason: Reason::ClientNotAllowed,
                    required_scopes: Vec::new(),
                });
            }
        }
        if !self.groups.is_empty() {
            let has = |g: &String| p.in_group(g);
            let ok = match self.group_match {
                ScopeMatch::All => self.groups.iter().all(has),
                ScopeMatch::Any => self.groups.iter().any(has),
            };
            if !ok {
                return Err(AuthError::Forbidden {
                    reason: Reason::MissingGroup,
                    required_scopes: Vec::new(),
                });
            }
        }
        let matching = self.scope_match.unwrap_or(defaults.scope_match);
        if !p.has_scopes(&self.scopes, matching) {
            return Err(AuthError::Forbidden {
                reason: Reason::InsufficientScope,
                required_scopes: self.scopes.clone(),
            });
        }
        if let Some(methods) = &self.methods {
            match methods.get(&*authorization_method(method)) {
                Some(required) if !p.has_scopes(required, matching) => {
                    return Err(AuthError::Forbidden {
                        reason: Reason::InsufficientScope,
                        required_scopes: required.clone(),
                    });
                }
                Some(_) => {}
                None if self.unlisted == UnlistedMethod::Deny => {
                    return Err(AuthError::Forbidden {
                        reason: Reason::InsufficientScope,
                        required_scopes: Vec::new(),
                    });
                }
                None => {}
            }
        }
        Ok(())
    }
}

/// The method a request is authorized as: uppercase, with `HEAD` as `GET`. Borrows in the
/// common case (an uppercase method from the framework).
fn authorization_method(method: &str) -> std::borrow::Cow<'_, str> {
    if method.eq_ignore_ascii_case("HEAD") {
        std::borrow::Cow::Borrowed("GET")
    } else if method.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Owned(method.to_ascii_uppercase())
    } else {
        std::borrow::Cow::Borrowed(method)
    }
}

/// A scope requirement known at compile time, for typed extractors
/// (`Scoped<ReadOrders>` in the integration crates). Declare one with [`crate::scope_requirement!`].
pub trait ScopeRequirement: Send + Sync + 'static {
    /// The scopes.
    const SCOPES: &'static [&'static str];
    /// All or any.
    const MATCH: ScopeMatch;

    /// The equivalent [`Guard`].
    fn guard() -> Guard {
        Guard::authenticated()
            .scopes(Self::SCOPES.iter().copied())
            .scope_match(Self::MATCH)
    }
}

/// Declares a [`ScopeRequirement`] type.
///
/// ```
/// use cognito_auth::scope_requirement;
/// use cognito_auth::web::ScopeRequirement;
///
/// scope_requirement!(pub ReadOrders: all ["orders/read"]);
/// scope_requirement!(pub ReadOrWrite: any ["orders/read", "orders/write"]);
/// assert_eq!(ReadOrWrite::SCOPES, ["orders/read", "orders/write"]);
/// ```
#[macro_export]
macro_rules! scope_requirement {
    ($vis:vis $name:ident : all [$($scope:literal),+ $(,)?]) => {
        $crate::scope_requirement!(@make $vis $name, $crate::verify::ScopeMatch::All, [$($scope),+]);
    };
    ($vis:vis $name:ident : any [$($scope:literal),+ $(,)?]) => {
        $crate::scope_requirement!(@make $vis $name, $crate::verify::ScopeMatch::Any, [$($scope),+]);
    };
    (@make $vis:vis $name:ident, $m:expr, [$($scope:literal),+]) => {
        #[doc = concat!("Scope requirement: ", $($scope, " "),+)]
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;
        impl $crate::web::ScopeRequirement for $name {
            const SCOPES: &'static [&'static str] = &[$($scope),+];
            const MATCH: $crate::verify::ScopeMatch = $m;
        }
    };
}
