//! # cognito-auth-axum
//!
//! axum 0.8 / tower integration for [`cognito_auth`]: every request gets a verified
//! [`ServicePrincipal`], routes declare the scopes, methods and clients they allow, and
//! failures answer 401 / 403 / 503 with RFC 6750 `WWW-Authenticate` and JSON bodies.
//!
//! - [`CognitoAuthLayer`]: reads the bearer token, verifies it, puts the principal in the
//!   request extensions (required or permissive mode).
//! - Extractors: [`Principal`] (401 when absent), `Option<Principal>`, [`Scoped<R>`] for a
//!   [`ScopeRequirement`] declared with
//!   [`cognito_auth::scope_requirement!`], and [`AppUser<U>`] for a mapped user.
//! - [`guarded`]: handlers declared with the scopes each requires, guarded together
//!   (authentication, scopes all/any, per-method scopes, client allowlists); [`GuardLayer`]
//!   for the same guard as a plain layer.
//! - [`UserLayer`]: maps the principal to the application's user with a
//!   [`UserMapper`].
//!
//! The logic lives in `cognito_auth::web`; this crate is glue, shared word for word in
//! behaviour with `cognito-auth-actix`.
//!
//! Add both crates (the core with its `web` feature comes in through this one):
//!
//! ```toml
//! [dependencies]
//! cognito-auth = "0.1"
//! cognito-auth-axum = "0.1"
//! ```
//!
//! A protected route, run here against the test kit's local issuer (in production,
//! `AuthConfig::from_env()` or `.user_pool("eu-west-1_AbC123")`):
//!
//! ```
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use cognito_auth_axum::{AuthConfig, CognitoAuthLayer, Guard, Principal, TokenUse, guarded};
//! use cognito_auth_testkit::LocalIssuer;
//! use tower::ServiceExt;
//!
//! async fn me(p: Principal) -> String {
//!     p.client_id().to_owned()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = LocalIssuer::builder().start().await;
//! let auth = AuthConfig::builder()
//!     .issuer(issuer.issuer())
//!     .token_use(TokenUse::Access)
//!     .allowed_clients(["reporting-worker"])
//!     .authenticator()?;
//! let app = Router::new()
//!     .route("/me", get(me))
//!     .route(
//!         "/orders",
//!         // Each handler with its scopes; the guard covers every one of them.
//!         guarded(Guard::authenticated())
//!             .get(&["orders/read"], || async { "orders" })
//!             .post(&["orders/write"], || async { "created" })
//!             .into(),
//!     )
//!     .layer(CognitoAuthLayer::new(auth));
//!
//! let token = issuer
//!     .access_token()
//!     .client_id("reporting-worker")
//!     .scopes(["orders/read"])
//!     .sign();
//! let call = |method: &str, token: Option<&str>| {
//!     let mut req = Request::builder().method(method).uri("/orders");
//!     if let Some(t) = token {
//!         req = req.header("authorization", format!("Bearer {t}"));
//!     }
//!     app.clone().oneshot(req.body(Body::empty()).unwrap())
//! };
//! assert_eq!(call("GET", Some(&token)).await?.status(), 200);
//! assert_eq!(call("POST", Some(&token)).await?.status(), 403); // lacks orders/write
//! assert_eq!(call("GET", None).await?.status(), 401);
//! # Ok(()) }
//! ```
//!
//! Scopes as types, for extractors: [`scope_requirement!`] and [`Scoped`]:
//!
//! ```no_run
//! use cognito_auth_axum::{Scoped, scope_requirement};
//!
//! scope_requirement!(ReadOrders: all ["orders/read"]);
//!
//! async fn orders(s: Scoped<ReadOrders>) -> String {
//!     format!("orders for {}", s.principal().client_id())
//! }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod extract;
mod guard;
mod user;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

pub use auth::{CognitoAuth, CognitoAuthLayer};
pub use cognito_auth::scope_requirement;
pub use cognito_auth::verify::{AcceptedTokenUse, ScopeMatch, TokenUse};
pub use cognito_auth::web::{
    AuthConfig, AuthError, AuthMode, Authenticator, ErrorResponse, Guard, ScopeRequirement,
    ServicePrincipal, UserMapper,
};
pub use extract::{AppUser, Principal, Scoped};
pub use guard::{GuardLayer, GuardService, Guarded, guarded, require};
pub use user::{UserLayer, UserService};

use cognito_auth::web::{GuardDefaults, ResponseOptions};

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
fn render(ext: &http::Extensions, err: &AuthError) -> Response {
    match authenticator(ext) {
        Some(auth) => to_axum(auth.render(err)),
        None => to_axum(err.to_response(&ResponseOptions::default())),
    }
}

/// A rejection from one of this crate's extractors or layers: the [`AuthError`] and its
/// rendered 401, 403, 500 or 503 response.
#[derive(Debug)]
pub struct AuthRejection {
    error: AuthError,
    response: Response,
}

impl AuthRejection {
    fn new(ext: &http::Extensions, error: AuthError) -> Self {
        let response = render(ext, &error);
        AuthRejection { error, response }
    }
    /// Why the request was refused.
    pub fn error(&self) -> &AuthError {
        &self.error
    }
    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request refused ({}): {}", self.status(), self.error)
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        self.response
    }
}

static NO_DEFAULTS: GuardDefaults = GuardDefaults {
    allowed_clients: None,
    scope_match: cognito_auth::verify::ScopeMatch::All,
};

/// The authenticator that handled the request: the one that admitted its principal, or
/// (anonymous requests) the one the layer put in the extensions.
fn authenticator(ext: &http::Extensions) -> Option<&Authenticator> {
    ext.get::<ServicePrincipal>()
        .and_then(ServicePrincipal::authenticator)
        .or_else(|| ext.get::<Authenticator>())
}

/// Puts the outcome of authentication into the request: the principal (which carries its
/// authenticator), or for an anonymous request the authenticator alone. One value either way.
fn admit(ext: &mut http::Extensions, principal: Option<ServicePrincipal>, auth: &Authenticator) {
    match principal {
        Some(p) => {
            ext.insert(p);
        }
        None => {
            ext.insert(auth.clone());
        }
    }
}

/// The guard defaults of the request's authenticator (borrowed, no allocation).
fn defaults(ext: &http::Extensions) -> &GuardDefaults {
    authenticator(ext)
        .map(|a| &**a.defaults())
        .unwrap_or(&NO_DEFAULTS)
}
