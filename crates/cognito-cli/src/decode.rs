use clap::Args;
use cognito_auth::unverified::decode_unverified;
use serde_json::json;

use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, UsageError};

#[derive(Args)]
pub struct DecodeArgs {
    /// The token to decode (its signature is NOT checked).
    pub token: String,
}

pub fn run(args: DecodeArgs) -> Result<u8, UsageError> {
    let token = crate::verify::without_bearer(args.token.trim().to_owned());
    match decode_unverified(&token) {
        Ok(t) => {
            let out = json!({
                "verified": false,
                "warning": "UNVERIFIED: the signature, issuer and expiry were not checked; use `cognito verify`",
                "header": t.header,
                "payload": t.payload,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("cognito decode: {} ({})", e.message(), e.reason());
            Ok(EXIT_NOT_AUTHENTICATED)
        }
    }
}
