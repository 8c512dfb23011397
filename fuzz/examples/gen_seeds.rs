//! Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/) and the fixed JWKS the token
//! target verifies with (fuzz/seeds/jwks.json). Run once; the output is committed:
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen_seeds`.

use std::fs;
use std::path::Path;

use cognito_auth_testkit::{Kind, Signing, SigningKey, TokenBuilder, jwks_json};
use serde_json::json;

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz";

fn write(target: &str, name: &str, data: impl AsRef<[u8]>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), data).unwrap();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let key = SigningKey::generate();
    fs::create_dir_all(root.join("seeds")).unwrap();
    fs::write(
        root.join("seeds/jwks.json"),
        jwks_json(std::slice::from_ref(&key)),
    )
    .unwrap();

    let access = || {
        TokenBuilder::new(Kind::Access, ISSUER, &key)
            .client_id("fuzz-client")
            .scopes(["orders/read", "orders/write"])
            .groups(["admins"])
    };
    write("token", "valid", access().sign());
    write("token", "expired", access().expired().sign());
    write(
        "token",
        "far_future",
        access().claim("exp", i64::MAX).sign(),
    );
    write("token", "user", access().user("alice").sign());
    write(
        "token",
        "id",
        TokenBuilder::new(Kind::Id, ISSUER, &key)
            .client_id("web")
            .sign(),
    );
    write("token", "alg_none", access().signing(Signing::None).sign());
    write(
        "token",
        "hs256",
        access().signing(Signing::Hs256(b"secret".to_vec())).sign(),
    );
    write("token", "no_kid", access().without_header("kid").sign());
    write(
        "token",
        "jku",
        access()
            .header("jku", "https://attacker.example/jwks")
            .sign(),
    );
    write(
        "token",
        "crit",
        access().header("crit", json!(["exp"])).sign(),
    );
    write("token", "garbage", "not.a.token");

    write("jwks", "one_key", jwks_json(std::slice::from_ref(&key)));
    write(
        "jwks",
        "two_keys",
        jwks_json(&[key.clone(), key.with_kid("other")]),
    );
    write(
        "jwks",
        "ec",
        r#"{"keys":[{"kty":"EC","kid":"e","crv":"P-256","x":"AA","y":"AA"}]}"#,
    );
    write("jwks", "empty", r#"{"keys":[]}"#);
    write(
        "jwks",
        "dup_kid",
        jwks_json(&[key.clone(), SigningKey::generate().with_kid(key.kid())]),
    );

    write(
        "auth_header",
        "bearer",
        format!("Bearer {}", access().sign()),
    );
    write("auth_header", "lower", "bearer abc.def.ghi");
    write("auth_header", "basic", "Basic dXNlcjpwYXNz");
    write("auth_header", "two", "Bearer a\0Bearer b");
    write("auth_header", "spaces", "  Bearer   tok  ");

    let mut ok = vec![0u8];
    ok.extend_from_slice(
        json!({"access_token": access().sign(), "token_type": "Bearer", "expires_in": 3600, "scope": "orders/read"})
            .to_string()
            .as_bytes(),
    );
    write("token_response", "ok", ok);
    let mut hosted = vec![1u8];
    hosted.extend_from_slice(
        br#"{"access_token":"a.b.c","id_token":"d.e.f","refresh_token":"rt","token_type":"Bearer","expires_in":3600}"#,
    );
    write("token_response", "hosted", hosted);
    let mut err = vec![200u8];
    err.extend_from_slice(b"60\n{\"error\":\"invalid_client\",\"error_description\":\"bad\"}");
    write("token_response", "error_retry_after", err);
    let mut date = vec![250u8];
    date.extend_from_slice(b"Wed, 21 Oct 2026 07:28:00 GMT\n{\"error\":\"slow_down\"}");
    write("token_response", "retry_after_date", date);

    let mut e = vec![100u8];
    e.extend_from_slice(br#"{"__type":"com.amazonaws.cognito.identity.idp.model#NotAuthorizedException:http://x","message":"Incorrect username or password."}"#);
    write("aws_json", "error", e);
    let mut c = vec![0u8];
    c.extend_from_slice(br#"{"ChallengeName":"PASSWORD_VERIFIER","Session":"s","ChallengeParameters":{"SRP_B":"abcd","SALT":"12","SECRET_BLOCK":"AA==","USER_ID_FOR_SRP":"u","MFAS_CAN_SETUP":"[\"SOFTWARE_TOKEN_MFA\"]"}}"#);
    write("aws_json", "challenge", c);
    let mut n = vec![0u8];
    n.extend_from_slice(br#"{"ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeParameters":{"requiredAttributes":"[\"userAttributes.name\"]","userAttributes":"{\"email\":\"a@b.c\"}"}}"#);
    write("aws_json", "new_password", n);
    let mut t = vec![0u8];
    t.extend_from_slice(br#"{"AuthenticationResult":{"AccessToken":"a","IdToken":"b","RefreshToken":"c","ExpiresIn":3600,"TokenType":"Bearer","NewDeviceMetadata":{"DeviceKey":"k","DeviceGroupKey":"g"}}}"#);
    write("aws_json", "tokens", t);
    let mut cr = vec![0u8];
    cr.extend_from_slice(br#"{"IdentityId":"eu-west-1:abc","Credentials":{"AccessKeyId":"ASIA","SecretKey":"s","SessionToken":"t","Expiration":1795369149.5}}"#);
    write("aws_json", "credentials", cr);
    let mut sel = vec![0u8];
    sel.extend_from_slice(br#"{"ChallengeName":"SELECT_CHALLENGE","Session":"s","AvailableChallenges":["PASSWORD_SRP","EMAIL_OTP","WEB_AUTHN"],"ChallengeParameters":{}}"#);
    write("aws_json", "select_challenge", sel);

    write(
        "srp_params",
        "cognito",
        "9b0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899\n5b0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff\nSGVsbG8gU2VjcmV0IEJsb2Nr\nalice-id",
    );
    write(
        "srp_params",
        "moto_block",
        "ab\n01\n6f2c1c33-2f0e-4a71-8d6f-2f2f0f5d1e9a\nuser",
    );
    write("srp_params", "zero_b", "0\n01\nAA==\nuser");

    write("callback_query", "code", "code=abc&state=xyz");
    write(
        "callback_query",
        "error",
        "error=access_denied&error_description=User%20cancelled&state=xyz",
    );
    write("callback_query", "repeated", "code=a&code=b&state=x");

    write(
        "token_store",
        "one_profile",
        json!({"version": 1, "profiles": {"default": {"login": {"method": "hosted_ui", "domain": "https://x.auth.eu-west-1.amazoncognito.com", "client_id": "c", "redirect_uri": "http://127.0.0.1:8765/callback"}, "user_pool_id": "eu-west-1_abc", "username": "ann", "access_token": "a.b.c", "id_token": null, "refresh_token": "rt", "expires_at": 1795369149u64}}})
            .to_string(),
    );
    write("token_store", "empty", "");
    write("token_store", "srp", json!({"version": 1, "profiles": {"w": {"login": {"method": "srp", "user_pool_id": "eu-west-1_abc", "client_id": "c", "endpoint": null}, "user_pool_id": null, "username": null, "access_token": "a", "id_token": "b", "refresh_token": null, "expires_at": 0}}}).to_string());
    eprintln!("seeds written under {}", root.display());
}
