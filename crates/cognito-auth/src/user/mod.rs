//! User-pool sign-in and account flows, as async Rust (blocking wrapper in
//! [`crate::blocking::BlockingUserPoolClient`]).
//!
//! - Sign-in ([`signin`](UserPoolClient::sign_in_srp)): `USER_SRP_AUTH` (the SRP math in
//!   [`crate::srp`]), `USER_PASSWORD_AUTH`, choice-based `USER_AUTH`
//!   ([`UserPoolClient::sign_in_user_auth`]: password, SRP, passwordless e-mail or SMS codes,
//!   passkeys), `CUSTOM_AUTH` ([`UserPoolClient::sign_in_custom`], optionally after SRP), and
//!   every challenge as a typed state machine the caller drives ([`SignInStep`],
//!   [`Challenge`], [`ChallengeAnswer`]): factor choice, new password, TOTP, SMS and e-mail
//!   codes, MFA selection, MFA setup, passkey assertion, custom challenges, and
//!   remembered-device SRP (answered for you when [`DeviceCredentials`] are given).
//! - Passkeys: register, list and delete ([`UserPoolClient::start_passkey_registration`]).
//! - `SECRET_HASH` on every call that needs it, for the user name Cognito uses at that step;
//!   `ClientMetadata` for Lambda triggers with [`UserPoolClient::with_client_metadata`].
//! - Sessions: refresh (`REFRESH_TOKEN_AUTH`, keeping the refresh token unless Cognito
//!   rotates it, or `GetTokensFromRefreshToken`), [`UserPoolClient::check_and_renew`], global
//!   sign-out, token revocation; tokens optionally verified with the core verifier.
//! - Devices: confirm (device verifier from the SRP module), remember, forget, list.
//! - Account: sign-up, confirm, resend code, forgot/confirm password, change password,
//!   attributes and their verification, TOTP association, MFA preference, delete.
//! - Admin operations (IAM-signed, AWS SDK) live in the `cognito-auth-admin` crate.
//!
//! These operations are unsigned JSON calls; no AWS credentials are needed.
//!
//! ```no_run
//! use cognito_auth::user::{ChallengeAnswer, SignInStep, UserPoolClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = UserPoolClient::builder()
//!     .user_pool("eu-west-1_AbCdEf123")
//!     .client_id("4mw9nqflq0example")
//!     .build()?;
//! let mut step = client.sign_in_srp("alice", "correct horse").await?;
//! let session = loop {
//!     match step {
//!         SignInStep::Done(session) => break session,
//!         SignInStep::Challenge(c) => {
//!             let code = String::from("123456"); // ask the user
//!             step = client.respond(&c, ChallengeAnswer::Code(code)).await?;
//!         }
//!         _ => unreachable!("handle future sign-in steps"),
//!     }
//! };
//! println!("signed in as {}", session.username);
//! # Ok(()) }
//! ```

mod account;
mod challenge;
mod client;
mod devices;
mod error;
mod factors;
mod outcome;
mod passkeys;
mod session;
mod signin;
mod types;
pub(crate) mod wire;

pub use challenge::{Challenge, ChallengeAnswer, ChallengeKind, SignInStep};
pub use client::{UserPoolClient, UserPoolClientBuilder};
pub use error::UserError;
pub use factors::{AuthFactor, FirstFactor};
pub use outcome::{AuthOutcome, AuthTokens};
pub use passkeys::{Passkey, PasskeyRegistration};
pub use types::{
    CodeDelivery, Device, DeviceCredentials, MfaPreference, MfaType, NewDeviceMetadata, Session,
    SignUpResult, UserInfo,
};

#[cfg(fuzzing)]
pub(crate) fn fuzz_auth_response(body: &[u8]) {
    if let Ok(r) = crate::aws_json::parse_success::<wire::AuthResponse>("Fuzz", body)
        && let Some(name) = &r.challenge_name
    {
        let _ = challenge::classify(name, &r.challenge_parameters, &r.available_challenges);
    }
}

/// The Cognito error kinds (also at [`crate::service::CognitoErrorKind`]).
pub use crate::service::CognitoErrorKind;
