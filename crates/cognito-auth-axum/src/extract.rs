//! Extractors: the principal, typed scope requirements, the mapped application user.

use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use super::{AuthError, AuthRejection, ScopeRequirement, ServicePrincipal, defaults};

/// Extracts the authenticated principal; 401 when the request is anonymous.
#[derive(Clone, Debug)]
pub struct Principal(pub ServicePrincipal);

impl Principal {
    /// The inner principal.
    pub fn into_inner(self) -> ServicePrincipal {
        self.0
    }
}

impl Deref for Principal {
    type Target = ServicePrincipal;
    fn deref(&self) -> &ServicePrincipal {
        &self.0
    }
}

/// The rejection for a request without a principal: 401 when the authentication layer ran
/// (the request is anonymous), 500 when it is not installed on this route (a wiring bug,
/// logged), never a misleading 401.
fn missing(ext: &http::Extensions) -> AuthRejection {
    if super::authenticator(ext).is_none() {
        tracing::error!(
            target: "cognito_auth::web",
            "a cognito-auth extractor ran on a route without CognitoAuthLayer: add the layer to the router"
        );
        return AuthRejection::new(
            ext,
            AuthError::Internal("extractor used without the authentication layer".into()),
        );
    }
    AuthRejection::new(ext, AuthError::MissingCredentials)
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<ServicePrincipal>() {
            Some(p) => Ok(Principal(p.clone())),
            None => Err(missing(&parts.extensions)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, AuthRejection> {
        Ok(parts
            .extensions
            .get::<ServicePrincipal>()
            .cloned()
            .map(Principal))
    }
}

/// Extracts the principal and requires the scopes of `R` (401 when anonymous, 403 when
/// lacking them).
///
/// ```
/// use cognito_auth::scope_requirement;
/// use cognito_auth_axum::Scoped;
///
/// scope_requirement!(pub WriteOrders: all ["orders/write"]);
/// async fn create(s: Scoped<WriteOrders>) -> String {
///     s.principal().client_id().to_owned()
/// }
/// ```
pub struct Scoped<R> {
    principal: ServicePrincipal,
    _req: PhantomData<fn() -> R>,
}

impl<R> Scoped<R> {
    /// The principal that satisfied `R`.
    pub fn principal(&self) -> &ServicePrincipal {
        &self.principal
    }
}

impl<R> std::fmt::Debug for Scoped<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoped")
            .field("principal", &self.principal)
            .finish()
    }
}

impl<S: Send + Sync, R: ScopeRequirement> FromRequestParts<S> for Scoped<R> {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        let Some(principal) = parts.extensions.get::<ServicePrincipal>() else {
            return Err(missing(&parts.extensions));
        };
        match R::guard().check(
            Some(principal),
            parts.method.as_str(),
            defaults(&parts.extensions),
        ) {
            Ok(()) => Ok(Scoped {
                principal: principal.clone(),
                _req: PhantomData,
            }),
            Err(e) => Err(AuthRejection::new(&parts.extensions, e)),
        }
    }
}

/// The application user mapped from the principal by a [`UserLayer`](crate::UserLayer).
#[derive(Clone, Debug)]
pub struct AppUser<U>(pub U);

impl<S: Send + Sync, U: Clone + Send + Sync + 'static> FromRequestParts<S> for AppUser<U> {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<AppUser<U>>() {
            Some(u) => Ok(u.clone()),
            None => Err(missing(&parts.extensions)),
        }
    }
}

impl<S: Send + Sync, U: Clone + Send + Sync + 'static> OptionalFromRequestParts<S> for AppUser<U> {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, AuthRejection> {
        Ok(parts.extensions.get::<AppUser<U>>().cloned())
    }
}
