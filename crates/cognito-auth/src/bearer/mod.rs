//! `Authorization: Bearer …` on outgoing requests, from any token provider: the M2M
//! [`TokenSource`] for machines, a signed-in person's
//! [`RefreshingTokens`] for people (pycognito's
//! `RequestsSrpAuth`, as a layer).
//!
//! - [`BearerProvider`]: where tokens come from, and what a downstream 401 does to them.
//! - With feature `tower`: [`BearerLayer`] for tower HTTP clients (hyper, tonic channels).
//! - With feature `reqwest-middleware`: [`BearerMiddleware`].
//!
//! Both retry a request once after a 401 when its body can be replayed, within the
//! provider's budget: an M2M token source refetches at most once per
//! [`RefreshPolicy::unauthorized_refetch_interval`](crate::m2m::RefreshPolicy::unauthorized_refetch_interval),
//! so a downstream that refuses every token cannot turn into a bill.
//!
//! ```no_run
//! # #[cfg(feature = "tower")]
//! # fn run<S>(hyper_client: S) -> Result<(), Box<dyn std::error::Error>> {
//! use cognito_auth::bearer::BearerLayer;
//! use cognito_auth::m2m::{M2mClient, TokenSource};
//!
//! let tokens = TokenSource::new(M2mClient::from_env()?);
//! let client = tower::ServiceBuilder::new()
//!     .layer(BearerLayer::new(tokens))
//!     .service(hyper_client);
//! # let _ = client; Ok(()) }
//! ```

#[cfg(feature = "reqwest-middleware")]
mod reqwest_mw;
#[cfg(feature = "tower")]
mod tower;

use std::fmt;

use futures_util::future::BoxFuture;

use crate::m2m::{M2mError, M2mToken, Scopes, TokenSource};
use crate::refresh::{RefreshError, RefreshingTokens};
use crate::secret::AccessToken;

#[cfg(feature = "reqwest-middleware")]
pub use reqwest_mw::BearerMiddleware;
#[cfg(feature = "tower")]
pub use tower::{BearerError, BearerLayer, BearerService, ReplayBody};

/// A token to send, as a sensitive `Authorization` header value, and what identifies it for
/// [`BearerProvider::rejected`].
#[derive(Clone)]
pub struct Bearer {
    header: http::HeaderValue,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    M2m(M2mToken),
    User(AccessToken),
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(<redacted>)")
    }
}

impl Bearer {
    /// `Bearer <token>`, marked sensitive.
    pub fn header(&self) -> &http::HeaderValue {
        &self.header
    }
}

/// Where bearer tokens come from. Implemented by [`TokenSource`] (one scope set, the
/// default or [`ScopedSource`]'s) and [`RefreshingTokens`].
pub trait BearerProvider: Send + Sync + 'static {
    /// Why no token could be had.
    type Error: std::error::Error + Send + Sync + 'static;
    /// A token to send now.
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, Self::Error>>;
    /// A downstream answered 401 to `token`: drop it, and say whether sending the request
    /// once more may help (a newer token exists or will be fetched). `false`: pass the 401 on.
    fn rejected<'a>(&'a self, token: &'a Bearer) -> BoxFuture<'a, bool>;
}

impl BearerProvider for TokenSource {
    type Error = M2mError;
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, M2mError>> {
        Box::pin(async move { self.token().await.map(m2m_bearer) })
    }
    fn rejected<'a>(&'a self, token: &'a Bearer) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            match &token.kind {
                Kind::M2m(t) => self.token_rejected(t),
                Kind::User(_) => false,
            }
        })
    }
}

fn m2m_bearer(t: M2mToken) -> Bearer {
    Bearer {
        header: t.authorization_header(),
        kind: Kind::M2m(t),
    }
}

/// A [`TokenSource`] asked for one scope set (each scope set has its own cached token).
#[derive(Clone, Debug)]
pub struct ScopedSource {
    source: TokenSource,
    scopes: Scopes,
}

impl ScopedSource {
    /// Tokens of `source` for `scopes`.
    pub fn new(source: TokenSource, scopes: impl Into<Scopes>) -> Self {
        ScopedSource {
            source,
            scopes: scopes.into(),
        }
    }
}

impl BearerProvider for ScopedSource {
    type Error = M2mError;
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, M2mError>> {
        Box::pin(async move {
            self.source
                .token_for(self.scopes.clone())
                .await
                .map(m2m_bearer)
        })
    }
    fn rejected<'a>(&'a self, token: &'a Bearer) -> BoxFuture<'a, bool> {
        self.source.rejected(token)
    }
}

impl BearerProvider for RefreshingTokens {
    type Error = RefreshError;
    fn bearer(&self) -> BoxFuture<'_, Result<Bearer, RefreshError>> {
        Box::pin(async move {
            let t = self.current().await?;
            let mut header =
                http::HeaderValue::from_str(&format!("Bearer {}", t.access_token.expose()))
                    .map_err(|e| RefreshError::Rejected(std::sync::Arc::new(e)))?;
            header.set_sensitive(true);
            Ok(Bearer {
                header,
                kind: Kind::User(t.access_token),
            })
        })
    }
    fn rejected<'a>(&'a self, token: &'a Bearer) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            match &token.kind {
                Kind::User(t) => self.renew_if_current(t).await.is_ok(),
                Kind::M2m(_) => false,
            }
        })
    }
}
