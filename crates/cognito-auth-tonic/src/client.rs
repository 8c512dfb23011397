//! The client layer: `authorization: Bearer …` on every call, and one more attempt after
//! `UNAUTHENTICATED`.

use std::fmt;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use cognito_auth::bearer::BearerProvider;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http_body_util::BodyExt;
use tower_layer::Layer;
use tower_service::Service;

/// A request body this large is not kept for a second attempt.
const MAX_REPLAY: usize = 1024 * 1024;

/// A tower layer for tonic channels: adds `authorization: Bearer …` from a
/// [`BearerProvider`] (an M2M `TokenSource`, a `ScopedSource`, a user's `RefreshingTokens`)
/// and, when the server answers `UNAUTHENTICATED`, tells the provider the token was refused
/// and sends the call once more with a new one, if the provider allows it (an M2M token
/// source refetches at most once per its `unauthorized_refetch_interval`) and the call's
/// request body was complete when sent (unary and short client-streaming calls; a stream
/// still open is not replayed, and the status goes to the caller).
#[derive(Clone)]
pub struct GrpcBearerLayer<P> {
    provider: P,
}

impl<P> fmt::Debug for GrpcBearerLayer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcBearerLayer").finish_non_exhaustive()
    }
}

impl<P: BearerProvider + Clone> GrpcBearerLayer<P> {
    /// Bearer tokens from `provider`.
    pub fn new(provider: P) -> Self {
        GrpcBearerLayer { provider }
    }
}

impl<S, P: Clone> Layer<S> for GrpcBearerLayer<P> {
    type Service = GrpcBearerService<S, P>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcBearerService {
            inner,
            provider: self.provider.clone(),
        }
    }
}

/// The service made by [`GrpcBearerLayer`].
#[derive(Clone)]
pub struct GrpcBearerService<S, P> {
    inner: S,
    provider: P,
}

impl<S, P> fmt::Debug for GrpcBearerService<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcBearerService").finish_non_exhaustive()
    }
}

/// Failure of a [`GrpcBearerService`]: no token, or the channel failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum GrpcBearerError<E> {
    /// The token provider failed; the call was not sent.
    Token(Box<dyn std::error::Error + Send + Sync>),
    /// The request body failed while being read.
    Body(tonic::Status),
    /// The channel failed.
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for GrpcBearerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrpcBearerError::Token(e) => write!(f, "no bearer token: {e}"),
            GrpcBearerError::Body(s) => write!(f, "request body failed: {s}"),
            GrpcBearerError::Inner(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for GrpcBearerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GrpcBearerError::Token(e) => Some(&**e),
            GrpcBearerError::Body(s) => Some(s),
            GrpcBearerError::Inner(e) => Some(e),
        }
    }
}

/// Takes what the body has ready now: the whole body when it is already complete (a
/// unary call), else a prefix and the rest.
fn take_ready(
    mut body: tonic::body::Body,
) -> Result<(Bytes, Option<tonic::body::Body>), tonic::Status> {
    let mut buf = BytesMut::new();
    loop {
        match body.frame().now_or_never() {
            Some(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    buf.extend_from_slice(&data);
                    if buf.len() > MAX_REPLAY {
                        return Ok((buf.freeze(), Some(body)));
                    }
                }
            }
            Some(Some(Err(status))) => return Err(status),
            Some(None) => return Ok((buf.freeze(), None)),
            None => return Ok((buf.freeze(), Some(body))),
        }
    }
}

fn unauthenticated(headers: &http::HeaderMap) -> bool {
    headers
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == b"16")
}

fn rebuild(
    parts: &http::request::Parts,
    body: tonic::body::Body,
    header: &http::HeaderValue,
) -> http::Request<tonic::body::Body> {
    let mut req = http::Request::new(body);
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = parts.uri.clone();
    *req.version_mut() = parts.version;
    *req.headers_mut() = parts.headers.clone();
    req.headers_mut()
        .insert(http::header::AUTHORIZATION, header.clone());
    req
}

impl<S, P, ResBody> Service<http::Request<tonic::body::Body>> for GrpcBearerService<S, P>
where
    S: Service<http::Request<tonic::body::Body>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    P: BearerProvider + Clone,
    ResBody: Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = GrpcBearerError<S::Error>;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(GrpcBearerError::Inner)
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let provider = self.provider.clone();
        Box::pin(async move {
            let bearer = provider
                .bearer()
                .await
                .map_err(|e| GrpcBearerError::Token(Box::new(e)))?;
            let (parts, body) = req.into_parts();
            let (ready, rest) = take_ready(body).map_err(GrpcBearerError::Body)?;
            let replayable = rest.is_none();
            let first_body = match rest {
                None => tonic::body::Body::new(http_body_util::Full::new(ready.clone())),
                Some(rest) => {
                    let prefix = http_body_util::Full::new(ready.clone())
                        .map_err(|never: std::convert::Infallible| match never {});
                    tonic::body::Body::new(Chain::new(prefix, rest))
                }
            };
            let resp = inner
                .call(rebuild(&parts, first_body, bearer.header()))
                .await
                .map_err(GrpcBearerError::Inner)?;
            if !unauthenticated(resp.headers()) || !replayable {
                return Ok(resp);
            }
            if !provider.rejected(&bearer).await {
                return Ok(resp);
            }
            let fresh = provider
                .bearer()
                .await
                .map_err(|e| GrpcBearerError::Token(Box::new(e)))?;
            tracing::debug!(target: "cognito_auth::m2m", "UNAUTHENTICATED: calling once more with a new token");
            let body = tonic::body::Body::new(http_body_util::Full::new(ready));
            futures_util::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(GrpcBearerError::Inner)?;
            inner
                .call(rebuild(&parts, body, fresh.header()))
                .await
                .map_err(GrpcBearerError::Inner)
        })
    }
}

/// Two bodies, one after the other.
struct Chain<A, B> {
    first: Option<A>,
    second: B,
}

impl<A, B> Chain<A, B> {
    fn new(first: A, second: B) -> Self {
        Chain {
            first: Some(first),
            second,
        }
    }
}

impl<A, B> http_body::Body for Chain<A, B>
where
    A: http_body::Body<Data = Bytes, Error = tonic::Status> + Unpin,
    B: http_body::Body<Data = Bytes, Error = tonic::Status> + Unpin,
{
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, tonic::Status>>> {
        if let Some(first) = self.first.as_mut() {
            match std::pin::Pin::new(first).poll_frame(cx) {
                Poll::Ready(None) => self.first = None,
                other => return other,
            }
        }
        std::pin::Pin::new(&mut self.second).poll_frame(cx)
    }
}
