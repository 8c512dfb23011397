//! The local issuer: an HTTP server on 127.0.0.1 shaped like a Cognito user pool and domain.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::oneshot;

use crate::keys::{SigningKey, jwks_json};
use crate::mint::{Kind, TokenBuilder};

mod handlers;
mod spec;

use handlers::{authorize, jwks, openid_configuration, revoke, token};
pub use spec::{ClientSpec, Fault};
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
#[must_use]
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
    ///
    /// # Panics
    ///
    /// When the port cannot be bound (a fixed [`LocalIssuerBuilder::port`] already in use):
    /// [`LocalIssuerBuilder::try_start`] returns that error instead.
    pub async fn start(self) -> LocalIssuer {
        match self.try_start().await {
            Ok(issuer) => issuer,
            Err(e) => panic!("LocalIssuer: cannot listen on 127.0.0.1: {e}"),
        }
    }

    /// Starts the server on the current Tokio runtime, or says why it could not listen
    /// (`AddrInUse` when a fixed port is taken).
    ///
    /// ```
    /// use cognito_auth_testkit::LocalIssuer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let first = LocalIssuer::builder().start().await;
    /// let taken = LocalIssuer::builder().port(first.addr().port()).try_start().await;
    /// assert_eq!(taken.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
    /// # }
    /// ```
    pub async fn try_start(self) -> std::io::Result<LocalIssuer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let (state, router) = self.into_router(addr);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(LocalIssuer {
            state,
            addr,
            shutdown: Some(tx),
            thread: None,
        })
    }

    /// Starts the server on its own thread and runtime, for synchronous tests.
    ///
    /// # Panics
    ///
    /// When the port cannot be bound, as [`LocalIssuerBuilder::start`].
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
    /// `http://127.0.0.1:<port>`: the issuer's root, and what a Cognito *domain* is in
    /// production (`https://<prefix>.auth.<region>.amazoncognito.com`): give it to
    /// `M2mClient::builder().domain(…)` or to the hosted-UI client.
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
    /// `<base>/.well-known/jwks.json`: the keys that verify its tokens (a verifier built
    /// with `.issuer(issuer.issuer())` finds them there by itself).
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.state.base_url)
    }
    /// `<base>/oauth2/token`: the OAuth2 token endpoint (client credentials, authorization
    /// code with PKCE, refresh token), for `M2mClient::builder().token_url(…)`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.state.base_url)
    }
    /// `<base>/oauth2/authorize`: the hosted UI's authorization endpoint; it signs the
    /// configured test user in without a page and redirects with a code.
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth2/authorize", self.state.base_url)
    }
    /// `<base>/oauth2/revoke`: refresh-token revocation.
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
