//! The authentication layer.

use std::task::{Context, Poll};

use axum::response::Response;
use futures_util::future::BoxFuture;
use http::{HeaderValue, Request};
use tower_layer::Layer;
use tower_service::Service;

use super::{AuthConfig, Authenticator, to_axum};

/// A tower [`Layer`] authenticating every request with an [`Authenticator`].
#[derive(Clone, Debug)]
pub struct CognitoAuthLayer {
    auth: Authenticator,
}

impl CognitoAuthLayer {
    /// Uses `auth` (see [`AuthConfig::authenticator`]).
    pub fn new(auth: Authenticator) -> Self {
        CognitoAuthLayer { auth }
    }
    /// Builds the authenticator from `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, cognito_auth::verify::ConfigError> {
        Ok(CognitoAuthLayer::new(config.authenticator()?))
    }
}

impl<S> Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuth<S>;
    fn layer(&self, inner: S) -> CognitoAuth<S> {
        CognitoAuth {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service made by [`CognitoAuthLayer`].
#[derive(Clone, Debug)]
pub struct CognitoAuth<S> {
    inner: S,
    auth: Authenticator,
}

impl<S, B> Service<Request<B>> for CognitoAuth<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let outcome = if auth.reads_header_only() {
                let values = req
                    .headers()
                    .get_all(auth.header_name())
                    .iter()
                    .map(HeaderValue::as_bytes);
                auth.authenticate(values).await
            } else {
                auth.authenticate_request(&req).await
            };
            match outcome {
                Ok(principal) => {
                    let ext = req.extensions_mut();
                    if let Some(p) = principal {
                        ext.insert(p);
                    }
                    ext.insert(auth);
                    inner.call(req).await
                }
                Err(e) => Ok(to_axum(auth.render(&e))),
            }
        })
    }
}
