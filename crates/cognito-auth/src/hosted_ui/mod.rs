//! Hosted-UI login for people at a terminal or desktop apps: authorization code with PKCE
//! (S256) through a single-shot loopback callback server (RFC 8252), code exchange, refresh
//! and revocation at the Cognito domain. Feature `hosted-ui`.
//!
//! ```no_run
//! use cognito_auth::hosted_ui::{HostedUiClient, LoginOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HostedUiClient::builder()
//!     .domain("https://example.auth.eu-west-1.amazoncognito.com")
//!     .client_id("4mw9nqflq0example")
//!     .redirect_uri("http://127.0.0.1:8765/callback")
//!     .scopes(["openid", "email"])
//!     .build()?;
//! // Prints the URL, opens the browser, waits for the redirect, exchanges the code.
//! let tokens = client.login(LoginOptions::default()).await?;
//! println!("signed in; the tokens expire in {:?}", tokens.expires_in);
//! # Ok(()) }
//! ```

mod callback;
mod client;
mod pkce;

use std::sync::Arc;
use std::time::Duration;

use crate::transport::TransportError;

pub use callback::CallbackServer;
use callback::loopback_port;

#[cfg(fuzzing)]
pub(crate) fn fuzz_parse_tokens(body: &[u8]) -> Result<HostedUiTokens, HostedUiError> {
    client::parse_tokens(body)
}

#[cfg(fuzzing)]
pub(crate) fn fuzz_callback_query(q: &str) -> bool {
    callback::CallbackQuery::parse(q).is_ok()
}
pub use client::{
    HostedUiClient, HostedUiClientBuilder, HostedUiTokens, LoginOptions, Opener, Prompt,
};
use pkce::random_b64;
pub use pkce::{AuthorizationRequest, Pkce};

/// Why a hosted-UI step failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HostedUiError {
    /// Misconfiguration, detected before any request.
    #[error("invalid hosted-UI configuration: {0}")]
    Config(String),
    /// The redirect URI does not point at this machine's loopback interface.
    #[error("redirect URI host `{0}` is not loopback (use 127.0.0.1, [::1] or localhost)")]
    NonLoopback(String),
    /// The callback port is taken by another program.
    #[error(
        "port {0} on the loopback interface is already in use; close the other program or choose another redirect URI"
    )]
    PortInUse(u16),
    /// No callback arrived in time.
    #[error("no sign-in callback within {0:?}")]
    Timeout(Duration),
    /// The authorization server redirected back with an error.
    #[error("sign-in failed: {error}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Authorization {
        /// OAuth2 `error`.
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// The token endpoint refused.
    #[error("token endpoint answered HTTP {status}{}", .error.as_deref().map(|e| format!(": {e}")).unwrap_or_default())]
    Endpoint {
        /// HTTP status.
        status: u16,
        /// OAuth2 `error`.
        error: Option<String>,
        /// `error_description`.
        description: Option<String>,
    },
    /// The request did not complete (the [`TransportError`] is the source).
    #[error("the request to the Cognito domain failed")]
    Transport(#[from] TransportError),
    /// A 2xx answer that does not match the protocol.
    #[error("invalid token response: {0}")]
    InvalidResponse(String),
    /// The browser could not be opened (the URL was printed anyway).
    #[error("could not open a browser: {0}")]
    Browser(String),
    /// The callback server failed (the I/O error is the source).
    #[error("the callback server failed")]
    Io(#[source] Arc<std::io::Error>),
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
}

/// The redirect URI the CLI uses unless told otherwise: the loopback IP literal, not
/// `localhost` (RFC 8252 §7.3, §8.3), so the port cannot be taken over on another address
/// `localhost` resolves to.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
