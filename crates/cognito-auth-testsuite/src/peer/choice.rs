//! Choice-based sign-in, passwordless codes, passkeys and custom authentication. moto
//! implements none of these; the peer models them statefully from Cognito's API
//! reference (InitiateAuth `USER_AUTH` / `CUSTOM_AUTH`, RespondToAuthChallenge
//! `SELECT_CHALLENGE` / `EMAIL_OTP` / `SMS_OTP` / `WEB_AUTHN` / `CUSTOM_CHALLENGE`,
//! Start/CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential):
//! sessions that carry from step to step, codes that allow three attempts, SECRET_HASH for the
//! user name of each step, passkey challenges bound to the session, and the SRP proof checked
//! by the strict peer when a password is proven with SRP.

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;

/// The peer's state for these flows.
#[derive(Default)]
pub struct ChoiceState {
    /// Session → what it is waiting for.
    pending: HashMap<String, Pending>,
    /// Session of a PASSWORD_VERIFIER → what follows a correct proof.
    after_srp: HashMap<String, Next>,
    /// The code last sent, by channel ("EMAIL" / "SMS"): the test's inbox.
    pub inbox: HashMap<&'static str, String>,
    /// Registered passkey credential ids.
    pub passkeys: Vec<String>,
    /// Answer `ListWebAuthnCredentials` without its required `Credentials` member.
    pub malformed_list: bool,
    /// The challenge of a started passkey registration.
    registration: Option<String>,
    /// `ClientMetadata` of every InitiateAuth / RespondToAuthChallenge, in order.
    pub metadata: Vec<Value>,
    counter: usize,
}

#[derive(Clone)]
enum Pending {
    Select,
    Otp {
        channel: &'static str,
        code: String,
        attempts: u32,
    },
    WebAuthn {
        challenge: String,
    },
    Custom {
        round: usize,
        attempts: u32,
    },
}

#[derive(Clone, Copy)]
enum Next {
    Tokens,
    Custom,
}

const QUESTIONS: [(&str, &str); 2] = [("2+2", "4"), ("3*3", "9")];
pub const RP_ID: &str = "app.example.com";

fn available(st: &ChoiceState) -> Vec<&'static str> {
    let mut a = vec!["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"];
    if !st.passkeys.is_empty() {
        a.push("WEB_AUTHN");
    }
    a
}

fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

fn random_code() -> String {
    let b = rand_bytes(4);
    format!(
        "{:08}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]) % 100_000_000
    )
}

impl ChoiceState {
    fn session(&mut self, p: Pending) -> String {
        self.counter += 1;
        let s = format!("choice-{}", self.counter);
        self.pending.insert(s.clone(), p);
        s
    }
}

/// Starts the factor `name` (from `PREFERRED_CHALLENGE` or a `SELECT_CHALLENGE` answer);
/// `params` holds `PASSWORD` or `SRP_A` where the factor needs them.
fn start_factor(peer: &mut Peer, name: &str, params: &Value) -> Response {
    let s = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let st = &mut peer.choice;
    match name {
        "PASSWORD" => {
            if s("PASSWORD") == PASSWORD {
                ok(tokens(USER_ID, None))
            } else {
                err("NotAuthorizedException", "Incorrect username or password.")
            }
        }
        "PASSWORD_SRP" => {
            let srp_a = s("SRP_A");
            if srp_a.is_empty() {
                return err("InvalidParameterException", "SRP_A is required");
            }
            srp_start(peer, &srp_a, Next::Tokens)
        }
        "EMAIL_OTP" | "SMS_OTP" => {
            let channel = if name == "EMAIL_OTP" { "EMAIL" } else { "SMS" };
            let code = random_code();
            st.inbox.insert(channel, code.clone());
            let session = st.session(Pending::Otp {
                channel,
                code,
                attempts: 0,
            });
            let dest = if channel == "EMAIL" {
                "a***@e***.com"
            } else {
                "+*******0123"
            };
            ok(
                json!({"ChallengeName": name, "Session": session, "ChallengeParameters": {
                "CODE_DELIVERY_DELIVERY_MEDIUM": channel, "CODE_DELIVERY_DESTINATION": dest,
                "USERNAME": USER_ID}}),
            )
        }
        "WEB_AUTHN" => {
            let challenge = URL_SAFE_NO_PAD.encode(rand_bytes(32));
            let options = json!({
                "challenge": challenge, "rpId": RP_ID, "timeout": 180000,
                "userVerification": "required",
                "allowCredentials": st.passkeys.iter().map(|id| json!({"type": "public-key", "id": id})).collect::<Vec<_>>(),
            });
            let session = st.session(Pending::WebAuthn { challenge });
            ok(
                json!({"ChallengeName": "WEB_AUTHN", "Session": session, "ChallengeParameters": {
                "CREDENTIAL_REQUEST_OPTIONS": options.to_string(), "USERNAME": USER_ID}}),
            )
        }
        other => err(
            "InvalidParameterException",
            &format!("unknown factor {other}"),
        ),
    }
}

fn srp_start(peer: &mut Peer, srp_a: &str, next: Next) -> Response {
    let v = peer.password_verifier.clone().unwrap();
    let ex = Exchange::new(srp_a, v, &peer.password_salt.clone(), USER_ID);
    let session = format!("srp-{}", peer.exchanges.len() + 1000 + peer.choice.counter);
    peer.choice.counter += 1;
    let resp = json!({"ChallengeName": "PASSWORD_VERIFIER", "Session": session, "ChallengeParameters": {
        "SALT": ex.salt_hex, "SRP_B": hexs(&ex.big_b), "SECRET_BLOCK": ex.secret_block,
        "USER_ID_FOR_SRP": USER_ID, "USERNAME": USER_ID}});
    peer.exchanges.insert(session.clone(), ex);
    peer.choice.after_srp.insert(session, next);
    ok(resp)
}

fn custom_round(st: &mut ChoiceState, round: usize, attempts: u32) -> Response {
    let session = st.session(Pending::Custom { round, attempts });
    ok(
        json!({"ChallengeName": "CUSTOM_CHALLENGE", "Session": session, "ChallengeParameters": {
        "question": QUESTIONS[round].0, "round": (round + 1).to_string(), "USERNAME": USER_ID}}),
    )
}

/// After a correct PASSWORD_VERIFIER of a flow started here.
pub fn after_password(peer: &mut Peer, session: &str) -> Option<Response> {
    match peer.choice.after_srp.remove(session)? {
        Next::Tokens => Some(ok(tokens(USER_ID, None))),
        Next::Custom => Some(custom_round(&mut peer.choice, 0, 0)),
    }
}

/// `Some(401)` unless the request's access token is one this peer issued.
fn refuse_foreign_token(body: &Value) -> Option<Response> {
    access_token_user(body).err()
}

#[allow(clippy::result_large_err)]
fn access_token_user(body: &Value) -> Result<String, Response> {
    let token = body
        .get("AccessToken")
        .and_then(Value::as_str)
        .unwrap_or("");
    let payload = token.split('.').nth(1).unwrap_or("");
    let claims: Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| err("NotAuthorizedException", "Invalid Access Token"))?;
    let key = signing_key();
    let jwks = cognito_auth_testkit::jwks_json(std::slice::from_ref(key));
    // The token must be one this peer issued: verify it for real.
    let verifier = cognito_auth::verify::Verifier::builder()
        .issuer(format!(
            "https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
        ))
        .jwks_json(jwks)
        .token_use(cognito_auth::verify::TokenUse::Access)
        .allowed_clients([CLIENT])
        .build()
        .unwrap();
    // Offline keys: verification completes without waiting on anything.
    use futures_util::FutureExt;
    match verifier.verify(token).now_or_never() {
        Some(Ok(_)) => {}
        _ => return Err(err("NotAuthorizedException", "Invalid Access Token")),
    }
    Ok(claims["username"].as_str().unwrap_or("").to_owned())
}

fn client_data(credential: &Value) -> Option<Value> {
    let b = URL_SAFE_NO_PAD
        .decode(credential["response"]["clientDataJSON"].as_str()?)
        .ok()?;
    serde_json::from_slice(&b).ok()
}

/// The peer's handling of these flows; `None` for anything else.
pub fn handle(peer: &mut Peer, target: &str, body: &Value) -> Option<Response> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let flow = s(body, "AuthFlow");
    let challenge = s(body, "ChallengeName");
    if target == "RespondToAuthChallenge"
        && challenge != "SELECT_CHALLENGE"
        && !peer.choice.pending.contains_key(&s(body, "Session"))
    {
        // Not a session of these flows: the recorded fixtures answer.
        return None;
    }
    if matches!(target, "InitiateAuth" | "RespondToAuthChallenge")
        && (matches!(flow.as_str(), "USER_AUTH" | "CUSTOM_AUTH")
            || matches!(
                challenge.as_str(),
                "SELECT_CHALLENGE" | "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN" | "CUSTOM_CHALLENGE"
            ))
    {
        peer.choice
            .metadata
            .push(body.get("ClientMetadata").cloned().unwrap_or(Value::Null));
    }
    Some(match (target, flow.as_str(), challenge.as_str()) {
        ("InitiateAuth", "USER_AUTH", _) => {
            let p = &body["AuthParameters"];
            if s(p, "USERNAME") != ALIAS || s(p, "SECRET_HASH") != secret_hash(ALIAS) {
                return Some(err(
                    "NotAuthorizedException",
                    "bad SECRET_HASH for the alias",
                ));
            }
            let preferred = s(p, "PREFERRED_CHALLENGE");
            if !preferred.is_empty() && available(&peer.choice).contains(&preferred.as_str()) {
                start_factor(peer, &preferred, p)
            } else {
                let av = available(&peer.choice);
                let session = peer.choice.session(Pending::Select);
                ok(
                    json!({"ChallengeName": "SELECT_CHALLENGE", "Session": session,
                    "AvailableChallenges": av, "ChallengeParameters": {"USERNAME": USER_ID}}),
                )
            }
        }
        ("InitiateAuth", "CUSTOM_AUTH", _) => {
            let p = &body["AuthParameters"];
            if s(p, "USERNAME") != ALIAS || s(p, "SECRET_HASH") != secret_hash(ALIAS) {
                return Some(err(
                    "NotAuthorizedException",
                    "bad SECRET_HASH for the alias",
                ));
            }
            if s(p, "CHALLENGE_NAME") == "SRP_A" {
                srp_start(peer, &s(p, "SRP_A"), Next::Custom)
            } else if p.get("SRP_A").is_some() {
                err(
                    "InvalidParameterException",
                    "SRP_A without CHALLENGE_NAME=SRP_A",
                )
            } else {
                custom_round(&mut peer.choice, 0, 0)
            }
        }
        (
            "RespondToAuthChallenge",
            _,
            name
            @ ("SELECT_CHALLENGE" | "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN" | "CUSTOM_CHALLENGE"),
        ) => {
            let r = &body["ChallengeResponses"];
            if s(r, "USERNAME") != USER_ID || s(r, "SECRET_HASH") != secret_hash(USER_ID) {
                return Some(err(
                    "NotAuthorizedException",
                    "USERNAME / SECRET_HASH must name the internal user",
                ));
            }
            let session = s(body, "Session");
            let Some(pending) = peer.choice.pending.remove(&session) else {
                return Some(err(
                    "NotAuthorizedException",
                    "Invalid session for the user.",
                ));
            };
            match (name, pending) {
                ("SELECT_CHALLENGE", Pending::Select) => {
                    let answer = s(r, "ANSWER");
                    if !available(&peer.choice).contains(&answer.as_str()) {
                        return Some(err(
                            "InvalidParameterException",
                            "ANSWER is not an available challenge",
                        ));
                    }
                    start_factor(peer, &answer, r)
                }
                (
                    "EMAIL_OTP" | "SMS_OTP",
                    Pending::Otp {
                        channel,
                        code,
                        attempts,
                    },
                ) => {
                    let key = if channel == "EMAIL" {
                        "EMAIL_OTP_CODE"
                    } else {
                        "SMS_OTP_CODE"
                    };
                    if (name == "EMAIL_OTP") != (channel == "EMAIL") {
                        return Some(err(
                            "InvalidParameterException",
                            "challenge name does not match the session",
                        ));
                    }
                    if s(r, key) == code {
                        ok(tokens(USER_ID, None))
                    } else if attempts + 1 >= 3 {
                        err(
                            "NotAuthorizedException",
                            "Invalid session for the user, session can only be used once.",
                        )
                    } else {
                        // The session stays valid for another attempt.
                        peer.choice.pending.insert(
                            session,
                            Pending::Otp {
                                channel,
                                code,
                                attempts: attempts + 1,
                            },
                        );
                        err(
                            "CodeMismatchException",
                            "Invalid code or auth state for the user.",
                        )
                    }
                }
                ("WEB_AUTHN", Pending::WebAuthn { challenge }) => {
                    let cred: Value = match serde_json::from_str(&s(r, "CREDENTIAL")) {
                        Ok(v) => v,
                        Err(_) => {
                            return Some(err(
                                "InvalidParameterException",
                                "CREDENTIAL is not JSON",
                            ));
                        }
                    };
                    let data = client_data(&cred).unwrap_or(Value::Null);
                    if data["type"] != "webauthn.get" || data["challenge"] != challenge.as_str() {
                        return Some(err(
                            "WebAuthnChallengeNotFoundException",
                            "The challenge does not match.",
                        ));
                    }
                    if !peer
                        .choice
                        .passkeys
                        .iter()
                        .any(|id| cred["id"] == id.as_str())
                    {
                        return Some(err("NotAuthorizedException", "Unknown credential."));
                    }
                    ok(tokens(USER_ID, None))
                }
                ("CUSTOM_CHALLENGE", Pending::Custom { round, attempts }) => {
                    if s(r, "ANSWER") == QUESTIONS[round].1 {
                        if round + 1 == QUESTIONS.len() {
                            ok(tokens(USER_ID, None))
                        } else {
                            custom_round(&mut peer.choice, round + 1, 0)
                        }
                    } else if attempts + 1 >= 3 {
                        err("NotAuthorizedException", "Incorrect answer.")
                    } else {
                        custom_round(&mut peer.choice, round, attempts + 1)
                    }
                }
                _ => err(
                    "InvalidParameterException",
                    "challenge name does not match the session",
                ),
            }
        }
        ("StartWebAuthnRegistration", _, _) => {
            if let Some(e) = refuse_foreign_token(body) {
                return Some(e);
            }
            let challenge = URL_SAFE_NO_PAD.encode(rand_bytes(32));
            peer.choice.registration = Some(challenge.clone());
            ok(json!({"CredentialCreationOptions": {
                "challenge": challenge,
                "rp": {"id": RP_ID, "name": "App"},
                "user": {"id": URL_SAFE_NO_PAD.encode(USER_ID), "name": ALIAS, "displayName": ALIAS},
                "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
                "excludeCredentials": peer.choice.passkeys.iter().map(|id| json!({"type": "public-key", "id": id})).collect::<Vec<_>>(),
                "timeout": 180000
            }}))
        }
        ("CompleteWebAuthnRegistration", _, _) => {
            if let Some(e) = refuse_foreign_token(body) {
                return Some(e);
            }
            let cred = &body["Credential"];
            let data = client_data(cred).unwrap_or(Value::Null);
            let Some(expected) = peer.choice.registration.take() else {
                return Some(err(
                    "WebAuthnChallengeNotFoundException",
                    "No registration in progress.",
                ));
            };
            if data["type"] != "webauthn.create" || data["challenge"] != expected.as_str() {
                return Some(err(
                    "WebAuthnChallengeNotFoundException",
                    "The challenge does not match.",
                ));
            }
            let Some(id) = cred["id"].as_str() else {
                return Some(err("InvalidParameterException", "Credential.id"));
            };
            peer.choice.passkeys.push(id.to_owned());
            ok(json!({}))
        }
        ("ListWebAuthnCredentials", _, _) => {
            if let Some(e) = refuse_foreign_token(body) {
                return Some(e);
            }
            if peer.choice.malformed_list {
                return Some(ok(json!({})));
            }
            // One credential per page, to exercise NextToken.
            let start: usize = s(body, "NextToken").parse().unwrap_or(0);
            let page: Vec<Value> = peer.choice.passkeys.iter().enumerate().skip(start).take(1).map(|(i, id)| json!({
                "CredentialId": id, "FriendlyCredentialName": format!("key {i}"), "RelyingPartyId": RP_ID,
                "AuthenticatorAttachment": "platform", "AuthenticatorTransports": ["internal", "hybrid"],
                "CreatedAt": 1.7635e9 + i as f64
            })).collect();
            let mut resp = json!({"Credentials": page});
            if start + 1 < peer.choice.passkeys.len() {
                resp["NextToken"] = json!((start + 1).to_string());
            }
            ok(resp)
        }
        ("DeleteWebAuthnCredential", _, _) => {
            if let Some(e) = refuse_foreign_token(body) {
                return Some(e);
            }
            let id = s(body, "CredentialId");
            let before = peer.choice.passkeys.len();
            peer.choice.passkeys.retain(|p| *p != id);
            if peer.choice.passkeys.len() == before {
                err("ResourceNotFoundException", "Credential not found.")
            } else {
                ok(json!({}))
            }
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------- a test authenticator

/// What a platform authenticator would return, for the peer's checks: the credential id and
/// `clientDataJSON` binding the challenge. (The signature itself is the authenticator's and
/// Cognito's business; the library passes the JSON through unchanged.)
pub fn authenticator_response(kind: &str, challenge: &str, id: &str) -> Value {
    let client_data =
        json!({"type": kind, "challenge": challenge, "origin": format!("https://{RP_ID}")});
    json!({
        "id": id, "rawId": id, "type": "public-key",
        "response": {
            "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data.to_string()),
            "authenticatorData": URL_SAFE_NO_PAD.encode([0u8; 37]),
            "signature": URL_SAFE_NO_PAD.encode([1u8; 64]),
        },
        "clientExtensionResults": {}
    })
}
