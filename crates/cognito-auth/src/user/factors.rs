//! Choice-based sign-in (`USER_AUTH`): a preferred first factor or a choice among those the
//! user has (`SELECT_CHALLENGE`), passwordless codes by e-mail or SMS, passkeys (`WEB_AUTHN`);
//! and custom authentication (`CUSTOM_AUTH`, optionally after SRP).

use std::fmt;

use super::challenge::{Challenge, SignInStep};
use super::wire::params;
use super::{UserError, UserPoolClient};
use crate::secret::Password;
use crate::srp::SrpClient;

/// A first factor of choice-based sign-in, as Cognito names them in `AvailableChallenges`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthFactor {
    /// `PASSWORD`: the password, sent over TLS.
    Password,
    /// `PASSWORD_SRP`: the password, proven with SRP (it never leaves the process).
    PasswordSrp,
    /// `EMAIL_OTP`: a one-time code sent by e-mail.
    EmailOtp,
    /// `SMS_OTP`: a one-time code sent by SMS.
    SmsOtp,
    /// `WEB_AUTHN`: a passkey.
    WebAuthn,
    /// A factor this version does not know, by Cognito's name.
    Other(String),
}

impl AuthFactor {
    /// Cognito's name for the factor.
    pub fn as_str(&self) -> &str {
        match self {
            AuthFactor::Password => "PASSWORD",
            AuthFactor::PasswordSrp => "PASSWORD_SRP",
            AuthFactor::EmailOtp => "EMAIL_OTP",
            AuthFactor::SmsOtp => "SMS_OTP",
            AuthFactor::WebAuthn => "WEB_AUTHN",
            AuthFactor::Other(s) => s,
        }
    }

    /// The factor named `name`.
    pub fn parse(name: &str) -> AuthFactor {
        match name {
            "PASSWORD" => AuthFactor::Password,
            "PASSWORD_SRP" => AuthFactor::PasswordSrp,
            "EMAIL_OTP" => AuthFactor::EmailOtp,
            "SMS_OTP" => AuthFactor::SmsOtp,
            "WEB_AUTHN" => AuthFactor::WebAuthn,
            other => AuthFactor::Other(other.to_owned()),
        }
    }

    /// Whether the factor needs the password.
    pub fn needs_password(&self) -> bool {
        matches!(self, AuthFactor::Password | AuthFactor::PasswordSrp)
    }
}

impl fmt::Display for AuthFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to start (or, answering `SELECT_CHALLENGE`, continue) a choice-based sign-in.
#[derive(Clone)]
#[non_exhaustive]
pub enum FirstFactor {
    /// No preference: Cognito answers with `SELECT_CHALLENGE` listing the user's factors
    /// (or goes straight to the only one).
    Choose,
    /// `PASSWORD` with this password.
    Password(Password),
    /// `PASSWORD_SRP` with this password.
    PasswordSrp(Password),
    /// `EMAIL_OTP`: Cognito sends a code; answer the challenge with it.
    EmailOtp,
    /// `SMS_OTP`: Cognito sends a code; answer the challenge with it.
    SmsOtp,
    /// `WEB_AUTHN`: Cognito sends credential request options; answer with the assertion.
    WebAuthn,
}

impl fmt::Debug for FirstFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FirstFactor::Choose => "Choose",
            FirstFactor::Password(_) => "Password(<redacted>)",
            FirstFactor::PasswordSrp(_) => "PasswordSrp(<redacted>)",
            FirstFactor::EmailOtp => "EmailOtp",
            FirstFactor::SmsOtp => "SmsOtp",
            FirstFactor::WebAuthn => "WebAuthn",
        })
    }
}

impl FirstFactor {
    /// The factor's name (`None` for [`FirstFactor::Choose`]).
    pub fn factor(&self) -> Option<AuthFactor> {
        Some(match self {
            FirstFactor::Choose => return None,
            FirstFactor::Password(_) => AuthFactor::Password,
            FirstFactor::PasswordSrp(_) => AuthFactor::PasswordSrp,
            FirstFactor::EmailOtp => AuthFactor::EmailOtp,
            FirstFactor::SmsOtp => AuthFactor::SmsOtp,
            FirstFactor::WebAuthn => AuthFactor::WebAuthn,
        })
    }
}

const INIT: &str = "InitiateAuth";
const RESPOND: &str = "RespondToAuthChallenge";

impl UserPoolClient {
    /// Choice-based sign-in (`USER_AUTH`; the app client must allow it). With a preferred
    /// factor Cognito goes straight to it when the user has it; with
    /// [`FirstFactor::Choose`] it answers with a [`ChallengeKind::SelectChallenge`]
    /// listing the user's factors, answered with [`ChallengeAnswer::Choose`].
    ///
    /// [`ChallengeKind::SelectChallenge`]: super::ChallengeKind::SelectChallenge
    /// [`ChallengeAnswer::Choose`]: super::ChallengeAnswer::Choose
    ///
    /// ```no_run
    /// use cognito_auth::user::{ChallengeAnswer, ChallengeKind, FirstFactor, SignInStep, UserPoolClient};
    ///
    /// # async fn run(client: UserPoolClient) -> Result<(), Box<dyn std::error::Error>> {
    /// // Passwordless: a code by e-mail.
    /// let step = client.sign_in_user_auth("alice", FirstFactor::EmailOtp).await?;
    /// if let SignInStep::Challenge(c) = step {
    ///     assert!(matches!(c.kind, ChallengeKind::EmailOtp { .. }));
    ///     let code = String::from("12345678"); // ask the user
    ///     let _next = client.respond(&c, ChallengeAnswer::Code(code)).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sign_in_user_auth(
        &self,
        username: &str,
        first: FirstFactor,
    ) -> Result<SignInStep, UserError> {
        let mut p = params! { "USERNAME" => username };
        self.add_secret_hash(&mut p, username);
        if let Some(f) = first.factor() {
            p.insert("PREFERRED_CHALLENGE".into(), f.as_str().to_owned().into());
        }
        match &first {
            FirstFactor::PasswordSrp(password) => {
                let srp = SrpClient::new()?;
                p.insert("SRP_A".into(), srp.public_a_hex().into());
                let resp = self.initiate("USER_AUTH", p).await?;
                self.after_srp_start(&srp, password, username, resp, INIT)
                    .await
            }
            FirstFactor::Password(password) => {
                p.insert("PASSWORD".into(), password.expose().into());
                let resp = self.initiate("USER_AUTH", p).await?;
                self.step(resp, username, None, INIT).await
            }
            _ => {
                let resp = self.initiate("USER_AUTH", p).await?;
                self.step(resp, username, None, INIT).await
            }
        }
    }

    /// Custom authentication (`CUSTOM_AUTH`, driven by the pool's Define/Create/Verify Auth
    /// Challenge Lambda triggers). With `srp_password`, the password is proven with SRP first
    /// (`CHALLENGE_NAME=SRP_A`); then each `CUSTOM_CHALLENGE` round arrives as a
    /// [`ChallengeKind::CustomChallenge`](super::ChallengeKind::CustomChallenge), answered
    /// with [`ChallengeAnswer::Custom`](super::ChallengeAnswer::Custom), for as many rounds as
    /// the triggers ask.
    pub async fn sign_in_custom(
        &self,
        username: &str,
        srp_password: Option<&str>,
    ) -> Result<SignInStep, UserError> {
        let mut p = params! { "USERNAME" => username };
        self.add_secret_hash(&mut p, username);
        match srp_password {
            Some(password) => {
                let srp = SrpClient::new()?;
                p.insert("SRP_A".into(), srp.public_a_hex().into());
                p.insert("CHALLENGE_NAME".into(), "SRP_A".into());
                let resp = self.initiate("CUSTOM_AUTH", p).await?;
                let password = Password::new(password);
                self.after_srp_start(&srp, &password, username, resp, INIT)
                    .await
            }
            None => {
                let resp = self.initiate("CUSTOM_AUTH", p).await?;
                self.step(resp, username, None, INIT).await
            }
        }
    }

    /// After an SRP start: `PASSWORD_VERIFIER` answered here, anything else becomes a step.
    async fn after_srp_start(
        &self,
        srp: &SrpClient,
        password: &Password,
        username: &str,
        resp: super::wire::AuthResponse,
        op: &'static str,
    ) -> Result<SignInStep, UserError> {
        if resp.challenge_name.as_deref() == Some("PASSWORD_VERIFIER") {
            self.password_verifier(srp, password.expose(), username, resp, None, op)
                .await
        } else {
            self.step(resp, username, None, op).await
        }
    }

    /// Answers `SELECT_CHALLENGE` with the chosen factor.
    pub(super) async fn choose_factor(
        &self,
        challenge: &Challenge,
        first: FirstFactor,
    ) -> Result<SignInStep, UserError> {
        let Some(factor) = first.factor() else {
            return Err(UserError::WrongAnswer {
                challenge: challenge.name.clone(),
                message: "choose one of the offered factors".into(),
            });
        };
        if let super::ChallengeKind::SelectChallenge { available } = &challenge.kind
            && !available.is_empty()
            && !available.contains(&factor)
        {
            return Err(UserError::WrongAnswer {
                challenge: challenge.name.clone(),
                message: format!("{factor} is not one of the offered factors"),
            });
        }
        let username = challenge.username.as_str();
        let mut r = params! { "USERNAME" => username };
        r.insert("ANSWER".into(), factor.as_str().to_owned().into());
        self.add_secret_hash(&mut r, username);
        let session = challenge.session.as_deref();
        match &first {
            FirstFactor::PasswordSrp(password) => {
                let srp = SrpClient::new()?;
                r.insert("SRP_A".into(), srp.public_a_hex().into());
                let resp = self.respond_raw("SELECT_CHALLENGE", session, r).await?;
                self.after_srp_start(&srp, password, username, resp, RESPOND)
                    .await
            }
            FirstFactor::Password(password) => {
                r.insert("PASSWORD".into(), password.expose().into());
                let resp = self.respond_raw("SELECT_CHALLENGE", session, r).await?;
                self.step(resp, username, None, RESPOND).await
            }
            _ => {
                let resp = self.respond_raw("SELECT_CHALLENGE", session, r).await?;
                self.step(resp, username, None, RESPOND).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_names_round_trip() {
        for f in [
            AuthFactor::Password,
            AuthFactor::PasswordSrp,
            AuthFactor::EmailOtp,
            AuthFactor::SmsOtp,
            AuthFactor::WebAuthn,
            AuthFactor::Other("FACE_SCAN".into()),
        ] {
            assert_eq!(AuthFactor::parse(f.as_str()), f);
        }
        assert!(AuthFactor::PasswordSrp.needs_password());
        assert!(!AuthFactor::EmailOtp.needs_password());
        assert_eq!(
            format!("{:?}", FirstFactor::Password(Password::new("hunter22"))),
            "Password(<redacted>)"
        );
    }
}
