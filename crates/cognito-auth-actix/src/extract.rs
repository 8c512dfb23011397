//! Extractors: the principal, typed scope requirements, the mapped application user.

use std::fmt;
use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::{AuthRejection, ScopeRequirement, ServicePrincipal, check, missing};

/// Extracts the authenticated principal; 401 when the request is anonymous.
/// `Option<Principal>` yields `None` instead.
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

impl FromRequest for Principal {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, AuthRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<ServicePrincipal>().cloned();
        ready(match found {
            Some(p) => Ok(Principal(p)),
            None => Err(missing(req)),
        })
    }
}

/// Extracts the principal and requires the scopes of `R` (401 anonymous, 403 lacking them).
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

impl<R> fmt::Debug for Scoped<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped")
            .field("principal", &self.principal)
            .finish()
    }
}

impl<R: ScopeRequirement> FromRequest for Scoped<R> {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, AuthRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<ServicePrincipal>().cloned();
        let Some(principal) = principal else {
            return ready(Err(missing(req)));
        };
        ready(match check(&R::guard(), Some(&principal), req) {
            Ok(()) => Ok(Scoped {
                principal,
                _req: PhantomData,
            }),
            Err(e) => Err(AuthRejection::new(req, e)),
        })
    }
}

/// The application user mapped from the principal by [`MapUser`](crate::MapUser).
#[derive(Clone, Debug)]
pub struct AppUser<U>(pub U);

impl<U: Clone + 'static> FromRequest for AppUser<U> {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, AuthRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<AppUser<U>>().cloned();
        ready(found.ok_or_else(|| missing(req)))
    }
}
