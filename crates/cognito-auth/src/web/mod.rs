//! Framework-free pieces of web integration, shared by `cognito-auth-axum` and
//! `cognito-auth-actix` so the two cannot drift:
//!
//! - [`ServicePrincipal`]: the authenticated caller of a request;
//! - [`parse_credentials`]: reading the bearer token from the authorization header;
//! - [`Authenticator`]: header → verified principal, with required / permissive modes;
//! - [`AuthError`] → [`ErrorResponse`]: 401 / 403 / 500 / 503 with RFC 6750
//!   `WWW-Authenticate` and fixed JSON or text bodies;
//! - [`Guard`] and [`ScopeRequirement`]: authentication, scopes all/any, per-method scopes,
//!   client allowlists;
//! - [`UserMapper`] and ready strategies: principal → the application's user;
//! - [`AuthConfig`]: every setting, deserialisable (TOML/JSON) or from `COGNITO_*` variables.
//!
//! Enabled by the `web` feature.

mod activity;
mod authenticator;
mod config;
mod error;
mod guard;
mod header;
mod principal;
mod user;

pub use activity::ActivityConfig;
pub use authenticator::{ActivitySink, Authenticator, RequestView, TokenExtractor, TokenLocation};
pub use config::{AuthConfig, AuthMode, UserMappingConfig};
pub use error::{
    AuthError, CustomResponder, ErrorFormat, ErrorResponse, ResponseOptions, messages,
};
pub use guard::{Guard, GuardDefaults, ScopeRequirement, UnlistedMethod};
pub use header::{Credentials, parse_credentials};
pub use principal::ServicePrincipal;
pub use user::{
    ByClaim, ByClientId, ConfiguredMapper, FromFn, Lookup, LookupError, ProxyUser, ProxyUsers,
    UserMapper, map_user,
};
