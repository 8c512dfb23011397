//! Reading a token **without verifying it**: for display and debugging only.
//!
//! Nothing here checks a signature, an issuer or an expiry. Never make an access decision from
//! these values; use [`crate::verify::Verifier`].
//!
//! ```
//! use cognito_auth::unverified::decode_unverified;
//!
//! let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhYmMiLCJ0b2tlbl91c2UiOiJpZCJ9.c2ln";
//! let decoded = decode_unverified(token).unwrap();
//! assert_eq!(decoded.header["kid"], "k1");
//! assert_eq!(decoded.payload["sub"], "abc");
//! ```

use serde_json::{Map, Value};

use crate::verify::{DEFAULT_MAX_TOKEN_BYTES, Reason, VerifyError};

/// Header and payload of a token whose signature was NOT checked.
#[derive(Debug, Clone, PartialEq)]
pub struct UnverifiedToken {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub payload: Map<String, Value>,
}

/// Splits and decodes a JWT without verifying anything. Size-capped; duplicate keys rejected.
pub fn decode_unverified(token: &str) -> Result<UnverifiedToken, VerifyError> {
    if token.len() > DEFAULT_MAX_TOKEN_BYTES {
        return Err(VerifyError::new(
            Reason::TokenTooLarge,
            "token is too large",
        ));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::new(
            Reason::Malformed,
            "token must have exactly three dot-separated segments",
        ));
    };
    let decode = |seg: &str, what: &'static str| -> Result<Map<String, Value>, VerifyError> {
        let bytes = crate::base64url::decode(seg).map_err(|_| {
            VerifyError::new(
                Reason::InvalidBase64,
                format!("{what} is not valid base64url"),
            )
        })?;
        crate::strict_json::check_document(&bytes).map_err(|_| {
            VerifyError::new(Reason::InvalidJson, format!("{what} is not strict JSON"))
        })?;
        serde_json::from_slice(&bytes).map_err(|_| {
            VerifyError::new(Reason::InvalidJson, format!("{what} is not a JSON object"))
        })
    };
    Ok(UnverifiedToken {
        header: decode(h, "header")?,
        payload: decode(p, "payload")?,
    })
}

/// Cognito's claims, typed, read from a token **without verifying it** — for display, for
/// choosing a role to ask for, for a user name to show. Never for an access decision.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct UnverifiedCognitoClaims {
    /// `sub`.
    pub sub: Option<String>,
    /// `iss`.
    pub iss: Option<String>,
    /// `token_use`.
    pub token_use: Option<String>,
    /// `client_id` (access tokens).
    pub client_id: Option<String>,
    /// `aud` (ID tokens).
    pub aud: Option<Value>,
    /// `username` (access tokens).
    pub username: Option<String>,
    /// `cognito:username` (ID tokens).
    #[serde(rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `cognito:groups`.
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    /// `cognito:roles`.
    #[serde(rename = "cognito:roles", default)]
    pub roles: Vec<String>,
    /// `cognito:preferred_role`.
    #[serde(rename = "cognito:preferred_role")]
    pub preferred_role: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `exp`.
    pub exp: Option<i64>,
    /// `iat`.
    pub iat: Option<i64>,
    /// Every other claim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Decodes a token's payload into [`UnverifiedCognitoClaims`] **without verification**.
///
/// ```
/// use cognito_auth::unverified::decode_payload_unverified;
/// let t = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJjb2duaXRvOmdyb3VwcyI6WyJhZG1pbnMiXX0.c2ln";
/// let c = decode_payload_unverified(t).unwrap();
/// assert_eq!(c.sub.as_deref(), Some("abc"));
/// assert_eq!(c.groups, ["admins"]);
/// ```
pub fn decode_payload_unverified(token: &str) -> Result<UnverifiedCognitoClaims, VerifyError> {
    let t = decode_unverified(token)?;
    serde_json::from_value(Value::Object(t.payload))
        .map_err(|e| VerifyError::new(Reason::InvalidClaim, format!("unexpected claim type: {e}")))
}
