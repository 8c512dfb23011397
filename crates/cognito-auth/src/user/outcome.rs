//! Sign-in answers obtained elsewhere (e.g. `AdminInitiateAuth` through the AWS SDK), to be
//! continued with a [`UserPoolClient`](super::UserPoolClient).

use std::collections::BTreeMap;

use super::NewDeviceMetadata;
use super::wire::{self, AuthResponse, AuthResult};

/// A sign-in answer obtained outside this client, e.g. from `AdminInitiateAuth` through the
/// AWS SDK (`cognito-auth-admin` does this), to continue with
/// [`UserPoolClient::continue_sign_in`](super::UserPoolClient::continue_sign_in).
///
/// ```
/// use cognito_auth::user::AuthOutcome;
/// let o = AuthOutcome::challenge("SOFTWARE_TOKEN_MFA", Some("session".into()), Default::default());
/// # let _ = o;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AuthOutcome {
    challenge_name: Option<String>,
    session: Option<String>,
    challenge_parameters: BTreeMap<String, String>,
    tokens: Option<AuthTokens>,
}

/// The tokens of an [`AuthOutcome`] (`AuthenticationResult`).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct AuthTokens {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
    token_type: Option<String>,
    new_device: Option<NewDeviceMetadata>,
}

impl std::fmt::Debug for AuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthTokens")
            .field("expires_in", &self.expires_in)
            .field("new_device", &self.new_device)
            .finish_non_exhaustive()
    }
}

impl AuthTokens {
    /// Tokens as Cognito returned them.
    pub fn new(
        access_token: Option<String>,
        id_token: Option<String>,
        refresh_token: Option<String>,
        expires_in: Option<u64>,
        token_type: Option<String>,
    ) -> Self {
        AuthTokens {
            access_token,
            id_token,
            refresh_token,
            expires_in,
            token_type,
            new_device: None,
        }
    }
    /// With the new device Cognito created (device tracking on).
    #[must_use]
    pub fn new_device(mut self, device: Option<NewDeviceMetadata>) -> Self {
        self.new_device = device;
        self
    }
}

impl AuthOutcome {
    /// A challenge to answer.
    pub fn challenge(
        name: impl Into<String>,
        session: Option<String>,
        parameters: BTreeMap<String, String>,
    ) -> Self {
        AuthOutcome {
            challenge_name: Some(name.into()),
            session,
            challenge_parameters: parameters,
            tokens: None,
        }
    }
    /// Signed in.
    pub fn signed_in(tokens: AuthTokens) -> Self {
        AuthOutcome {
            tokens: Some(tokens),
            ..AuthOutcome::default()
        }
    }
}

impl From<AuthOutcome> for AuthResponse {
    fn from(o: AuthOutcome) -> Self {
        AuthResponse {
            challenge_name: o.challenge_name,
            session: o.session,
            challenge_parameters: o.challenge_parameters,
            available_challenges: Vec::new(),
            authentication_result: o.tokens.map(|t| AuthResult {
                access_token: t.access_token,
                id_token: t.id_token,
                refresh_token: t.refresh_token,
                expires_in: t.expires_in,
                token_type: t.token_type,
                new_device_metadata: t.new_device.map(|d| wire::DeviceMeta {
                    device_key: d.device_key,
                    device_group_key: d.device_group_key,
                }),
            }),
        }
    }
}
