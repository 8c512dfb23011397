//! # cognito-auth-axum
//!
//! axum 0.8 / tower integration for [`cognito_auth`]: every request gets a verified
//! [`ServicePrincipal`], routes declare the scopes, methods and clients they allow, and
//! failures answer 401 / 403 / 503 with RFC 6750 `WWW-Authenticate` and JSON bodies.
//!
//! - [`CognitoAuthLayer`]: reads the bearer token, verifies it, puts the principal in the
//!   request extensions (required or permissive mode).
//! - Extractors: [`Principal`] (401 when absent), `Option<Principal>`, [`Scoped<R>`] for a
//!   [`ScopeRequirement`](cognito_auth::web::ScopeRequirement) declared with
//!   [`cognito_auth::scope_requirement!`], and [`AppUser<U>`] for a mapped user.
//! - [`guarded`]: handlers declared with the scopes each requires, guarded together
//!   (authentication, scopes all/any, per-method scopes, client allowlists); [`GuardLayer`]
//!   for the same guard as a plain layer.
//! - [`UserLayer`]: maps the principal to the application's user with a
//!   [`UserMapper`](cognito_auth::web::UserMapper).
//!
//! The logic lives in `cognito_auth::web`; this crate is glue, shared word for word in
//! behaviour with `cognito-auth-actix`.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use cognito_auth::scope_requirement;
//! use cognito_auth::web::{AuthConfig, Guard};
//! use cognito_auth_axum::{CognitoAuthLayer, Principal, Scoped, guarded};
//!
//! scope_requirement!(ReadOrders: all ["orders/read"]);
//!
//! async fn me(p: Principal) -> String {
//!     p.client_id().to_owned()
//! }
//! async fn orders(s: Scoped<ReadOrders>) -> String {
//!     format!("orders for {}", s.principal().client_id())
//! }
//!
//! # fn build() -> Result<Router, Box<dyn std::error::Error>> {
//! let auth = AuthConfig::from_env()?.authenticator()?;
//! let app = Router::new()
//!     .route("/me", get(me))
//!     .route("/orders", get(orders))
//!     .route(
//!         "/items",
//!         // Each handler with its scopes; the guard covers every one of them.
//!         guarded(Guard::authenticated())
//!             .get(&["items/read"], || async { "items" })
//!             .post(&["items/write"], || async { "created" })
//!             .into(),
//!     )
//!     .layer(CognitoAuthLayer::new(auth));
//! # Ok(app) }
//! ```
#![warn(missing_docs)]

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use futures_util::future::BoxFuture;
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

pub use cognito_auth::web::{
    AuthConfig, AuthError, Authenticator, ErrorResponse, Guard, ScopeRequirement, ServicePrincipal,
    UserMapper,
};
use cognito_auth::web::{GuardDefaults, ResponseOptions, map_user};

/// Converts the framework-neutral error response into an axum response.
fn to_axum(r: ErrorResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    if let Some(w) = r.www_authenticate
        && let Ok(v) = HeaderValue::from_str(&w)
    {
        h.insert(http::header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// Renders `err` with the request's authenticator settings (or the defaults when the
/// authentication layer is missing).
fn render(parts_ext: &http::Extensions, err: &AuthError) -> Response {
    match parts_ext.get::<Authenticator>() {
        Some(auth) => to_axum(auth.render(err)),
        None => to_axum(err.to_response(&ResponseOptions::default())),
    }
}

/// A rejection from one of this crate's extractors or layers: an already rendered 401, 403,
/// 500 or 503.
#[derive(Debug)]
pub struct AuthRejection(Response);

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        self.0
    }
}

/// A tower [`Layer`] authenticating every request with an [`Authenticator`].
#[derive(Clone, Debug)]
pub struct CognitoAuthLayer {
    auth: Authenticator,
}

impl CognitoAuthLayer {
    /// Uses `auth` (see [`AuthConfig::authenticator`]).
    pub fn new(auth: Authenticator) -> Self {
        CognitoAuthLayer { auth }
    }
    /// Builds the authenticator from `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, cognito_auth::verify::ConfigError> {
        Ok(CognitoAuthLayer::new(config.authenticator()?))
    }
}

impl<S> Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuth<S>;
    fn layer(&self, inner: S) -> CognitoAuth<S> {
        CognitoAuth {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service made by [`CognitoAuthLayer`].
#[derive(Clone, Debug)]
pub struct CognitoAuth<S> {
    inner: S,
    auth: Authenticator,
}

impl<S, B> Service<Request<B>> for CognitoAuth<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let outcome = {
                let values = req
                    .headers()
                    .get_all(auth.header_name())
                    .iter()
                    .map(HeaderValue::as_bytes);
                auth.authenticate(values).await
            };
            match outcome {
                Ok(principal) => {
                    let ext = req.extensions_mut();
                    if let Some(p) = principal {
                        ext.insert(p);
                    }
                    ext.insert(auth);
                    inner.call(req).await
                }
                Err(e) => Ok(to_axum(auth.render(&e))),
            }
        })
    }
}

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

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<ServicePrincipal>() {
            Some(p) => Ok(Principal(p.clone())),
            None => Err(AuthRejection(render(
                &parts.extensions,
                &AuthError::MissingCredentials,
            ))),
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

static NO_DEFAULTS: GuardDefaults = GuardDefaults {
    allowed_clients: None,
    scope_match: cognito_auth::verify::ScopeMatch::All,
};

/// The guard defaults of the request's authenticator (borrowed, no allocation).
fn defaults(ext: &http::Extensions) -> &GuardDefaults {
    ext.get::<Authenticator>()
        .map(|a| &**a.defaults())
        .unwrap_or(&NO_DEFAULTS)
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
            return Err(AuthRejection(render(
                &parts.extensions,
                &AuthError::MissingCredentials,
            )));
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
            Err(e) => Err(AuthRejection(render(&parts.extensions, &e))),
        }
    }
}

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
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

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
            Ok(()) => Box::pin(self.inner.call(req)),
            Err(e) => {
                let resp = render(req.extensions(), &e);
                Box::pin(async move { Ok(resp) })
            }
        }
    }
}

/// The application user mapped from the principal by a [`UserLayer`].
#[derive(Clone, Debug)]
pub struct AppUser<U>(pub U);

impl<S: Send + Sync, U: Clone + Send + Sync + 'static> FromRequestParts<S> for AppUser<U> {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<AppUser<U>>() {
            Some(u) => Ok(u.clone()),
            None => Err(AuthRejection(render(
                &parts.extensions,
                &AuthError::MissingCredentials,
            ))),
        }
    }
}

impl<S: Send + Sync, U: Clone + Send + Sync + 'static> OptionalFromRequestParts<S> for AppUser<U> {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, AuthRejection> {
        Ok(parts.extensions.get::<AppUser<U>>().cloned())
    }
}

/// A [`Layer`] mapping the principal to the application's user (placed inside
/// [`CognitoAuthLayer`]). Not found → 401; ambiguous or failing lookup → 500 (logged).
/// Anonymous requests (permissive mode) pass through unmapped.
#[derive(Debug)]
pub struct UserLayer<M> {
    mapper: Arc<M>,
}

impl<M> Clone for UserLayer<M> {
    fn clone(&self) -> Self {
        UserLayer {
            mapper: Arc::clone(&self.mapper),
        }
    }
}

impl<M: UserMapper> UserLayer<M> {
    /// Maps with `mapper`.
    pub fn new(mapper: M) -> Self {
        UserLayer {
            mapper: Arc::new(mapper),
        }
    }
}

impl<S, M> Layer<S> for UserLayer<M> {
    type Service = UserService<S, M>;
    fn layer(&self, inner: S) -> UserService<S, M> {
        UserService {
            inner,
            mapper: Arc::clone(&self.mapper),
        }
    }
}

/// The service made by [`UserLayer`].
#[derive(Debug)]
pub struct UserService<S, M> {
    inner: S,
    mapper: Arc<M>,
}

impl<S: Clone, M> Clone for UserService<S, M> {
    fn clone(&self) -> Self {
        UserService {
            inner: self.inner.clone(),
            mapper: Arc::clone(&self.mapper),
        }
    }
}

impl<S, M, B> Service<Request<B>> for UserService<S, M>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    M: UserMapper,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let mapper = Arc::clone(&self.mapper);
        Box::pin(async move {
            if let Some(p) = req.extensions().get::<ServicePrincipal>().cloned() {
                match map_user(&*mapper, &p).await {
                    Ok(user) => {
                        req.extensions_mut().insert(AppUser(user));
                    }
                    Err(e) => return Ok(render(req.extensions(), &e)),
                }
            }
            inner.call(req).await
        })
    }
}
