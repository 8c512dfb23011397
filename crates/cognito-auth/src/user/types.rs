use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::secret::{AccessToken, IdToken, Password, RefreshToken};
use crate::verify::VerifiedToken;

/// Tokens from a successful sign-in or refresh. Serialisable (for a 0600 token store);
/// `Debug` never prints a token.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// The internal user name (`cognito:username`), used for `SECRET_HASH` on refresh.
    pub username: String,
    /// The access token.
    #[serde(with = "crate::secret::expose")]
    pub access_token: AccessToken,
    /// The ID token.
    #[serde(with = "crate::secret::expose_option")]
    pub id_token: Option<IdToken>,
    /// The refresh token (kept across refreshes unless Cognito rotates it).
    #[serde(with = "crate::secret::expose_option")]
    pub refresh_token: Option<RefreshToken>,
    /// `Bearer`.
    pub token_type: String,
    /// How long the access and ID tokens were issued for (whole seconds when serialised).
    #[serde(with = "crate::expiry::seconds")]
    pub expires_in: Duration,
    /// When they expire (counted from when the answer arrived; seconds since the Unix epoch
    /// when serialised).
    #[serde(with = "crate::expiry::unix_seconds")]
    pub expires_at: SystemTime,
    /// A new device Cognito asks the app to confirm (device tracking on).
    pub new_device: Option<NewDeviceMetadata>,
    /// The remembered device this session signed in with.
    pub device_key: Option<String>,
    #[serde(skip)]
    pub(crate) verified: Option<(VerifiedToken, Option<VerifiedToken>)>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("username", &self.username)
            .field("access_token", &self.access_token)
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &crate::timefmt::rfc3339(self.expires_at))
            .field("new_device", &self.new_device)
            .finish()
    }
}

impl Session {
    /// A session from stored tokens (e.g. read back from a token store), to refresh or use.
    ///
    /// ```
    /// use cognito_auth::secret::{AccessToken, RefreshToken};
    /// use cognito_auth::user::Session;
    ///
    /// let s = Session::from_tokens("alice", AccessToken::new("eyJ..."), None, Some(RefreshToken::new("rt")), std::time::UNIX_EPOCH);
    /// assert!(s.expires_within(std::time::Duration::ZERO));
    /// ```
    pub fn from_tokens(
        username: impl Into<String>,
        access_token: AccessToken,
        id_token: Option<IdToken>,
        refresh_token: Option<RefreshToken>,
        expires_at: SystemTime,
    ) -> Session {
        Session {
            username: username.into(),
            access_token,
            id_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in: expires_at
                .duration_since(SystemTime::now())
                .unwrap_or_default(),
            expires_at,
            new_device: None,
            device_key: None,
            verified: None,
        }
    }

    /// Whether the tokens expire within `margin` (or already have).
    pub fn expires_within(&self, margin: Duration) -> bool {
        crate::expiry::within(self.expires_at, margin)
    }
    /// The verified access token, when the client verifies tokens.
    pub fn verified_access_token(&self) -> Option<&VerifiedToken> {
        self.verified.as_ref().map(|v| &v.0)
    }
    /// The verified ID token, when the client verifies tokens.
    pub fn verified_id_token(&self) -> Option<&VerifiedToken> {
        self.verified.as_ref().and_then(|v| v.1.as_ref())
    }
}

/// A device Cognito created at sign-in (device tracking), to confirm with
/// [`crate::user::UserPoolClient::confirm_device`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewDeviceMetadata {
    /// `DeviceKey`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
}

/// What a remembered device needs for `DEVICE_SRP_AUTH`. Keep it with the user's tokens.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceCredentials {
    /// `DeviceKey`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
    /// The random device password set at confirmation (a secret).
    #[serde(with = "crate::secret::expose")]
    pub device_password: Password,
}

impl NewDeviceMetadata {
    /// A device's key and group key, as Cognito returned them.
    pub fn new(device_key: impl Into<String>, device_group_key: impl Into<String>) -> Self {
        NewDeviceMetadata {
            device_key: device_key.into(),
            device_group_key: device_group_key.into(),
        }
    }
}

impl DeviceCredentials {
    /// Stored device credentials.
    pub fn new(
        device_key: impl Into<String>,
        device_group_key: impl Into<String>,
        device_password: Password,
    ) -> Self {
        DeviceCredentials {
            device_key: device_key.into(),
            device_group_key: device_group_key.into(),
            device_password,
        }
    }
}

impl fmt::Debug for DeviceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCredentials")
            .field("device_key", &self.device_key)
            .field("device_group_key", &self.device_group_key)
            .field("device_password", &self.device_password)
            .finish()
    }
}

/// A device as `ListDevices` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Device {
    /// `DeviceKey`.
    pub device_key: String,
    /// Device attributes (name, remembered status, …).
    pub attributes: BTreeMap<String, String>,
}

/// An MFA method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MfaType {
    /// TOTP authenticator app (`SOFTWARE_TOKEN_MFA`).
    Totp,
    /// SMS (`SMS_MFA`).
    Sms,
    /// Email one-time password (`EMAIL_OTP`).
    Email,
}

impl MfaType {
    /// Cognito's name.
    pub fn as_challenge(self) -> &'static str {
        match self {
            MfaType::Totp => "SOFTWARE_TOKEN_MFA",
            MfaType::Sms => "SMS_MFA",
            MfaType::Email => "EMAIL_OTP",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<MfaType> {
        match s {
            "SOFTWARE_TOKEN_MFA" => Some(MfaType::Totp),
            "SMS_MFA" => Some(MfaType::Sms),
            "EMAIL_OTP" => Some(MfaType::Email),
            _ => None,
        }
    }
}

/// Where a confirmation or reset code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CodeDelivery {
    /// Masked destination, e.g. `a***@e***.com`.
    pub destination: Option<String>,
    /// `SMS` or `EMAIL`.
    pub medium: Option<String>,
    /// The attribute, e.g. `email`.
    pub attribute: Option<String>,
}

/// Result of a sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignUpResult {
    /// Whether the user is already confirmed.
    pub user_confirmed: bool,
    /// The new user's `sub`.
    pub user_sub: Option<String>,
    /// Where the confirmation code went.
    pub code_delivery: Option<CodeDelivery>,
}

/// A user as `GetUser` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfo {
    /// The internal user name.
    pub username: String,
    /// Attributes by name (`email`, `sub`, `custom:…`).
    pub attributes: BTreeMap<String, String>,
    /// The preferred MFA method.
    pub preferred_mfa: Option<String>,
    /// Enabled MFA methods.
    pub mfa_settings: Vec<String>,
}

/// MFA preference for one method, for `SetUserMFAPreference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaPreference {
    /// Enabled.
    pub enabled: bool,
    /// Preferred.
    pub preferred: bool,
}
