//! A Cognito-shaped user-pool peer for tests of flows moto cannot serve: server-side SRP
//! written independently of the library (it checks PASSWORD_VERIFIER and
//! DEVICE_PASSWORD_VERIFIER proofs, SECRET_HASH and the user names Cognito expects), device
//! confirmation, the choice-based, passwordless, passkey and custom-authentication flows
//! ([`choice`]), and recorded request/response fixtures for the rest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognito_auth::user::UserPoolClient;
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder};
use num_bigint_dig::BigUint;
use serde_json::{Value, json};

pub mod choice;

// ---------------------------------------------------------------- server-side SRP (test-only)

pub const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

pub fn big(hex: &str) -> BigUint {
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
}
pub fn hexs(v: &BigUint) -> String {
    v.to_str_radix(16)
}
pub fn pad(hex: &str) -> String {
    if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else if "89abcdefABCDEF".contains(&hex[..1]) {
        format!("00{hex}")
    } else {
        hex.to_owned()
    }
}
pub fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}
pub fn sha_hex(b: &[u8]) -> String {
    digest(&SHA256, b)
        .as_ref()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}
pub fn n() -> BigUint {
    big(N_HEX)
}
pub fn k() -> BigUint {
    big(&sha_hex(&unhex(&format!("00{N_HEX}02"))))
}
pub fn x_for(salt_hex: &str, identity: &str) -> BigUint {
    big(&sha_hex(&unhex(&format!(
        "{}{}",
        pad(salt_hex),
        sha_hex(identity.as_bytes())
    ))))
}
pub fn hkdf(s: &BigUint, u: &BigUint) -> Vec<u8> {
    let prk = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &unhex(&pad(&hexs(u)))),
        &unhex(&pad(&hexs(s))),
    );
    let okm = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()),
        b"Caldera Derived Key\x01",
    );
    okm.as_ref()[..16].to_vec()
}
pub fn mac_b64(key: &[u8], parts: &[&[u8]]) -> String {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut c = hmac::Context::with_key(&k);
    for p in parts {
        c.update(p);
    }
    STANDARD.encode(c.sign().as_ref())
}

/// One server-side exchange: B from the verifier, then the expected client key.
pub struct Exchange {
    pub a: BigUint,
    pub b: BigUint,
    pub v: BigUint,
    pub big_b: BigUint,
    pub secret_block: String,
    pub identity: String,
    pub salt_hex: String,
}

impl Exchange {
    pub fn new(a_hex: &str, v: BigUint, salt_hex: &str, identity: &str) -> Exchange {
        let b = BigUint::from_bytes_be(&rand_bytes(32));
        let big_b = (k() * &v + BigUint::from(2u32).modpow(&b, &n())) % n();
        Exchange {
            a: big(a_hex),
            b,
            v,
            big_b,
            secret_block: STANDARD.encode(rand_bytes(64)),
            identity: identity.to_owned(),
            salt_hex: salt_hex.to_owned(),
        }
    }
    pub fn key(&self) -> Vec<u8> {
        let u = big(&sha_hex(&unhex(&format!(
            "{}{}",
            pad(&hexs(&self.a)),
            pad(&hexs(&self.big_b))
        ))));
        let s = (&self.a * self.v.modpow(&u, &n())).modpow(&self.b, &n());
        hkdf(&s, &u)
    }
}

pub fn rand_bytes(n: usize) -> Vec<u8> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut b = vec![0u8; n];
    SystemRandom::new().fill(&mut b).unwrap();
    b
}

pub fn secret_hash(user: &str) -> String {
    mac_b64(SECRET.as_bytes(), &[user.as_bytes(), CLIENT.as_bytes()])
}

// ---------------------------------------------------------------- the peer

pub const POOL: &str = "us-east-1_Strict";
pub const CLIENT: &str = "recorded-client";
pub const SECRET: &str = "recorded-secret";
pub const ALIAS: &str = "alice@example.com";
pub const USER_ID: &str = "alice-id";
pub const PASSWORD: &str = "Alice-Password-1";

#[derive(Default)]
pub struct Peer {
    pub password_salt: String,
    pub password_verifier: Option<BigUint>,
    pub exchanges: HashMap<String, Exchange>,
    pub devices: HashMap<String, (BigUint, String, String)>,
    /// The device key each refresh sent once a device was confirmed (`None`: none sent).
    pub refresh_device_keys: Vec<Option<String>>,
    pub log: Vec<String>,
    /// Choice-based, passwordless, passkey and custom-auth state (see `choice.rs`).
    pub choice: choice::ChoiceState,
}

pub type Shared = Arc<Mutex<Peer>>;

pub fn err(t: &str, msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"__type": t, "message": msg})),
    )
        .into_response()
}

pub fn tokens(user: &str, device: Option<(&str, &str)>) -> Value {
    let key = signing_key();
    let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}");
    let access = TokenBuilder::new(Kind::Access, &iss, key)
        .user(user)
        .client_id(CLIENT)
        .sign();
    let id = TokenBuilder::new(Kind::Id, &iss, key)
        .user(user)
        .client_id(CLIENT)
        .sign();
    let mut r = json!({"AccessToken": access, "IdToken": id, "RefreshToken": format!("rt-{user}"), "ExpiresIn": 3600, "TokenType": "Bearer"});
    if let Some((k, g)) = device {
        r["NewDeviceMetadata"] = json!({"DeviceKey": k, "DeviceGroupKey": g});
    }
    json!({"AuthenticationResult": r})
}

pub fn signing_key() -> &'static SigningKey {
    static K: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    K.get_or_init(SigningKey::generate)
}

pub fn timestamp_ok(t: &str) -> bool {
    // "Thu Mar 5 07:08:09 UTC 2026": English names, unpadded day, UTC.
    let p: Vec<&str> = t.split(' ').collect();
    p.len() == 6
        && ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&p[0])
        && [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]
        .contains(&p[1])
        && !p[2].starts_with('0')
        && p[3].len() == 8
        && p[4] == "UTC"
}

pub fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(s), a) if s == "*" => !a.is_null(),
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av)))
        }
        (e, a) => e == a,
    }
}

pub fn fill_tokens(v: &mut Value) {
    match v {
        Value::String(s) => {
            let key = signing_key();
            let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}");
            if let Some(user) = s.strip_prefix("@access_token:") {
                *s = TokenBuilder::new(Kind::Access, &iss, key)
                    .user(user)
                    .client_id(CLIENT)
                    .sign();
            } else if let Some(user) = s.strip_prefix("@id_token:") {
                *s = TokenBuilder::new(Kind::Id, &iss, key)
                    .user(user)
                    .client_id(CLIENT)
                    .sign();
            }
        }
        Value::Object(m) => m.values_mut().for_each(fill_tokens),
        Value::Array(a) => a.iter_mut().for_each(fill_tokens),
        _ => {}
    }
}

pub fn replay(target: &str, body: &Value) -> Response {
    let fixtures: Value =
        serde_json::from_str(include_str!("../../fixtures/cognito_recorded.json")).unwrap();
    for x in fixtures["exchanges"].as_array().unwrap() {
        if x["target"] == target && matches(&x["request"], body) {
            let mut resp = x["response"]["body"].clone();
            fill_tokens(&mut resp);
            let status =
                StatusCode::from_u16(x["response"]["status"].as_u64().unwrap() as u16).unwrap();
            return (status, axum::Json(resp)).into_response();
        }
    }
    err(
        "FixtureMismatch",
        &format!("no recorded exchange for {target} {body}"),
    )
}

pub async fn handle(State(peer): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let target = headers["x-amz-target"]
        .to_str()
        .unwrap()
        .trim_start_matches("AWSCognitoIdentityProviderService.")
        .to_owned();
    assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
    let body: Value = serde_json::from_str(&body).unwrap();
    let mut peer = peer.lock().unwrap();
    peer.log.push(target.clone());
    if let Some(r) = choice::handle(&mut peer, &target, &body) {
        return r;
    }
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match (
        target.as_str(),
        s(&body, "AuthFlow").as_str(),
        s(&body, "ChallengeName").as_str(),
    ) {
        ("InitiateAuth", "USER_SRP_AUTH", _) => {
            let p = &body["AuthParameters"];
            if s(p, "USERNAME") != ALIAS || s(p, "SECRET_HASH") != secret_hash(ALIAS) {
                return err("NotAuthorizedException", "bad SECRET_HASH for the alias");
            }
            let v = peer.password_verifier.clone().unwrap();
            let ex = Exchange::new(&s(p, "SRP_A"), v, &peer.password_salt.clone(), USER_ID);
            let session = format!("srp-{}", peer.exchanges.len());
            let resp = json!({"ChallengeName": "PASSWORD_VERIFIER", "Session": session, "ChallengeParameters": {
                "SALT": ex.salt_hex, "SRP_B": hexs(&ex.big_b), "SECRET_BLOCK": ex.secret_block,
                "USER_ID_FOR_SRP": USER_ID, "USERNAME": USER_ID}});
            peer.exchanges.insert(session, ex);
            axum::Json(resp).into_response()
        }
        ("RespondToAuthChallenge", _, "PASSWORD_VERIFIER") => {
            let r = &body["ChallengeResponses"];
            // Cognito keeps the exchange's state in SECRET_BLOCK, so a PASSWORD_VERIFIER
            // answer without `Session` is accepted (pycognito and other SDKs send none).
            let session = {
                let given = s(&body, "Session");
                let block = s(r, "PASSWORD_CLAIM_SECRET_BLOCK");
                if peer.exchanges.contains_key(&given) {
                    given
                } else {
                    peer.exchanges
                        .iter()
                        .find(|(_, ex)| !block.is_empty() && ex.secret_block == block)
                        .map(|(k, _)| k.clone())
                        .unwrap_or(given)
                }
            };
            let Some(ex) = peer.exchanges.remove(&session) else {
                return err("NotAuthorizedException", "session");
            };
            if s(r, "USERNAME") != USER_ID || s(r, "SECRET_HASH") != secret_hash(USER_ID) {
                return err(
                    "NotAuthorizedException",
                    "USERNAME / SECRET_HASH must name the internal user",
                );
            }
            if !timestamp_ok(&s(r, "TIMESTAMP"))
                || s(r, "PASSWORD_CLAIM_SECRET_BLOCK") != ex.secret_block
            {
                return err("NotAuthorizedException", "bad timestamp or secret block");
            }
            let pool_name = POOL.split_once('_').unwrap().1;
            let expected = mac_b64(
                &ex.key(),
                &[
                    pool_name.as_bytes(),
                    ex.identity.as_bytes(),
                    &STANDARD.decode(&ex.secret_block).unwrap(),
                    s(r, "TIMESTAMP").as_bytes(),
                ],
            );
            if s(r, "PASSWORD_CLAIM_SIGNATURE") != expected {
                return err("NotAuthorizedException", "Incorrect username or password.");
            }
            if let Some(next) = choice::after_password(&mut peer, &session) {
                return next;
            }
            match r.get("DEVICE_KEY").and_then(Value::as_str) {
                Some(dk) if peer.devices.contains_key(dk) => axum::Json(json!({
                    "ChallengeName": "DEVICE_SRP_AUTH", "Session": "device-start", "ChallengeParameters": {}
                }))
                .into_response(),
                Some(_) => err("ResourceNotFoundException", "Device does not exist."),
                None => axum::Json(tokens(USER_ID, Some(("us-east-1_dev-7f3a", "-grp9")))).into_response(),
            }
        }
        ("ConfirmDevice", _, _) => {
            let cfg = &body["DeviceSecretVerifierConfig"];
            let v = BigUint::from_bytes_be(&STANDARD.decode(s(cfg, "PasswordVerifier")).unwrap());
            let salt: String = STANDARD
                .decode(s(cfg, "Salt"))
                .unwrap()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            peer.devices
                .insert(s(&body, "DeviceKey"), (v, salt, s(&body, "DeviceName")));
            axum::Json(json!({"UserConfirmationNecessary": true})).into_response()
        }
        // Once a device is confirmed, Cognito expects its key on every refresh; without one
        // it tracks the refresh as a new device (NewDeviceMetadata).
        ("InitiateAuth", "REFRESH_TOKEN_AUTH", _) | ("GetTokensFromRefreshToken", _, _)
            if !peer.devices.is_empty() =>
        {
            let key = if target == "InitiateAuth" {
                body["AuthParameters"].get("DEVICE_KEY")
            } else {
                body.get("DeviceKey")
            }
            .and_then(Value::as_str)
            .map(str::to_owned);
            peer.refresh_device_keys.push(key.clone());
            match key {
                Some(k) if peer.devices.contains_key(&k) => {
                    axum::Json(tokens(USER_ID, None)).into_response()
                }
                Some(_) => err("ResourceNotFoundException", "Device does not exist."),
                None => axum::Json(tokens(USER_ID, Some(("us-east-1_dev-untracked", "-grp9"))))
                    .into_response(),
            }
        }
        ("RespondToAuthChallenge", _, "DEVICE_SRP_AUTH") => {
            let r = &body["ChallengeResponses"];
            if s(r, "SECRET_HASH") != secret_hash(&s(r, "USERNAME")) || s(r, "USERNAME") != USER_ID
            {
                return err(
                    "NotAuthorizedException",
                    "DEVICE_SRP_AUTH needs USERNAME and its SECRET_HASH",
                );
            }
            let dk = s(r, "DEVICE_KEY");
            let Some((v, salt, _)) = peer.devices.get(&dk).cloned() else {
                return err("ResourceNotFoundException", "device");
            };
            let ex = Exchange::new(&s(r, "SRP_A"), v, &salt, "");
            let resp = json!({"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": "device-verify", "ChallengeParameters": {
                "SALT": salt, "SRP_B": hexs(&ex.big_b), "SECRET_BLOCK": ex.secret_block, "USERNAME": USER_ID, "DEVICE_KEY": dk}});
            peer.exchanges.insert("device-verify".into(), ex);
            axum::Json(resp).into_response()
        }
        ("RespondToAuthChallenge", _, "DEVICE_PASSWORD_VERIFIER") => {
            let r = &body["ChallengeResponses"];
            let Some(ex) = peer.exchanges.remove("device-verify") else {
                return err("NotAuthorizedException", "session");
            };
            let dk = s(r, "DEVICE_KEY");
            if s(r, "SECRET_HASH") != secret_hash(USER_ID) || !timestamp_ok(&s(r, "TIMESTAMP")) {
                return err("NotAuthorizedException", "bad SECRET_HASH or timestamp");
            }
            let expected = mac_b64(
                &ex.key(),
                &[
                    b"-grp9",
                    dk.as_bytes(),
                    &STANDARD.decode(&ex.secret_block).unwrap(),
                    s(r, "TIMESTAMP").as_bytes(),
                ],
            );
            if s(r, "PASSWORD_CLAIM_SIGNATURE") != expected {
                return err("NotAuthorizedException", "Incorrect device password.");
            }
            axum::Json(tokens(USER_ID, None)).into_response()
        }
        _ => replay(&target, &body),
    }
}

pub async fn peer() -> (String, Shared) {
    let salt = "f1e2d3c4b5a69788".to_owned();
    let v = BigUint::from(2u32).modpow(&x_for(&salt, &format!("Strict{USER_ID}:{PASSWORD}")), &n());
    let state: Shared = Arc::new(Mutex::new(Peer {
        password_salt: salt,
        password_verifier: Some(v),
        ..Peer::default()
    }));
    let app = axum::Router::new()
        .route("/", axum::routing::post(handle))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

pub fn client(url: &str, pool: &str) -> UserPoolClient {
    UserPoolClient::builder()
        .user_pool(pool)
        .client_id(CLIENT)
        .client_secret(SECRET)
        .endpoint(url)
        .build()
        .unwrap()
}
