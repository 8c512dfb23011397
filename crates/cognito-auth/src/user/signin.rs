//! Sign-in: `USER_SRP_AUTH` and `USER_PASSWORD_AUTH`, the challenge state machine, answers
//! to challenges, and remembered-device SRP answered on the caller's behalf.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::challenge::{self, Challenge, ChallengeAnswer, ChallengeKind, SignInStep};
use super::outcome::AuthOutcome;
use super::wire::{AuthResponse, AuthResult, InitiateAuth, Params, RespondToAuthChallenge, params};
use super::{DeviceCredentials, NewDeviceMetadata, Session, UserError, UserPoolClient};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::srp::{self, SrpClient};

/// The user name from an ID token (`cognito:username`), read without verification (only to
/// compute `SECRET_HASH` on refresh).
fn username_from_id_token(id_token: &str) -> Option<String> {
    crate::unverified::decode_payload_unverified(id_token)
        .ok()?
        .cognito_username
}

fn required<'p>(
    p: &'p BTreeMap<String, String>,
    op: &'static str,
    challenge: &str,
    key: &'static str,
) -> Result<&'p str, UserError> {
    p.get(key)
        .map(String::as_str)
        .ok_or_else(|| UserError::invalid(op, format!("{challenge} without {key}")))
}

impl UserPoolClient {
    /// Signs in with `USER_SRP_AUTH`: the password never leaves the process.
    pub async fn sign_in_srp(
        &self,
        username: &str,
        password: &str,
    ) -> Result<SignInStep, UserError> {
        self.srp_flow(username, password, None).await
    }

    /// Signs in with `USER_SRP_AUTH` from a remembered device: Cognito's `DEVICE_SRP_AUTH`
    /// step is answered with `device`.
    pub async fn sign_in_srp_with_device(
        &self,
        username: &str,
        password: &str,
        device: &DeviceCredentials,
    ) -> Result<SignInStep, UserError> {
        self.srp_flow(username, password, Some(device.clone()))
            .await
    }

    pub(super) async fn initiate(
        &self,
        flow: &str,
        params: Params<'_>,
    ) -> Result<AuthResponse, UserError> {
        self.call(
            "InitiateAuth",
            &InitiateAuth {
                auth_flow: flow,
                client_id: &self.inner.client_id,
                auth_parameters: params,
                client_metadata: self.meta(),
            },
        )
        .await
    }

    async fn srp_flow(
        &self,
        username: &str,
        password: &str,
        device: Option<DeviceCredentials>,
    ) -> Result<SignInStep, UserError> {
        let client = SrpClient::new()?;
        let srp_a = client.public_a_hex();
        let mut p = params! { "USERNAME" => username, "SRP_A" => srp_a.as_str() };
        self.add_secret_hash(&mut p, username);
        if let Some(d) = &device {
            p.insert("DEVICE_KEY".into(), d.device_key.as_str().into());
        }
        let resp = self.initiate("USER_SRP_AUTH", p).await?;
        if resp.challenge_name.as_deref() != Some("PASSWORD_VERIFIER") {
            return self.step(resp, username, device, "InitiateAuth").await;
        }
        self.password_verifier(&client, password, username, resp, device, "InitiateAuth")
            .await
    }

    /// Answers `PASSWORD_VERIFIER` with the SRP exchange `client` started.
    pub(super) async fn password_verifier(
        &self,
        client: &SrpClient,
        password: &str,
        username: &str,
        resp: AuthResponse,
        device: Option<DeviceCredentials>,
        op: &'static str,
    ) -> Result<SignInStep, UserError> {
        let p = &resp.challenge_parameters;
        let get = |k| required(p, op, "PASSWORD_VERIFIER", k);
        let user_id = get("USER_ID_FOR_SRP")?;
        let key = client.password_key(
            &self.inner.pool_name,
            user_id,
            password,
            get("SRP_B")?,
            get("SALT")?,
        )?;
        let timestamp = srp::cognito_timestamp(SystemTime::now());
        let secret_block = get("SECRET_BLOCK")?;
        let signature = srp::password_signature(
            &key,
            &self.inner.pool_name,
            user_id,
            secret_block,
            &timestamp,
        )?;
        // The name Cognito uses from here on (an alias such as an email resolves to it).
        let internal = p
            .get("USERNAME")
            .map(String::as_str)
            .unwrap_or(user_id)
            .to_owned();
        let _ = username;
        tracing::debug!(target: "cognito_auth::user", "answering PASSWORD_VERIFIER");
        let mut responses = params! {
            "TIMESTAMP" => timestamp.as_str(),
            "USERNAME" => internal.as_str(),
            "PASSWORD_CLAIM_SECRET_BLOCK" => secret_block,
            "PASSWORD_CLAIM_SIGNATURE" => signature.as_str(),
        };
        self.add_secret_hash(&mut responses, &internal);
        if let Some(d) = &device {
            responses.insert("DEVICE_KEY".into(), d.device_key.as_str().into());
        }
        let next = self
            .respond_raw("PASSWORD_VERIFIER", resp.session.as_deref(), responses)
            .await?;
        self.step(next, &internal, device, "RespondToAuthChallenge")
            .await
    }

    /// Signs in with `USER_PASSWORD_AUTH` (the password is sent to Cognito over TLS; the app
    /// client must allow this flow).
    pub async fn sign_in_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<SignInStep, UserError> {
        let mut p = params! { "USERNAME" => username, "PASSWORD" => password };
        self.add_secret_hash(&mut p, username);
        let resp = self.initiate("USER_PASSWORD_AUTH", p).await?;
        self.step(resp, username, None, "InitiateAuth").await
    }

    /// Continues a sign-in started elsewhere (e.g. `AdminInitiateAuth` through the AWS SDK)
    /// with this client: tokens become a [`Session`], challenges become [`SignInStep`]s to
    /// answer with [`UserPoolClient::respond`].
    pub async fn continue_sign_in(
        &self,
        outcome: AuthOutcome,
        username: &str,
        operation: &'static str,
    ) -> Result<SignInStep, UserError> {
        self.step(outcome.into(), username, None, operation).await
    }

    pub(super) async fn respond_raw(
        &self,
        challenge: &str,
        session: Option<&str>,
        responses: Params<'_>,
    ) -> Result<AuthResponse, UserError> {
        self.call(
            "RespondToAuthChallenge",
            &RespondToAuthChallenge {
                client_id: &self.inner.client_id,
                challenge_name: challenge,
                challenge_responses: responses,
                session,
                client_metadata: self.meta(),
            },
        )
        .await
    }

    /// Turns an auth response into the next step, answering device challenges itself.
    pub(super) async fn step(
        &self,
        resp: AuthResponse,
        username: &str,
        device: Option<DeviceCredentials>,
        op: &'static str,
    ) -> Result<SignInStep, UserError> {
        if let Some(result) = resp.authentication_result {
            tracing::debug!(target: "cognito_auth::user", operation = op, "signed in");
            return self
                .session_from(
                    result,
                    username,
                    None,
                    device.as_ref().map(|d| d.device_key.clone()),
                    op,
                )
                .await
                .map(SignInStep::Done);
        }
        let Some(name) = resp.challenge_name else {
            return Err(UserError::invalid(op, "neither tokens nor a challenge"));
        };
        let parameters = resp.challenge_parameters;
        let username = parameters
            .get("USERNAME")
            .or_else(|| parameters.get("USER_ID_FOR_SRP"))
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        tracing::debug!(target: "cognito_auth::user", operation = op, challenge = %name, "challenge");
        if name == "DEVICE_SRP_AUTH" {
            let Some(d) = device else {
                return Err(UserError::DeviceCredentialsRequired);
            };
            return Box::pin(self.device_srp(&username, resp.session.as_deref(), d)).await;
        }
        let kind = challenge::classify(&name, &parameters, &resp.available_challenges)?;
        Ok(SignInStep::Challenge(Challenge {
            name,
            kind,
            parameters,
            session: resp.session,
            username,
            device,
            totp_ready: false,
        }))
    }

    async fn device_srp(
        &self,
        username: &str,
        session: Option<&str>,
        device: DeviceCredentials,
    ) -> Result<SignInStep, UserError> {
        // A fresh SRP exchange for the device (never the password exchange's `a`).
        let client = SrpClient::new()?;
        let srp_a = client.public_a_hex();
        let mut responses = params! {
            "USERNAME" => username,
            "DEVICE_KEY" => device.device_key.as_str(),
            "SRP_A" => srp_a.as_str(),
        };
        self.add_secret_hash(&mut responses, username);
        let resp = self
            .respond_raw("DEVICE_SRP_AUTH", session, responses)
            .await?;
        const OP: &str = "RespondToAuthChallenge";
        if resp.challenge_name.as_deref() != Some("DEVICE_PASSWORD_VERIFIER") {
            return Err(UserError::invalid(
                OP,
                "DEVICE_SRP_AUTH was not followed by DEVICE_PASSWORD_VERIFIER",
            ));
        }
        let p = &resp.challenge_parameters;
        let get = |k| required(p, OP, "DEVICE_PASSWORD_VERIFIER", k);
        let key = client.device_key(
            &device.device_group_key,
            &device.device_key,
            device.device_password.expose(),
            get("SRP_B")?,
            get("SALT")?,
        )?;
        let timestamp = srp::cognito_timestamp(SystemTime::now());
        let secret_block = get("SECRET_BLOCK")?;
        let signature = srp::device_signature(
            &key,
            &device.device_group_key,
            &device.device_key,
            secret_block,
            &timestamp,
        )?;
        let username = p
            .get("USERNAME")
            .map(String::as_str)
            .unwrap_or(username)
            .to_owned();
        let mut responses = params! {
            "TIMESTAMP" => timestamp.as_str(),
            "USERNAME" => username.as_str(),
            "PASSWORD_CLAIM_SECRET_BLOCK" => secret_block,
            "PASSWORD_CLAIM_SIGNATURE" => signature.as_str(),
            "DEVICE_KEY" => device.device_key.as_str(),
        };
        self.add_secret_hash(&mut responses, &username);
        let resp = self
            .respond_raw(
                "DEVICE_PASSWORD_VERIFIER",
                resp.session.as_deref(),
                responses,
            )
            .await?;
        let Some(result) = resp.authentication_result else {
            return Err(UserError::invalid(OP, "device sign-in returned no tokens"));
        };
        self.session_from(result, &username, None, Some(device.device_key.clone()), OP)
            .await
            .map(SignInStep::Done)
    }

    /// Answers a challenge.
    pub async fn respond(
        &self,
        challenge: &Challenge,
        answer: ChallengeAnswer,
    ) -> Result<SignInStep, UserError> {
        let wrong = |msg: &str| UserError::WrongAnswer {
            challenge: challenge.name.clone(),
            message: msg.to_owned(),
        };
        let mut responses = params! { "USERNAME" => challenge.username.as_str() };
        let mut session = challenge.session.clone();
        let code_key = match &challenge.kind {
            ChallengeKind::SoftwareTokenMfa => Some("SOFTWARE_TOKEN_MFA_CODE"),
            ChallengeKind::SmsMfa { .. } => Some("SMS_MFA_CODE"),
            ChallengeKind::EmailOtp { .. } => Some("EMAIL_OTP_CODE"),
            ChallengeKind::SmsOtp { .. } => Some("SMS_OTP_CODE"),
            _ => None,
        };
        if matches!(&answer, ChallengeAnswer::Code(c) | ChallengeAnswer::Custom(c) | ChallengeAnswer::WebAuthnCredential(c) if c.trim().is_empty())
        {
            return Err(wrong("the answer is empty"));
        }
        match (&challenge.kind, answer) {
            (ChallengeKind::SelectChallenge { .. }, ChallengeAnswer::Choose(first)) => {
                return self.choose_factor(challenge, first).await;
            }
            (ChallengeKind::WebAuthn { .. }, ChallengeAnswer::WebAuthnCredential(json)) => {
                if serde_json::from_str::<serde::de::IgnoredAny>(&json).is_err() {
                    return Err(wrong("the credential is not JSON"));
                }
                responses.insert("CREDENTIAL".into(), json.into());
            }
            (ChallengeKind::CustomChallenge, ChallengeAnswer::Custom(a)) => {
                responses.insert("ANSWER".into(), a.into());
            }
            (
                ChallengeKind::NewPasswordRequired { .. },
                ChallengeAnswer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                responses.insert(
                    "NEW_PASSWORD".into(),
                    Cow::Owned(password.expose().to_owned()),
                );
                for (k, v) in attributes {
                    let k = if k.starts_with("userAttributes.") {
                        k
                    } else {
                        format!("userAttributes.{k}")
                    };
                    responses.insert(k.into(), v.into());
                }
            }
            (kind, ChallengeAnswer::Code(c)) if code_key.is_some() => {
                let c = one_time_code(&c, matches!(kind, ChallengeKind::SoftwareTokenMfa))
                    .map_err(&wrong)?;
                if let Some(key) = code_key {
                    responses.insert(key.into(), c.into());
                }
            }
            (ChallengeKind::SelectMfaType { options }, ChallengeAnswer::SelectMfa(t)) => {
                if !options.is_empty() && !options.contains(&t) {
                    return Err(wrong("that MFA type is not offered"));
                }
                responses.insert("ANSWER".into(), t.as_challenge().into());
            }
            (ChallengeKind::MfaSetup { .. }, ChallengeAnswer::Code(c)) => {
                if !challenge.totp_ready {
                    return Err(wrong(
                        "call setup_totp first, then answer with a code from the authenticator",
                    ));
                }
                let c = one_time_code(&c, true).map_err(&wrong)?;
                session = self.verify_setup_code(&c, session).await?;
            }
            _ => return Err(wrong("this answer does not fit the challenge")),
        }
        self.add_secret_hash(&mut responses, &challenge.username);
        if let Some(d) = &challenge.device {
            responses.insert("DEVICE_KEY".into(), d.device_key.as_str().into());
        }
        let resp = self
            .respond_raw(&challenge.name, session.as_deref(), responses)
            .await?;
        self.step(
            resp,
            &challenge.username,
            challenge.device.clone(),
            "RespondToAuthChallenge",
        )
        .await
    }

    /// `VerifySoftwareToken` within a sign-in (`MFA_SETUP`); returns the session to continue.
    /// `code` is checked by [`one_time_code`] first.
    async fn verify_setup_code(
        &self,
        code: &str,
        session: Option<String>,
    ) -> Result<Option<String>, UserError> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            user_code: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            session: Option<&'a str>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Verified {
            status: Option<String>,
            session: Option<String>,
        }
        let v: Verified = self
            .call(
                "VerifySoftwareToken",
                &Req {
                    user_code: code,
                    session: session.as_deref(),
                },
            )
            .await?;
        if v.status.as_deref() != Some("SUCCESS") {
            return Err(UserError::invalid(
                "VerifySoftwareToken",
                "status is not SUCCESS",
            ));
        }
        Ok(v.session.or(session))
    }

    /// For an `MFA_SETUP` challenge: associates a TOTP secret with the sign-in session and
    /// returns it (base32, for an authenticator app). Then answer the challenge with
    /// [`ChallengeAnswer::Code`].
    pub async fn setup_totp(&self, challenge: &mut Challenge) -> Result<String, UserError> {
        if !matches!(challenge.kind, ChallengeKind::MfaSetup { .. }) {
            return Err(UserError::WrongAnswer {
                challenge: challenge.name.clone(),
                message: "setup_totp only applies to MFA_SETUP".into(),
            });
        }
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            session: Option<&'a str>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Assoc {
            secret_code: String,
            session: Option<String>,
        }
        let a: Assoc = self
            .call(
                "AssociateSoftwareToken",
                &Req {
                    session: challenge.session.as_deref(),
                },
            )
            .await?;
        if let Some(s) = a.session {
            challenge.session = Some(s);
        }
        challenge.totp_ready = true;
        Ok(a.secret_code)
    }

    pub(super) async fn session_from(
        &self,
        r: AuthResult,
        username: &str,
        previous_refresh: Option<RefreshToken>,
        device_key: Option<String>,
        op: &'static str,
    ) -> Result<Session, UserError> {
        let access = r
            .access_token
            .ok_or_else(|| UserError::invalid(op, "no AccessToken"))?;
        let expires_in = r.expires_in.unwrap_or(3600);
        let username = r
            .id_token
            .as_deref()
            .and_then(username_from_id_token)
            .unwrap_or_else(|| username.to_owned());
        let mut session = Session {
            username,
            access_token: AccessToken::new(access),
            id_token: r.id_token.map(IdToken::new),
            refresh_token: r.refresh_token.map(RefreshToken::new).or(previous_refresh),
            token_type: r.token_type.unwrap_or_else(|| "Bearer".into()),
            expires_in: Duration::from_secs(expires_in),
            expires_at: crate::expiry::after(expires_in),
            new_device: r.new_device_metadata.map(|d| NewDeviceMetadata {
                device_key: d.device_key,
                device_group_key: d.device_group_key,
            }),
            device_key,
            verified: None,
        };
        if let Some(v) = &self.inner.verifier {
            let access = v.verify(session.access_token.expose()).await?;
            let id = match &session.id_token {
                Some(t) => Some(v.verify(t.expose()).await?),
                None => None,
            };
            session.verified = Some((access, id));
        }
        Ok(session)
    }
}

/// A one-time code as typed: spaces (authenticator apps show `123 456`) and `-` removed;
/// digits only; a TOTP code (`SoftwareTokenMFAUserCodeType`) exactly 6 of them. A code of the
/// wrong shape is refused here, before Cognito sees it, so the sign-in (which has already
/// proven the password) is not spent on it.
pub(crate) fn one_time_code(code: &str, totp: bool) -> Result<String, &'static str> {
    let c: String = code
        .chars()
        .filter(|ch| !ch.is_whitespace() && *ch != '-')
        .collect();
    if c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a code is made of digits");
    }
    if totp && c.len() != 6 {
        return Err("an authenticator code has 6 digits");
    }
    if c.len() > 10 {
        return Err("the code is too long");
    }
    Ok(c)
}

#[cfg(test)]
mod code_tests {
    use super::one_time_code;

    #[test]
    fn codes_as_authenticator_apps_show_them() {
        assert_eq!(one_time_code("123 456", true).unwrap(), "123456");
        assert_eq!(one_time_code(" 123-456\n", true).unwrap(), "123456");
        assert_eq!(one_time_code("12345678", false).unwrap(), "12345678");
        assert!(one_time_code("12345", true).is_err());
        assert!(one_time_code("1234567", true).is_err());
        assert!(one_time_code("12a456", true).is_err());
        assert!(one_time_code("", false).is_err());
        assert!(one_time_code("12345678901", false).is_err());
    }
}
