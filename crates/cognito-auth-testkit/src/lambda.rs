//! A local implementation of the AWS Lambda Runtime API, so a function built for Lambda (a
//! `lambda_runtime` binary) runs as a real process in tests: point its
//! `AWS_LAMBDA_RUNTIME_API` at [`LambdaRuntime::api_address`] and [`LambdaRuntime::invoke`]
//! events.
//!
//! Served: `GET /2018-06-01/runtime/invocation/next` (long poll, with the
//! `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn` and `-Trace-Id`
//! headers), `POST …/invocation/{id}/response`, `POST …/invocation/{id}/error` and
//! `POST …/runtime/init/error`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Notify, oneshot};

/// What a function answered to one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// `…/response`: the function's result.
    Response(Value),
    /// `…/error`: `errorType` and `errorMessage`.
    Error {
        /// `errorType`.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
    },
}

#[derive(Default)]
struct RuntimeState {
    queue: Mutex<VecDeque<(String, Value)>>,
    ready: Notify,
    waiting: Mutex<HashMap<String, oneshot::Sender<Invocation>>>,
    init_errors: Mutex<Vec<Value>>,
    next_id: Mutex<u64>,
}

/// A local Lambda Runtime API on 127.0.0.1.
pub struct LambdaRuntime {
    state: Arc<RuntimeState>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for LambdaRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LambdaRuntime")
            .field("addr", &self.addr)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn next(State(st): State<Arc<RuntimeState>>) -> Response {
    loop {
        let notified = st.ready.notified();
        if let Some((id, event)) = lock(&st.queue).pop_front() {
            let mut h = HeaderMap::new();
            let deadline = crate::now().saturating_mul(1000).saturating_add(30_000);
            for (k, v) in [
                ("lambda-runtime-aws-request-id", id.clone()),
                ("lambda-runtime-deadline-ms", deadline.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:local".to_owned(),
                ),
                ("lambda-runtime-trace-id", format!("Root=1-local-{id}")),
            ] {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(k, v);
                }
            }
            return (StatusCode::OK, h, axum::Json(event)).into_response();
        }
        notified.await;
    }
}

async fn respond(
    State(st): State<Arc<RuntimeState>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match lock(&st.waiting).remove(&id) {
        Some(tx) => {
            let _ = tx.send(Invocation::Response(value));
            StatusCode::ACCEPTED
        }
        None => StatusCode::NOT_FOUND,
    }
}

async fn error(
    State(st): State<Arc<RuntimeState>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> StatusCode {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match lock(&st.waiting).remove(&id) {
        Some(tx) => {
            let _ = tx.send(Invocation::Error {
                error_type: s("errorType"),
                error_message: s("errorMessage"),
            });
            StatusCode::ACCEPTED
        }
        None => StatusCode::NOT_FOUND,
    }
}

async fn init_error(State(st): State<Arc<RuntimeState>>, body: axum::body::Bytes) -> StatusCode {
    lock(&st.init_errors).push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    StatusCode::ACCEPTED
}

impl LambdaRuntime {
    /// Starts the Runtime API on a free loopback port (current Tokio runtime).
    pub async fn start() -> LambdaRuntime {
        let state = Arc::new(RuntimeState::default());
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        LambdaRuntime {
            state,
            addr,
            shutdown: Some(tx),
        }
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API` for the function.
    pub fn api_address(&self) -> String {
        self.addr.to_string()
    }

    /// The environment a function process needs besides `AWS_LAMBDA_RUNTIME_API`.
    pub fn function_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.api_address()),
            ("AWS_LAMBDA_FUNCTION_NAME", "local".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "local".into()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/local".into()),
        ]
    }

    /// Queues `event` for the function and waits (at most `timeout`) for its answer.
    /// `None` when no answer came in time.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Option<Invocation> {
        let id = {
            let mut n = lock(&self.state.next_id);
            *n += 1;
            format!("req-{n}")
        };
        let (tx, rx) = oneshot::channel();
        lock(&self.state.waiting).insert(id.clone(), tx);
        lock(&self.state.queue).push_back((id, event));
        self.state.ready.notify_waiters();
        self.state.ready.notify_one();
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }

    /// Errors the function reported while initialising.
    pub fn init_errors(&self) -> Vec<Value> {
        lock(&self.state.init_errors).clone()
    }
}

impl Drop for LambdaRuntime {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
