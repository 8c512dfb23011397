//! Route guards: [`guarded`] handlers and the [`GuardLayer`].

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::handler::Handler;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use futures_util::future::Either;
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use axum::response::IntoResponse;

use super::{AuthRejection, Guard, ServicePrincipal, defaults};

/// Handlers declared together with the scopes each one requires: the safe way to guard a
/// route. Made by [`guarded`].
///
/// Every handler is added through a method that names its scopes, and the guard is applied
/// when the builder becomes a [`MethodRouter`], after the last handler: no method can be
/// added unguarded by putting it after the guard (axum's `route_layer` guards only the
/// handlers added before it).
///
/// The contract, shared with `cognito-auth-actix`: authentication first (401); then a
/// method without a handler answers 405; a method with a handler answers 403 when the
/// guard refuses. `HEAD` is authorized exactly as `GET` (axum answers it with the `GET`
/// handler).
///
/// ```
/// use axum::Router;
/// use cognito_auth::web::Guard;
/// use cognito_auth_axum::guarded;
///
/// let app: Router = Router::new().route(
///     "/items",
///     guarded(Guard::authenticated())
///         .get(&["items/read"], || async { "items" })
///         .post(&["items/write"], || async { "created" })
///         .into(),
/// );
/// # let _ = app;
/// ```
pub struct Guarded<S = ()> {
    guard: Guard,
    router: MethodRouter<S>,
}

impl<S> std::fmt::Debug for Guarded<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guarded")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

/// Starts a [`Guarded`] method router: `guard` applies to every handler (clients, scopes
/// for all methods); each handler adds its own method scopes.
///
/// Finish it with `.into()` (or [`Guarded::into_method_router`]): axum's `Router::route`
/// takes its own `MethodRouter`, which a `Guarded` becomes only once its last handler is
/// declared. Without it, the route does not compile (`E0308`, expected `MethodRouter`):
///
/// ```compile_fail
/// use axum::Router;
/// use cognito_auth_axum::{Guard, guarded};
///
/// let app: Router = Router::new().route(
///     "/items",
///     guarded(Guard::authenticated()).get(&["items/read"], || async { "items" }),
/// );
/// ```
pub fn guarded<S: Clone + Send + Sync + 'static>(guard: Guard) -> Guarded<S> {
    Guarded {
        // Every method with a handler is listed below; a method without one never reaches
        // the guard (axum answers 405 first).
        guard: guard.unlisted_methods(cognito_auth::web::UnlistedMethod::Allow),
        router: MethodRouter::new(),
    }
}

macro_rules! guarded_methods {
    ($( $(#[$m:meta])* $name:ident => $method:literal, $filter:ident; )*) => {
        $(
            $(#[$m])*
            #[must_use]
            pub fn $name<H, T>(self, scopes: &[&str], handler: H) -> Self
            where
                H: Handler<T, S>,
                T: 'static,
            {
                self.on(MethodFilter::$filter, $method, scopes, handler)
            }
        )*
    };
}

impl<S: Clone + Send + Sync + 'static> Guarded<S> {
    guarded_methods! {
        /// A `GET` (and `HEAD`) handler requiring `scopes` (empty: the guard's alone).
        get => "GET", GET;
        /// A `POST` handler requiring `scopes`.
        post => "POST", POST;
        /// A `PUT` handler requiring `scopes`.
        put => "PUT", PUT;
        /// A `PATCH` handler requiring `scopes`.
        patch => "PATCH", PATCH;
        /// A `DELETE` handler requiring `scopes`.
        delete => "DELETE", DELETE;
        /// An `OPTIONS` handler requiring `scopes`.
        options => "OPTIONS", OPTIONS;
    }

    fn on<H, T>(mut self, filter: MethodFilter, method: &str, scopes: &[&str], handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.guard = self.guard.method_scopes(method, scopes.iter().copied());
        self.router = self.router.on(filter, handler);
        self
    }

    /// The method router with the guard applied to every handler.
    pub fn into_method_router(self) -> MethodRouter<S> {
        self.router.route_layer(GuardLayer::new(self.guard))
    }
}

impl<S: Clone + Send + Sync + 'static> From<Guarded<S>> for MethodRouter<S> {
    fn from(g: Guarded<S>) -> Self {
        g.into_method_router()
    }
}

/// A [`Layer`] enforcing a [`Guard`]; add it with `route_layer` so unmatched routes still 404.
///
/// `route_layer` guards only the handlers added before it: prefer [`guarded`], which declares
/// each handler with its scopes and applies the guard after the last one.
#[derive(Clone, Debug)]
pub struct GuardLayer {
    guard: Arc<Guard>,
}

impl GuardLayer {
    /// Enforces `guard`.
    pub fn new(guard: Guard) -> Self {
        GuardLayer {
            guard: Arc::new(guard),
        }
    }
}

/// Shorthand for `GuardLayer::new(guard)`.
pub fn require(guard: Guard) -> GuardLayer {
    GuardLayer::new(guard)
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;
    fn layer(&self, inner: S) -> GuardService<S> {
        GuardService {
            inner,
            guard: Arc::clone(&self.guard),
        }
    }
}

/// The service made by [`GuardLayer`].
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    inner: S,
    guard: Arc<Guard>,
}

impl<S, B> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<S::Future, std::future::Ready<Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let verdict = self.guard.check(
            req.extensions().get::<ServicePrincipal>(),
            req.method().as_str(),
            defaults(req.extensions()),
        );
        match verdict {
            Ok(()) => Either::Left(self.inner.call(req)),
            Err(e) => {
                let resp = AuthRejection::new(req.extensions(), e).into_response();
                Either::Right(std::future::ready(Ok(resp)))
            }
        }
    }
}
