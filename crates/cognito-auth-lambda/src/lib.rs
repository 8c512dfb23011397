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

pub use routes::{RouteKey, normalize_path};

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
    http_simple_cache_unsafe: bool,
    /// Every (route, method) the policy may name, computed once.
    entries: Vec<PolicyEntry>,
    /// The policy's resource tails for each verdict pattern seen (a token's verdict on
    /// every entry): the overlap analysis runs once per pattern, not per invocation.
    tails: std::sync::Mutex<std::collections::HashMap<Vec<bool>, Arc<Tails>>>,
}

/// One (route, method) of the table, as the policy names it.
struct PolicyEntry {
    /// The route's index, or `None` for the fallback.
    route: Option<usize>,
    method: String,
    /// `METHOD/path` under the stage, `{param}` and `{proxy+}` as `*`.
    tail: String,
    /// What the tail's pattern admits beyond the route ([`RouteKey`]'s `{param}` as `*`).
    overreach: Vec<String>,
}

/// A policy's resources relative to the stage ARN.
struct Tails {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// At most this many verdict patterns are remembered (then the memory starts over).
const MAX_TAIL_SETS: usize = 1024;

fn policy_entries(routes: &routes::Routes) -> Vec<PolicyEntry> {
    let mut out = Vec::new();
    for (i, (key, _)) in routes.list.iter().enumerate() {
        // One resource per method for `ANY`, never `*`: IAM's `*` would also span `/` into
        // the path (`*/admin/*` admits `GET/orders/admin/x`).
        let methods: Vec<&str> = if key.is_any() {
            routes::METHODS.to_vec()
        } else {
            vec![key.method()]
        };
        for method in methods {
            out.push(PolicyEntry {
                route: Some(i),
                method: method.to_owned(),
                tail: key.resource_tail(method),
                overreach: key.overreach_tails(method),
            });
        }
    }
    if routes.fallback.is_some() {
        for m in routes::METHODS {
            out.push(PolicyEntry {
                route: None,
                method: m.to_owned(),
                tail: format!("{m}/*"),
                overreach: Vec::new(),
            });
        }
    }
    out
}

/// The resource tails of a token's policy from its verdict on every entry.
fn tails_for(entries: &[PolicyEntry], verdicts: &[bool]) -> Tails {
    let allow: Vec<String> = entries
        .iter()
        .zip(verdicts)
        .filter(|(_, a)| **a)
        .map(|(e, _)| e.tail.clone())
        .collect();
    if allow.is_empty() {
        return Tails {
            allow,
            deny: vec!["*/*".to_owned()],
        };
    }
    let overlaps = |d: &str| allow.iter().any(|a| routes::globs_intersect(a, d));
    let mut deny: Vec<String> = entries
        .iter()
        .zip(verdicts)
        .filter(|(e, a)| !**a && e.route.is_some() && overlaps(&e.tail))
        .map(|(e, _)| e.tail.clone())
        .collect();
    // Deeper paths under an allowed `{param}` pattern belong to the fallback: refused unless
    // it admits them. (An allowed route lying there is then refused from the cache when the
    // cached policy came from another request.)
    let fallback_admits = entries
        .iter()
        .zip(verdicts)
        .any(|(e, a)| e.route.is_none() && *a);
    if !fallback_admits {
        for (e, _) in entries.iter().zip(verdicts).filter(|(_, a)| **a) {
            deny.extend(e.overreach.iter().cloned());
        }
    }
    deny.extend(UNNORMALISED.iter().map(|u| (*u).to_owned()));
    Tails { allow, deny }
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
    /// The authorizer. With HTTP API simple responses and routes whose requirements differ,
    /// logs a warning: see [`Authorizer::caching_warning`].
    pub fn build(self) -> Authorizer {
        let http_simple_cache_unsafe =
            self.http_response == HttpApiResponse::Simple && !self.routes.uniform();
        if http_simple_cache_unsafe {
            tracing::warn!(target: "cognito_auth::web", "{SIMPLE_CACHE_WARNING}");
        }
        Authorizer {
            inner: Arc::new(Inner {
                auth: self.auth,
                wildcard_resource: self.wildcard_resource,
                http_response: self.http_response,
                http_simple_cache_unsafe,
                entries: policy_entries(&self.routes),
                tails: std::sync::Mutex::new(std::collections::HashMap::new()),
                routes: self.routes,
            }),
        }
    }
}

const SIMPLE_CACHE_WARNING: &str = "HTTP API simple responses are cached by identity source alone, and these routes' requirements differ: add $context.routeKey to the authorizer's identity sources, or turn its caching off (an answer for one route would otherwise be reused on another)";

/// Tells Lambda that the function could not start (`POST /runtime/init/error` of the Runtime
/// API named by `AWS_LAMBDA_RUNTIME_API`), so the console and the logs show `error_type` and
/// `message` instead of a bare `Runtime.ExitError`. Call it before exiting on a configuration
/// error; the `cognito-lambda-authorizer` binary does.
///
/// ```no_run
/// # async fn run() {
/// if let Err(e) = cognito_auth_lambda::Authorizer::from_env() {
///     let _ = cognito_auth_lambda::report_init_error("Runtime.ConfigError", &e).await;
///     std::process::exit(1);
/// }
/// # }
/// ```
pub async fn report_init_error(
    error_type: &str,
    message: &str,
) -> Result<(), lambda_runtime::Error> {
    use lambda_runtime_api_client::{PooledClient, body::Body, build_request};
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| "AWS_LAMBDA_RUNTIME_API is not set: not running in Lambda")?;
    let endpoint: http::Uri = format!("http://{api}").parse()?;
    let client = PooledClient::builder().with_endpoint(endpoint).build();
    let body = serde_json::to_vec(&lambda_runtime::Diagnostic {
        error_type: error_type.to_owned(),
        error_message: message.to_owned(),
    })?;
    let req = build_request()
        .method(http::Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", error_type)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))?;
    let status = client.call(req).await?.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the Runtime API answered {status} to init/error").into())
    }
}

/// A method ARN's parts: `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`.
/// The path may hold `:` (RFC 3986 allows it, API Gateway keeps it): the resource starts
/// after the fifth `:`.
struct MethodArn<'a> {
    /// `arn:…:<api>/<stage>`
    stage_arn: &'a str,
    method: &'a str,
    /// The path as the ARN holds it, with its leading `/`.
    path: String,
}

fn parse_arn(arn: &str) -> Result<MethodArn<'_>, AuthorizerError> {
    let bad = || AuthorizerError::BadEvent("the method ARN is not an execute-api ARN".into());
    let mut fields = arn.splitn(6, ':');
    let mut next = || fields.next().ok_or_else(bad);
    let (lit, partition, service, region, account, resource) =
        (next()?, next()?, next()?, next()?, next()?, next()?);
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if lit != "arn"
        || !word(partition)
        || service != "execute-api"
        || !word(region)
        || !account.bytes().all(|b| b.is_ascii_digit())
        || account.is_empty()
    {
        return Err(bad());
    }
    let mut parts = resource.splitn(4, '/');
    let (api, stage, method) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    if !word(api)
        || stage.is_empty()
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
    {
        return Err(bad());
    }
    let stage_len = arn.len() - resource.len() + api.len() + 1 + stage.len();
    Ok(MethodArn {
        stage_arn: &arn[..stage_len],
        method,
        path: format!("/{}", parts.next().unwrap_or("")),
    })
}

/// One request as the routes see it, whatever the event kind: the real method, the
/// normalised path, and the ARNs its policy names.
struct Target<'a> {
    method: &'a str,
    path: String,
    /// The request's own method (REST) or route (HTTP API) ARN.
    arn: Option<&'a str>,
    /// `arn:…:<api>/<stage>`, the prefix of every resource the policy names.
    stage_arn: Option<&'a str>,
}

/// Resources that a cached policy never admits: paths API Gateway may pass with
/// percent-escapes, dot segments or empty segments, which the routes match only after
/// normalising. A request of that shape gets a policy for itself alone.
const UNNORMALISED: [&str; 6] = ["*%*", "*/./*", "*/../*", "*/.", "*/..", "*//*"];

/// A REST event's request, from its `methodArn` (`TOKEN` and `REQUEST` alike).
fn rest_target(arn: Option<&str>) -> Result<Target<'_>, AuthorizerError> {
    let arn = arn.ok_or_else(|| AuthorizerError::BadEvent("no methodArn".into()))?;
    let parsed = parse_arn(arn)?;
    Ok(Target {
        method: parsed.method,
        path: routes::normalize_path(&parsed.path),
        arn: Some(arn),
        stage_arn: Some(parsed.stage_arn),
    })
}

/// The statements of one token's policy.
#[derive(Default)]
struct Statements {
    allow: Vec<String>,
    deny: Vec<String>,
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

    /// Why API Gateway's authorizer cache could give a wrong answer with this configuration,
    /// if it could: HTTP API simple responses are cached by identity source alone, so with
    /// routes of different requirements `$context.routeKey` must be an identity source (or
    /// caching off). IAM policies (REST, and HTTP API with [`HttpApiResponse::Iam`]) name
    /// every route the token may call and are right under caching.
    pub fn caching_warning(&self) -> Option<&'static str> {
        self.inner
            .http_simple_cache_unsafe
            .then_some(SIMPLE_CACHE_WARNING)
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// Authenticates `header` (the `Authorization` value): the caller, `None` for a token
    /// refused everywhere (403: its client is not allowed), or 401 / 500.
    async fn authenticate(
        &self,
        header: Option<&str>,
    ) -> Result<Option<ServicePrincipal>, AuthorizerError> {
        let auth = &self.inner.auth;
        let value = header.map(str::as_bytes);
        let outcome = match auth.authenticate_now(value) {
            Some(o) => o,
            None => auth.authenticate(value).await,
        };
        match outcome {
            Ok(Some(p)) => Ok(Some(p)),
            Ok(None) => Err(AuthorizerError::Unauthorized),
            Err(e) => Self::refused(e).map(|()| None),
        }
    }

    /// Whether `guard` lets `p` call `method`: `Ok(false)` for 403, errors for 401 / 500.
    /// `logged` for the request itself; the policy's other routes are evaluated silently.
    fn allows(
        &self,
        guard: &Guard,
        p: &ServicePrincipal,
        method: &str,
        logged: bool,
    ) -> Result<bool, AuthorizerError> {
        let defaults = self.inner.auth.defaults();
        let outcome = if logged {
            guard.check(Some(p), method, defaults)
        } else {
            guard.evaluate(Some(p), method, defaults)
        };
        match outcome {
            Ok(()) => Ok(true),
            Err(e) => Self::refused(e).map(|()| false),
        }
    }

    /// The decision for one request: the first matching route's guard, or the fallback.
    fn decide(&self, p: &ServicePrincipal, t: &Target<'_>) -> Result<bool, AuthorizerError> {
        match self.inner.routes.find(t.method, &t.path) {
            Some(guard) => self.allows(guard, p, t.method, true),
            None => {
                tracing::debug!(target: "cognito_auth::web", method = t.method, path = %t.path, "no requirement for this route: denied");
                Ok(false)
            }
        }
    }

    /// `Ok(())` for a 403 (the caller gets a `Deny`), the error API Gateway needs otherwise.
    fn refused(e: AuthError) -> Result<(), AuthorizerError> {
        match e.status() {
            401 => Err(AuthorizerError::Unauthorized),
            403 => Ok(()),
            _ => {
                tracing::warn!(target: "cognito_auth::web", reason = e.reason_code(), "authorizer could not check the token");
                Err(AuthorizerError::Unavailable)
            }
        }
    }

    fn context(p: Option<&ServicePrincipal>) -> Value {
        let Some(p) = p else { return json!({}) };
        json!({
            "client_id": p.client_id(),
            "sub": p.sub(),
            "username": p.username().unwrap_or(""),
            "scope": p.scopes().to_string(),
            "groups": p.groups().join(","),
            "token_use": p.token_use().as_str(),
        })
    }

    /// `p`'s verdict on every (route, method) of the table, and the policy's resource tails
    /// for that verdict pattern (computed once per pattern).
    fn tails(&self, p: &ServicePrincipal) -> Result<Arc<Tails>, AuthorizerError> {
        let inner = &*self.inner;
        let verdicts = inner
            .entries
            .iter()
            .map(|e| {
                let guard = match e.route {
                    Some(i) => &inner.routes.list[i].1,
                    None => inner
                        .routes
                        .fallback
                        .as_ref()
                        .expect("fallback entries exist only with a fallback"),
                };
                self.allows(guard, p, &e.method, false)
            })
            .collect::<Result<Vec<bool>, _>>()?;
        let mut memo = inner.tails.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = memo.get(&verdicts) {
            return Ok(Arc::clone(t));
        }
        let t = Arc::new(tails_for(&inner.entries, &verdicts));
        if memo.len() >= MAX_TAIL_SETS {
            memo.clear();
        }
        memo.insert(verdicts, Arc::clone(&t));
        Ok(t)
    }

    /// The policy for `p`, right for this request and, as API Gateway caches it by token, for
    /// the other requests of the stage: `Allow` for each route `p` may call; `Deny` for each
    /// refused route that an allowed pattern overlaps (an explicit `Deny` wins in IAM), for
    /// the deeper paths a `{param}` pattern would admit beyond its route, and for paths the
    /// routes match only after normalising. Where the table cannot be written that way for
    /// this token (an allowed route inside a refused one), the policy names this request
    /// alone: never a false `Allow`, at worst a 403 from the cache.
    fn statements(
        &self,
        p: &ServicePrincipal,
        t: &Target<'_>,
        allowed: bool,
    ) -> Result<Statements, AuthorizerError> {
        let Some(arn) = t.arn else {
            return Ok(Statements::default());
        };
        let exact = |allowed: bool| {
            let mut s = Statements::default();
            // An ARN with IAM wildcards in its path would name more than itself.
            if allowed && !arn.contains(['*', '?']) {
                s.allow.push(arn.to_owned());
            } else {
                s.deny.push(arn.to_owned());
            }
            s
        };
        let Some(stage) = t.stage_arn else {
            return Ok(exact(allowed));
        };
        if self.inner.wildcard_resource {
            return Ok(if allowed {
                Statements {
                    allow: vec![format!("{stage}/*/*")],
                    deny: Vec::new(),
                }
            } else {
                exact(false)
            });
        }
        let tails = self.tails(p)?;
        let full = |tail: &String| format!("{stage}/{tail}");
        let mut s = Statements {
            allow: tails.allow.iter().map(full).collect(),
            deny: tails.deny.iter().map(full).collect(),
        };
        // Matched on the tails: every resource starts with the stage ARN, as the request's.
        let arn_tail = arn
            .strip_prefix(stage)
            .and_then(|t| t.strip_prefix('/'))
            .unwrap_or("");
        let admitted = tails.allow.iter().any(|a| routes::glob_match(a, arn_tail))
            && !tails.deny.iter().any(|d| routes::glob_match(d, arn_tail));
        match (allowed, admitted) {
            (true, false) => {
                tracing::debug!(target: "cognito_auth::web", "the route table cannot be cached for this token: policy for this request alone");
                Ok(exact(true))
            }
            (false, true) => {
                s.deny.push(arn.to_owned());
                Ok(s)
            }
            _ => Ok(s),
        }
    }

    fn policy(s: Statements) -> ApiGatewayCustomAuthorizerPolicy {
        let statement = |effect, resource: Vec<String>| {
            let mut st = IamPolicyStatement::default();
            st.action = vec!["execute-api:Invoke".to_owned()];
            st.effect = effect;
            st.resource = resource;
            st
        };
        let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
        policy.version = Some("2012-10-17".to_owned());
        if !s.allow.is_empty() {
            policy
                .statement
                .push(statement(IamPolicyEffect::Allow, s.allow));
        }
        if !s.deny.is_empty() {
            policy
                .statement
                .push(statement(IamPolicyEffect::Deny, s.deny));
        }
        policy
    }

    /// Authenticates, decides and writes the policy of one request.
    async fn answer(
        &self,
        header: Option<&str>,
        t: &Target<'_>,
    ) -> Result<(Option<ServicePrincipal>, bool, Statements), AuthorizerError> {
        let Some(p) = self.authenticate(header).await? else {
            // Refused on every route: the whole stage, or this request where the stage is
            // not known.
            let deny = t
                .stage_arn
                .map(|s| format!("{s}/*/*"))
                .or(t.arn.map(str::to_owned));
            return Ok((
                None,
                false,
                Statements {
                    allow: Vec::new(),
                    deny: deny.into_iter().collect(),
                },
            ));
        };
        let allowed = self.decide(&p, t)?;
        let statements = self.statements(&p, t, allowed)?;
        Ok((Some(p), allowed, statements))
    }

    fn rest_response(
        p: Option<&ServicePrincipal>,
        s: Statements,
    ) -> ApiGatewayCustomAuthorizerResponse {
        let mut r = ApiGatewayCustomAuthorizerResponse::default();
        r.principal_id = Some(principal_id(p));
        r.policy_document = Self::policy(s);
        r.context = Self::context(p);
        r
    }

    /// A REST API `TOKEN` authorizer event: the token in `authorizationToken` (`Bearer …`, or
    /// the bare JWT as API Gateway's own Cognito authorizer takes it), the route from
    /// `methodArn`.
    pub async fn authorize_token(
        &self,
        event: &ApiGatewayCustomAuthorizerRequest,
    ) -> Result<ApiGatewayCustomAuthorizerResponse, AuthorizerError> {
        let t = rest_target(event.method_arn.as_deref())?;
        let header = event.authorization_token.as_deref().map(bearer_or_bare);
        let (p, _, s) = self.answer(header.as_deref(), &t).await?;
        Ok(Self::rest_response(p.as_ref(), s))
    }

    /// A REST API `REQUEST` authorizer event: the token in the `Authorization` header, the
    /// route from `methodArn` (the real method and path, as for `TOKEN` events: one request
    /// gets one verdict whichever kind of authorizer sees it).
    pub async fn authorize_request(
        &self,
        event: &ApiGatewayCustomAuthorizerRequestTypeRequest,
    ) -> Result<ApiGatewayCustomAuthorizerResponse, AuthorizerError> {
        let t = rest_target(event.method_arn.as_deref())?;
        let (p, _, s) = self.answer(header_value(&event.headers), &t).await?;
        Ok(Self::rest_response(p.as_ref(), s))
    }

    /// An HTTP API (payload format 2.0) authorizer event: the token in the `Authorization`
    /// header, the real method (`requestContext.http.method`, also for `ANY` routes) and the
    /// path (`rawPath` without the stage prefix, normalised), whatever route (`$default`
    /// included) API Gateway chose. Answered as configured
    /// ([`AuthorizerBuilder::http_api_response`]), as JSON.
    pub async fn authorize_http(
        &self,
        event: &ApiGatewayV2CustomAuthorizerV2Request,
    ) -> Result<Value, AuthorizerError> {
        let ctx = &event.request_context;
        let raw = event
            .raw_path
            .as_deref()
            .or(ctx.http.path.as_deref())
            .unwrap_or("/");
        let raw = match ctx.stage.as_deref() {
            Some(stage) if stage != "$default" && !stage.is_empty() => {
                match raw.strip_prefix('/').and_then(|r| r.strip_prefix(stage)) {
                    Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
                    _ => raw,
                }
            }
            _ => raw,
        };
        let route_arn = event.route_arn.as_deref();
        let stage_arn = match (self.inner.http_response, route_arn) {
            (HttpApiResponse::Iam, Some(arn)) => Some(parse_arn(arn)?.stage_arn),
            (HttpApiResponse::Iam, None) => {
                return Err(AuthorizerError::BadEvent("no routeArn".into()));
            }
            (HttpApiResponse::Simple, _) => None,
        };
        let t = Target {
            method: ctx.http.method.as_str(),
            path: routes::normalize_path(raw),
            arn: route_arn,
            stage_arn,
        };
        let (p, allowed, s) = self.answer(header_value(&event.headers), &t).await?;
        let value = match self.inner.http_response {
            HttpApiResponse::Simple => {
                let mut r = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
                r.is_authorized = allowed;
                r.context = Self::context(p.as_ref());
                serde_json::to_value(r)
            }
            HttpApiResponse::Iam => {
                let mut r = ApiGatewayV2CustomAuthorizerIamPolicyResponse::default();
                r.principal_id = Some(principal_id(p.as_ref()));
                r.policy_document = Self::policy(s);
                r.context = Self::context(p.as_ref());
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

/// The `principalId` of an IAM policy response: the caller's `sub`, or `anonymous`.
fn principal_id(principal: Option<&ServicePrincipal>) -> String {
    principal.map_or_else(|| "anonymous".to_owned(), |p| p.sub().to_owned())
}

/// A `TOKEN` event's `authorizationToken` as an `Authorization` value: a bare JWT (three
/// dot-separated parts, no scheme) is taken as a bearer token, as API Gateway's own Cognito
/// authorizer takes it.
fn bearer_or_bare(v: &str) -> std::borrow::Cow<'_, str> {
    let t = v.trim();
    if !t.is_empty() && !t.contains(' ') && t.bytes().filter(|&b| b == b'.').count() == 2 {
        std::borrow::Cow::Owned(format!("Bearer {t}"))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

/// The `Authorization` header of an event (case-insensitive, as API Gateway passes them).
fn header_value(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}
