//! Route guards: the [`Require`] middleware and [`guarded`] resources.

use std::fmt;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use actix_web::FromRequest;

use super::{Guard, ServicePrincipal, check, render, to_actix};

/// Middleware enforcing a [`Guard`] on a scope or resource.
#[derive(Clone, Debug)]
pub struct Require {
    guard: Rc<Guard>,
}

impl Require {
    /// Enforces `guard`.
    pub fn new(guard: Guard) -> Self {
        Require {
            guard: Rc::new(guard),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Require
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RequireService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireService {
            service: Rc::new(service),
            guard: Rc::clone(&self.guard),
        }))
    }
}

/// The service made by [`Require`].
pub struct RequireService<S> {
    service: Rc<S>,
    guard: Rc<Guard>,
}

impl<S, B> Service<ServiceRequest> for RequireService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let verdict = {
            let principal = req.extensions().get::<ServicePrincipal>().cloned();
            check(&self.guard, principal.as_ref(), req.request())
        };
        match verdict {
            Ok(()) => {
                let service = Rc::clone(&self.service);
                Box::pin(async move {
                    service
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                })
            }
            Err(e) => {
                let resp = to_actix(&render(req.request(), &e));
                Box::pin(async move { Ok(req.into_response(resp).map_into_right_body()) })
            }
        }
    }
}

/// Handlers declared together with the scopes each one requires, as one actix resource: the
/// safe way to guard a path. Made by [`guarded`]; register it with `App::service`.
///
/// The contract, shared with `cognito-auth-axum`: authentication first (401); then a method
/// without a handler answers 405; a method with a handler answers 403 when the guard
/// refuses. `HEAD` is served by the `GET` handler and authorized exactly as `GET`.
///
/// ```no_run
/// use actix_web::App;
/// use cognito_auth::web::Guard;
/// use cognito_auth_actix::guarded;
///
/// let app = App::new().service(
///     guarded("/items", Guard::authenticated())
///         .get(&["items/read"], || async { "items" })
///         .post(&["items/write"], || async { "created" }),
/// );
/// # let _ = app;
/// ```
pub struct GuardedResource {
    path: String,
    guard: Guard,
    routes: Vec<actix_web::Route>,
}

impl fmt::Debug for GuardedResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedResource")
            .field("path", &self.path)
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

/// Starts a [`GuardedResource`] at `path`: `guard` applies to every handler (clients,
/// scopes for all methods); each handler adds its own method scopes.
pub fn guarded(path: impl Into<String>, guard: Guard) -> GuardedResource {
    GuardedResource {
        path: path.into(),
        // Every method with a handler is listed by the methods below; any other method has
        // no route, so it passes the guard and the resource answers 405.
        guard: guard.unlisted_methods(cognito_auth::web::UnlistedMethod::Allow),
        routes: Vec::new(),
    }
}

macro_rules! guarded_methods {
    ($( $(#[$m:meta])* $name:ident => $method:literal, $g:expr; )*) => {
        $(
            $(#[$m])*
            #[must_use]
            pub fn $name<F, Args>(self, scopes: &[&str], handler: F) -> Self
            where
                F: actix_web::Handler<Args>,
                Args: FromRequest + 'static,
                F::Output: actix_web::Responder + 'static,
            {
                self.on($method, $g, scopes, handler)
            }
        )*
    };
}

impl GuardedResource {
    guarded_methods! {
        /// A `GET` (and `HEAD`) handler requiring `scopes` (empty: the guard's alone).
        get => "GET", actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head());
        /// A `POST` handler requiring `scopes`.
        post => "POST", actix_web::guard::Post();
        /// A `PUT` handler requiring `scopes`.
        put => "PUT", actix_web::guard::Put();
        /// A `PATCH` handler requiring `scopes`.
        patch => "PATCH", actix_web::guard::Patch();
        /// A `DELETE` handler requiring `scopes`.
        delete => "DELETE", actix_web::guard::Delete();
        /// An `OPTIONS` handler requiring `scopes`.
        options => "OPTIONS", actix_web::guard::Options();
    }

    fn on<F, Args, G>(mut self, method: &str, g: G, scopes: &[&str], handler: F) -> Self
    where
        F: actix_web::Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
        G: actix_web::guard::Guard + 'static,
    {
        self.guard = self.guard.method_scopes(method, scopes.iter().copied());
        self.routes
            .push(actix_web::web::route().guard(g).to(handler));
        self
    }
}

impl actix_web::dev::HttpServiceFactory for GuardedResource {
    fn register(self, config: &mut actix_web::dev::AppService) {
        let mut resource = actix_web::web::resource(self.path);
        for route in self.routes {
            resource = resource.route(route);
        }
        resource.wrap(Require::new(self.guard)).register(config);
    }
}
