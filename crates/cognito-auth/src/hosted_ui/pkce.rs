//! PKCE (RFC 7636, S256) and the authorization request.

use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::HostedUiError;
use crate::secret::SecretString;

/// A PKCE pair (RFC 7636, S256). The verifier is a secret; `Debug` hides it.
#[derive(Clone)]
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"<redacted>")
            .field("challenge", &self.challenge)
            .finish()
    }
}

pub(super) fn random_b64(bytes: usize) -> Result<String, HostedUiError> {
    let mut b = vec![0u8; bytes];
    crate::random::fill(&mut b).map_err(|_| HostedUiError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

impl Pkce {
    /// A fresh pair: 32 random bytes → a 43-character verifier.
    pub fn new() -> Result<Pkce, HostedUiError> {
        Self::with_length(43)
    }

    /// A fresh pair with a verifier of `len` characters (43..=128).
    pub fn with_length(len: usize) -> Result<Pkce, HostedUiError> {
        if !(43..=128).contains(&len) {
            return Err(HostedUiError::Config(
                "PKCE verifiers are 43 to 128 characters".into(),
            ));
        }
        let mut v = random_b64(96)?;
        v.truncate(len);
        Ok(Pkce::from_verifier(&v))
    }

    /// The pair for a given verifier (for tests and for resuming a flow).
    pub fn from_verifier(verifier: &str) -> Pkce {
        let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()).as_ref());
        Pkce {
            verifier: SecretString::new(verifier),
            challenge,
        }
    }

    /// `code_verifier` (secret).
    pub fn verifier(&self) -> &str {
        self.verifier.expose()
    }

    /// `code_challenge` (S256).
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// An authorization request: the URL to open and what the callback must match.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The URL to open in a browser.
    pub url: String,
    /// The redirect URI the callback arrives at.
    pub redirect_uri: String,
    /// The PKCE pair (keep it for the exchange).
    pub pkce: Pkce,
    pub(super) state: SecretString,
}

impl AuthorizationRequest {
    /// The `state` sent (compare callbacks with [`AuthorizationRequest::state_matches`]).
    pub fn state_matches(&self, candidate: &str) -> bool {
        self.state.ct_eq(candidate)
    }
}
