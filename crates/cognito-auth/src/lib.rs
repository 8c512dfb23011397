//! # cognito-auth
//!
//! Amazon Cognito authentication for Rust services, workers and command-line tools.
//!
//! | module | job | feature |
//! |---|---|---|
//! | [`verify`] | validate access and ID tokens against the pool's JWKS: RS256 only, issuer (both formats, replica regions), `token_use`, client rule, scopes, groups, custom checks; verified-token cache | always |
//! | [`jwks`] | the lock-free key cache behind the verifier | always |
//! | [`m2m`] | client-credentials tokens: fetched, cached, refreshed ahead, one request however many ask | always |
//! | [`bearer`] | `Authorization: Bearer …` on outgoing requests from M2M or user tokens | `tower`, `reqwest-middleware` |
//! | [`refresh`] | a signed-in person's tokens kept fresh | always |
//! | [`blocking`] | the verifier and user client for synchronous callers | always |
//! | `user` | sign-in (SRP and every challenge), sessions, devices, account flows | `user` |
//! | [`srp`] | Cognito's SRP math, pure | `user` |
//! | `hosted_ui` | hosted-UI login with PKCE through a loopback callback | `hosted-ui` |
//! | `identity` | identity pools: AWS credentials from Cognito tokens | `identity` |
//! | `web` | framework-free web pieces for the axum and actix-web crates | `web` |
//! | [`secret`] | redacting newtypes for tokens and secrets | always |
//! | [`service`] | Cognito's error answers, one type for every client | `user` or `identity` |
//!
//! Related crates: `cognito-auth-axum` and `cognito-auth-actix` (web integrations),
//! `cognito-auth-activity` (per-client activity in SQL), `cognito-auth-admin` (admin API over
//! the AWS SDK), `cognito-auth-testkit` (a local Cognito-shaped issuer for tests).
//!
//! ## Quick start
//!
//! `cargo add cognito-auth` (and `cognito-auth-axum` to protect axum routes,
//! `cognito-auth-testkit` as a dev-dependency for tests). Both snippets run as written
//! against the test kit's local issuer; in production the issuer is your pool
//! (`.user_pool("eu-west-1_AbC123")`, or `from_env()` with `COGNITO_*` variables). The third
//! step, protecting a route, opens the `cognito-auth-axum` docs; `examples/demo` in the
//! repository is the template for a whole service.
//!
//! Verify a token:
//!
//! ```
//! use cognito_auth::verify::{TokenUse, Verifier};
//! use cognito_auth_testkit::LocalIssuer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = LocalIssuer::builder().start().await;
//! let verifier = Verifier::builder()
//!     .issuer(issuer.issuer()) // production: .user_pool("eu-west-1_AbC123")
//!     .token_use(TokenUse::Access)
//!     .allowed_clients(["reporting-worker"])
//!     .required_scopes(["orders/read"])
//!     .build()?;
//! let token = issuer
//!     .access_token()
//!     .client_id("reporting-worker")
//!     .scopes(["orders/read"])
//!     .sign();
//! let verified = verifier.verify(&token).await?;
//! assert!(verified.has_scope("orders/read"));
//! # Ok(()) }
//! ```
//!
//! Fetch machine-to-machine tokens (cached, refreshed ahead of expiry, one request however
//! many tasks ask):
//!
//! ```
//! use cognito_auth::m2m::{M2mClient, TokenSource};
//! use cognito_auth_testkit::{ClientSpec, LocalIssuer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = LocalIssuer::builder()
//!     .client(ClientSpec::new("reporting-worker", "s3cret").scopes(["orders/read"]))
//!     .start()
//!     .await;
//! let tokens = TokenSource::new(
//!     M2mClient::builder()
//!         .token_url(issuer.token_url()) // production: .domain("https://<prefix>.auth.<region>.amazoncognito.com")
//!         .client_id("reporting-worker")
//!         .client_secret("s3cret")
//!         .default_scopes("orders/read")
//!         .build()?,
//! );
//! let first = tokens.token().await?;
//! let again = tokens.token().await?; // from the cache
//! assert_eq!(first.secret(), again.secret());
//! assert_eq!(issuer.token_requests(), 1);
//! # Ok(()) }
//! ```
//!
//! ## Cargo features
//!
//! The default build holds the verifier, the M2M client and token source, and the
//! refreshing-token holder; everything else is opt-in:
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "user", feature = "identity"))]
mod aws_json;
mod base64url;
pub mod bearer;
pub mod blocking;
mod env;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
// Users of every helper: the user-pool and hosted-UI clients; partial builds use part.
#[cfg_attr(not(all(feature = "user", feature = "hosted-ui")), allow(dead_code))]
mod expiry;
mod hex;
#[cfg(feature = "hosted-ui")]
pub mod hosted_ui;
#[cfg(feature = "identity")]
pub mod identity;
mod ids;
pub mod jwks;
pub mod m2m;
mod random;
pub mod refresh;
pub mod secret;
#[cfg(feature = "user")]
pub mod srp;
mod strict_json;
mod telemetry;
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
