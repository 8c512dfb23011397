//! # cognito-auth-lambda
//!
//! API Gateway Lambda authorizers backed by `cognito-auth`: the Cognito token is verified
//! with the same [`Verifier`](cognito_auth::verify::Verifier) and route requirements are the
//! same [`Guard`]s as in the axum and actix-web integrations; nothing is re-implemented.
//!
//! | event | answer when allowed | refused (403) | not authenticated (401) | keys unavailable |
//! |---|---|---|---|---|
//! | REST `TOKEN` | IAM policy, `Allow` | IAM policy, `Deny` | error `Unauthorized` | error (500) |
//! | REST `REQUEST` | IAM policy, `Allow` | IAM policy, `Deny` | error `Unauthorized` | error (500) |
//! | HTTP API 2.0, simple | `isAuthorized: true` | `isAuthorized: false` | error `Unauthorized` | error (500) |
//! | HTTP API 2.0, IAM | IAM policy, `Allow` | IAM policy, `Deny` | error `Unauthorized` | error (500) |
//!
//! API Gateway turns the error whose message is exactly `Unauthorized` into a 401 and any
//! other error into a 500: keys that cannot be fetched never become an `Allow`. An allowed
//! request carries a `context` with `client_id`, `sub`, `username`, `scope`, `groups` and
//! `token_use`, readable by the integration (`$context.authorizer.client_id`).
//!
//! The verifier and its JWKS cache live across warm invocations of the container: one JWKS
//! fetch per container, and a token seen before costs a cache lookup.
//!
//! ```no_run
//! use cognito_auth::web::{AuthConfig, Guard};
//! use cognito_auth_lambda::Authorizer;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_runtime::Error> {
//!     let authorizer = Authorizer::builder(AuthConfig::from_env()?.authenticator()?)
//!         .route("GET /orders", Guard::all(["orders/read"]))
//!         .route("POST /orders", Guard::all(["orders/write"]))
//!         .build();
//!     authorizer.run().await
//! }
//! ```
//!
//! The `cognito-lambda-authorizer` binary of this crate is that program, configured from the
//! environment (see [`Authorizer::from_env`]); deploy it as `bootstrap` on the
//! `provided.al2023` runtime.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod routes;

use std::sync::Arc;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequest,
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayCustomAuthorizerResponse,
    ApiGatewayV2CustomAuthorizerIamPolicyResponse, ApiGatewayV2CustomAuthorizerSimpleResponse,
    ApiGatewayV2CustomAuthorizerV2Request,
};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use cognito_auth::web::{AuthError, Authenticator, Guard, ServicePrincipal};
use serde_json::{Value, json};

pub use routes::RouteKey;

/// Why an event was not answered with a policy: API Gateway shows the first as 401 and the
/// others as 500.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizerError {
    /// No token, or a token that is not valid: API Gateway answers 401.
    #[error("Unauthorized")]
    Unauthorized,
    /// The keys could not be fetched, or another failure to check: API Gateway answers 500.
    #[error("authorization is temporarily unavailable")]
    Unavailable,
    /// The event is not one of the authorizer events.
    #[error("not an API Gateway authorizer event: {0}")]
    BadEvent(String),
}

impl From<AuthorizerError> for lambda_runtime::Diagnostic {
    fn from(e: AuthorizerError) -> Self {
        let error_type = match &e {
            AuthorizerError::Unauthorized => "Unauthorized",
            AuthorizerError::Unavailable => "Unavailable",
            AuthorizerError::BadEvent(_) => "BadEvent",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// How HTTP API (payload 2.0) authorizers answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HttpApiResponse {
    /// `{"isAuthorized": …, "context": …}` (the authorizer has simple responses enabled).
    #[default]
    Simple,
    /// An IAM policy.
    Iam,
}

struct Inner {
    auth: Authenticator,
    routes: routes::Routes,
    wildcard_resource: bool,
    http_response: HttpApiResponse,
}

/// A Lambda authorizer: an [`Authenticator`] and the requirements of each route. Cheap to
/// clone; `Send + Sync`.
#[derive(Clone)]
pub struct Authorizer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorizer")
            .field("routes", &self.inner.routes)
            .field("wildcard_resource", &self.inner.wildcard_resource)
            .field("http_response", &self.inner.http_response)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Authorizer`].
#[must_use]
pub struct AuthorizerBuilder {
    auth: Authenticator,
    routes: routes::Routes,
    wildcard_resource: bool,
    http_response: HttpApiResponse,
}

impl std::fmt::Debug for AuthorizerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizerBuilder")
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl AuthorizerBuilder {
    /// Requires `guard` on the route `key`: `"GET /orders"`, `"ANY /admin/{proxy+}"`,
    /// `"POST /orders/{id}"` (API Gateway's resource and route syntax; `*` also matches the
    /// rest of a path). The first matching route applies. A key that does not parse adds
    /// nothing (so its route stays refused); [`AuthorizerBuilder::try_route`] reports it.
    pub fn route(self, key: &str, guard: Guard) -> Self {
        match self.try_route(key, guard) {
            Ok(b) => b,
            Err((b, e)) => {
                tracing::error!(target: "cognito_auth::web", error = %e, "route ignored");
                b
            }
        }
    }
    /// [`AuthorizerBuilder::route`], or the builder back with the reason the key is wrong.
    #[allow(clippy::result_large_err)]
    pub fn try_route(mut self, key: &str, guard: Guard) -> Result<Self, (Self, String)> {
        match RouteKey::parse(key) {
            Ok(k) => {
                self.routes.add(k, guard);
                Ok(self)
            }
            Err(e) => Err((self, e)),
        }
    }
    /// What routes without a requirement get (default: refused, 403). With `Some(guard)`,
    /// that guard (e.g. [`Guard::authenticated`]).
    pub fn unlisted_routes(mut self, guard: Option<Guard>) -> Self {
        self.routes.fallback = guard;
        self
    }
    /// Allow policies name every method and path of the stage (`…/stage/*/*`) instead of the
    /// one method ARN, so API Gateway's authorizer cache (keyed by the token) serves other
    /// routes too. Only sound when every route has the same requirement or the rest are
    /// checked elsewhere: a cached `Allow` for one route then admits the token everywhere.
    pub fn wildcard_resource(mut self, on: bool) -> Self {
        self.wildcard_resource = on;
        self
    }
    /// How HTTP API authorizers answer (default simple responses).
    pub fn http_api_response(mut self, r: HttpApiResponse) -> Self {
        self.http_response = r;
        self
    }
    /// The authorizer.
    pub fn build(self) -> Authorizer {
        Authorizer {
            inner: Arc::new(Inner {
                auth: self.auth,
                routes: self.routes,
                wildcard_resource: self.wildcard_resource,
                http_response: self.http_response,
            }),
        }
    }
}

/// A method ARN's parts: `arn:aws:execute-api:region:account:api/stage/METHOD/path…`.
struct MethodArn<'a> {
    /// `arn:aws:execute-api:region:account:api/stage`
    stage_arn: &'a str,
    method: &'a str,
    path: String,
}

fn parse_arn(arn: &str) -> Option<MethodArn<'_>> {
    let (prefix, rest) = arn.rsplit_once(':')?;
    let mut parts = rest.splitn(4, '/');
    let api = parts.next()?;
    let stage = parts.next()?;
    let method = parts.next()?;
    let path = format!("/{}", parts.next().unwrap_or(""));
    let stage_len = prefix.len() + 1 + api.len() + 1 + stage.len();
    Some(MethodArn {
        stage_arn: &arn[..stage_len],
        method,
        path,
    })
}

/// The decision for one request.
enum Decision {
    Allow(ServicePrincipal),
    Deny(Option<ServicePrincipal>),
}

impl Decision {
    /// The policy effect and the caller, if authenticated.
    fn parts(&self) -> (IamPolicyEffect, Option<&ServicePrincipal>) {
        match self {
            Decision::Allow(p) => (IamPolicyEffect::Allow, Some(p)),
            Decision::Deny(p) => (IamPolicyEffect::Deny, p.as_ref()),
        }
    }
}

/// The `principalId` of an IAM policy response: the caller's `sub`, or `anonymous`.
fn principal_id(principal: Option<&ServicePrincipal>) -> Option<String> {
    Some(principal.map_or_else(|| "anonymous".to_owned(), |p| p.sub().to_owned()))
}

/// The `methodArn` of a REST API authorizer event.
fn method_arn(arn: Option<&str>) -> Result<&str, AuthorizerError> {
    arn.ok_or_else(|| AuthorizerError::BadEvent("no methodArn".into()))
}

impl Authorizer {
    /// An authorizer around `auth` with no routes yet (every route refused until added).
    pub fn builder(auth: Authenticator) -> AuthorizerBuilder {
        AuthorizerBuilder {
            auth,
            routes: routes::Routes::default(),
            wildcard_resource: false,
            http_response: HttpApiResponse::Simple,
        }
    }

    /// From `COGNITO_*` ([`cognito_auth::web::AuthConfig::from_env`]) and:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `COGNITO_AUTHORIZER_ROUTES` | `;`-separated `METHOD /path=scope scope`, e.g. `GET /orders=orders/read; ANY /admin/{proxy+}=admin/all` (a route with nothing after `=` needs a valid token only; prefix the scopes with `any:` for any of them) |
    /// | `COGNITO_AUTHORIZER_UNLISTED` | `deny` (default) or `allow` (a valid token suffices) |
    /// | `COGNITO_AUTHORIZER_WILDCARD_RESOURCE` | `true`: stage-wide `Allow` policies (see [`AuthorizerBuilder::wildcard_resource`]) |
    /// | `COGNITO_AUTHORIZER_HTTP_RESPONSE` | `simple` (default) or `iam` |
    pub fn from_env() -> Result<Authorizer, String> {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// [`Authorizer::from_env`] with a custom variable source.
    pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Authorizer, String> {
        let cfg = cognito_auth::web::AuthConfig::from_env_with(&get).map_err(|e| e.to_string())?;
        let auth = cfg.authenticator().map_err(|e| e.to_string())?;
        let mut b = Authorizer::builder(auth);
        if let Some(routes) = get("COGNITO_AUTHORIZER_ROUTES") {
            for spec in routes.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                let (key, scopes) = spec.split_once('=').unwrap_or((spec, ""));
                let scopes = scopes.trim();
                let guard = match scopes.strip_prefix("any:") {
                    Some(any) => Guard::any(any.split_whitespace()),
                    None if scopes.is_empty() => Guard::authenticated(),
                    None => Guard::all(scopes.split_whitespace()),
                };
                b = b
                    .try_route(key.trim(), guard)
                    .map_err(|(_, e)| format!("COGNITO_AUTHORIZER_ROUTES: {e}"))?;
            }
        }
        match get("COGNITO_AUTHORIZER_UNLISTED").as_deref().map(str::trim) {
            None | Some("" | "deny") => {}
            Some("allow") => b = b.unlisted_routes(Some(Guard::authenticated())),
            Some(other) => {
                return Err(format!(
                    "COGNITO_AUTHORIZER_UNLISTED: `{other}` is not deny or allow"
                ));
            }
        }
        if let Some(v) = get("COGNITO_AUTHORIZER_WILDCARD_RESOURCE") {
            b = b.wildcard_resource(matches!(v.trim(), "true" | "1" | "yes"));
        }
        match get("COGNITO_AUTHORIZER_HTTP_RESPONSE")
            .as_deref()
            .map(str::trim)
        {
            None | Some("" | "simple") => {}
            Some("iam") => b = b.http_api_response(HttpApiResponse::Iam),
            Some(other) => {
                return Err(format!(
                    "COGNITO_AUTHORIZER_HTTP_RESPONSE: `{other}` is not simple or iam"
                ));
            }
        }
        Ok(b.build())
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// Authenticates `header` (the `Authorization` value) and applies the route's guard.
    async fn decide(
        &self,
        header: Option<&str>,
        method: &str,
        path: &str,
    ) -> Result<Decision, AuthorizerError> {
        let auth = &self.inner.auth;
        let value = header.map(str::as_bytes);
        let outcome = match auth.authenticate_now(value) {
            Some(o) => o,
            None => auth.authenticate(value).await,
        };
        let principal = match outcome {
            Ok(Some(p)) => p,
            Ok(None) => return Err(AuthorizerError::Unauthorized),
            Err(e) => return Self::refused(e, None),
        };
        let Some(guard) = self.inner.routes.find(method, path) else {
            tracing::debug!(target: "cognito_auth::web", method, path, "no requirement for this route: denied");
            return Ok(Decision::Deny(Some(principal)));
        };
        match guard.check(Some(&principal), method, auth.defaults()) {
            Ok(()) => Ok(Decision::Allow(principal)),
            Err(e) => Self::refused(e, Some(principal)),
        }
    }

    fn refused(
        e: AuthError,
        principal: Option<ServicePrincipal>,
    ) -> Result<Decision, AuthorizerError> {
        match e.status() {
            401 => Err(AuthorizerError::Unauthorized),
            403 => Ok(Decision::Deny(principal)),
            _ => {
                tracing::warn!(target: "cognito_auth::web", reason = e.reason_code(), "authorizer could not check the token");
                Err(AuthorizerError::Unavailable)
            }
        }
    }

    fn context(p: Option<&ServicePrincipal>) -> Value {
        match p {
            None => json!({}),
            Some(p) => json!({
                "client_id": p.client_id(),
                "sub": p.sub(),
                "username": p.username().unwrap_or(""),
                "scope": p.scopes().to_string(),
                "groups": p.groups().join(","),
                "token_use": p.token_use().as_str(),
            }),
        }
    }

    fn policy(
        &self,
        effect: IamPolicyEffect,
        resource: &str,
        stage: Option<&str>,
    ) -> ApiGatewayCustomAuthorizerPolicy {
        let resource = match (
            effect == IamPolicyEffect::Allow && self.inner.wildcard_resource,
            stage,
        ) {
            (true, Some(stage)) => format!("{stage}/*/*"),
            _ => resource.to_owned(),
        };
        let mut statement = IamPolicyStatement::default();
        statement.action = vec!["execute-api:Invoke".to_owned()];
        statement.effect = effect;
        statement.resource = vec![resource];
        let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
        policy.version = Some("2012-10-17".to_owned());
        policy.statement = vec![statement];
        policy
    }

    fn rest_response(
        &self,
        d: Decision,
        method_arn: &str,
        stage: Option<&str>,
    ) -> ApiGatewayCustomAuthorizerResponse {
        let (effect, principal) = d.parts();
        let mut r = ApiGatewayCustomAuthorizerResponse::default();
        r.principal_id = principal_id(principal);
        r.policy_document = self.policy(effect, method_arn, stage);
        r.context = Self::context(principal);
        r
    }

    /// A REST API `TOKEN` authorizer event: the token in `authorizationToken`, the route in
    /// `methodArn`.
    pub async fn authorize_token(
        &self,
        event: &ApiGatewayCustomAuthorizerRequest,
    ) -> Result<ApiGatewayCustomAuthorizerResponse, AuthorizerError> {
        let arn = method_arn(event.method_arn.as_deref())?;
        let parsed = parse_arn(arn).ok_or_else(|| {
            AuthorizerError::BadEvent("methodArn is not an execute-api ARN".into())
        })?;
        let d = self
            .decide(
                event.authorization_token.as_deref(),
                parsed.method,
                &parsed.path,
            )
            .await?;
        Ok(self.rest_response(d, arn, Some(parsed.stage_arn)))
    }

    /// A REST API `REQUEST` authorizer event: the token in the `Authorization` header, the
    /// route from `httpMethod` and `resource` (the resource template, e.g. `/orders/{id}`).
    pub async fn authorize_request(
        &self,
        event: &ApiGatewayCustomAuthorizerRequestTypeRequest,
    ) -> Result<ApiGatewayCustomAuthorizerResponse, AuthorizerError> {
        let arn = method_arn(event.method_arn.as_deref())?;
        let parsed = parse_arn(arn);
        let method = event
            .http_method
            .as_ref()
            .map(|m| m.as_str().to_owned())
            .or_else(|| parsed.as_ref().map(|p| p.method.to_owned()))
            .unwrap_or_default();
        let path = event
            .resource
            .clone()
            .or_else(|| parsed.as_ref().map(|p| p.path.clone()))
            .unwrap_or_default();
        let header = header_value(&event.headers);
        let d = self.decide(header, &method, &path).await?;
        Ok(self.rest_response(d, arn, parsed.as_ref().map(|p| p.stage_arn)))
    }

    /// An HTTP API (payload format 2.0) authorizer event: the token in the `Authorization`
    /// header, the route from `routeKey`. Answered as configured
    /// ([`AuthorizerBuilder::http_api_response`]), as JSON.
    pub async fn authorize_http(
        &self,
        event: &ApiGatewayV2CustomAuthorizerV2Request,
    ) -> Result<Value, AuthorizerError> {
        let (method, path) = match event.route_key.as_deref() {
            Some(k) if k != "$default" => match k.split_once(' ') {
                Some((m, p)) => (m.to_owned(), p.to_owned()),
                None => (k.to_owned(), String::new()),
            },
            _ => (
                event.request_context.http.method.as_str().to_owned(),
                event.raw_path.clone().unwrap_or_default(),
            ),
        };
        let header = header_value(&event.headers);
        let d = self.decide(header, &method, &path).await?;
        let (effect, principal) = d.parts();
        let value = match self.inner.http_response {
            HttpApiResponse::Simple => {
                let mut r = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
                r.is_authorized = effect == IamPolicyEffect::Allow;
                r.context = Self::context(principal);
                serde_json::to_value(r)
            }
            HttpApiResponse::Iam => {
                let arn = event.route_arn.clone().unwrap_or_default();
                let stage = parse_arn(&arn).map(|p| p.stage_arn.to_owned());
                let mut r = ApiGatewayV2CustomAuthorizerIamPolicyResponse::default();
                r.principal_id = principal_id(principal);
                r.policy_document = self.policy(effect, &arn, stage.as_deref());
                r.context = Self::context(principal);
                serde_json::to_value(r)
            }
        };
        value.map_err(|e| AuthorizerError::BadEvent(e.to_string()))
    }

    /// Any authorizer event, recognised by its shape (`type: TOKEN`, `type: REQUEST`, or
    /// `version: 2.0`), answered as JSON: the handler of [`Authorizer::run`].
    pub async fn handle(&self, event: Value) -> Result<Value, AuthorizerError> {
        let bad = |e: serde_json::Error| AuthorizerError::BadEvent(e.to_string());
        if event.get("version").and_then(Value::as_str) == Some("2.0") {
            let ev: ApiGatewayV2CustomAuthorizerV2Request =
                serde_json::from_value(event).map_err(bad)?;
            return self.authorize_http(&ev).await;
        }
        match event.get("type").and_then(Value::as_str) {
            Some("TOKEN") => {
                let ev: ApiGatewayCustomAuthorizerRequest =
                    serde_json::from_value(event).map_err(bad)?;
                serde_json::to_value(self.authorize_token(&ev).await?).map_err(bad)
            }
            Some("REQUEST") => {
                let ev: ApiGatewayCustomAuthorizerRequestTypeRequest =
                    serde_json::from_value(event).map_err(bad)?;
                serde_json::to_value(self.authorize_request(&ev).await?).map_err(bad)
            }
            other => Err(AuthorizerError::BadEvent(format!(
                "unknown event type {other:?}"
            ))),
        }
    }

    /// Runs the authorizer on the Lambda runtime (until the runtime ends).
    pub async fn run(self) -> Result<(), lambda_runtime::Error> {
        lambda_runtime::run(lambda_runtime::service_fn(
            move |event: lambda_runtime::LambdaEvent<Value>| {
                let this = self.clone();
                async move { this.handle(event.payload).await }
            },
        ))
        .await
    }
}

/// The `Authorization` header of an event (case-insensitive, as API Gateway passes them).
fn header_value(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}
