//! Machine-to-machine callers: OAuth2 client-credentials tokens from a Cognito domain.
//!
//! - [`M2mClient`] fetches tokens (`/oauth2/token`, Basic or body client authentication,
//!   retries with backoff and jitter on transport errors, 5xx and 429).
//! - [`TokenSource`] caches and shares them: lock-free reads, refresh ahead of expiry in the
//!   background, one request however many tasks ask at once. AWS bills every M2M token
//!   request, so this is money.
//! - With feature `tower`: [`BearerLayer`] for tower HTTP clients; with feature
//!   `reqwest-middleware`: [`BearerMiddleware`]. Both add `Authorization: Bearer …` and, on a
//!   401, drop the token and retry once with a fresh one when the body can be replayed.
//!
//! ```no_run
//! use cognito_auth::m2m::{M2mClient, TokenSource};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tokens = TokenSource::new(M2mClient::from_env()?);
//! let headers = tokens.headers().await?; // for any HTTP client
//! # let _ = headers; Ok(()) }
//! ```

mod client;
mod error;
#[cfg(feature = "reqwest-middleware")]
mod reqwest_mw;
mod source;
#[cfg(feature = "tower")]
mod tower;

pub use client::{ClientAuth, M2mClient, M2mClientBuilder, M2mToken, RetryPolicy, Scopes};
pub use error::M2mError;
#[cfg(feature = "reqwest-middleware")]
pub use reqwest_mw::BearerMiddleware;
pub use source::{RefreshPolicy, TokenSource};
#[cfg(feature = "tower")]
pub use tower::{BearerError, BearerLayer, BearerService, ReplayBody};
