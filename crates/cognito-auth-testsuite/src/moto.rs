//! Test support: moto's Cognito emulator, started by scripts/test.sh.

use serde_json::{Value, json};

/// A moto server. Every test provisions its own pool, so tests run in parallel.
pub struct Moto {
    pub url: String,
    http: reqwest::Client,
}

pub struct Pool {
    pub id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl Moto {
    /// `None` (skip) outside the test command; a failure when `COGNITO_TEST_REQUIRE_SERVICES`
    /// is set (CI), so nothing is skipped there.
    pub fn from_env() -> Option<Moto> {
        match std::env::var("COGNITO_TEST_MOTO_URL") {
            Ok(url) if !url.is_empty() => Some(Moto {
                url,
                http: reqwest::Client::new(),
            }),
            _ => {
                assert!(
                    std::env::var("COGNITO_TEST_REQUIRE_SERVICES").is_err(),
                    "COGNITO_TEST_MOTO_URL is required: run ./scripts/test.sh"
                );
                eprintln!("skipping: moto is not running (run ./scripts/test.sh)");
                None
            }
        }
    }

    pub async fn raw(&self, target: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(&self.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// A user-pool operation that must succeed.
    pub async fn idp(&self, op: &str, body: Value) -> Value {
        let resp = self
            .raw(&format!("AWSCognitoIdentityProviderService.{op}"), &body)
            .await;
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{op} failed: {status} {text}");
        serde_json::from_str(if text.is_empty() { "{}" } else { &text }).unwrap()
    }

    /// An identity-pool operation that must succeed.
    pub async fn identity(&self, op: &str, body: Value) -> Value {
        let resp = self
            .raw(&format!("AWSCognitoIdentityService.{op}"), &body)
            .await;
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{op} failed: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// A pool (`mfa`: OFF, ON or OPTIONAL) with one app client.
    pub async fn pool(&self, mfa: &str, with_secret: bool) -> Pool {
        let name = format!("pool-{}", cognito_auth_testkit::random_id(8));
        let p = self
            .idp(
                "CreateUserPool",
                json!({
                    "PoolName": name,
                    "MfaConfiguration": mfa,
                    "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireNumbers": true}},
                }),
            )
            .await;
        let id = p["UserPool"]["Id"].as_str().unwrap().to_owned();
        if mfa != "OFF" {
            self.idp(
                "SetUserPoolMfaConfig",
                json!({
                    "UserPoolId": id,
                    "MfaConfiguration": mfa,
                    "SoftwareTokenMfaConfiguration": {"Enabled": true},
                    "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
                }),
            )
            .await;
        }
        let c = self
            .idp(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": id,
                    "ClientName": "app",
                    "GenerateSecret": with_secret,
                    "ReadAttributes": ["email", "name", "phone_number", "custom:tenant"],
                    "ExplicitAuthFlows": [
                        "ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                        "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"
                    ],
                }),
            )
            .await;
        Pool {
            id,
            client_id: c["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned(),
            client_secret: c["UserPoolClient"]["ClientSecret"]
                .as_str()
                .map(str::to_owned),
        }
    }

    /// A confirmed user with a permanent password.
    pub async fn user(&self, pool: &Pool, username: &str, password: &str, attributes: Value) {
        self.idp(
            "AdminCreateUser",
            json!({ "UserPoolId": pool.id, "Username": username, "UserAttributes": attributes, "MessageAction": "SUPPRESS" }),
        )
        .await;
        self.idp(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool.id, "Username": username, "Password": password, "Permanent": true }),
        )
        .await;
    }

    pub fn jwks_url(&self, pool: &Pool) -> String {
        format!(
            "{}/{}/.well-known/jwks.json",
            self.url.trim_end_matches('/'),
            pool.id
        )
    }

    pub fn client(&self, pool: &Pool) -> cognito_auth::user::UserPoolClient {
        let mut b = cognito_auth::user::UserPoolClient::builder()
            .user_pool(&pool.id)
            .client_id(&pool.client_id)
            .endpoint(&self.url)
            .verify_tokens(true)
            .jwks_url(self.jwks_url(pool));
        if let Some(s) = &pool.client_secret {
            b = b.client_secret(s.as_str());
        }
        b.build().unwrap()
    }
}

/// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for a base32 secret, decoded leniently as
/// authenticator apps do (any case, no padding).
pub fn totp(secret_b32: &str, unix: u64) -> String {
    use aws_lc_rs::hmac;
    let mut bits: u64 = 0;
    let mut nbits = 0;
    let mut key = Vec::new();
    for c in secret_b32.chars().filter(|c| *c != '=') {
        let v = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => panic!("not base32: {c}"),
        };
        bits = (bits << 5) | v;
        nbits += 5;
        if nbits >= 8 {
            nbits -= 8;
            key.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    let counter = (unix / 30).to_be_bytes();
    let mac = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key),
        &counter,
    );
    let h = mac.as_ref();
    let off = (h[19] & 0x0f) as usize;
    let code = (u32::from_be_bytes([h[off], h[off + 1], h[off + 2], h[off + 3]]) & 0x7fff_ffff)
        % 1_000_000;
    format!("{code:06}")
}

/// A TOTP code that stays valid long enough to be checked: near the end of a 30 s window,
/// wait for the next one.
pub async fn totp_now(secret_b32: &str) -> String {
    if now() % 30 >= 27 {
        tokio::time::sleep(std::time::Duration::from_secs(30 - now() % 30)).await;
    }
    totp(secret_b32, now())
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn totp_matches_rfc6238() {
    // RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (base32 below), 8 digits there;
    // the last 6 digits are the 6-digit code.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(totp(secret, 59), "287082");
    assert_eq!(totp(secret, 1_111_111_109), "081804");
    assert_eq!(totp(secret, 2_000_000_000), "279037");
}
