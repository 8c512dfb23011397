//! Mapping the principal to the application's user.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use futures_util::future::BoxFuture;
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use cognito_auth::web::map_user;

use axum::response::IntoResponse;

use super::{AppUser, AuthRejection, ServicePrincipal, UserMapper};

/// A [`Layer`] mapping the principal to the application's user (placed inside
/// [`CognitoAuthLayer`](crate::CognitoAuthLayer)). Not found → 401; ambiguous or failing lookup → 500 (logged).
/// Anonymous requests (permissive mode) pass through unmapped.
#[derive(Debug)]
pub struct UserLayer<M> {
    mapper: Arc<M>,
}

impl<M> Clone for UserLayer<M> {
    fn clone(&self) -> Self {
        UserLayer {
            mapper: Arc::clone(&self.mapper),
        }
    }
}

impl<M: UserMapper> UserLayer<M> {
    /// Maps with `mapper`.
    pub fn new(mapper: M) -> Self {
        UserLayer {
            mapper: Arc::new(mapper),
        }
    }
}

impl<S, M> Layer<S> for UserLayer<M> {
    type Service = UserService<S, M>;
    fn layer(&self, inner: S) -> UserService<S, M> {
        UserService {
            inner,
            mapper: Arc::clone(&self.mapper),
        }
    }
}

/// The service made by [`UserLayer`].
#[derive(Debug)]
pub struct UserService<S, M> {
    inner: S,
    mapper: Arc<M>,
}

impl<S: Clone, M> Clone for UserService<S, M> {
    fn clone(&self) -> Self {
        UserService {
            inner: self.inner.clone(),
            mapper: Arc::clone(&self.mapper),
        }
    }
}

impl<S, M, B> Service<Request<B>> for UserService<S, M>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    M: UserMapper,
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
        let mapper = Arc::clone(&self.mapper);
        Box::pin(async move {
            if let Some(p) = req.extensions().get::<ServicePrincipal>().cloned() {
                match map_user(&*mapper, &p).await {
                    Ok(user) => {
                        req.extensions_mut().insert(AppUser(user));
                    }
                    Err(e) => return Ok(AuthRejection::new(req.extensions(), e).into_response()),
                }
            }
            inner.call(req).await
        })
    }
}
