//! The server layer: authentication of the `authorization` metadata and per-method guards.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use cognito_auth::web::{AuthError, Authenticator, Guard, ServicePrincipal, UnlistedMethod};
use futures_util::future::{BoxFuture, Either};
use tower_layer::Layer;
use tower_service::Service;

/// The gRPC status for an authentication or authorization refusal, with a fixed message.
///
/// ```
/// use cognito_auth::web::AuthError;
/// use cognito_auth_tonic::status_for;
///
/// assert_eq!(status_for(&AuthError::MissingCredentials).code(), tonic::Code::Unauthenticated);
/// ```
pub fn status_for(e: &AuthError) -> tonic::Status {
    match e {
        AuthError::MissingCredentials => tonic::Status::unauthenticated("missing bearer token"),
        _ => match e.status() {
            401 => tonic::Status::unauthenticated("invalid bearer token"),
            403 => tonic::Status::permission_denied("permission denied"),
            503 => tonic::Status::unavailable("authentication temporarily unavailable"),
            _ => tonic::Status::internal("internal error"),
        },
    }
}

#[derive(Default, Clone)]
struct Rules {
    methods: HashMap<String, Guard>,
    services: HashMap<String, Guard>,
    public: HashSet<String>,
    unlisted: Option<Guard>,
}

impl Rules {
    /// The guard for `path` (`/package.Service/Method`): the method's, else its service's,
    /// else the unlisted rule; `None`: refused.
    fn guard(&self, path: &str) -> Option<&Guard> {
        self.methods
            .get(path)
            .or_else(|| {
                let service = path.strip_prefix('/')?.split_once('/')?.0;
                self.services.get(service)
            })
            .or(self.unlisted.as_ref())
    }
}

/// A tower layer for tonic servers authenticating every call with an [`Authenticator`]
/// (the `authorization` metadata; configure it with [`cognito_auth::web::AuthConfig`]) and
/// enforcing each method's [`Guard`]. Methods without a rule are refused
/// (`PERMISSION_DENIED`) unless [`GrpcAuthLayer::unlisted_methods`] says otherwise.
#[derive(Clone)]
#[must_use]
pub struct GrpcAuthLayer {
    auth: Authenticator,
    rules: Arc<Rules>,
}

impl fmt::Debug for GrpcAuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcAuthLayer")
            .field("methods", &self.rules.methods.keys().collect::<Vec<_>>())
            .field("services", &self.rules.services.keys().collect::<Vec<_>>())
            .field("public", &self.rules.public)
            .finish_non_exhaustive()
    }
}

impl GrpcAuthLayer {
    /// Authenticates with `auth`; no method allowed yet.
    pub fn new(auth: Authenticator) -> Self {
        GrpcAuthLayer {
            auth,
            rules: Arc::new(Rules::default()),
        }
    }

    fn rules(&mut self) -> &mut Rules {
        Arc::make_mut(&mut self.rules)
    }

    /// Requires `guard` for the method `path` (`/package.Service/Method`).
    pub fn method(mut self, path: &str, guard: Guard) -> Self {
        // A method path is one method: the guard's per-HTTP-method rules do not apply.
        self.rules().methods.insert(
            path.to_owned(),
            guard.unlisted_methods(UnlistedMethod::Allow),
        );
        self
    }

    /// Requires `guard` for every method of `service` (`package.Service`) without a rule of
    /// its own.
    pub fn service(mut self, service: &str, guard: Guard) -> Self {
        self.rules().services.insert(
            service.to_owned(),
            guard.unlisted_methods(UnlistedMethod::Allow),
        );
        self
    }

    /// Serves the method `path` without authentication (health checks, reflection).
    pub fn public(mut self, path: &str) -> Self {
        self.rules().public.insert(path.to_owned());
        self
    }

    /// What methods without a rule get: `None` (default) refuses them; `Some(guard)`
    /// applies `guard` (e.g. [`Guard::authenticated`]).
    pub fn unlisted_methods(mut self, guard: Option<Guard>) -> Self {
        self.rules().unlisted = guard.map(|g| g.unlisted_methods(UnlistedMethod::Allow));
        self
    }
}

impl<S> Layer<S> for GrpcAuthLayer {
    type Service = GrpcAuth<S>;
    fn layer(&self, inner: S) -> GrpcAuth<S> {
        GrpcAuth {
            inner,
            auth: self.auth.clone(),
            rules: Arc::clone(&self.rules),
        }
    }
}

/// The service made by [`GrpcAuthLayer`].
#[derive(Clone)]
pub struct GrpcAuth<S> {
    inner: S,
    auth: Authenticator,
    rules: Arc<Rules>,
}

impl<S> fmt::Debug for GrpcAuth<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcAuth").finish_non_exhaustive()
    }
}

fn refuse<B: Default>(e: &AuthError, path: &str) -> http::Response<B> {
    tracing::debug!(
        target: "cognito_auth::web",
        method = path,
        status = e.status(),
        reason = e.reason_code(),
        "gRPC call refused"
    );
    status_for(e).into_http()
}

/// Applies the guard to an authentication outcome: the principal goes into the request's
/// extensions, or the refusal to answer with comes back.
fn admit<B, R: Default>(
    rules: &Rules,
    auth: &Authenticator,
    req: &mut http::Request<B>,
    outcome: Result<Option<ServicePrincipal>, AuthError>,
) -> Result<(), http::Response<R>> {
    let path = req.uri().path();
    match outcome.and_then(|p| check(rules, auth, path, p.as_ref()).map(|()| p)) {
        Ok(p) => {
            if let Some(p) = p {
                req.extensions_mut().insert(p);
            }
            Ok(())
        }
        Err(e) => Err(refuse(&e, path)),
    }
}

/// The guard's verdict for an authenticated (or anonymous) call to `path`.
fn check(
    rules: &Rules,
    auth: &Authenticator,
    path: &str,
    principal: Option<&ServicePrincipal>,
) -> Result<(), AuthError> {
    match rules.guard(path) {
        Some(g) => g.check(principal, "POST", auth.defaults()),
        None if principal.is_none() => Err(AuthError::MissingCredentials),
        None => Err(AuthError::Forbidden {
            reason: cognito_auth::verify::Reason::InsufficientScope,
            required_scopes: Vec::new(),
        }),
    }
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for GrpcAuth<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Self::Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<ReqBody>) -> Self::Future {
        if self.rules.public.contains(req.uri().path()) {
            return Either::Left(self.inner.call(req));
        }
        let values = req
            .headers()
            .get_all(self.auth.header())
            .iter()
            .map(http::HeaderValue::as_bytes);
        if let Some(outcome) = self.auth.authenticate_now(values) {
            return match admit(&self.rules, &self.auth, &mut req, outcome) {
                Ok(()) => Either::Left(self.inner.call(req)),
                Err(resp) => Either::Right(Box::pin(async move { Ok(resp) })),
            };
        }
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        let rules = Arc::clone(&self.rules);
        Either::Right(Box::pin(async move {
            let values = req
                .headers()
                .get_all(auth.header())
                .iter()
                .map(http::HeaderValue::as_bytes);
            let outcome = auth.authenticate(values).await;
            match admit(&rules, &auth, &mut req, outcome) {
                Ok(()) => inner.call(req).await,
                Err(resp) => Ok(resp),
            }
        }))
    }
}
