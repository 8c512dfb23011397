//! The local issuer: an HTTP server on 127.0.0.1 shaped like a Cognito user pool and domain.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use tokio::sync::oneshot;

use crate::keys::{SigningKey, jwks_json, random_id, random_uuid};
use crate::mint::{Kind, TokenBuilder};

/// An app client registered at the local issuer.
///
/// ```
/// use cognito_auth_testkit::ClientSpec;
/// let c = ClientSpec::new("worker", "worker-secret").scopes(["orders/read", "orders/write"]);
/// assert_eq!(c.client_id(), "worker");
/// ```
#[derive(Debug, Clone)]
pub struct ClientSpec {
    client_id: String,
    secret: Option<String>,
    scopes: Vec<String>,
    callback_urls: Vec<String>,
}

impl ClientSpec {
    /// A confidential client (client credentials and authorization code with a secret).
    pub fn new(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        ClientSpec {
            client_id: client_id.into(),
            secret: Some(secret.into()),
            scopes: Vec::new(),
            callback_urls: Vec::new(),
        }
    }
    /// A public client (no secret: authorization code with PKCE only).
    pub fn public(client_id: impl Into<String>) -> Self {
        ClientSpec {
            client_id: client_id.into(),
            secret: None,
            scopes: Vec::new(),
            callback_urls: Vec::new(),
        }
    }
    /// Scopes the client may request.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// Allowed redirect URIs for the authorization-code grant. A URI whose port is `0` matches
    /// any loopback port (as Cognito allows for `http://localhost`).
    pub fn callback_urls<I, S>(mut self, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.callback_urls = urls.into_iter().map(Into::into).collect();
        self
    }
    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// The secret, if confidential.
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }
}

/// A misbehaviour injected into the issuer's responses.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status and body (JSON content type).
    Status {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
        /// `Retry-After` seconds, if any.
        retry_after: Option<u64>,
    },
    /// Answer with this status, content type and raw body.
    Raw {
        /// HTTP status.
        status: u16,
        /// `Content-Type`.
        content_type: String,
        /// Response body.
        body: String,
    },
    /// Wait, then answer normally.
    Delay(Duration),
    /// Answer 200 with a body of this many bytes; `chunked` omits `Content-Length`.
    Oversized {
        /// Body size.
        bytes: usize,
        /// Stream without a declared length.
        chunked: bool,
    },
}

impl Fault {
    /// A bare status with an empty JSON object body.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            body: "{}".into(),
            retry_after: None,
        }
    }
    /// An OAuth2 error response: `{"error": code}`.
    pub fn oauth_error(status: u16, code: &str) -> Self {
        Fault::Status {
            status,
            body: json!({ "error": code, "error_description": format!("{code} (injected)") })
                .to_string(),
            retry_after: None,
        }
    }
    /// 429 with `Retry-After: secs`.
    pub fn too_many_requests(secs: u64) -> Self {
        Fault::Status {
            status: 429,
            body: json!({ "error": "too_many_requests" }).to_string(),
            retry_after: Some(secs),
        }
    }
    /// 200 with a raw body (e.g. invalid JSON, or JSON without `access_token`).
    pub fn body_200(body: impl Into<String>) -> Self {
        Fault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: body.into(),
        }
    }
    /// Delay the answer.
    pub fn delay(d: Duration) -> Self {
        Fault::Delay(d)
    }
    /// An oversized 200 answer.
    pub fn oversized(bytes: usize, chunked: bool) -> Self {
        Fault::Oversized { bytes, chunked }
    }
}

struct Keys {
    current: SigningKey,
    published: Vec<SigningKey>,
}

#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    scope: String,
    username: String,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    scope: String,
    username: String,
}

pub(crate) struct State {
    base_url: String,
    issuer: String,
    pool_id: String,
    keys: RwLock<Keys>,
    other_key: SigningKey,
    clients: RwLock<HashMap<String, ClientSpec>>,
    token_lifetime: AtomicI64,
    jwks_requests: AtomicUsize,
    token_requests: AtomicUsize,
    jwks_fault: Mutex<Option<Fault>>,
    token_faults: Mutex<VecDeque<Fault>>,
    codes: Mutex<HashMap<String, CodeGrant>>,
    refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
    login_user: Mutex<String>,
    login_error: Mutex<Option<String>>,
    rotate_refresh_tokens: std::sync::atomic::AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Builder for [`LocalIssuer`].
#[derive(Debug, Clone)]
pub struct LocalIssuerBuilder {
    issuer: Option<String>,
    pool_id: String,
    clients: Vec<ClientSpec>,
    token_lifetime: i64,
    port: u16,
}

impl Default for LocalIssuerBuilder {
    fn default() -> Self {
        LocalIssuerBuilder {
            issuer: None,
            pool_id: "local_pool".into(),
            clients: Vec::new(),
            token_lifetime: 3600,
            port: 0,
        }
    }
}

impl LocalIssuerBuilder {
    /// The `iss` of minted tokens (default: the server's own base URL). Set an AWS-form issuer
    /// to mimic emulators that serve keys locally for tokens naming the real issuer.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = Some(iss.into());
        self
    }
    /// The user pool id (also served as `/<pool_id>/.well-known/jwks.json`).
    pub fn pool_id(mut self, pool_id: impl Into<String>) -> Self {
        self.pool_id = pool_id.into();
        self
    }
    /// Registers an app client.
    pub fn client(mut self, client: ClientSpec) -> Self {
        self.clients.push(client);
        self
    }
    /// `expires_in` of issued tokens, in seconds (default 3600).
    pub fn token_lifetime(mut self, secs: i64) -> Self {
        self.token_lifetime = secs;
        self
    }
    /// Port to bind on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts the server on the current Tokio runtime.
    pub async fn start(self) -> LocalIssuer {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let (state, router) = self.into_router(addr);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        LocalIssuer {
            state,
            addr,
            shutdown: Some(tx),
            thread: None,
        }
    }

    /// Starts the server on its own thread and runtime, for synchronous tests.
    pub fn start_blocking(self) -> LocalIssuer {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let mut issuer = self.start().await;
                let rx = issuer.shutdown.take();
                let (stop_tx, stop_rx) = oneshot::channel::<()>();
                let _ = ready_tx.send((issuer, stop_tx));
                let _ = stop_rx.await;
                if let Some(tx) = rx {
                    let _ = tx.send(());
                }
            });
        });
        let (mut issuer, stop) = ready_rx.recv().expect("issuer thread started");
        issuer.shutdown = Some(stop);
        issuer.thread = Some(thread);
        issuer
    }

    fn into_router(self, addr: SocketAddr) -> (Arc<State>, Router) {
        let base_url = format!("http://{addr}");
        let current = SigningKey::generate();
        let state = Arc::new(State {
            issuer: self.issuer.unwrap_or_else(|| base_url.clone()),
            base_url,
            pool_id: self.pool_id.clone(),
            keys: RwLock::new(Keys {
                published: vec![current.clone()],
                current,
            }),
            other_key: SigningKey::generate(),
            clients: RwLock::new(
                self.clients
                    .into_iter()
                    .map(|c| (c.client_id.clone(), c))
                    .collect(),
            ),
            token_lifetime: AtomicI64::new(self.token_lifetime),
            jwks_requests: AtomicUsize::new(0),
            token_requests: AtomicUsize::new(0),
            jwks_fault: Mutex::new(None),
            token_faults: Mutex::new(VecDeque::new()),
            codes: Mutex::new(HashMap::new()),
            refresh_tokens: Mutex::new(HashMap::new()),
            login_user: Mutex::new("test-user".into()),
            login_error: Mutex::new(None),
            rotate_refresh_tokens: std::sync::atomic::AtomicBool::new(false),
        });
        let pool_jwks = format!("/{}/.well-known/jwks.json", self.pool_id);
        let pool_oidc = format!("/{}/.well-known/openid-configuration", self.pool_id);
        let router = Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .route(&pool_jwks, get(jwks))
            .route(
                "/.well-known/openid-configuration",
                get(openid_configuration),
            )
            .route(&pool_oidc, get(openid_configuration))
            .route("/oauth2/token", post(token))
            .route("/oauth2/authorize", get(authorize))
            .route("/oauth2/revoke", post(revoke))
            .with_state(Arc::clone(&state));
        (state, router)
    }
}

/// A local Cognito-shaped issuer on `127.0.0.1`: JWKS, OpenID configuration, `/oauth2/token`
/// (client credentials, authorization code with PKCE, refresh token), `/oauth2/authorize`
/// (signs in a configurable test user without a page), `/oauth2/revoke`; mints tokens with
/// real RS256 signatures; injects faults; counts requests. Stops when dropped.
///
/// ```
/// use cognito_auth_testkit::{ClientSpec, LocalIssuer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let issuer = LocalIssuer::builder()
///     .client(ClientSpec::new("worker", "secret").scopes(["orders/read"]))
///     .start()
///     .await;
/// println!("JWKS at {}", issuer.jwks_url());
/// let token = issuer.access_token().client_id("worker").scopes(["orders/read"]).sign();
/// assert!(!token.is_empty());
/// # }
/// ```
pub struct LocalIssuer {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for LocalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("base_url", &self.state.base_url)
            .field("issuer", &self.state.issuer)
            .finish()
    }
}

impl Drop for LocalIssuer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl LocalIssuer {
    /// A builder.
    pub fn builder() -> LocalIssuerBuilder {
        LocalIssuerBuilder::default()
    }

    /// Starts an issuer with default settings and no registered clients.
    pub async fn start() -> LocalIssuer {
        LocalIssuer::builder().start().await
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:<port>`: also the "Cognito domain" for `/oauth2/*`.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }
    /// The `iss` of minted tokens.
    pub fn issuer(&self) -> &str {
        &self.state.issuer
    }
    /// The pool id.
    pub fn pool_id(&self) -> &str {
        &self.state.pool_id
    }
    /// `<base>/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.state.base_url)
    }
    /// `<base>/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.state.base_url)
    }
    /// `<base>/oauth2/authorize`.
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth2/authorize", self.state.base_url)
    }
    /// `<base>/oauth2/revoke`.
    pub fn revoke_url(&self) -> String {
        format!("{}/oauth2/revoke", self.state.base_url)
    }

    /// The JWKS document currently published.
    pub fn jwks_json(&self) -> String {
        let keys = self.state.keys.read().unwrap_or_else(|p| p.into_inner());
        jwks_json(&keys.published)
    }

    /// The current signing key.
    pub fn current_key(&self) -> SigningKey {
        self.state
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .current
            .clone()
    }

    /// A key that is never published: tokens signed with it must fail verification.
    pub fn other_key(&self) -> SigningKey {
        self.state.other_key.clone()
    }

    /// An access token builder with Cognito's M2M claim shape, signed by the current key.
    pub fn access_token(&self) -> TokenBuilder {
        TokenBuilder::new(Kind::Access, &self.state.issuer, &self.current_key())
    }

    /// An ID token builder, signed by the current key.
    pub fn id_token(&self) -> TokenBuilder {
        TokenBuilder::new(Kind::Id, &self.state.issuer, &self.current_key())
    }

    /// Generates a new signing key and publishes it beside the old ones; returns its `kid`.
    pub fn rotate_key(&self) -> String {
        let new = SigningKey::generate();
        let kid = new.kid().to_owned();
        let mut keys = self.state.keys.write().unwrap_or_else(|p| p.into_inner());
        keys.published.push(new.clone());
        keys.current = new;
        kid
    }

    /// Stops publishing every key but the current one.
    pub fn retire_old_keys(&self) {
        let mut keys = self.state.keys.write().unwrap_or_else(|p| p.into_inner());
        let current = keys.current.clone();
        keys.published = vec![current];
    }

    /// Publishes an extra key (for example one with a colliding `kid`).
    pub fn publish_key(&self, key: SigningKey) {
        self.state
            .keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .published
            .push(key);
    }

    /// Registers (or replaces) an app client.
    pub fn add_client(&self, client: ClientSpec) {
        self.state
            .clients
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(client.client_id.clone(), client);
    }

    /// Changes `expires_in` of tokens issued from now on.
    pub fn set_token_lifetime(&self, secs: i64) {
        self.state.token_lifetime.store(secs, Ordering::SeqCst);
    }

    /// When on, the refresh-token grant returns a new refresh token (Cognito's rotation).
    pub fn set_refresh_token_rotation(&self, on: bool) {
        self.state.rotate_refresh_tokens.store(on, Ordering::SeqCst);
    }

    /// The user `/oauth2/authorize` signs in (default `test-user`).
    pub fn set_login_user(&self, username: &str) {
        *lock(&self.state.login_user) = username.to_owned();
    }

    /// Makes the next `/oauth2/authorize` redirect with `error=<code>` instead of a code.
    pub fn fail_next_login(&self, code: &str) {
        *lock(&self.state.login_error) = Some(code.to_owned());
    }

    /// Every JWKS request is answered with `fault` until [`LocalIssuer::clear_faults`].
    pub fn set_jwks_fault(&self, fault: Fault) {
        *lock(&self.state.jwks_fault) = Some(fault);
    }

    /// The next token requests are answered with these faults, one each, in order.
    pub fn push_token_faults<I: IntoIterator<Item = Fault>>(&self, faults: I) {
        lock(&self.state.token_faults).extend(faults);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        *lock(&self.state.jwks_fault) = None;
        lock(&self.state.token_faults).clear();
    }

    /// JWKS requests served so far.
    pub fn jwks_requests(&self) -> usize {
        self.state.jwks_requests.load(Ordering::SeqCst)
    }

    /// Token-endpoint requests received so far (successful or not).
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Resets the request counters.
    pub fn reset_counters(&self) {
        self.state.jwks_requests.store(0, Ordering::SeqCst);
        self.state.token_requests.store(0, Ordering::SeqCst);
    }

    /// Whether a refresh token is currently valid (not revoked).
    pub fn refresh_token_is_active(&self, token: &str) -> bool {
        lock(&self.state.refresh_tokens).contains_key(token)
    }
}

async fn apply_fault(fault: Option<Fault>) -> Option<Response> {
    let fault = fault?;
    Some(match fault {
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            return None;
        }
        Fault::Status {
            status,
            body,
            retry_after,
        } => {
            let mut resp = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response(),
        Fault::Oversized { bytes, chunked } => {
            let body = if chunked {
                let chunk = bytes::Bytes::from(vec![b' '; 8192]);
                let n = bytes.div_ceil(8192);
                Body::from_stream(futures_util::stream::iter(
                    (0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
                ))
            } else {
                Body::from(vec![b' '; bytes])
            };
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .expect("response")
        }
    })
}

async fn jwks(AxState(state): AxState<Arc<State>>) -> Response {
    state.jwks_requests.fetch_add(1, Ordering::SeqCst);
    let fault = lock(&state.jwks_fault).clone();
    if let Some(resp) = apply_fault(fault).await {
        return resp;
    }
    let body = {
        let keys = state.keys.read().unwrap_or_else(|p| p.into_inner());
        jwks_json(&keys.published)
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn openid_configuration(AxState(state): AxState<Arc<State>>) -> Response {
    let b = &state.base_url;
    axum::Json(json!({
        "issuer": state.issuer,
        "jwks_uri": format!("{b}/.well-known/jwks.json"),
        "token_endpoint": format!("{b}/oauth2/token"),
        "authorization_endpoint": format!("{b}/oauth2/authorize"),
        "revocation_endpoint": format!("{b}/oauth2/revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
    .into_response()
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": code, "error_description": description }).to_string(),
    )
        .into_response()
}

/// Authenticates the client from Basic credentials or the form body.
fn client_auth(
    state: &State,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ClientSpec, Box<Response>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        });
    let (id, secret) = if let Some(b64) = basic {
        if form.contains_key("client_secret") {
            return Err(Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client authenticated twice",
            )));
        }
        let decoded = STANDARD
            .decode(b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    "bad Basic header",
                )
            })?;
        let (id, secret) = decoded.split_once(':').ok_or_else(|| {
            oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "bad Basic header",
            )
        })?;
        let dec = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        (dec(id), Some(dec(secret)))
    } else {
        let id = form.get("client_id").cloned().ok_or_else(|| {
            Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "no client_id",
            ))
        })?;
        (id, form.get("client_secret").cloned())
    };
    let clients = state.clients.read().unwrap_or_else(|p| p.into_inner());
    let client = clients
        .get(&id)
        .cloned()
        .ok_or_else(|| oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown client"))?;
    match (&client.secret, secret) {
        (Some(expected), Some(given)) if ct_eq(expected.as_bytes(), given.as_bytes()) => Ok(client),
        (None, None) => Ok(client),
        _ => Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "client authentication failed",
        ))),
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn token(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let fault = lock(&state.token_faults).pop_front();
    if let Some(resp) = apply_fault(fault).await {
        return resp;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }
    let mut form: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        if form
            .insert(k.clone().into_owned(), v.into_owned())
            .is_some()
        {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "repeated parameter",
            );
        }
    }
    let client = match client_auth(&state, &headers, &form) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => client_credentials(&state, &client, &form),
        Some("authorization_code") => authorization_code(&state, &client, &form),
        Some("refresh_token") => refresh_token(&state, &client, &form),
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unsupported grant",
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type missing",
        ),
    }
}

fn client_credentials(
    state: &State,
    client: &ClientSpec,
    form: &HashMap<String, String>,
) -> Response {
    if client.secret.is_none() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "public clients cannot use client_credentials",
        );
    }
    let requested: Vec<String> = match form.get("scope") {
        Some(s) => s
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        None => client.scopes.clone(),
    };
    if requested.is_empty() || requested.iter().any(|s| !client.scopes.contains(s)) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "scope not allowed for this client",
        );
    }
    let lifetime = state.token_lifetime.load(Ordering::SeqCst);
    let key = state
        .keys
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .current
        .clone();
    let token = TokenBuilder::new(Kind::Access, &state.issuer, &key)
        .client_id(&client.client_id)
        .scopes(&requested)
        .expires_in(lifetime)
        .sign();
    axum::Json(json!({
        "access_token": token,
        "expires_in": lifetime,
        "token_type": "Bearer",
    }))
    .into_response()
}

fn user_tokens(
    state: &State,
    client_id: &str,
    username: &str,
    scope: &str,
) -> (String, String, i64) {
    let lifetime = state.token_lifetime.load(Ordering::SeqCst);
    let key = state
        .keys
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .current
        .clone();
    let sub = format!("sub-{username}");
    let access = TokenBuilder::new(Kind::Access, &state.issuer, &key)
        .user(username)
        .client_id(client_id)
        .subject(&sub)
        .claim("scope", scope)
        .expires_in(lifetime)
        .sign();
    let id = TokenBuilder::new(Kind::Id, &state.issuer, &key)
        .user(username)
        .client_id(client_id)
        .subject(&sub)
        .expires_in(lifetime)
        .sign();
    (access, id, lifetime)
}

fn authorization_code(
    state: &State,
    client: &ClientSpec,
    form: &HashMap<String, String>,
) -> Response {
    let Some(code) = form.get("code") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code missing");
    };
    let Some(grant) = lock(&state.codes).remove(code) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "unknown or used code",
        );
    };
    if grant.client_id != client.client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code issued to another client",
        );
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri mismatch",
        );
    }
    if let Some(challenge) = &grant.challenge {
        let Some(verifier) = form.get("code_verifier") else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "code_verifier missing",
            );
        };
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        if !ct_eq(computed.as_bytes(), challenge.as_bytes()) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "PKCE verification failed",
            );
        }
    } else if client.secret.is_none() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "public clients must use PKCE",
        );
    }
    let (access, id, lifetime) =
        user_tokens(state, &client.client_id, &grant.username, &grant.scope);
    let refresh = format!("rt-{}", random_id(40));
    lock(&state.refresh_tokens).insert(
        refresh.clone(),
        RefreshGrant {
            client_id: client.client_id.clone(),
            scope: grant.scope,
            username: grant.username,
        },
    );
    axum::Json(json!({
        "access_token": access,
        "id_token": id,
        "refresh_token": refresh,
        "expires_in": lifetime,
        "token_type": "Bearer",
    }))
    .into_response()
}

fn refresh_token(state: &State, client: &ClientSpec, form: &HashMap<String, String>) -> Response {
    let Some(rt) = form.get("refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token missing",
        );
    };
    let grant = lock(&state.refresh_tokens).get(rt).cloned();
    let Some(grant) = grant else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token revoked or unknown",
        );
    };
    if grant.client_id != client.client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token of another client",
        );
    }
    let (access, id, lifetime) =
        user_tokens(state, &client.client_id, &grant.username, &grant.scope);
    let mut body = json!({
        "access_token": access,
        "id_token": id,
        "expires_in": lifetime,
        "token_type": "Bearer",
    });
    if state.rotate_refresh_tokens.load(Ordering::SeqCst) {
        let new = format!("rt-{}", random_id(40));
        let mut map = lock(&state.refresh_tokens);
        map.remove(rt);
        map.insert(new.clone(), grant);
        body["refresh_token"] = json!(new);
    }
    axum::Json(body).into_response()
}

fn redirect_matches(registered: &str, given: &str) -> bool {
    if registered == given {
        return true;
    }
    // A registered loopback URI with port 0 accepts any port (RFC 8252 §7.3).
    let (Ok(r), Ok(g)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    r.port() == Some(0)
        && r.scheme() == g.scheme()
        && r.host_str() == g.host_str()
        && matches!(g.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        && r.path() == g.path()
}

async fn authorize(
    AxState(state): AxState<Arc<State>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client = q.get("client_id").and_then(|id| {
        state
            .clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    });
    let Some(client) = client else {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    };
    let Some(redirect_uri) = q.get("redirect_uri") else {
        return (StatusCode::BAD_REQUEST, "redirect_uri missing").into_response();
    };
    if !client
        .callback_urls
        .iter()
        .any(|r| redirect_matches(r, redirect_uri))
    {
        return (StatusCode::BAD_REQUEST, "redirect_mismatch").into_response();
    }
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response();
    };
    {
        let mut pairs = target.query_pairs_mut();
        if q.get("response_type").map(String::as_str) != Some("code") {
            pairs.append_pair("error", "unsupported_response_type");
        } else if let Some(err) = lock(&state.login_error).take() {
            pairs.append_pair("error", &err);
            pairs.append_pair("error_description", "login failed (injected)");
        } else if q.contains_key("code_challenge")
            && q.get("code_challenge_method").map(String::as_str) != Some("S256")
        {
            pairs.append_pair("error", "invalid_request");
            pairs.append_pair("error_description", "only S256 is supported");
        } else {
            let scope = q.get("scope").cloned().unwrap_or_else(|| "openid".into());
            let code = random_uuid();
            lock(&state.codes).insert(
                code.clone(),
                CodeGrant {
                    client_id: client.client_id.clone(),
                    redirect_uri: redirect_uri.clone(),
                    challenge: q.get("code_challenge").cloned(),
                    scope,
                    username: lock(&state.login_user).clone(),
                },
            );
            pairs.append_pair("code", &code);
        }
        if let Some(s) = q.get("state") {
            pairs.append_pair("state", s);
        }
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, target.as_str())
        .body(Body::empty())
        .expect("response")
}

async fn revoke(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let client = match client_auth(&state, &headers, &form) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Some(token) = form.get("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token missing");
    };
    let mut map = lock(&state.refresh_tokens);
    if map
        .get(token)
        .is_some_and(|g| g.client_id == client.client_id)
    {
        map.remove(token);
    }
    StatusCode::OK.into_response()
}
