//! Machine-to-machine callers: OAuth2 client-credentials tokens from a Cognito domain.
//!
//! - [`M2mClient`] fetches tokens (`/oauth2/token`, Basic or body client authentication,
//!   retries with backoff and jitter on transport errors, 5xx and 429).
//! - [`TokenSource`] caches and shares them: lock-free reads, refresh ahead of expiry in the
//!   background, one request however many tasks ask at once. AWS bills every M2M token
//!   request, so this is money.
//! - [`shared`]: one token for a whole fleet of processes through a [`SharedTokenStore`]
//!   (Redis: the `cognito-auth-redis` crate), sealed with the client secret.
//! - [`crate::bearer`]: `BearerLayer` (feature `tower`) and `BearerMiddleware` (feature
//!   `reqwest-middleware`) add `Authorization: Bearer …` and, on a 401, drop the refused
//!   token and retry once, within a budget, when the body can be replayed.
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
mod retry;
pub mod shared;
mod source;
mod token;

pub use client::{ClientAuth, M2mClient, M2mClientBuilder};
pub use error::M2mError;
pub use retry::RetryPolicy;
pub use shared::{SharedCacheConfig, SharedTokenStore};
pub use source::{RefreshPolicy, TokenSource, TokenSourceBuilder};
pub use token::{M2mToken, Scopes};

#[cfg(fuzzing)]
pub(crate) fn fuzz_parse_token_response(
    resp: crate::transport::HttpResponse,
    now: std::time::Instant,
) -> Result<M2mToken, M2mError> {
    token::parse_token_response(
        resp,
        &Scopes::from("a/read"),
        now,
        std::time::SystemTime::now(),
    )
}

/// The bearer middleware, also at [`crate::bearer`].
#[cfg(feature = "reqwest-middleware")]
pub use crate::bearer::BearerMiddleware;
/// The bearer layer, also at [`crate::bearer`].
#[cfg(feature = "tower")]
pub use crate::bearer::{BearerError, BearerLayer, BearerService, ReplayBody};
