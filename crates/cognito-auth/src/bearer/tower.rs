use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::BearerProvider;
use crate::m2m::{M2mError, TokenSource};

/// A request body that may be sent a second time (for the retry after a 401).
///
/// Implemented for the common in-memory bodies. A body type that cannot be replayed returns
/// `None`, and its request is not retried.
pub trait ReplayBody: Sized {
    /// A copy to send again, if possible.
    fn try_replay(&self) -> Option<Self>;
}

impl ReplayBody for http_body_util::Full<Bytes> {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl ReplayBody for http_body_util::Empty<Bytes> {
    fn try_replay(&self) -> Option<Self> {
        Some(*self)
    }
}
impl ReplayBody for String {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl ReplayBody for Vec<u8> {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl ReplayBody for Bytes {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }
}
impl ReplayBody for () {
    fn try_replay(&self) -> Option<Self> {
        Some(())
    }
}
impl<D, E> ReplayBody for http_body_util::combinators::UnsyncBoxBody<D, E> {
    fn try_replay(&self) -> Option<Self> {
        None
    }
}
impl<D, E> ReplayBody for http_body_util::combinators::BoxBody<D, E> {
    fn try_replay(&self) -> Option<Self> {
        None
    }
}

/// Failure of a [`BearerService`]: no token could be obtained, or the inner service failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum BearerError<E, T = M2mError> {
    /// The token provider failed; the request was not sent.
    Token(T),
    /// The wrapped service failed.
    Inner(E),
}

impl<E: fmt::Display, T: fmt::Display> fmt::Display for BearerError<E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BearerError::Token(e) => write!(f, "no bearer token: {e}"),
            BearerError::Inner(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E, T> std::error::Error for BearerError<E, T>
where
    E: std::error::Error + 'static,
    T: std::error::Error + 'static,
{
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BearerError::Token(e) => Some(e),
            BearerError::Inner(e) => Some(e),
        }
    }
}

/// A tower [`Layer`] adding `Authorization: Bearer …` from a [`BearerProvider`]: an M2M
/// [`TokenSource`] (the default), a [`ScopedSource`](super::ScopedSource), or a person's
/// [`RefreshingTokens`](crate::refresh::RefreshingTokens).
///
/// On a 401 answer it tells the provider the token was refused and, when the provider says a
/// retry may help and the body is [replayable](ReplayBody), sends the request once more.
/// 401-triggered M2M token requests are budgeted (see
/// [`RefreshPolicy::unauthorized_refetch_interval`](crate::m2m::RefreshPolicy::unauthorized_refetch_interval)):
/// a downstream that refuses every token costs one extra token request per interval, not
/// one per call.
///
/// ```no_run
/// use cognito_auth::bearer::BearerLayer;
/// use cognito_auth::m2m::{M2mClient, TokenSource};
/// use tower::ServiceBuilder;
///
/// # fn run<S>(hyper_client: S) -> Result<(), Box<dyn std::error::Error>> {
/// let tokens = TokenSource::new(M2mClient::from_env()?);
/// let client = ServiceBuilder::new()
///     .layer(BearerLayer::new(tokens))
///     .service(hyper_client);
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BearerLayer<P = TokenSource> {
    provider: P,
}

impl<P: BearerProvider> BearerLayer<P> {
    /// Tokens from `provider`.
    pub fn new(provider: P) -> Self {
        BearerLayer { provider }
    }
}

impl BearerLayer<super::ScopedSource> {
    /// Tokens of `source` for `scopes`.
    pub fn with_scopes(source: TokenSource, scopes: impl Into<crate::m2m::Scopes>) -> Self {
        BearerLayer {
            provider: super::ScopedSource::new(source, scopes),
        }
    }
}

impl<S, P: Clone> Layer<S> for BearerLayer<P> {
    type Service = BearerService<S, P>;
    fn layer(&self, inner: S) -> BearerService<S, P> {
        BearerService {
            inner,
            provider: self.provider.clone(),
        }
    }
}

/// The service made by [`BearerLayer`].
#[derive(Clone, Debug)]
pub struct BearerService<S, P = TokenSource> {
    inner: S,
    provider: P,
}

impl<S, P, B, RB> Service<Request<B>> for BearerService<S, P>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    P: BearerProvider + Clone,
    B: ReplayBody + Send + 'static,
    RB: Send + 'static,
{
    type Response = Response<RB>;
    type Error = BearerError<S::Error, P::Error>;
    type Future = BoxFuture<'static, Result<Response<RB>, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(BearerError::Inner)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The readied service handles this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let provider = self.provider.clone();
        Box::pin(async move {
            let token = provider.bearer().await.map_err(BearerError::Token)?;
            let (mut parts, body) = req.into_parts();
            let replay = body.try_replay().map(|b| (parts.clone(), b));
            parts
                .headers
                .insert(http::header::AUTHORIZATION, token.header().clone());
            let resp = inner
                .call(Request::from_parts(parts, body))
                .await
                .map_err(BearerError::Inner)?;
            if resp.status() != StatusCode::UNAUTHORIZED {
                return Ok(resp);
            }
            let Some((mut parts, body)) = replay else {
                return Ok(resp);
            };
            if !provider.rejected(&token).await {
                // Within the retry budget: pass the 401 on, no new token request.
                return Ok(resp);
            }
            let fresh = provider.bearer().await.map_err(BearerError::Token)?;
            parts
                .headers
                .insert(http::header::AUTHORIZATION, fresh.header().clone());
            std::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(BearerError::Inner)?;
            inner
                .call(Request::from_parts(parts, body))
                .await
                .map_err(BearerError::Inner)
        })
    }
}
