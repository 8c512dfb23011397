//! The strict peer: a Cognito-shaped server that checks SRP proofs, SECRET_HASH and user names, and replays recorded fixtures.

use super::*;

pub(crate) const POOL: &str = "us-east-1_Strict";
pub(crate) const CLIENT: &str = "recorded-client";
pub(crate) const SECRET: &str = "recorded-secret";
pub(crate) const ALIAS: &str = "alice@example.com";
pub(crate) const USER_ID: &str = "alice-id";
pub(crate) const PASSWORD: &str = "Alice-Password-1";

#[derive(Default)]
pub(crate) struct Peer {
    pub(crate) password_salt: String,
    pub(crate) password_verifier: Option<BigUint>,
    pub(crate) exchanges: HashMap<String, Exchange>,
    pub(crate) devices: HashMap<String, (BigUint, String, String)>,
    pub(crate) log: Vec<String>,
    /// Choice-based, passwordless, passkey and custom-auth state (see `choice.rs`).
    pub(crate) choice: super::choice::ChoiceState,
}

pub(crate) type Shared = Arc<Mutex<Peer>>;

pub(crate) fn err(t: &str, msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"__type": t, "message": msg})),
    )
        .into_response()
}

pub(crate) fn tokens(user: &str, device: Option<(&str, &str)>) -> Value {
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

pub(crate) fn signing_key() -> &'static SigningKey {
    static K: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    K.get_or_init(SigningKey::generate)
}

pub(crate) fn timestamp_ok(t: &str) -> bool {
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

pub(crate) fn matches(expected: &Value, actual: &Value) -> bool {
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

pub(crate) fn fill_tokens(v: &mut Value) {
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

pub(crate) fn replay(target: &str, body: &Value) -> Response {
    let fixtures: Value =
        serde_json::from_str(include_str!("../fixtures/cognito_recorded.json")).unwrap();
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

pub(crate) async fn handle(
    State(peer): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let target = headers["x-amz-target"]
        .to_str()
        .unwrap()
        .trim_start_matches("AWSCognitoIdentityProviderService.")
        .to_owned();
    assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
    let body: Value = serde_json::from_str(&body).unwrap();
    let mut peer = peer.lock().unwrap();
    peer.log.push(target.clone());
    if let Some(r) = super::choice::handle(&mut peer, &target, &body) {
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
            let Some(ex) = peer.exchanges.remove(&s(&body, "Session")) else {
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
            if let Some(next) = super::choice::after_password(&mut peer, &s(&body, "Session")) {
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

pub(crate) async fn peer() -> (String, Shared) {
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

pub(crate) fn client(url: &str, pool: &str) -> UserPoolClient {
    UserPoolClient::builder()
        .user_pool(pool)
        .client_id(CLIENT)
        .client_secret(SECRET)
        .endpoint(url)
        .build()
        .unwrap()
}
