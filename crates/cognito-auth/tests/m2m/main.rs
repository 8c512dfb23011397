//! The M2M client and token source against the test-kit issuer over real HTTP.
#![cfg(all(feature = "tower", feature = "reqwest-middleware"))]

mod bearer;
mod client;
mod source;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use cognito_auth::HttpConfig;
use cognito_auth::m2m::{
    BearerLayer, BearerMiddleware, ClientAuth, M2mClient, M2mClientBuilder, M2mError,
    RefreshPolicy, RetryPolicy, TokenSource,
};
use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{ClientSpec, Fault, LocalIssuer};
use http_body_util::{BodyExt, Full};
use tower::{ServiceBuilder, ServiceExt};

pub(crate) const SECRET: &str = "worker-secret-value-9f8e7d";

pub(crate) async fn issuer() -> LocalIssuer {
    LocalIssuer::builder()
        .client(ClientSpec::new("worker", SECRET).scopes([
            "orders/read",
            "orders/write",
            "stock/read",
        ]))
        .start()
        .await
}

pub(crate) fn builder(issuer: &LocalIssuer) -> M2mClientBuilder {
    M2mClient::builder()
        .token_url(issuer.token_url())
        .client_id("worker")
        .client_secret(SECRET)
        .retry_policy(RetryPolicy::none())
}
