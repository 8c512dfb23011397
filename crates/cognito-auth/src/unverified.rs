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

use base64::Engine;
use serde_json::{Map, Value};

use crate::verify::jose::B64;
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
        let bytes = B64.decode(seg).map_err(|_| {
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
