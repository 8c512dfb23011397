//! User-pool flows moto cannot serve, against a local Cognito-shaped peer:
//! - a strict SRP peer (`cognito_auth_testsuite::peer`: server-side SRP written independently
//!   of the library) that
//!   checks PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER signatures, SECRET_HASH and the
//!   user names Cognito expects, and drives ConfirmDevice + DEVICE_SRP_AUTH end to end;
//! - choice-based sign-in (`USER_AUTH`, `SELECT_CHALLENGE`), passwordless e-mail/SMS codes,
//!   passkeys (`WEB_AUTHN`, registration, listing, deletion) and custom authentication
//!   (`CUSTOM_AUTH`, after SRP or alone), modelled statefully from Cognito's API reference;
//! - recorded request/response fixtures (`crates/cognito-auth-testsuite/fixtures/`) for RevokeToken,
//!   ResendConfirmationCode, ListDevices, UpdateDeviceStatus, ForgetDevice,
//!   GetTokensFromRefreshToken, EMAIL_OTP, SELECT_MFA_TYPE and an unknown challenge.
#![cfg(feature = "user")]

use cognito_auth::secret::{Password, RefreshToken};
use cognito_auth::user::{
    ChallengeAnswer, ChallengeKind, CognitoErrorKind, DeviceCredentials, MfaType, SignInStep,
    UserError,
};
use serde_json::{Value, json};

mod choice;
mod flows;

use cognito_auth_testsuite::peer::*;
