use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::{M2mError, Scopes, TokenSource};

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
pub enum BearerError<E> {
    /// The token source failed; the request was not sent.
    Token(M2mError),
    /// The wrapped service failed.
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for BearerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BearerError::Token(e) => write!(f, "no bearer token: {e}"),
            BearerError::Inner(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for BearerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BearerError::Token(e) => Some(e),
            BearerError::Inner(e) => Some(e),
        }
    }
}

/// A tower [`Layer`] adding `Authorization: Bearer …` from a [`TokenSource`].
///
/// On a 401 answer it drops the refused token, fetches a fresh one and sends the request once
/// more, when the body is [replayable](ReplayBody). 401-triggered token requests are budgeted
/// (see [`RefreshPolicy::unauthorized_refetch_interval`](super::RefreshPolicy::unauthorized_refetch_interval)):
/// a downstream that refuses every token costs one extra token request per interval, not
/// one per call.
///
/// ```no_run
/// use cognito_auth::m2m::{BearerLayer, M2mClient, TokenSource};
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
pub struct BearerLayer {
    source: TokenSource,
    scopes: Option<Scopes>,
}

impl BearerLayer {
    /// Tokens for the source's default scopes.
    pub fn new(source: TokenSource) -> Self {
        BearerLayer {
            source,
            scopes: None,
        }
    }
    /// Tokens for `scopes`.
    pub fn with_scopes(source: TokenSource, scopes: impl Into<Scopes>) -> Self {
        BearerLayer {
            source,
            scopes: Some(scopes.into()),
        }
    }
}

impl<S> Layer<S> for BearerLayer {
    type Service = BearerService<S>;
    fn layer(&self, inner: S) -> BearerService<S> {
        BearerService {
            inner,
            source: self.source.clone(),
            scopes: self.scopes.clone(),
        }
    }
}

/// The service made by [`BearerLayer`].
#[derive(Clone, Debug)]
pub struct BearerService<S> {
    inner: S,
    source: TokenSource,
    scopes: Option<Scopes>,
}

async fn token_for(
    source: &TokenSource,
    scopes: &Option<Scopes>,
) -> Result<super::M2mToken, M2mError> {
    match scopes {
        Some(s) => source.token_for(s.clone()).await,
        None => source.token().await,
    }
}

impl<S, B, RB> Service<Request<B>> for BearerService<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: ReplayBody + Send + 'static,
    RB: Send + 'static,
{
    type Response = Response<RB>;
    type Error = BearerError<S::Error>;
    type Future = BoxFuture<'static, Result<Response<RB>, BearerError<S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(BearerError::Inner)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The readied service handles this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let source = self.source.clone();
        let scopes = self.scopes.clone();
        Box::pin(async move {
            let token = token_for(&source, &scopes)
                .await
                .map_err(BearerError::Token)?;
            let (mut parts, body) = req.into_parts();
            let replay = body.try_replay().map(|b| (parts.clone(), b));
            parts
                .headers
                .insert(http::header::AUTHORIZATION, token.authorization_header());
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
            if !source.token_rejected(&token) {
                // Within the 401 retry budget: pass the 401 on, no new token request.
                return Ok(resp);
            }
            let fresh = token_for(&source, &scopes)
                .await
                .map_err(BearerError::Token)?;
            parts
                .headers
                .insert(http::header::AUTHORIZATION, fresh.authorization_header());
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
