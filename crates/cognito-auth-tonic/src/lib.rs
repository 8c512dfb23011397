//! # cognito-auth-tonic
//!
//! gRPC with tonic and Amazon Cognito tokens: the same verifier and [`Guard`]s as the web
//! integrations, translated to gRPC.
//!
//! | situation | gRPC status | `grpc-message` |
//! |---|---|---|
//! | no `authorization` metadata | `UNAUTHENTICATED` (16) | `missing bearer token` |
//! | malformed metadata, invalid token (expired, forged, wrong `token_use`…) | `UNAUTHENTICATED` (16) | `invalid bearer token` |
//! | client not allowed, missing scope, unlisted method | `PERMISSION_DENIED` (7) | `permission denied` |
//! | keys cannot be fetched | `UNAVAILABLE` (14) | `authentication temporarily unavailable` |
//!
//! Refusals are trailers-only responses; the messages never carry internals (the reason
//! goes to the `cognito_auth::web` tracing target at debug).
//!
//! ## Servers
//!
//! ```no_run
//! use cognito_auth::web::{AuthConfig, Guard};
//! use cognito_auth_tonic::GrpcAuthLayer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = GrpcAuthLayer::new(AuthConfig::from_env()?.authenticator()?)
//!     .method("/orders.v1.Orders/Get", Guard::all(["orders/read"]))
//!     .method("/orders.v1.Orders/Create", Guard::all(["orders/write"]))
//!     .public("/grpc.health.v1.Health/Check");
//! # let (_, health) = tonic_health::server::health_reporter();
//! tonic::transport::Server::builder()
//!     .layer(auth)
//!     .add_service(health)
//!     .serve("127.0.0.1:50051".parse()?)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! In a service implementation, [`principal`] reads the caller's principal from the
//! `tonic::Request`.
//!
//! ## Clients
//!
//! ```no_run
//! use cognito_auth::m2m::{M2mClient, TokenSource};
//! use cognito_auth_tonic::GrpcBearerLayer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tokens = TokenSource::new(M2mClient::from_env()?);
//! let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:50051")
//!     .connect()
//!     .await?;
//! let channel = tower::ServiceBuilder::new()
//!     .layer(GrpcBearerLayer::new(tokens))
//!     .service(channel);
//! let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
//! # let _ = &mut client; Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod server;

pub use client::{GrpcBearerError, GrpcBearerLayer, GrpcBearerService};
pub use cognito_auth::web::{Guard, ServicePrincipal};
pub use server::{GrpcAuth, GrpcAuthLayer, status_for};

/// The principal the [`GrpcAuthLayer`] admitted for this call (`None` on a public method).
pub fn principal<T>(request: &tonic::Request<T>) -> Option<&ServicePrincipal> {
    request.extensions().get::<ServicePrincipal>()
}
