//! # cognito-auth-actix
//!
//! actix-web 4 integration for [`cognito_auth`], with the same contract as
//! `cognito-auth-axum` (the logic lives once, in `cognito_auth::web`; this crate is glue):
//!
//! - [`CognitoAuth`] middleware (required / permissive mode) putting a
//!   [`ServicePrincipal`] in the request extensions;
//! - extractors [`Principal`] (401 when absent), `Option<Principal>`, [`Scoped<R>`] and
//!   [`AppUser<U>`];
//! - [`Require`] middleware enforcing a [`Guard`] (scopes all/any, per-method scopes, client
//!   allowlists) on a scope or resource;
//! - [`MapUser`] middleware mapping the principal to the application's user.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use cognito_auth::web::{AuthConfig, Guard};
//! use cognito_auth_actix::{CognitoAuth, Principal, Require};
//!
//! async fn me(p: Principal) -> String {
//!     p.client_id().to_owned()
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = AuthConfig::from_env()?.authenticator()?;
//! HttpServer::new(move || {
//!     App::new()
//!         .route("/me", web::get().to(me))
//!         .service(
//!             web::resource("/orders")
//!                 .wrap(Require::new(Guard::all(["orders/read"])))
//!                 .route(web::get().to(|| async { "orders" })),
//!         )
//!         .wrap(CognitoAuth::new(auth.clone()))
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

use std::fmt;
use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::EitherBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;

pub use cognito_auth::web::{
    AuthConfig, AuthError, Authenticator, ErrorResponse, Guard, ScopeRequirement, ServicePrincipal,
    UserMapper,
};
use cognito_auth::web::{GuardDefaults, ResponseOptions, map_user};

fn to_actix(r: &ErrorResponse) -> HttpResponse {
    let mut b = HttpResponse::build(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    b.insert_header(("content-type", r.content_type));
    if let Some(w) = &r.www_authenticate {
        b.insert_header(("www-authenticate", w.as_str()));
    }
    b.body(r.body.clone())
}

fn render(req: &HttpRequest, err: &AuthError) -> ErrorResponse {
    match req.extensions().get::<Authenticator>() {
        Some(auth) => auth.render(err),
        None => err.to_response(&ResponseOptions::default()),
    }
}

static NO_DEFAULTS: GuardDefaults = GuardDefaults {
    allowed_clients: None,
    scope_match: cognito_auth::verify::ScopeMatch::All,
};

/// Runs `guard` with the guard defaults of the request's authenticator (no allocation).
fn check(
    guard: &Guard,
    principal: Option<&ServicePrincipal>,
    req: &HttpRequest,
) -> Result<(), AuthError> {
    let ext = req.extensions();
    let defaults = ext
        .get::<Authenticator>()
        .map(|a| &**a.defaults())
        .unwrap_or(&NO_DEFAULTS);
    guard.check(principal, req.method().as_str(), defaults)
}

/// A rejection from one of this crate's extractors: an already rendered 401, 403, 500 or 503.
pub struct AuthRejection(ErrorResponse);

impl fmt::Debug for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthRejection({})", self.0.status)
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request rejected with HTTP {}", self.0.status)
    }
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    fn error_response(&self) -> HttpResponse {
        to_actix(&self.0)
    }
}

/// Middleware authenticating every request with an [`Authenticator`].
#[derive(Clone, Debug)]
pub struct CognitoAuth {
    auth: Authenticator,
}

impl CognitoAuth {
    /// Uses `auth` (see [`AuthConfig::authenticator`]).
    pub fn new(auth: Authenticator) -> Self {
        CognitoAuth { auth }
    }
    /// Builds the authenticator from `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, cognito_auth::verify::ConfigError> {
        Ok(CognitoAuth::new(config.authenticator()?))
    }
}

impl<S, B> Transform<S, ServiceRequest> for CognitoAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CognitoAuthService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CognitoAuthService {
            service: Rc::new(service),
            auth: self.auth.clone(),
        }))
    }
}

/// The service made by [`CognitoAuth`].
pub struct CognitoAuthService<S> {
    service: Rc<S>,
    auth: Authenticator,
}

impl<S, B> Service<ServiceRequest> for CognitoAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let auth = self.auth.clone();
        Box::pin(async move {
            let outcome = {
                let values = req
                    .headers()
                    .get_all(auth.header_name())
                    .map(|v| v.as_bytes());
                auth.authenticate(values).await
            };
            match outcome {
                Ok(principal) => {
                    {
                        let mut ext = req.extensions_mut();
                        if let Some(p) = principal {
                            ext.insert(p);
                        }
                        ext.insert(auth);
                    }
                    service
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                }
                Err(e) => {
                    let resp = to_actix(&auth.render(&e));
                    Ok(req.into_response(resp).map_into_right_body())
                }
            }
        })
    }
}

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
            None => Err(AuthRejection(render(req, &AuthError::MissingCredentials))),
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
            return ready(Err(AuthRejection(render(
                req,
                &AuthError::MissingCredentials,
            ))));
        };
        ready(match check(&R::guard(), Some(&principal), req) {
            Ok(()) => Ok(Scoped {
                principal,
                _req: PhantomData,
            }),
            Err(e) => Err(AuthRejection(render(req, &e))),
        })
    }
}

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

/// The application user mapped from the principal by [`MapUser`].
#[derive(Clone, Debug)]
pub struct AppUser<U>(pub U);

impl<U: Clone + 'static> FromRequest for AppUser<U> {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, AuthRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<AppUser<U>>().cloned();
        ready(found.ok_or_else(|| AuthRejection(render(req, &AuthError::MissingCredentials))))
    }
}

/// Middleware mapping the principal to the application's user (wrap it inside
/// [`CognitoAuth`]). Not found → 401; ambiguous or failing lookup → 500 (logged); anonymous
/// requests pass through unmapped.
pub struct MapUser<M> {
    mapper: Arc<M>,
}

impl<M> Clone for MapUser<M> {
    fn clone(&self) -> Self {
        MapUser {
            mapper: Arc::clone(&self.mapper),
        }
    }
}

impl<M: UserMapper> MapUser<M> {
    /// Maps with `mapper`.
    pub fn new(mapper: M) -> Self {
        MapUser {
            mapper: Arc::new(mapper),
        }
    }
}

impl<S, B, M> Transform<S, ServiceRequest> for MapUser<M>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
    M: UserMapper,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = MapUserService<S, M>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(MapUserService {
            service: Rc::new(service),
            mapper: Arc::clone(&self.mapper),
        }))
    }
}

/// The service made by [`MapUser`].
pub struct MapUserService<S, M> {
    service: Rc<S>,
    mapper: Arc<M>,
}

impl<S, B, M> Service<ServiceRequest> for MapUserService<S, M>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
    M: UserMapper,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let mapper = Arc::clone(&self.mapper);
        Box::pin(async move {
            let principal = req.extensions().get::<ServicePrincipal>().cloned();
            if let Some(p) = principal {
                match map_user(&*mapper, &p).await {
                    Ok(user) => {
                        req.extensions_mut().insert(AppUser(user));
                    }
                    Err(e) => {
                        let resp = to_actix(&render(req.request(), &e));
                        return Ok(req.into_response(resp).map_into_right_body());
                    }
                }
            }
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}
