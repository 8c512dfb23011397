//! The authentication middleware.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use cognito_auth::web::RequestView;

use super::{AuthConfig, Authenticator, to_actix};

/// [`RequestView`] over an actix request (actix-web uses its own `http` version).
struct View<'a>(&'a ServiceRequest);

impl RequestView for View<'_> {
    fn headers2(&self, name: &str) -> [Option<&[u8]>; 2] {
        let mut it = self.0.headers().get_all(name);
        [
            it.next().map(|v| v.as_bytes()),
            it.next().map(|v| v.as_bytes()),
        ]
    }
    fn query(&self) -> Option<&str> {
        Some(self.0.query_string()).filter(|q| !q.is_empty())
    }
}

/// Middleware authenticating every request with an [`Authenticator`].
#[derive(Clone, Debug)]
pub struct CognitoAuth {
    auth: Authenticator,
}

impl CognitoAuth {
    /// Uses `auth` (see [`AuthConfig::authenticator`]).
    pub fn new(auth: Authenticator) -> Self {
        CognitoAuth { auth }
    }
    /// Builds the authenticator from `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, cognito_auth::verify::ConfigError> {
        Ok(CognitoAuth::new(config.authenticator()?))
    }
}

impl<S, B> Transform<S, ServiceRequest> for CognitoAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CognitoAuthService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CognitoAuthService {
            service: Rc::new(service),
            auth: self.auth.clone(),
        }))
    }
}

/// The service made by [`CognitoAuth`].
pub struct CognitoAuthService<S> {
    service: Rc<S>,
    auth: Authenticator,
}

impl<S, B> Service<ServiceRequest> for CognitoAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let auth = self.auth.clone();
        Box::pin(async move {
            let outcome = if auth.reads_header_only() {
                let values = req
                    .headers()
                    .get_all(auth.header_name())
                    .map(|v| v.as_bytes());
                auth.authenticate(values).await
            } else {
                auth.authenticate_request(&View(&req)).await
            };
            match outcome {
                Ok(principal) => {
                    {
                        let mut ext = req.extensions_mut();
                        if let Some(p) = principal {
                            ext.insert(p);
                        }
                        ext.insert(auth);
                    }
                    service
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                }
                Err(e) => {
                    let resp = to_actix(&auth.render(&e));
                    Ok(req.into_response(resp).map_into_right_body())
                }
            }
        })
    }
}
