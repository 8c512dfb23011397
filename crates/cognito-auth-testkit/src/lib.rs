//! # cognito-auth-testkit
//!
//! A local, Cognito-shaped OAuth2 issuer for tests and demos: no AWS account, real RS256
//! signatures, real HTTP on loopback.
//!
//! - [`LocalIssuer`] serves `/.well-known/jwks.json`, `/.well-known/openid-configuration`,
//!   `/oauth2/token` (client credentials, authorization code + PKCE, refresh token),
//!   `/oauth2/authorize` and `/oauth2/revoke`, counts requests and injects [`Fault`]s.
//! - [`lambda::LambdaRuntime`]: a local AWS Lambda Runtime API, to run a Lambda function
//!   binary as a real process and invoke it.
//! - [`TokenBuilder`] mints access and ID tokens with Cognito's claim shapes, and broken ones
//!   (expired, other key, HS256, `alg: none`, missing claims...).
//!
//! ```
//! use cognito_auth_testkit::{ClientSpec, LocalIssuer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let issuer = LocalIssuer::builder()
//!     .client(ClientSpec::new("worker", "s3cret").scopes(["orders/read"]))
//!     .start()
//!     .await;
//! let expired = issuer.access_token().client_id("worker").expired().sign();
//! assert_eq!(expired.split('.').count(), 3);
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod keys;
pub mod lambda;
mod mint;
mod server;

pub use keys::{SigningKey, jwks_json, random_id, random_uuid};
pub use mint::{Kind, Signing, TokenBuilder, now};
pub use server::{ClientSpec, Fault, LocalIssuer, LocalIssuerBuilder};
