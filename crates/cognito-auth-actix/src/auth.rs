//! The authentication middleware.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::HttpMessage;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::HeaderName;
use futures_util::TryFutureExt;
use futures_util::future::{Either, LocalBoxFuture, MapOk};

use cognito_auth::web::RequestView;

use super::{AuthConfig, Authenticator, Guard, ServicePrincipal, to_actix};

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

/// Middleware authenticating every request with an [`Authenticator`], optionally enforcing
/// a [`Guard`] in the same step ([`CognitoAuth::with_guard`]).
#[derive(Clone, Debug)]
pub struct CognitoAuth {
    auth: Authenticator,
    guard: Option<Arc<Guard>>,
}

impl CognitoAuth {
    /// Uses `auth` (see [`AuthConfig::authenticator`]).
    pub fn new(auth: Authenticator) -> Self {
        CognitoAuth { auth, guard: None }
    }
    /// Builds the authenticator from `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, cognito_auth::verify::ConfigError> {
        Ok(CognitoAuth::new(config.authenticator()?))
    }
    /// Also enforces `guard` on every request it admits: the decisions of a
    /// [`Require`](crate::Require) inside it, in one middleware instead of two.
    ///
    /// ```no_run
    /// use actix_web::{App, web};
    /// use cognito_auth::web::{AuthConfig, Guard};
    /// use cognito_auth_actix::CognitoAuth;
    ///
    /// # fn build() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth = CognitoAuth::from_config(&AuthConfig::from_env()?)?;
    /// let app = App::new().service(
    ///     web::resource("/reports")
    ///         .wrap(auth.with_guard(Guard::all(["reports/read"])))
    ///         .route(web::get().to(|| async { "reports" })),
    /// );
    /// # let _ = app; Ok(()) }
    /// ```
    #[must_use]
    pub fn with_guard(mut self, guard: Guard) -> Self {
        self.guard = Some(Arc::new(guard));
        self
    }
}

/// The middleware's guard, if any, on an admitted request.
fn check(
    guard: Option<&Guard>,
    principal: Option<&ServicePrincipal>,
    method: &actix_web::http::Method,
    auth: &Authenticator,
) -> Result<(), cognito_auth::web::AuthError> {
    match guard {
        Some(g) => g.check(principal, method.as_str(), auth.defaults()),
        None => Ok(()),
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
        // The authenticator checked the name when it was built.
        let header = HeaderName::from_bytes(self.auth.header().as_str().as_bytes())
            .unwrap_or(actix_web::http::header::AUTHORIZATION);
        ready(Ok(CognitoAuthService {
            service: Rc::new(service),
            auth: self.auth.clone(),
            guard: self.guard.clone(),
            header,
        }))
    }
}

/// The service made by [`CognitoAuth`].
pub struct CognitoAuthService<S> {
    service: Rc<S>,
    auth: Authenticator,
    guard: Option<Arc<Guard>>,
    /// The token header, parsed once (actix-web has its own `http` version).
    header: HeaderName,
}

impl<S, B> Service<ServiceRequest> for CognitoAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<
        MapOk<S::Future, fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>>,
        LocalBoxFuture<'static, Result<Self::Response, Self::Error>>,
    >;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let left: fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> =
            ServiceResponse::map_into_left_body;
        // A token verified before: answered here, without a future of our own.
        let now = self
            .auth
            .authenticate_now(req.headers().get_all(&self.header).map(|v| v.as_bytes()))
            .map(|r| {
                r.and_then(|p| {
                    check(self.guard.as_deref(), p.as_ref(), req.method(), &self.auth).map(|()| p)
                })
            });
        match now {
            Some(Ok(principal)) => {
                super::admit(&mut req.extensions_mut(), principal, &self.auth);
                return Either::Left(self.service.call(req).map_ok(left));
            }
            Some(Err(e)) => {
                let resp = to_actix(&self.auth.render(&e));
                let resp = req.into_response(resp).map_into_right_body();
                return Either::Right(Box::pin(async move { Ok(resp) }));
            }
            None => {}
        }
        let service = Rc::clone(&self.service);
        let auth = self.auth.clone();
        let header = self.header.clone();
        let guard = self.guard.clone();
        Either::Right(Box::pin(async move {
            let outcome = if auth.reads_header_only() {
                let values = req.headers().get_all(&header).map(|v| v.as_bytes());
                auth.authenticate(values).await
            } else {
                auth.authenticate_request(&View(&req)).await
            };
            let outcome = outcome
                .and_then(|p| check(guard.as_deref(), p.as_ref(), req.method(), &auth).map(|()| p));
            match outcome {
                Ok(principal) => {
                    super::admit(&mut req.extensions_mut(), principal, &auth);
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
        }))
    }
}
