use std::collections::BTreeMap;
use std::fmt;

use super::{AuthFactor, DeviceCredentials, FirstFactor, MfaType, Session, UserError};
use crate::secret::Password;

/// One step of a sign-in: done, or a challenge the caller answers with
/// [`crate::user::UserPoolClient::respond`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum SignInStep {
    /// Signed in.
    Done(Session),
    /// Cognito asks for more.
    Challenge(Challenge),
}

impl SignInStep {
    /// The session, if signed in.
    pub fn session(self) -> Option<Session> {
        match self {
            SignInStep::Done(s) => Some(s),
            SignInStep::Challenge(_) => None,
        }
    }
}

/// What a challenge asks for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChallengeKind {
    /// `NEW_PASSWORD_REQUIRED`: set a new password (and these required attributes).
    NewPasswordRequired {
        /// Attributes that must be supplied (without the `userAttributes.` prefix).
        required_attributes: Vec<String>,
        /// The user's current attributes.
        user_attributes: BTreeMap<String, String>,
    },
    /// `SOFTWARE_TOKEN_MFA`: a TOTP code.
    SoftwareTokenMfa,
    /// `SMS_MFA`: the code sent by SMS.
    SmsMfa {
        /// Masked phone number.
        destination: Option<String>,
    },
    /// `EMAIL_OTP`: the code sent by email.
    EmailOtp {
        /// Masked address.
        destination: Option<String>,
    },
    /// `SELECT_MFA_TYPE`: choose one of these.
    SelectMfaType {
        /// The choices.
        options: Vec<MfaType>,
    },
    /// `MFA_SETUP`: set up MFA now ([`crate::user::UserPoolClient::setup_totp`], then answer with
    /// the first code).
    MfaSetup {
        /// Methods that can be set up.
        options: Vec<MfaType>,
    },
    /// `SELECT_CHALLENGE` (choice-based sign-in): choose a first factor with
    /// [`ChallengeAnswer::Choose`].
    SelectChallenge {
        /// The factors this user may sign in with.
        available: Vec<AuthFactor>,
    },
    /// `SMS_OTP`: the passwordless code sent by SMS.
    SmsOtp {
        /// Masked phone number.
        destination: Option<String>,
    },
    /// `WEB_AUTHN`: sign in with a passkey. Pass the options to the platform authenticator
    /// (`navigator.credentials.get({ publicKey })` in a browser) and answer with
    /// [`ChallengeAnswer::WebAuthnCredential`] holding its assertion as JSON.
    WebAuthn {
        /// `CREDENTIAL_REQUEST_OPTIONS`: the WebAuthn `PublicKeyCredentialRequestOptions` as
        /// JSON.
        credential_request_options: String,
    },
    /// `CUSTOM_CHALLENGE`: a round of custom authentication; the challenge's public
    /// parameters are in [`Challenge::parameters`]. Answer with [`ChallengeAnswer::Custom`].
    CustomChallenge,
}

/// A pending challenge. `Debug` never prints the session.
#[derive(Clone)]
pub struct Challenge {
    /// `ChallengeName`.
    pub name: String,
    /// What it asks for.
    pub kind: ChallengeKind,
    /// `ChallengeParameters` as sent.
    pub parameters: BTreeMap<String, String>,
    pub(crate) session: Option<String>,
    pub(crate) username: String,
    pub(crate) device: Option<DeviceCredentials>,
    pub(crate) totp_ready: bool,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("username", &self.username)
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Challenge {
    /// The user name Cognito uses for this sign-in.
    pub fn username(&self) -> &str {
        &self.username
    }
}

/// An answer to a [`Challenge`].
#[derive(Clone)]
#[non_exhaustive]
pub enum ChallengeAnswer {
    /// For `NEW_PASSWORD_REQUIRED`: the new password and required attributes.
    NewPassword {
        /// The new password.
        password: Password,
        /// Attributes by name (with or without the `userAttributes.` prefix).
        attributes: BTreeMap<String, String>,
    },
    /// For `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`, `SMS_OTP`, and `MFA_SETUP` after
    /// `setup_totp`.
    Code(String),
    /// For `SELECT_MFA_TYPE`.
    SelectMfa(MfaType),
    /// For `SELECT_CHALLENGE`: the chosen first factor (with the password for
    /// [`FirstFactor::Password`] and [`FirstFactor::PasswordSrp`]).
    Choose(FirstFactor),
    /// For `WEB_AUTHN`: the authenticator's assertion (`PublicKeyCredential`) as JSON.
    WebAuthnCredential(String),
    /// For `CUSTOM_CHALLENGE`: the answer the Verify Auth Challenge trigger checks.
    Custom(String),
}

impl fmt::Debug for ChallengeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChallengeAnswer::NewPassword { attributes, .. } => f
                .debug_struct("NewPassword")
                .field("password", &"<redacted>")
                .field("attributes", attributes)
                .finish(),
            ChallengeAnswer::Code(_) => f.write_str("Code(<redacted>)"),
            ChallengeAnswer::SelectMfa(t) => f.debug_tuple("SelectMfa").field(t).finish(),
            ChallengeAnswer::Choose(c) => f.debug_tuple("Choose").field(c).finish(),
            ChallengeAnswer::WebAuthnCredential(_) => f.write_str("WebAuthnCredential(<redacted>)"),
            ChallengeAnswer::Custom(_) => f.write_str("Custom(<redacted>)"),
        }
    }
}

/// Parses Cognito's list parameters: a JSON array string, or the Python-style list some
/// emulators send (`"['SOFTWARE_TOKEN_MFA']"`).
pub(crate) fn parse_list(s: &str) -> Vec<String> {
    if let Ok(v) = serde_json::from_str::<Vec<String>>(s) {
        return v;
    }
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|p| p.trim().trim_matches(['\'', '"']).to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

pub(crate) fn classify(
    name: &str,
    parameters: &BTreeMap<String, String>,
    available: &[String],
) -> Result<ChallengeKind, UserError> {
    let mfa_list = |key: &str| -> Vec<MfaType> {
        parameters
            .get(key)
            .map(|s| parse_list(s))
            .unwrap_or_default()
            .iter()
            .filter_map(|t| MfaType::parse(t))
            .collect()
    };
    let destination = parameters.get("CODE_DELIVERY_DESTINATION").cloned();
    Ok(match name {
        "NEW_PASSWORD_REQUIRED" => ChallengeKind::NewPasswordRequired {
            required_attributes: parameters
                .get("requiredAttributes")
                .map(|s| parse_list(s))
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.trim_start_matches("userAttributes.").to_owned())
                .collect(),
            user_attributes: parameters
                .get("userAttributes")
                .and_then(|s| {
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).ok()
                })
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect(),
        },
        "SOFTWARE_TOKEN_MFA" => ChallengeKind::SoftwareTokenMfa,
        "SMS_MFA" => ChallengeKind::SmsMfa { destination },
        "EMAIL_OTP" => ChallengeKind::EmailOtp { destination },
        "SELECT_MFA_TYPE" => ChallengeKind::SelectMfaType {
            options: mfa_list("MFAS_CAN_CHOOSE"),
        },
        "MFA_SETUP" => ChallengeKind::MfaSetup {
            options: mfa_list("MFAS_CAN_SETUP"),
        },
        "SELECT_CHALLENGE" => ChallengeKind::SelectChallenge {
            available: available.iter().map(|a| AuthFactor::parse(a)).collect(),
        },
        "SMS_OTP" => ChallengeKind::SmsOtp { destination },
        "WEB_AUTHN" => ChallengeKind::WebAuthn {
            credential_request_options: parameters
                .get("CREDENTIAL_REQUEST_OPTIONS")
                .cloned()
                .ok_or_else(|| {
                    UserError::invalid(
                        "RespondToAuthChallenge",
                        "WEB_AUTHN without CREDENTIAL_REQUEST_OPTIONS",
                    )
                })?,
        },
        "CUSTOM_CHALLENGE" => ChallengeKind::CustomChallenge,
        other => {
            return Err(UserError::UnknownChallenge {
                name: other.to_owned(),
                parameters: parameters.clone(),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(
            parse_list(r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#),
            ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
        );
        assert_eq!(parse_list("['SOFTWARE_TOKEN_MFA']"), ["SOFTWARE_TOKEN_MFA"]);
        assert_eq!(parse_list("[]"), Vec::<String>::new());
    }

    #[test]
    fn unknown_challenges_keep_their_parameters() {
        let mut p = BTreeMap::new();
        p.insert("X".to_owned(), "y".to_owned());
        match classify("FACE_SCAN", &p, &[]).unwrap_err() {
            UserError::UnknownChallenge { name, parameters } => {
                assert_eq!(name, "FACE_SCAN");
                assert_eq!(parameters["X"], "y");
            }
            other => panic!("{other:?}"),
        }
    }
}
