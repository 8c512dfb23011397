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
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod extract;
mod guard;
mod user;

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};

pub use auth::{CognitoAuth, CognitoAuthService};
pub use cognito_auth::scope_requirement;
pub use cognito_auth::verify::{AcceptedTokenUse, ScopeMatch, TokenUse};
pub use cognito_auth::web::{
    AuthConfig, AuthError, AuthMode, Authenticator, ErrorResponse, Guard, ScopeRequirement,
    ServicePrincipal, UserMapper,
};
pub use extract::{AppUser, Principal, Scoped};
pub use guard::{GuardedResource, Require, RequireService, guarded};
pub use user::{MapUser, MapUserService};

use cognito_auth::web::{GuardDefaults, ResponseOptions};

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
    match authenticator(&req.extensions()) {
        Some(auth) => auth.render(err),
        None => err.to_response(&ResponseOptions::default()),
    }
}

/// The authenticator that handled the request: the one that admitted its principal, or
/// (anonymous requests) the one the middleware put in the extensions.
fn authenticator(ext: &actix_web::dev::Extensions) -> Option<&Authenticator> {
    ext.get::<ServicePrincipal>()
        .and_then(ServicePrincipal::authenticator)
        .or_else(|| ext.get::<Authenticator>())
}

/// Puts the outcome of authentication into the request: the principal (which carries its
/// authenticator), or for an anonymous request the authenticator alone.
fn admit(
    ext: &mut actix_web::dev::Extensions,
    principal: Option<ServicePrincipal>,
    auth: &Authenticator,
) {
    match principal {
        Some(p) => {
            ext.insert(p);
        }
        None => {
            ext.insert(auth.clone());
        }
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
    let defaults = authenticator(&ext)
        .map(|a| &**a.defaults())
        .unwrap_or(&NO_DEFAULTS);
    guard.check(principal, req.method().as_str(), defaults)
}

/// A rejection from one of this crate's extractors: the [`AuthError`] and its rendered 401,
/// 403, 500 or 503 response.
pub struct AuthRejection {
    error: AuthError,
    response: ErrorResponse,
}

impl AuthRejection {
    fn new(req: &HttpRequest, error: AuthError) -> Self {
        let response = render(req, &error);
        AuthRejection { error, response }
    }
    /// Why the request was refused.
    pub fn error(&self) -> &AuthError {
        &self.error
    }
}

impl fmt::Debug for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRejection")
            .field("status", &self.response.status)
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "request refused (HTTP {}): {}",
            self.response.status, self.error
        )
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    fn error_response(&self) -> HttpResponse {
        to_actix(&self.response)
    }
}

/// The rejection for a request without a principal: 401 when the authentication middleware
/// ran (the request is anonymous), 500 when it is not installed here (a wiring bug, logged).
fn missing(req: &HttpRequest) -> AuthRejection {
    if authenticator(&req.extensions()).is_none() {
        tracing::error!(
            target: "cognito_auth::web",
            "a cognito-auth extractor ran on a route without the CognitoAuth middleware: wrap the app with it"
        );
        return AuthRejection::new(
            req,
            AuthError::Internal("extractor used without the authentication middleware".into()),
        );
    }
    AuthRejection::new(req, AuthError::MissingCredentials)
}
