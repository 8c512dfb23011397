//! A real tonic server and client over loopback (the generated gRPC health service of
//! tonic-health: unary `Check`, server-streaming `Watch`), tokens from the test kit: the
//! web matrix's status semantics translated to gRPC, per-method requirements, streaming,
//! the principal in the service's request, and the client layer's retry.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use cognito_auth::m2m::{M2mClient, RetryPolicy, TokenSource};
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_testkit::{ClientSpec, Fault, LocalIssuer};
use cognito_auth_tonic::{GrpcAuthLayer, GrpcBearerLayer, ServicePrincipal};
use futures_util::StreamExt;
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint, Server};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tower_layer::Layer;
use tower_service::Service;

const CHECK: &str = "/grpc.health.v1.Health/Check";
const WATCH: &str = "/grpc.health.v1.Health/Watch";

/// Inside the auth layer: copies the admitted principal's client id into a response header,
/// as a service implementation would read it from its request's extensions.
#[derive(Clone)]
struct Probe<S>(S);

impl<S, B, RB> Service<http::Request<B>> for Probe<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<RB>;
    type Error = S::Error;
    type Future = futures_util::future::BoxFuture<'static, Result<Self::Response, S::Error>>;
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }
    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let client = req
            .extensions()
            .get::<ServicePrincipal>()
            .map(|p| p.client_id().to_owned());
        let fut = self.0.call(req);
        Box::pin(async move {
            let mut resp = fut.await?;
            if let Some(c) = client.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
                resp.headers_mut().insert("x-principal", c);
            }
            Ok(resp)
        })
    }
}

#[derive(Clone)]
struct ProbeLayer;
impl<S> Layer<S> for ProbeLayer {
    type Service = Probe<S>;
    fn layer(&self, s: S) -> Probe<S> {
        Probe(s)
    }
}

async fn server(issuer: &LocalIssuer) -> Channel {
    let auth = AuthConfig::default()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["app", "reader", "worker"])
        .authenticator()
        .unwrap();
    let layer = GrpcAuthLayer::new(auth)
        .method(CHECK, Guard::all(["health/read"]))
        .method(WATCH, Guard::all(["health/watch"]));
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _keep = reporter;
        Server::builder()
            .layer(layer)
            .layer(ProbeLayer)
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

fn with_auth<T>(msg: T, auth: Option<&str>) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    if let Some(a) = auth {
        r.metadata_mut()
            .insert("authorization", MetadataValue::try_from(a).unwrap());
    }
    r
}

async fn check(
    ch: &Channel,
    auth: Option<&str>,
) -> Result<tonic::Response<tonic_health::pb::HealthCheckResponse>, tonic::Status> {
    HealthClient::new(ch.clone())
        .check(with_auth(
            HealthCheckRequest {
                service: String::new(),
            },
            auth,
        ))
        .await
}

#[tokio::test]
async fn statuses_translate_the_web_matrix() {
    let issuer = LocalIssuer::builder().start().await;
    let ch = server(&issuer).await;
    let bearer = |t: &str| format!("Bearer {t}");
    let reader = bearer(
        &issuer
            .access_token()
            .client_id("reader")
            .scopes(["health/read"])
            .sign(),
    );
    let watcher = bearer(
        &issuer
            .access_token()
            .client_id("app")
            .scopes(["health/watch"])
            .sign(),
    );
    let stranger = bearer(
        &issuer
            .access_token()
            .client_id("stranger")
            .scopes(["health/read"])
            .sign(),
    );
    let expired = bearer(
        &issuer
            .access_token()
            .client_id("app")
            .scopes(["health/read"])
            .expired()
            .sign(),
    );
    let forged = bearer(
        &issuer
            .access_token()
            .client_id("app")
            .scopes(["health/read"])
            .signing(cognito_auth_testkit::Signing::Rs256(issuer.other_key()))
            .sign(),
    );
    let id_token = bearer(&issuer.id_token().client_id("app").sign());

    // (case, authorization, expected code, expected message)
    #[rustfmt::skip]
    let table: Vec<(&str, Option<&str>, Code, &str)> = vec![
        ("no token",            None,                  Code::Unauthenticated,  "missing bearer token"),
        ("another scheme",      Some("Basic dXNlcjpwdw=="), Code::Unauthenticated, "missing bearer token"),
        ("bearer without token",Some("Bearer"),        Code::Unauthenticated,  "invalid bearer token"),
        ("garbage",             Some("Bearer abc.def"),Code::Unauthenticated,  "invalid bearer token"),
        ("expired",             Some(&expired),        Code::Unauthenticated,  "invalid bearer token"),
        ("other key",           Some(&forged),         Code::Unauthenticated,  "invalid bearer token"),
        ("ID token",            Some(&id_token),       Code::Unauthenticated,  "invalid bearer token"),
        ("client not allowed",  Some(&stranger),       Code::PermissionDenied, "permission denied"),
        ("missing scope",       Some(&watcher),        Code::PermissionDenied, "permission denied"),
        ("valid",               Some(&reader),         Code::Ok,               ""),
    ];
    for (case, auth, code, message) in table {
        match check(&ch, auth).await {
            Ok(resp) => {
                assert_eq!(code, Code::Ok, "{case}");
                assert_eq!(resp.into_inner().status, 1, "SERVING");
            }
            Err(s) => {
                assert_eq!(s.code(), code, "{case}: {s:?}");
                assert_eq!(s.message(), message, "{case}: fixed message");
            }
        }
    }

    // The principal reaches the service (its request's extensions).
    let resp = check(&ch, Some(&reader)).await.unwrap();
    assert_eq!(resp.metadata().get("x-principal").unwrap(), "reader");

    // Server streaming: Watch needs its own scope.
    let mut stream = HealthClient::new(ch.clone())
        .watch(with_auth(
            HealthCheckRequest {
                service: String::new(),
            },
            Some(&watcher),
        ))
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.status, 1);
    let e = HealthClient::new(ch.clone())
        .watch(with_auth(
            HealthCheckRequest {
                service: String::new(),
            },
            Some(&reader),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);

    // A method without a rule: refused even with a valid token (deny by default).
    let mut grpc = tonic::client::Grpc::new(ch.clone());
    grpc.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<HealthCheckRequest, tonic_health::pb::HealthCheckResponse>::default();
    let e = grpc
        .unary(
            with_auth(
                HealthCheckRequest {
                    service: String::new(),
                },
                Some(&reader),
            ),
            http::uri::PathAndQuery::from_static("/grpc.health.v1.Health/List"),
            codec,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn keys_unavailable_is_unavailable() {
    let issuer = LocalIssuer::builder().start().await;
    issuer.set_jwks_fault(Fault::status(503));
    let ch = server(&issuer).await;
    let t = format!(
        "Bearer {}",
        issuer
            .access_token()
            .client_id("app")
            .scopes(["health/read"])
            .sign()
    );
    let e = check(&ch, Some(&t)).await.unwrap_err();
    assert_eq!(e.code(), Code::Unavailable);
    assert_eq!(e.message(), "authentication temporarily unavailable");
}

/// A server layer refusing (UNAUTHENTICATED) every token in `refused`, as if revoked.
#[derive(Clone)]
struct Revoked<S> {
    inner: S,
    refuse_first: bool,
    seen: Arc<Mutex<Vec<String>>>,
}

impl<S, B, RB: Default + Send + 'static> Service<http::Request<B>> for Revoked<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<RB>;
    type Error = S::Error;
    type Future = futures_util::future::BoxFuture<'static, Result<Self::Response, S::Error>>;
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }
    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let refuse = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(auth.clone());
            !self.refuse_first || seen.first() == Some(&auth)
        };
        if refuse {
            let resp = tonic::Status::unauthenticated("revoked").into_http();
            return Box::pin(async move { Ok(resp) });
        }
        let fut = self.inner.call(req);
        Box::pin(fut)
    }
}

#[derive(Clone)]
struct RevokedLayer(bool, Arc<Mutex<Vec<String>>>);
impl<S> Layer<S> for RevokedLayer {
    type Service = Revoked<S>;
    fn layer(&self, inner: S) -> Revoked<S> {
        Revoked {
            inner,
            refuse_first: self.0,
            seen: self.1.clone(),
        }
    }
}

async fn revoking_server(refuse_first_only: bool) -> (Channel, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (_r, health) = tonic_health::server::health_reporter();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let layer = RevokedLayer(refuse_first_only, seen.clone());
    tokio::spawn(async move {
        let _keep = _r;
        Server::builder()
            .layer(layer)
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    let ch = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (ch, seen)
}

#[tokio::test]
async fn the_client_layer_retries_once_with_a_new_token_within_the_budget() {
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::new("worker", "worker-secret").scopes(["health/read"]))
        .start()
        .await;
    let source = || {
        TokenSource::new(
            M2mClient::builder()
                .token_url(issuer.token_url())
                .client_id("worker")
                .client_secret("worker-secret")
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        )
    };
    let tokens = source();

    // The first token is refused: one retry with a fresh token succeeds.
    let (ch, seen) = revoking_server(true).await;
    let channel = tower::ServiceBuilder::new()
        .layer(GrpcBearerLayer::new(tokens.clone()))
        .service(ch);
    let mut client = HealthClient::new(channel);
    let r = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await;
    assert!(r.is_ok(), "{r:?}");
    let seen_now = seen.lock().unwrap().clone();
    assert_eq!(seen_now.len(), 2);
    assert_ne!(seen_now[0], seen_now[1], "retried with a new token");
    assert!(seen_now.iter().all(|h| h.starts_with("Bearer ")));
    assert_eq!(issuer.token_requests(), 2);

    // A server refusing every token (a fresh source, with its budget unused): one retry,
    // then the status goes to the caller, and further refusals within the budget cost no
    // token request.
    let (ch, seen) = revoking_server(false).await;
    let channel = tower::ServiceBuilder::new()
        .layer(GrpcBearerLayer::new(source()))
        .service(ch);
    let mut client = HealthClient::new(channel);
    let e = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert_eq!(seen.lock().unwrap().len(), 2, "one retry");
    let requests = issuer.token_requests();
    for _ in 0..3 {
        let e = client
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated);
    }
    assert_eq!(
        issuer.token_requests(),
        requests,
        "no token request within the budget"
    );
}
