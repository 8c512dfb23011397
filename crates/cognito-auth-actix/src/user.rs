//! Mapping the principal to the application's user.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::HttpMessage;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use cognito_auth::web::map_user;

use super::{AppUser, ServicePrincipal, UserMapper, render, to_actix};

/// Middleware mapping the principal to the application's user (wrap it inside
/// [`CognitoAuth`](crate::CognitoAuth)). Not found → 401; ambiguous or failing lookup → 500 (logged); anonymous
/// requests pass through unmapped.
pub struct MapUser<M> {
    mapper: Arc<M>,
}

impl<M> Clone for MapUser<M> {
    fn clone(&self) -> Self {
        MapUser {
            mapper: Arc::clone(&self.mapper),
        }
    }
}

impl<M: UserMapper> MapUser<M> {
    /// Maps with `mapper`.
    pub fn new(mapper: M) -> Self {
        MapUser {
            mapper: Arc::new(mapper),
        }
    }
}

impl<S, B, M> Transform<S, ServiceRequest> for MapUser<M>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
    M: UserMapper,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = MapUserService<S, M>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(MapUserService {
            service: Rc::new(service),
            mapper: Arc::clone(&self.mapper),
        }))
    }
}

/// The service made by [`MapUser`].
pub struct MapUserService<S, M> {
    service: Rc<S>,
    mapper: Arc<M>,
}

impl<S, B, M> Service<ServiceRequest> for MapUserService<S, M>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
    M: UserMapper,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let mapper = Arc::clone(&self.mapper);
        Box::pin(async move {
            let principal = req.extensions().get::<ServicePrincipal>().cloned();
            if let Some(p) = principal {
                match map_user(&*mapper, &p).await {
                    Ok(user) => {
                        req.extensions_mut().insert(AppUser(user));
                    }
                    Err(e) => {
                        let resp = to_actix(&render(req.request(), &e));
                        return Ok(req.into_response(resp).map_into_right_body());
                    }
                }
            }
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}
