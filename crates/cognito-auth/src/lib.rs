//! # cognito-auth
//!
//! Amazon Cognito authentication for Rust services, workers and command-line tools.
//!
//! - [`verify`]: validate Cognito access and ID tokens against the pool's JWKS
//!   (RS256 only, issuer, `token_use`, client allowlist, scopes, groups, custom checks), with a
//!   lock-free key cache ([`jwks`]) and a verified-token cache.
//! - [`blocking`]: the same for synchronous callers.
//! - [`secret`]: redacting newtypes for tokens and secrets.
//!
//! ```no_run
//! use cognito_auth::verify::{TokenUse, Verifier};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder()
//!     .user_pool("us-east-1_AbCdEf123")
//!     .token_use(TokenUse::Access)
//!     .required_scopes(["orders/read"])
//!     .allowed_clients(["4mw9nqflq0example"])
//!     .build()?;
//! let token = verifier.verify("eyJraWQiOi...").await?;
//! assert!(token.has_scope("orders/read"));
//! # Ok(()) }
//! ```
//!
//! ## Cargo features
//!
//! The default build holds the verifier only.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "user", feature = "identity"))]
mod aws_json;
mod base64url;
pub mod bearer;
pub mod blocking;
mod env;
// Users of every helper: the user-pool and hosted-UI clients; partial builds use part.
#[cfg_attr(not(all(feature = "user", feature = "hosted-ui")), allow(dead_code))]
mod expiry;
#[cfg(feature = "hosted-ui")]
pub mod hosted_ui;
#[cfg(feature = "identity")]
pub mod identity;
mod ids;
pub mod jwks;
pub mod m2m;
pub mod refresh;
pub mod secret;
#[cfg(feature = "user")]
pub mod srp;
mod strict_json;
// SRP (feature user) uses the calendar; identity pools use RFC 3339. Only builds with both
// use all of it.
mod oauth2;
#[cfg(any(feature = "user", feature = "identity"))]
pub mod service;
#[cfg_attr(not(all(feature = "user", feature = "identity")), allow(dead_code))]
mod timefmt;
mod transport;
pub mod unverified;
#[cfg(feature = "user")]
pub mod user;
pub mod verify;
#[cfg(feature = "web")]
pub mod web;

pub use transport::{HttpConfig, TransportError, error_chain};
pub use verify::{Verifier, VerifierBuilder};
