//! One table of web-integration cases (status, exact `WWW-Authenticate`, exact body) that
//! every framework crate runs against its own build of the same standard app, so the
//! integrations cannot drift.
//!
//! The standard app, built by each integration under test:
//!
//! | route | protection | body on success |
//! |---|---|---|
//! | `GET /whoami` | optional principal | `client:<id>` or `anonymous` |
//! | `GET /me` | principal required (extractor) | `client:<id>` |
//! | `GET /orders` | guard: all of `orders/read orders/list` | `orders` |
//! | `GET /reports` | guard: any of `reports/read reports/admin` | `reports` |
//! | `GET, HEAD, POST, DELETE /items` | declared with their scopes: GET/HEAD `items/read`, POST `items/write`, DELETE `items/admin`; no other method has a handler | `items` |
//! | `GET /partners` | guard: client `partner-a` | `partners` |
//! | `GET /typed` | typed extractor: all of `orders/read` | `typed:<id>` |
//!
//! Every app trusts the issuer's tokens with `token_use = access` and the allowlist
//! [`ALLOWED_CLIENTS`]. [`App`] names the four configurations; [`auth_config`] builds each.

use cognito_auth_testkit::{LocalIssuer, Signing};

/// Clients every app allows.
pub const ALLOWED_CLIENTS: [&str; 3] = ["svc-a", "svc-b", "partner-a"];

/// The four app configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum App {
    /// Required mode.
    Required,
    /// Permissive mode, invalid bearer tokens still 401.
    Permissive,
    /// Permissive mode with `fail_on_invalid_bearer` off.
    PermissiveLenient,
    /// Required mode whose verifier's JWKS URL is unreachable.
    JwksDown,
}

/// Every configuration.
pub const APPS: [App; 4] = [
    App::Required,
    App::Permissive,
    App::PermissiveLenient,
    App::JwksDown,
];

/// The settings of `app` for tokens of `issuer`: `token_use = access`, the
/// [`ALLOWED_CLIENTS`], and the mode (or unreachable JWKS) the variant names.
pub fn auth_config(issuer: &LocalIssuer, app: App) -> cognito_auth::web::AuthConfig {
    use cognito_auth::web::{AuthConfig, AuthMode};
    let mut c = AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(cognito_auth::verify::AcceptedTokenUse::Access),
        allowed_clients: Some(ALLOWED_CLIENTS.iter().map(|s| s.to_string()).collect()),
        ..AuthConfig::default()
    };
    match app {
        App::Required => {}
        App::Permissive => c.mode = AuthMode::Permissive,
        App::PermissiveLenient => {
            c.mode = AuthMode::Permissive;
            c.fail_on_invalid_bearer = false;
        }
        App::JwksDown => c.jwks_url = Some("http://127.0.0.1:9/.well-known/jwks.json".into()),
    }
    c
}

/// The token (or header) a case sends.
#[derive(Debug, Clone, Copy)]
pub enum Sent {
    /// No authorization header.
    Nothing,
    /// This exact header value.
    Raw(&'static str),
    /// `Bearer <valid access token>` for a client with scopes.
    Valid(&'static str, &'static [&'static str]),
    /// `bearer <token>` (lowercase scheme).
    LowercaseScheme(&'static str),
    /// An expired token.
    Expired,
    /// Signed with a key that is not published, under the published kid.
    BadSignature,
    /// HS256-signed.
    Hs256,
    /// `alg: none`.
    AlgNone,
    /// An ID token (wrong `token_use`).
    IdToken,
}

/// The body a case expects.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// `{"detail": "<text>"}` with `Content-Type: application/json`.
    Detail(&'static str),
    /// This exact text.
    Text(&'static str),
    /// No body (HEAD responses, 405).
    Empty,
}

/// One row of the matrix.
#[derive(Debug, Clone)]
pub struct Case {
    /// Name.
    pub name: &'static str,
    /// Which app.
    pub app: App,
    /// HTTP method.
    pub method: &'static str,
    /// Path.
    pub path: &'static str,
    /// What to send.
    pub send: Sent,
    /// Expected status.
    pub status: u16,
    /// Expected `WWW-Authenticate`, exactly (`None`: absent).
    pub www_authenticate: Option<&'static str>,
    /// Expected body.
    pub body: Body,
}

mod cases;

pub use cases::cases;

fn header_for(issuer: &LocalIssuer, send: Sent) -> Option<String> {
    let valid = |client: &str, scopes: &[&str]| {
        issuer
            .access_token()
            .client_id(client)
            .scopes(scopes.iter().copied())
            .sign()
    };
    Some(match send {
        Sent::Nothing => return None,
        Sent::Raw(v) => v.to_owned(),
        Sent::Valid(client, scopes) => format!("Bearer {}", valid(client, scopes)),
        Sent::LowercaseScheme(client) => format!("bearer {}", valid(client, &[])),
        Sent::Expired => format!(
            "Bearer {}",
            issuer.access_token().client_id("svc-a").expired().sign()
        ),
        Sent::BadSignature => format!(
            "Bearer {}",
            issuer
                .access_token()
                .client_id("svc-a")
                .signing(Signing::Rs256(
                    issuer.other_key().with_kid(issuer.current_key().kid())
                ))
                .sign()
        ),
        Sent::Hs256 => format!(
            "Bearer {}",
            issuer
                .access_token()
                .client_id("svc-a")
                .signing(Signing::Hs256(issuer.current_key().public_components().0))
                .sign()
        ),
        Sent::AlgNone => format!(
            "Bearer {}",
            issuer
                .access_token()
                .client_id("svc-a")
                .signing(Signing::None)
                .sign()
        ),
        Sent::IdToken => format!("Bearer {}", issuer.id_token().client_id("svc-a").sign()),
    })
}

/// Runs every case against the apps at `base_url(app)` (e.g. `http://127.0.0.1:1234`) and
/// returns a description of each mismatch (empty: all passed).
pub async fn run<F>(issuer: &LocalIssuer, base_url: F) -> Vec<String>
where
    F: Fn(App) -> String,
{
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for c in cases() {
        let url = format!("{}{}", base_url(c.app), c.path);
        let method = reqwest::Method::from_bytes(c.method.as_bytes()).expect("method");
        let mut req = http.request(method, &url);
        if let Some(h) = header_for(issuer, c.send) {
            req = req.header("authorization", h);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: request failed: {e}", c.name));
                continue;
            }
        };
        let status = resp.status().as_u16();
        let www = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        let mut problems = Vec::new();
        if status != c.status {
            problems.push(format!("status {status}, expected {}", c.status));
        }
        if www.as_deref() != c.www_authenticate {
            problems.push(format!(
                "WWW-Authenticate {www:?}, expected {:?}",
                c.www_authenticate
            ));
        }
        match c.body {
            Body::Text(t) => {
                if body != t {
                    problems.push(format!("body {body:?}, expected {t:?}"));
                }
            }
            Body::Empty => {
                if !body.is_empty() {
                    problems.push(format!("body {body:?}, expected none"));
                }
            }
            Body::Detail(d) => {
                let expected = serde_json::json!({ "detail": d });
                match serde_json::from_str::<serde_json::Value>(&body) {
                    Ok(v) if v == expected => {}
                    _ => problems.push(format!("body {body:?}, expected {expected}")),
                }
                if content_type.as_deref() != Some("application/json") {
                    problems.push(format!(
                        "content-type {content_type:?}, expected application/json"
                    ));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({} {}): {}",
                c.name,
                c.method,
                c.path,
                problems.join("; ")
            ));
        }
    }
    failures
}
