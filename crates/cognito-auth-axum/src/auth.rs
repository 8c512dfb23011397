//! The authentication layer.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use http::{HeaderValue, Request};
use tower_layer::Layer;
use tower_service::Service;

use super::{AuthConfig, Authenticator, Guard, ServicePrincipal, to_axum};

/// A tower [`Layer`] authenticating every request with an [`Authenticator`], optionally
/// enforcing a [`Guard`] in the same step ([`CognitoAuthLayer::with_guard`]).
#[derive(Clone, Debug)]
pub struct CognitoAuthLayer {
    shared: Arc<Shared>,
}

impl CognitoAuthLayer {
    /// Uses `auth` (see [`AuthConfig::authenticator`]).
    pub fn new(auth: Authenticator) -> Self {
        CognitoAuthLayer {
            shared: Arc::new(Shared { auth, guard: None }),
        }
    }
    /// Builds the authenticator from `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, cognito_auth::verify::ConfigError> {
        Ok(CognitoAuthLayer::new(config.authenticator()?))
    }
    /// Also enforces `guard` on every request this layer admits: the same decisions as a
    /// [`GuardLayer`](crate::GuardLayer) inside it, in one service instead of two (axum
    /// boxes and clones each layer of a route on every request, so one layer is cheaper).
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use cognito_auth::web::{AuthConfig, Guard};
    /// use cognito_auth_axum::CognitoAuthLayer;
    ///
    /// # fn build() -> Result<Router, Box<dyn std::error::Error>> {
    /// let reports = Router::new()
    ///     .route("/reports", get(|| async { "reports" }))
    ///     .layer(
    ///         CognitoAuthLayer::from_config(&AuthConfig::from_env()?)?
    ///             .with_guard(Guard::all(["reports/read"])),
    ///     );
    /// # Ok(reports) }
    /// ```
    #[must_use]
    pub fn with_guard(self, guard: Guard) -> Self {
        CognitoAuthLayer {
            shared: Arc::new(Shared {
                auth: self.shared.auth.clone(),
                guard: Some(guard),
            }),
        }
    }
}

impl<S> Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuth<S>;
    fn layer(&self, inner: S) -> CognitoAuth<S> {
        CognitoAuth {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service made by [`CognitoAuthLayer`].
#[derive(Clone, Debug)]
pub struct CognitoAuth<S> {
    inner: S,
    /// One reference count for both: axum clones a route's service on every request.
    shared: Arc<Shared>,
}

/// What the layer and every service it makes share.
#[derive(Debug)]
struct Shared {
    auth: Authenticator,
    guard: Option<Guard>,
}

/// The layer's guard, if any, on an admitted request.
fn check(
    guard: Option<&Guard>,
    principal: Option<&ServicePrincipal>,
    method: &http::Method,
    auth: &Authenticator,
) -> Result<(), cognito_auth::web::AuthError> {
    match guard {
        Some(g) => g.check(principal, method.as_str(), auth.defaults()),
        None => Ok(()),
    }
}

impl<S, B> Service<Request<B>> for CognitoAuth<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let Shared { auth, guard } = &*self.shared;
        // A token verified before: answered here, without a future of our own.
        let now = auth.authenticate_now(
            req.headers()
                .get_all(auth.header())
                .iter()
                .map(HeaderValue::as_bytes),
        );
        let now = now.map(|r| {
            r.and_then(|p| check(guard.as_ref(), p.as_ref(), req.method(), auth).map(|()| p))
        });
        match now {
            Some(Ok(principal)) => {
                super::admit(req.extensions_mut(), principal, auth);
                return Either::Left(self.inner.call(req));
            }
            Some(Err(e)) => {
                let resp = to_axum(auth.render(&e));
                return Either::Right(Box::pin(async move { Ok(resp) }));
            }
            None => {}
        }
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        Either::Right(Box::pin(async move {
            let Shared { auth, guard } = &*shared;
            let outcome = if auth.reads_header_only() {
                let values = req
                    .headers()
                    .get_all(auth.header())
                    .iter()
                    .map(HeaderValue::as_bytes);
                auth.authenticate(values).await
            } else {
                auth.authenticate_request(&req).await
            };
            let outcome = outcome
                .and_then(|p| check(guard.as_ref(), p.as_ref(), req.method(), auth).map(|()| p));
            match outcome {
                Ok(principal) => {
                    super::admit(req.extensions_mut(), principal, auth);
                    inner.call(req).await
                }
                Err(e) => Ok(to_axum(auth.render(&e))),
            }
        }))
    }
}
