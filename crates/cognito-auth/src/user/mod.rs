//! User-pool sign-in and account flows, as async Rust (blocking wrapper in
//! [`crate::blocking::BlockingUserPoolClient`]).
//!
//! - Sign-in: `USER_SRP_AUTH` ([`UserPoolClient::sign_in_srp`], the SRP math in
//!   [`crate::srp`]), `USER_PASSWORD_AUTH`, and every challenge as a typed state machine the
//!   caller drives ([`SignInStep`], [`Challenge`], [`ChallengeAnswer`]): new password, TOTP,
//!   SMS and email codes, MFA selection, MFA setup, and remembered-device SRP (answered for
//!   you when [`DeviceCredentials`] are given).
//! - `SECRET_HASH` on every call that needs it, for the user name Cognito uses at that step.
//! - Sessions: refresh (`REFRESH_TOKEN_AUTH`, keeping the refresh token unless Cognito
//!   rotates it), [`UserPoolClient::check_and_renew`], global sign-out, token revocation;
//!   tokens optionally verified with the core verifier before they are handed back.
//! - Devices: confirm (device verifier from the SRP module), remember, forget, list.
//! - Account: sign-up, confirm, resend code, forgot/confirm password, change password,
//!   attributes, TOTP association, MFA preference, delete.
//! - Feature `admin`: [`admin::AdminClient`] over the official AWS SDK.
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
//!     }
//! };
//! println!("signed in as {}", session.username);
//! # Ok(()) }
//! ```

#[cfg(feature = "admin")]
pub mod admin;
mod challenge;
mod error;
mod types;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Map, Value, json};

pub use challenge::{Challenge, ChallengeAnswer, ChallengeKind, SignInStep};
pub use error::{CognitoErrorKind, UserError};
pub use types::{
    CodeDelivery, Device, DeviceCredentials, MfaPreference, MfaType, NewDeviceMetadata, Session,
    SignUpResult, UserInfo,
};

use crate::aws_json::AwsJson;
use crate::secret::{AccessToken, ClientSecret, IdToken, Password, RefreshToken};
use crate::srp::{self, SrpClient};
use crate::transport::HttpConfig;
use crate::verify::{AcceptedTokenUse, PoolConfig, Verifier};

const SERVICE: &str = "AWSCognitoIdentityProviderService";

/// Builder for [`UserPoolClient`].
#[derive(Clone, Default)]
pub struct UserPoolClientBuilder {
    pool_id: Option<String>,
    region: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    endpoint: Option<String>,
    http: HttpConfig,
    verifier: Option<Verifier>,
    verify: bool,
    jwks_url: Option<String>,
}

impl fmt::Debug for UserPoolClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPoolClientBuilder")
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl UserPoolClientBuilder {
    /// The user pool id (`<region>_<name>`); the region defaults to its prefix.
    pub fn user_pool(mut self, pool_id: impl Into<String>) -> Self {
        self.pool_id = Some(pool_id.into());
        self
    }
    /// The region, when the pool id does not start with it.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// The app client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// The app client secret, for clients that have one (`SECRET_HASH` is then sent).
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }
    /// Another endpoint than `https://cognito-idp.<region>.amazonaws.com/` (emulators, VPC
    /// endpoints).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// Timeouts and the response-size cap.
    pub fn http_config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
    /// Verify issued ID and access tokens (issuer, signature, client) before returning them.
    pub fn verify_tokens(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }
    /// With [`UserPoolClientBuilder::verify_tokens`]: fetch keys from this URL instead of the
    /// pool's (emulators serve keys locally).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }
    /// Verify issued tokens with this verifier.
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Validates and builds. No network I/O.
    pub fn build(self) -> Result<UserPoolClient, UserError> {
        let pool_id = self
            .pool_id
            .filter(|p| !p.is_empty())
            .ok_or_else(|| UserError::Config("user pool id is required".into()))?;
        let prefix = crate::ids::check_user_pool_id(&pool_id).map_err(UserError::Config)?;
        let pool_name = pool_id[prefix.len() + 1..].to_owned();
        let region = match self.region {
            Some(r) => {
                crate::ids::check_region(&r).map_err(UserError::Config)?;
                r
            }
            None => prefix.to_owned(),
        };
        let client_id = self
            .client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| UserError::Config("client id is required".into()))?;
        let endpoint = self
            .endpoint
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/"));
        crate::transport::check_url(&endpoint, self.http.get_allow_insecure_http())
            .map_err(|m| UserError::Config(format!("endpoint: {m}")))?;
        let idp = AwsJson::new(endpoint, SERVICE, self.http.clone())
            .map_err(|e| UserError::Config(e.to_string()))?;
        let verifier = match (self.verifier, self.verify) {
            (Some(v), _) => Some(v),
            (None, true) => {
                let mut pool = PoolConfig::user_pool(pool_id.clone()).region(region.clone());
                if let Some(u) = &self.jwks_url {
                    pool = pool.jwks_url(u.clone());
                }
                Some(
                    Verifier::builder()
                        .pool(pool)
                        .token_use(AcceptedTokenUse::Any)
                        .allowed_clients([client_id.clone()])
                        .http_config(self.http)
                        .build()
                        .map_err(|e| UserError::Config(e.to_string()))?,
                )
            }
            (None, false) => None,
        };
        Ok(UserPoolClient {
            inner: Arc::new(Inner {
                pool_name,
                pool_id: pool_id.clone(),
                region,
                client_id,
                client_secret: self.client_secret,
                idp,
                verifier,
            }),
        })
    }
}

struct Inner {
    pool_id: String,
    pool_name: String,
    region: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    idp: AwsJson,
    verifier: Option<Verifier>,
}

/// A Cognito user-pool app client for sign-in and account flows. `Send + Sync`, cheap to
/// clone.
#[derive(Clone)]
pub struct UserPoolClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for UserPoolClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPoolClient")
            .field("pool_id", &self.inner.pool_id)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("endpoint", &self.inner.idp.endpoint())
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthResponse {
    challenge_name: Option<String>,
    session: Option<String>,
    #[serde(default)]
    challenge_parameters: Map<String, Value>,
    authentication_result: Option<AuthResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthResult {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
    token_type: Option<String>,
    new_device_metadata: Option<DeviceMetaWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceMetaWire {
    device_key: String,
    device_group_key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeDeliveryWire {
    destination: Option<String>,
    delivery_medium: Option<String>,
    attribute_name: Option<String>,
}

impl From<CodeDeliveryWire> for CodeDelivery {
    fn from(w: CodeDeliveryWire) -> Self {
        CodeDelivery {
            destination: w.destination,
            medium: w.delivery_medium,
            attribute: w.attribute_name,
        }
    }
}

fn stringify(map: Map<String, Value>) -> BTreeMap<String, String> {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn attrs_to_wire(attrs: &BTreeMap<String, String>) -> Vec<Value> {
    attrs
        .iter()
        .map(|(k, v)| json!({ "Name": k, "Value": v }))
        .collect()
}

fn attrs_from_wire(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_array)
        .map(|arr| {
            arr.iter()
                .filter_map(|a| {
                    Some((
                        a.get("Name")?.as_str()?.to_owned(),
                        a.get("Value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The user name from an ID token (`cognito:username`), read without verification (only to
/// compute `SECRET_HASH` on refresh).
fn username_from_id_token(id_token: &str) -> Option<String> {
    crate::unverified::decode_unverified(id_token)
        .ok()?
        .payload
        .get("cognito:username")?
        .as_str()
        .map(str::to_owned)
}

impl UserPoolClient {
    /// A builder.
    pub fn builder() -> UserPoolClientBuilder {
        UserPoolClientBuilder::default()
    }

    /// The pool id.
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }
    /// The region.
    pub fn region(&self) -> &str {
        &self.inner.region
    }
    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    /// The user-pool API endpoint calls go to.
    pub fn endpoint(&self) -> &str {
        self.inner.idp.endpoint()
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        body: &Value,
    ) -> Result<T, UserError> {
        self.inner
            .idp
            .call(op, body)
            .await
            .map_err(|e| UserError::from_call(op, e))
    }

    fn secret_hash(&self, username: &str) -> Option<String> {
        self.inner
            .client_secret
            .as_ref()
            .map(|s| srp::secret_hash(username, &self.inner.client_id, s.expose()))
    }

    fn add_secret_hash(&self, params: &mut Map<String, Value>, username: &str) {
        if let Some(h) = self.secret_hash(username) {
            params.insert("SECRET_HASH".into(), Value::String(h));
        }
    }

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

    async fn srp_flow(
        &self,
        username: &str,
        password: &str,
        device: Option<DeviceCredentials>,
    ) -> Result<SignInStep, UserError> {
        let client = SrpClient::new()?;
        let mut params = Map::new();
        params.insert("USERNAME".into(), username.into());
        params.insert("SRP_A".into(), client.public_a_hex().into());
        self.add_secret_hash(&mut params, username);
        if let Some(d) = &device {
            params.insert("DEVICE_KEY".into(), d.device_key.clone().into());
        }
        let resp: AuthResponse = self
            .call(
                "InitiateAuth",
                &json!({ "AuthFlow": "USER_SRP_AUTH", "ClientId": self.inner.client_id, "AuthParameters": params }),
            )
            .await?;
        if resp.challenge_name.as_deref() != Some("PASSWORD_VERIFIER") {
            return self.step(resp, username, device, "InitiateAuth").await;
        }
        let p = stringify(resp.challenge_parameters);
        let get = |k: &'static str| {
            p.get(k).map(String::as_str).ok_or_else(|| {
                UserError::invalid("InitiateAuth", format!("PASSWORD_VERIFIER without {k}"))
            })
        };
        let user_id = get("USER_ID_FOR_SRP")?;
        let key = client.password_key(
            &self.inner.pool_name,
            user_id,
            password,
            get("SRP_B")?,
            get("SALT")?,
        )?;
        let timestamp = srp::cognito_timestamp(SystemTime::now());
        let signature = srp::password_signature(
            &key,
            &self.inner.pool_name,
            user_id,
            get("SECRET_BLOCK")?,
            &timestamp,
        )?;
        // The name Cognito uses from here on (an alias such as an email resolves to it).
        let internal = p
            .get("USERNAME")
            .map(String::as_str)
            .unwrap_or(user_id)
            .to_owned();
        let mut responses = Map::new();
        responses.insert("TIMESTAMP".into(), timestamp.into());
        responses.insert("USERNAME".into(), internal.clone().into());
        responses.insert(
            "PASSWORD_CLAIM_SECRET_BLOCK".into(),
            get("SECRET_BLOCK")?.into(),
        );
        responses.insert("PASSWORD_CLAIM_SIGNATURE".into(), signature.into());
        self.add_secret_hash(&mut responses, &internal);
        if let Some(d) = &device {
            responses.insert("DEVICE_KEY".into(), d.device_key.clone().into());
        }
        let resp = self
            .respond_raw("PASSWORD_VERIFIER", resp.session.as_deref(), responses)
            .await?;
        self.step(resp, &internal, device, "RespondToAuthChallenge")
            .await
    }

    /// Signs in with `USER_PASSWORD_AUTH` (the password is sent to Cognito over TLS; the app
    /// client must allow this flow).
    pub async fn sign_in_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<SignInStep, UserError> {
        let mut params = Map::new();
        params.insert("USERNAME".into(), username.into());
        params.insert("PASSWORD".into(), password.into());
        self.add_secret_hash(&mut params, username);
        let resp: AuthResponse = self
            .call(
                "InitiateAuth",
                &json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.inner.client_id, "AuthParameters": params }),
            )
            .await?;
        self.step(resp, username, None, "InitiateAuth").await
    }

    async fn respond_raw(
        &self,
        challenge: &str,
        session: Option<&str>,
        responses: Map<String, Value>,
    ) -> Result<AuthResponse, UserError> {
        let mut body = json!({
            "ClientId": self.inner.client_id,
            "ChallengeName": challenge,
            "ChallengeResponses": responses,
        });
        if let Some(s) = session {
            body["Session"] = Value::String(s.to_owned());
        }
        self.call("RespondToAuthChallenge", &body).await
    }

    /// Turns an auth response into the next step, answering device challenges itself.
    async fn step(
        &self,
        resp: AuthResponse,
        username: &str,
        device: Option<DeviceCredentials>,
        op: &'static str,
    ) -> Result<SignInStep, UserError> {
        if let Some(result) = resp.authentication_result {
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
        let parameters = stringify(resp.challenge_parameters);
        let username = parameters
            .get("USERNAME")
            .or_else(|| parameters.get("USER_ID_FOR_SRP"))
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        if name == "DEVICE_SRP_AUTH" {
            let Some(d) = device else {
                return Err(UserError::Config(
                    "Cognito asked for DEVICE_SRP_AUTH but no device credentials were given".into(),
                ));
            };
            return Box::pin(self.device_srp(&username, resp.session.as_deref(), d)).await;
        }
        let kind = challenge::classify(&name, &parameters)?;
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
        let mut responses = Map::new();
        responses.insert("USERNAME".into(), username.into());
        responses.insert("DEVICE_KEY".into(), device.device_key.clone().into());
        responses.insert("SRP_A".into(), client.public_a_hex().into());
        self.add_secret_hash(&mut responses, username);
        let resp = self
            .respond_raw("DEVICE_SRP_AUTH", session, responses)
            .await?;
        if resp.challenge_name.as_deref() != Some("DEVICE_PASSWORD_VERIFIER") {
            return Err(UserError::invalid(
                "RespondToAuthChallenge",
                "DEVICE_SRP_AUTH was not followed by DEVICE_PASSWORD_VERIFIER",
            ));
        }
        let p = stringify(resp.challenge_parameters);
        let get = |k: &'static str| {
            p.get(k).map(String::as_str).ok_or_else(|| {
                UserError::invalid(
                    "RespondToAuthChallenge",
                    format!("DEVICE_PASSWORD_VERIFIER without {k}"),
                )
            })
        };
        let key = client.device_key(
            &device.device_group_key,
            &device.device_key,
            device.device_password.expose(),
            get("SRP_B")?,
            get("SALT")?,
        )?;
        let timestamp = srp::cognito_timestamp(SystemTime::now());
        let signature = srp::device_signature(
            &key,
            &device.device_group_key,
            &device.device_key,
            get("SECRET_BLOCK")?,
            &timestamp,
        )?;
        let username = p
            .get("USERNAME")
            .map(String::as_str)
            .unwrap_or(username)
            .to_owned();
        let mut responses = Map::new();
        responses.insert("TIMESTAMP".into(), timestamp.into());
        responses.insert("USERNAME".into(), username.clone().into());
        responses.insert(
            "PASSWORD_CLAIM_SECRET_BLOCK".into(),
            get("SECRET_BLOCK")?.into(),
        );
        responses.insert("PASSWORD_CLAIM_SIGNATURE".into(), signature.into());
        responses.insert("DEVICE_KEY".into(), device.device_key.clone().into());
        self.add_secret_hash(&mut responses, &username);
        let resp = self
            .respond_raw(
                "DEVICE_PASSWORD_VERIFIER",
                resp.session.as_deref(),
                responses,
            )
            .await?;
        let Some(result) = resp.authentication_result else {
            return Err(UserError::invalid(
                "RespondToAuthChallenge",
                "device sign-in returned no tokens",
            ));
        };
        self.session_from(
            result,
            &username,
            None,
            Some(device.device_key),
            "RespondToAuthChallenge",
        )
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
        let mut responses = Map::new();
        responses.insert("USERNAME".into(), challenge.username.clone().into());
        let mut session = challenge.session.clone();
        match (&challenge.kind, answer) {
            (
                ChallengeKind::NewPasswordRequired { .. },
                ChallengeAnswer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                responses.insert("NEW_PASSWORD".into(), password.expose().into());
                for (k, v) in attributes {
                    let k = if k.starts_with("userAttributes.") {
                        k
                    } else {
                        format!("userAttributes.{k}")
                    };
                    responses.insert(k, v.into());
                }
            }
            (ChallengeKind::SoftwareTokenMfa, ChallengeAnswer::Code(c)) => {
                responses.insert("SOFTWARE_TOKEN_MFA_CODE".into(), c.into());
            }
            (ChallengeKind::SmsMfa { .. }, ChallengeAnswer::Code(c)) => {
                responses.insert("SMS_MFA_CODE".into(), c.into());
            }
            (ChallengeKind::EmailOtp { .. }, ChallengeAnswer::Code(c)) => {
                responses.insert("EMAIL_OTP_CODE".into(), c.into());
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
                #[derive(Deserialize)]
                #[serde(rename_all = "PascalCase")]
                struct Verified {
                    status: Option<String>,
                    session: Option<String>,
                }
                let mut body = json!({ "UserCode": c });
                if let Some(s) = &session {
                    body["Session"] = Value::String(s.clone());
                }
                let v: Verified = self.call("VerifySoftwareToken", &body).await?;
                if v.status.as_deref() != Some("SUCCESS") {
                    return Err(UserError::invalid(
                        "VerifySoftwareToken",
                        "status is not SUCCESS",
                    ));
                }
                session = v.session.or(session);
            }
            _ => return Err(wrong("this answer does not fit the challenge")),
        }
        self.add_secret_hash(&mut responses, &challenge.username);
        if let Some(d) = &challenge.device {
            responses.insert("DEVICE_KEY".into(), d.device_key.clone().into());
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
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Assoc {
            secret_code: String,
            session: Option<String>,
        }
        let mut body = json!({});
        if let Some(s) = &challenge.session {
            body["Session"] = Value::String(s.clone());
        }
        let a: Assoc = self.call("AssociateSoftwareToken", &body).await?;
        if let Some(s) = a.session {
            challenge.session = Some(s);
        }
        challenge.totp_ready = true;
        Ok(a.secret_code)
    }

    async fn session_from(
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
            expires_in,
            expires_at: unix_now().saturating_add(expires_in),
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

    /// Refreshes with `REFRESH_TOKEN_AUTH`. The refresh token is kept unless Cognito returns a
    /// new one; the device key is sent when the session has one.
    pub async fn refresh(&self, session: &Session) -> Result<Session, UserError> {
        let rt = session
            .refresh_token
            .clone()
            .ok_or_else(|| UserError::Config("the session has no refresh token".into()))?;
        let mut params = Map::new();
        params.insert("REFRESH_TOKEN".into(), rt.expose().into());
        self.add_secret_hash(&mut params, &session.username);
        if let Some(d) = &session.device_key {
            params.insert("DEVICE_KEY".into(), d.clone().into());
        }
        let resp: AuthResponse = self
            .call(
                "InitiateAuth",
                &json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": self.inner.client_id, "AuthParameters": params }),
            )
            .await?;
        let result = resp
            .authentication_result
            .ok_or_else(|| UserError::invalid("InitiateAuth", "refresh returned no tokens"))?;
        let mut s = self
            .session_from(
                result,
                &session.username,
                Some(rt),
                session.device_key.clone(),
                "InitiateAuth",
            )
            .await?;
        if s.id_token.is_none() {
            s.id_token = session.id_token.clone();
        }
        Ok(s)
    }

    /// Refreshes through `GetTokensFromRefreshToken` (Cognito's newer API, which rotates the
    /// refresh token when the app client enables rotation).
    pub async fn get_tokens_from_refresh_token(
        &self,
        session: &Session,
    ) -> Result<Session, UserError> {
        let rt = session
            .refresh_token
            .clone()
            .ok_or_else(|| UserError::Config("the session has no refresh token".into()))?;
        let mut body = json!({ "RefreshToken": rt.expose(), "ClientId": self.inner.client_id });
        if let Some(s) = &self.inner.client_secret {
            body["ClientSecret"] = Value::String(s.expose().to_owned());
        }
        if let Some(d) = &session.device_key {
            body["DeviceKey"] = Value::String(d.clone());
        }
        let resp: AuthResponse = self.call("GetTokensFromRefreshToken", &body).await?;
        let result = resp
            .authentication_result
            .ok_or_else(|| UserError::invalid("GetTokensFromRefreshToken", "no tokens"))?;
        self.session_from(
            result,
            &session.username,
            Some(rt),
            session.device_key.clone(),
            "GetTokensFromRefreshToken",
        )
        .await
    }

    /// Refreshes `session` in place when it expires within `margin`. Returns whether it did.
    pub async fn check_and_renew(
        &self,
        session: &mut Session,
        margin: Duration,
    ) -> Result<bool, UserError> {
        if !session.expires_within(margin) {
            return Ok(false);
        }
        *session = self.refresh(session).await?;
        Ok(true)
    }

    /// Signs the user out everywhere: every access and refresh token stops working.
    pub async fn global_sign_out(&self, access_token: &AccessToken) -> Result<(), UserError> {
        let _: Value = self
            .call(
                "GlobalSignOut",
                &json!({ "AccessToken": access_token.expose() }),
            )
            .await?;
        Ok(())
    }

    /// Revokes a refresh token (and the access tokens issued from it).
    pub async fn revoke_token(&self, refresh_token: &RefreshToken) -> Result<(), UserError> {
        let mut body = json!({ "Token": refresh_token.expose(), "ClientId": self.inner.client_id });
        if let Some(s) = &self.inner.client_secret {
            body["ClientSecret"] = Value::String(s.expose().to_owned());
        }
        let _: Value = self.call("RevokeToken", &body).await?;
        Ok(())
    }

    /// Confirms the device Cognito created at sign-in, with a fresh device password and
    /// verifier. Returns the credentials to keep, and whether Cognito wants the user to
    /// confirm remembering it ([`UserPoolClient::remember_device`]).
    pub async fn confirm_device(
        &self,
        session: &Session,
        device_name: &str,
    ) -> Result<(DeviceCredentials, bool), UserError> {
        let meta = session
            .new_device
            .as_ref()
            .ok_or_else(|| UserError::Config("the session has no new device to confirm".into()))?;
        let verifier = srp::device_verifier(&meta.device_group_key, &meta.device_key)?;
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Confirmed {
            #[serde(default)]
            user_confirmation_necessary: bool,
        }
        let c: Confirmed = self
            .call(
                "ConfirmDevice",
                &json!({
                    "AccessToken": session.access_token.expose(),
                    "DeviceKey": meta.device_key,
                    "DeviceName": device_name,
                    "DeviceSecretVerifierConfig": {
                        "PasswordVerifier": verifier.password_verifier,
                        "Salt": verifier.salt,
                    },
                }),
            )
            .await?;
        Ok((
            DeviceCredentials {
                device_key: meta.device_key.clone(),
                device_group_key: meta.device_group_key.clone(),
                device_password: verifier.device_password,
            },
            c.user_confirmation_necessary,
        ))
    }

    /// Marks a device remembered or not remembered.
    pub async fn remember_device(
        &self,
        access_token: &AccessToken,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), UserError> {
        let _: Value = self
            .call(
                "UpdateDeviceStatus",
                &json!({
                    "AccessToken": access_token.expose(),
                    "DeviceKey": device_key,
                    "DeviceRememberedStatus": if remembered { "remembered" } else { "not_remembered" },
                }),
            )
            .await?;
        Ok(())
    }

    /// Forgets a device.
    pub async fn forget_device(
        &self,
        access_token: &AccessToken,
        device_key: &str,
    ) -> Result<(), UserError> {
        let _: Value = self
            .call(
                "ForgetDevice",
                &json!({ "AccessToken": access_token.expose(), "DeviceKey": device_key }),
            )
            .await?;
        Ok(())
    }

    /// Lists the user's devices, following every page.
    pub async fn list_devices(&self, access_token: &AccessToken) -> Result<Vec<Device>, UserError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..1000 {
            let mut body = json!({ "AccessToken": access_token.expose(), "Limit": 60 });
            if let Some(t) = &token {
                body["PaginationToken"] = Value::String(t.clone());
            }
            let page: Value = self.call("ListDevices", &body).await?;
            for d in page
                .get("Devices")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push(Device {
                    device_key: d
                        .get("DeviceKey")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    attributes: attrs_from_wire(d.get("DeviceAttributes")),
                });
            }
            token = page
                .get("PaginationToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// Registers a user.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &Password,
        attributes: &BTreeMap<String, String>,
    ) -> Result<SignUpResult, UserError> {
        let mut body = json!({
            "ClientId": self.inner.client_id,
            "Username": username,
            "Password": password.expose(),
            "UserAttributes": attrs_to_wire(attributes),
        });
        if let Some(h) = self.secret_hash(username) {
            body["SecretHash"] = Value::String(h);
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            #[serde(default)]
            user_confirmed: bool,
            user_sub: Option<String>,
            code_delivery_details: Option<CodeDeliveryWire>,
        }
        let r: Resp = self.call("SignUp", &body).await?;
        Ok(SignUpResult {
            user_confirmed: r.user_confirmed,
            user_sub: r.user_sub,
            code_delivery: r.code_delivery_details.map(Into::into),
        })
    }

    /// Confirms a sign-up with the code the user received.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), UserError> {
        let mut body = json!({ "ClientId": self.inner.client_id, "Username": username, "ConfirmationCode": code });
        if let Some(h) = self.secret_hash(username) {
            body["SecretHash"] = Value::String(h);
        }
        let _: Value = self.call("ConfirmSignUp", &body).await?;
        Ok(())
    }

    /// Sends the sign-up confirmation code again.
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<CodeDelivery, UserError> {
        self.code_delivery_call("ResendConfirmationCode", username)
            .await
    }

    /// Starts a password reset; the code goes to the user.
    pub async fn forgot_password(&self, username: &str) -> Result<CodeDelivery, UserError> {
        self.code_delivery_call("ForgotPassword", username).await
    }

    async fn code_delivery_call(
        &self,
        op: &'static str,
        username: &str,
    ) -> Result<CodeDelivery, UserError> {
        let mut body = json!({ "ClientId": self.inner.client_id, "Username": username });
        if let Some(h) = self.secret_hash(username) {
            body["SecretHash"] = Value::String(h);
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            code_delivery_details: Option<CodeDeliveryWire>,
        }
        let r: Resp = self.call(op, &body).await?;
        Ok(r.code_delivery_details.map(Into::into).unwrap_or_default())
    }

    /// Completes a password reset.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &Password,
    ) -> Result<(), UserError> {
        let mut body = json!({
            "ClientId": self.inner.client_id,
            "Username": username,
            "ConfirmationCode": code,
            "Password": new_password.expose(),
        });
        if let Some(h) = self.secret_hash(username) {
            body["SecretHash"] = Value::String(h);
        }
        let _: Value = self.call("ConfirmForgotPassword", &body).await?;
        Ok(())
    }

    /// Changes the signed-in user's password.
    pub async fn change_password(
        &self,
        access_token: &AccessToken,
        old: &Password,
        new: &Password,
    ) -> Result<(), UserError> {
        let _: Value = self
            .call(
                "ChangePassword",
                &json!({
                    "AccessToken": access_token.expose(),
                    "PreviousPassword": old.expose(),
                    "ProposedPassword": new.expose(),
                }),
            )
            .await?;
        Ok(())
    }

    /// The signed-in user and their attributes.
    pub async fn get_user(&self, access_token: &AccessToken) -> Result<UserInfo, UserError> {
        let v: Value = self
            .call("GetUser", &json!({ "AccessToken": access_token.expose() }))
            .await?;
        Ok(UserInfo {
            username: v
                .get("Username")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            attributes: attrs_from_wire(v.get("UserAttributes")),
            preferred_mfa: v
                .get("PreferredMfaSetting")
                .and_then(Value::as_str)
                .map(str::to_owned),
            mfa_settings: v
                .get("UserMFASettingList")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Updates attributes; returns where verification codes went for attributes that need one.
    pub async fn update_user_attributes(
        &self,
        access_token: &AccessToken,
        attributes: &BTreeMap<String, String>,
    ) -> Result<Vec<CodeDelivery>, UserError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            #[serde(default)]
            code_delivery_details_list: Vec<CodeDeliveryWire>,
        }
        let r: Resp = self
            .call(
                "UpdateUserAttributes",
                &json!({ "AccessToken": access_token.expose(), "UserAttributes": attrs_to_wire(attributes) }),
            )
            .await?;
        Ok(r.code_delivery_details_list
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Verifies an attribute (e.g. `email`) with the code sent to it.
    pub async fn verify_user_attribute(
        &self,
        access_token: &AccessToken,
        attribute: &str,
        code: &str,
    ) -> Result<(), UserError> {
        let _: Value = self
            .call(
                "VerifyUserAttribute",
                &json!({ "AccessToken": access_token.expose(), "AttributeName": attribute, "Code": code }),
            )
            .await?;
        Ok(())
    }

    /// Deletes the signed-in user.
    pub async fn delete_user(&self, access_token: &AccessToken) -> Result<(), UserError> {
        let _: Value = self
            .call(
                "DeleteUser",
                &json!({ "AccessToken": access_token.expose() }),
            )
            .await?;
        Ok(())
    }

    /// Starts TOTP setup for a signed-in user; returns the secret (base32).
    pub async fn associate_software_token(
        &self,
        access_token: &AccessToken,
    ) -> Result<String, UserError> {
        let v: Value = self
            .call(
                "AssociateSoftwareToken",
                &json!({ "AccessToken": access_token.expose() }),
            )
            .await?;
        v.get("SecretCode")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| UserError::invalid("AssociateSoftwareToken", "no SecretCode"))
    }

    /// Completes TOTP setup with a code from the authenticator.
    pub async fn verify_software_token(
        &self,
        access_token: &AccessToken,
        code: &str,
        friendly_name: Option<&str>,
    ) -> Result<(), UserError> {
        let mut body = json!({ "AccessToken": access_token.expose(), "UserCode": code });
        if let Some(n) = friendly_name {
            body["FriendlyDeviceName"] = Value::String(n.to_owned());
        }
        let v: Value = self.call("VerifySoftwareToken", &body).await?;
        match v.get("Status").and_then(Value::as_str) {
            Some("SUCCESS") => Ok(()),
            _ => Err(UserError::invalid(
                "VerifySoftwareToken",
                "status is not SUCCESS",
            )),
        }
    }

    /// Sets the user's MFA preferences (`None` leaves a method unchanged).
    pub async fn set_user_mfa_preference(
        &self,
        access_token: &AccessToken,
        totp: Option<MfaPreference>,
        sms: Option<MfaPreference>,
        email: Option<MfaPreference>,
    ) -> Result<(), UserError> {
        let pref = |p: MfaPreference| json!({ "Enabled": p.enabled, "PreferredMfa": p.preferred });
        let mut body = json!({ "AccessToken": access_token.expose() });
        if let Some(p) = totp {
            body["SoftwareTokenMfaSettings"] = pref(p);
        }
        if let Some(p) = sms {
            body["SMSMfaSettings"] = pref(p);
        }
        if let Some(p) = email {
            body["EmailMfaSettings"] = pref(p);
        }
        let _: Value = self.call("SetUserMFAPreference", &body).await?;
        Ok(())
    }
}
