//! A signed-in person's tokens, kept fresh with their refresh token.
//!
//! [`RefreshingTokens`] holds [`UserTokens`] and renews them through a [`TokenRefresher`]
//! (the user-pool client with feature `user`, the hosted-UI client with feature `hosted-ui`)
//! when they come within a margin of expiry; concurrent callers share one refresh. It feeds
//! the identity-pool credentials (`identity`) and the bearer layers (`bearer`), so a user's
//! session can authorise outgoing requests the way an M2M token source does.
//!
//! ```no_run
//! # #[cfg(feature = "user")]
//! # async fn run(client: cognito_auth::user::UserPoolClient, session: cognito_auth::user::Session)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use cognito_auth::refresh::{RefreshingTokens, UserTokens};
//!
//! let tokens = RefreshingTokens::new(
//!     UserTokens::from(session),
//!     Some(Arc::new(client)),
//!     Duration::from_secs(300),
//! );
//! let current = tokens.current().await?; // refreshed first when within 5 minutes of expiry
//! # let _ = current; Ok(()) }
//! ```

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;

use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::transport::Cause;

/// User-pool tokens of a signed-in person.
#[derive(Clone)]
#[non_exhaustive]
pub struct UserTokens {
    /// The internal user name, when known (needed for `SECRET_HASH` on refresh).
    pub username: Option<String>,
    /// The access token.
    pub access_token: AccessToken,
    /// The ID token (exchanged for AWS credentials), when the sign-in included `openid`.
    pub id_token: Option<IdToken>,
    /// The refresh token.
    pub refresh_token: Option<RefreshToken>,
    /// When the access and ID tokens expire.
    pub expires_at: SystemTime,
}

impl UserTokens {
    /// Tokens as stored or received.
    pub fn new(
        access_token: AccessToken,
        id_token: Option<IdToken>,
        refresh_token: Option<RefreshToken>,
        expires_at: SystemTime,
    ) -> Self {
        UserTokens {
            username: None,
            access_token,
            id_token,
            refresh_token,
            expires_at,
        }
    }
    /// With the internal user name (for `SECRET_HASH` on refresh).
    #[must_use]
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }
    /// Whether they expire within `margin` (or already have).
    pub fn expires_within(&self, margin: Duration) -> bool {
        crate::expiry::within(self.expires_at, margin)
    }
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("username", &self.username)
            .field("access_token", &self.access_token)
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &crate::timefmt::rfc3339(self.expires_at))
            .finish()
    }
}

/// Why tokens could not be renewed. The cause (a service error, a transport failure) is the
/// [`source`](std::error::Error::source).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The tokens hold no refresh token.
    #[error("no refresh token to renew the tokens with")]
    NoRefreshToken,
    /// The sign-in service refused the refresh token (expired, revoked, rotated away):
    /// signing in again is the way out.
    #[error("the sign-in service refused the refresh token")]
    Rejected(#[source] Cause),
    /// The sign-in service could not be reached: retrying later may help.
    #[error("the sign-in service could not be reached")]
    Unreachable(#[source] Cause),
    /// The tokens expired and no refresher is configured.
    #[error("the tokens expired and no refresher is configured")]
    Expired,
}

impl RefreshError {
    /// Whether retrying later may help (the service was unreachable).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RefreshError::Unreachable(_))
    }
}

/// Renews user-pool tokens from their refresh token (implemented by
/// `user::UserPoolClient` and `hosted_ui::HostedUiClient`).
pub trait TokenRefresher: Send + Sync + 'static {
    /// New tokens from `tokens.refresh_token`; the refresh token is kept if none is
    /// returned, the ID token if none is returned.
    fn refresh<'a>(
        &'a self,
        tokens: &'a UserTokens,
    ) -> BoxFuture<'a, Result<UserTokens, RefreshError>>;
}

struct Inner {
    tokens: Mutex<UserTokens>,
    refresher: Option<Arc<dyn TokenRefresher>>,
    margin: Duration,
    refresh_lock: tokio::sync::Mutex<()>,
}

/// A person's tokens, renewed when they come within `margin` of expiry; one refresh however
/// many tasks ask at once. Cheap to clone (clones share the tokens).
#[derive(Clone)]
pub struct RefreshingTokens {
    inner: Arc<Inner>,
}

impl fmt::Debug for RefreshingTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingTokens")
            .field("tokens", &self.tokens())
            .field("margin", &self.inner.margin)
            .field("refresher", &self.inner.refresher.is_some())
            .finish()
    }
}

impl RefreshingTokens {
    /// Keeps `tokens` fresh with `refresher` (none: they are used until they expire).
    pub fn new(
        tokens: UserTokens,
        refresher: Option<Arc<dyn TokenRefresher>>,
        margin: Duration,
    ) -> Self {
        RefreshingTokens {
            inner: Arc::new(Inner {
                tokens: Mutex::new(tokens),
                refresher,
                margin,
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The tokens as they are now (no refresh).
    pub fn tokens(&self) -> UserTokens {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The margin before expiry at which the tokens are renewed.
    pub fn margin(&self) -> Duration {
        self.inner.margin
    }

    /// Tokens with at least `margin` left, renewed first when needed.
    pub async fn current(&self) -> Result<UserTokens, RefreshError> {
        self.current_within(self.inner.margin).await
    }

    /// Tokens with at least `margin` left, renewed first when needed.
    pub async fn current_within(&self, margin: Duration) -> Result<UserTokens, RefreshError> {
        let t = self.tokens();
        if !t.expires_within(margin) {
            return Ok(t);
        }
        let _one = self.inner.refresh_lock.lock().await;
        let t = self.tokens();
        if !t.expires_within(margin) {
            return Ok(t);
        }
        match &self.inner.refresher {
            Some(_) => self.renew(&t).await,
            None if t.expires_within(Duration::ZERO) => Err(RefreshError::Expired),
            None => Ok(t),
        }
    }

    /// Renews now, unless `stale` is no longer the current token set (someone renewed it
    /// already); for a downstream that refused `stale`'s access token.
    pub async fn renew_if_current(&self, stale: &AccessToken) -> Result<UserTokens, RefreshError> {
        let _one = self.inner.refresh_lock.lock().await;
        let t = self.tokens();
        if !t.access_token.ct_eq(stale.expose()) {
            return Ok(t);
        }
        if self.inner.refresher.is_none() {
            return Err(RefreshError::Expired);
        }
        self.renew(&t).await
    }

    async fn renew(&self, t: &UserTokens) -> Result<UserTokens, RefreshError> {
        let Some(r) = &self.inner.refresher else {
            return Err(RefreshError::Expired);
        };
        let mut fresh = r.refresh(t).await?;
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = t.refresh_token.clone();
        }
        if fresh.id_token.is_none() {
            fresh.id_token = t.id_token.clone();
        }
        if fresh.username.is_none() {
            fresh.username = t.username.clone();
        }
        tracing::debug!(target: "cognito_auth::refresh", "user-pool tokens renewed");
        *self.inner.tokens.lock().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }
}
