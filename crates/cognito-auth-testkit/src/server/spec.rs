//! App clients registered at the local issuer, and the faults it can inject.

use std::time::Duration;

use serde_json::json;

/// An app client registered at the local issuer.
///
/// ```
/// use cognito_auth_testkit::ClientSpec;
/// let c = ClientSpec::new("worker", "worker-secret").scopes(["orders/read", "orders/write"]);
/// assert_eq!(c.client_id(), "worker");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientSpec {
    pub(crate) client_id: String,
    pub(crate) secret: Option<String>,
    /// A second accepted secret (Cognito allows two during secret rotation).
    pub(crate) second_secret: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) callback_urls: Vec<String>,
}

impl ClientSpec {
    /// A confidential client (client credentials and authorization code with a secret).
    pub fn new(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        ClientSpec {
            client_id: client_id.into(),
            secret: Some(secret.into()),
            second_secret: None,
            scopes: Vec::new(),
            callback_urls: Vec::new(),
        }
    }
    /// A public client (no secret: authorization code with PKCE only).
    pub fn public(client_id: impl Into<String>) -> Self {
        ClientSpec {
            client_id: client_id.into(),
            secret: None,
            second_secret: None,
            scopes: Vec::new(),
            callback_urls: Vec::new(),
        }
    }
    /// Also accepts `secret` (Cognito keeps two secrets of a client during a rotation).
    pub fn second_secret(mut self, secret: impl Into<String>) -> Self {
        self.second_secret = Some(secret.into());
        self
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
    /// The scopes the client may ask for.
    pub fn allowed_scopes(&self) -> &[String] {
        &self.scopes
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
#[non_exhaustive]
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
