//! The local issuer's own contract: discovery, JWKS, token endpoint errors, token shapes,
//! rotation, lifecycle.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use serde_json::Value;

fn payload(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

async fn issuer() -> LocalIssuer {
    LocalIssuer::builder()
        .pool_id("us-east-1_kit")
        .client(ClientSpec::new("svc", "svc-secret").scopes(["a/read", "a/write"]))
        .client(ClientSpec::public("spa"))
        .start()
        .await
}

#[tokio::test]
async fn discovery_and_jwks() {
    let i = issuer().await;
    let http = reqwest::Client::new();
    let conf: Value = http
        .get(format!("{}/.well-known/openid-configuration", i.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conf["issuer"], i.issuer());
    assert_eq!(conf["jwks_uri"], i.jwks_url());
    assert_eq!(conf["token_endpoint"], i.token_url());
    assert_eq!(conf["id_token_signing_alg_values_supported"][0], "RS256");
    for url in [
        i.jwks_url(),
        format!("{}/us-east-1_kit/.well-known/jwks.json", i.base_url()),
    ] {
        let jwks: Value = http.get(url).send().await.unwrap().json().await.unwrap();
        let k = &jwks["keys"][0];
        assert_eq!(
            (k["kty"].as_str(), k["alg"].as_str(), k["use"].as_str()),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(k["n"].as_str().unwrap())
                .unwrap()
                .len(),
            256,
            "2048-bit"
        );
    }
    assert_eq!(i.jwks_requests(), 2);
}

#[tokio::test]
async fn token_endpoint_refuses_bad_requests() {
    let i = issuer().await;
    let http = reqwest::Client::new();
    let post = |body: &'static str, ct: &'static str| {
        http.post(i.token_url())
            .basic_auth("svc", Some("svc-secret"))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let err = |r: reqwest::Response| async move {
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap()["error"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };
    assert_eq!(
        err(post("grant_type=client_credentials", "application/json")
            .await
            .unwrap())
        .await,
        (400, "invalid_request".into())
    );
    assert_eq!(
        err(
            post("grant_type=password", "application/x-www-form-urlencoded")
                .await
                .unwrap()
        )
        .await,
        (400, "unsupported_grant_type".into())
    );
    assert_eq!(
        err(post(
            "grant_type=client_credentials&grant_type=client_credentials",
            "application/x-www-form-urlencoded"
        )
        .await
        .unwrap())
        .await,
        (400, "invalid_request".into())
    );
    assert_eq!(
        err(post(
            "grant_type=client_credentials&scope=b/read",
            "application/x-www-form-urlencoded"
        )
        .await
        .unwrap())
        .await,
        (400, "invalid_scope".into())
    );
    let twice = http
        .post(i.token_url())
        .basic_auth("svc", Some("svc-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_secret=svc-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(err(twice).await, (400, "invalid_request".into()));
    let public = http
        .post(i.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=spa")
        .send()
        .await
        .unwrap();
    assert_eq!(err(public).await, (400, "unauthorized_client".into()));
    assert_eq!(i.token_requests(), 6);
}

#[tokio::test]
async fn tokens_have_cognito_shapes() {
    let i = issuer().await;
    let resp: Value = reqwest::Client::new()
        .post(i.token_url())
        .basic_auth("svc", Some("svc-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=a%2Fread")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp["token_type"], "Bearer");
    let p = payload(resp["access_token"].as_str().unwrap());
    assert_eq!(p["token_use"], "access");
    assert_eq!(p["client_id"], "svc");
    assert_eq!(p["sub"], "svc", "M2M: sub is the client id");
    assert_eq!(p["scope"], "a/read");
    assert_eq!(p["version"], 2);
    assert!(p.get("username").is_none() && p.get("aud").is_none());

    let id = payload(
        &i.id_token()
            .user("zoe")
            .client_id("spa")
            .groups(["g1"])
            .sign(),
    );
    assert_eq!(
        (
            id["token_use"].as_str(),
            id["aud"].as_str(),
            id["cognito:username"].as_str()
        ),
        (Some("id"), Some("spa"), Some("zoe"))
    );
    assert_eq!(id["cognito:groups"][0], "g1");
    let user_access = payload(&i.access_token().user("zoe").sign());
    assert_eq!(user_access["username"], "zoe");
    assert_ne!(user_access["sub"], "zoe");
    assert!(user_access.get("origin_jti").is_some());
}

#[tokio::test]
async fn rotation_publishes_then_retires_keys() {
    let i = issuer().await;
    let old = i.current_key().kid().to_owned();
    let new = i.rotate_key();
    let kids = |j: String| -> Vec<String> {
        serde_json::from_str::<Value>(&j).unwrap()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kids(i.jwks_json()), [old.clone(), new.clone()]);
    i.retire_old_keys();
    assert_eq!(kids(i.jwks_json()), [new]);
}

#[test]
fn blocking_issuer_stops_when_dropped() {
    let i = LocalIssuer::builder().start_blocking();
    let addr = i.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(i);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the port is closed after drop"
    );
}
