//! `cognito login`, `credentials` and `logout` end to end: the hosted UI against the local
//! issuer (a scripted browser follows the printed URL), SRP and identity pools against moto.

use cognito_auth_testsuite::moto;

use std::process::Stdio;
use std::time::{SystemTime, UNIX_EPOCH};

use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

fn cognito(store: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognito"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COGNITO_TOKEN_STORE", store);
    c
}

fn read_store(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `cognito login` through the hosted UI of `issuer`, with a scripted browser.
async fn hosted_login(issuer: &LocalIssuer, store: &std::path::Path) {
    hosted_login_as(issuer, store, &["--client-id", "cli-app"]).await;
}

async fn hosted_login_as(issuer: &LocalIssuer, store: &std::path::Path, client: &[&str]) {
    let mut child = cognito(store)
        .args(["login", "--domain", issuer.base_url()])
        .args(client)
        .args([
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--no-browser",
            "--timeout",
            "30",
        ])
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut url = None;
    while let Some(l) = lines.next_line().await.unwrap() {
        if let Some(u) = l.trim().strip_prefix("http") {
            url = Some(format!("http{u}"));
            break;
        }
    }
    // The "browser": follow the authorization redirect to the CLI's loopback callback.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.get(url.expect("URL printed")).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(http.get(callback).send().await.unwrap().status(), 200);
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test]
async fn hosted_ui_login_then_logout_revokes() {
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::public("cli-app").callback_urls(["http://127.0.0.1:0/callback"]))
        .start()
        .await;
    issuer.set_login_user("ann");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nested").join("tokens.json");
    hosted_login(&issuer, &store).await;

    let s = read_store(&store);
    let p = &s["profiles"]["default"];
    assert_eq!(p["login"]["method"], "hosted_ui");
    assert_eq!(p["username"], "ann");
    let rt = p["refresh_token"].as_str().unwrap().to_owned();
    assert!(issuer.refresh_token_is_active(&rt));
    #[cfg(unix)]
    assert_eq!(mode(&store), 0o600, "owner-only");

    let out = cognito(&store).args(["logout"]).output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!store.exists(), "the last profile removed the file");
    assert!(
        !issuer.refresh_token_is_active(&rt),
        "revoked at /oauth2/revoke"
    );
}

/// Eight `cognito refresh` processes at once against an issuer that rotates refresh tokens
/// (each one works once): the store's lock makes them refresh one after the other, each
/// with the token the previous one stored, so all succeed and the store ends valid.
#[tokio::test]
async fn concurrent_refreshes_share_the_store_under_its_lock() {
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::public("cli-app").callback_urls(["http://127.0.0.1:0/callback"]))
        .start()
        .await;
    issuer.set_login_user("ann");
    issuer.set_refresh_token_rotation(true);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    hosted_login(&issuer, &store).await;
    let first_rt = read_store(&store)["profiles"]["default"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    issuer.reset_counters();
    let mut children = Vec::new();
    for _ in 0..8 {
        children.push(
            cognito(&store)
                .args(["refresh"])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    for c in children {
        let out = c.wait_with_output().await.unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(issuer.token_requests(), 8, "one refresh each, in turn");
    let rt = read_store(&store)["profiles"]["default"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rt, first_rt, "rotated");
    assert!(
        issuer.refresh_token_is_active(&rt),
        "the stored token is the live one"
    );
    assert!(!issuer.refresh_token_is_active(&first_rt));
    // The stored login still works.
    let out = cognito(&store).args(["refresh"]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test]
async fn login_refuses_non_loopback_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let out = cognito(&dir.path().join("t.json"))
        .args([
            "login",
            "--domain",
            "https://x.auth.eu-west-1.amazoncognito.com",
            "--client-id",
            "c",
        ])
        .args([
            "--redirect-uri",
            "http://0.0.0.0:8765/callback",
            "--no-browser",
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The AWS CLI's credential_process contract (docs: "Sourcing credentials with an external
/// process"): a JSON object with Version 1, AccessKeyId, SecretAccessKey, SessionToken and an
/// ISO 8601 Expiration.
fn assert_credential_process_schema(stdout: &[u8]) {
    let text = std::str::from_utf8(stdout).unwrap().trim();
    assert_eq!(text.lines().count(), 1, "one JSON document");
    let v: Value = serde_json::from_str(text).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o["Version"], json!(1));
    for k in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert!(o[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
    let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );
    let exp = o["Expiration"].as_str().unwrap();
    let re_ok = exp.len() == 20
        && exp.ends_with('Z')
        && exp.as_bytes()[4] == b'-'
        && exp.as_bytes()[10] == b'T'
        && exp.chars().filter(|c| c.is_ascii_digit()).count() == 14;
    assert!(re_ok, "ISO 8601 UTC: {exp}");
}

#[tokio::test]
async fn srp_login_credentials_with_refresh_and_logout() {
    let Some(moto) = moto::Moto::from_env() else {
        return;
    };
    let pool = moto.pool("OPTIONAL", false).await;
    moto.user(
        &pool,
        "cli-user",
        "Cli-Password-1",
        json!([{"Name": "phone_number", "Value": "+15555550199"}]),
    )
    .await;
    moto.idp(
        "AdminSetUserMFAPreference",
        json!({ "UserPoolId": pool.id, "Username": "cli-user", "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true} }),
    )
    .await;
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{}", pool.id);
    let ip = moto
        .identity(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "cli", "AllowUnauthenticatedIdentities": false,
                   "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": pool.client_id}]}),
        )
        .await;
    let ip_id = ip["IdentityPoolId"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");

    // Password and the SMS code come from stdin.
    let mut child = cognito(&store)
        .args([
            "login",
            "--srp",
            "--user-pool-id",
            &pool.id,
            "--client-id",
            &pool.client_id,
        ])
        .args([
            "--username",
            "cli-user",
            "--password-stdin",
            "--endpoint",
            &moto.url,
            "--profile",
            "work",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Cli-Password-1\n123456\n")
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // With --password-stdin no prompt text is written: one line says what happened.
    assert!(err.starts_with("signed in; tokens stored in"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains("Cli-Password-1"),
        "the password is never echoed"
    );
    let first = read_store(&store)["profiles"]["work"].clone();
    assert_eq!(first["login"]["method"], "srp");
    assert_eq!(first["user_pool_id"], pool.id.as_str());

    let creds = |profile: &'static str| {
        let mut c = cognito(&store);
        c.args([
            "credentials",
            "--identity-pool-id",
            &ip_id,
            "--profile",
            profile,
            "--identity-endpoint",
            &moto.url,
        ]);
        c
    };
    let out = creds("work").output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_credential_process_schema(&out.stdout);
    assert_eq!(
        read_store(&store)["profiles"]["work"]["id_token"],
        first["id_token"],
        "fresh: not refreshed"
    );

    // Tokens near expiry: refreshed with the refresh token, no browser, and stored again.
    let mut s = read_store(&store);
    s["profiles"]["work"]["expires_at"] = json!(unix_now() + 10);
    std::fs::write(&store, serde_json::to_vec(&s).unwrap()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = creds("work").output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_credential_process_schema(&out.stdout);
    let after = read_store(&store)["profiles"]["work"].clone();
    assert_ne!(after["id_token"], first["id_token"], "refreshed");
    assert_eq!(
        after["refresh_token"], first["refresh_token"],
        "refresh token kept"
    );
    assert!(after["expires_at"].as_u64().unwrap() > unix_now() + 3000);

    let out = creds("nobody").output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "no stored login is a usage error"
    );

    // moto has no RevokeToken: nothing is removed (the refresh token could never be revoked
    // afterwards), and the message says how to remove the tokens anyway.
    let out = cognito(&store)
        .args(["logout", "--profile", "work"])
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("nothing was removed") && err.contains("--force"),
        "{err}"
    );
    assert!(store.exists());
    let out = cognito(&store)
        .args(["logout", "--profile", "work", "--force"])
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!store.exists());
}

#[tokio::test]
async fn srp_login_wrong_password_fails_cleanly() {
    let Some(moto) = moto::Moto::from_env() else {
        return;
    };
    let pool = moto.pool("OFF", false).await;
    moto.user(&pool, "u2", "Right-Password-1", json!([])).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut child = cognito(&store)
        .args([
            "login",
            "--srp",
            "--user-pool-id",
            &pool.id,
            "--client-id",
            &pool.client_id,
            "--username",
            "nobody-here",
        ])
        .args(["--password-stdin", "--endpoint", &moto.url])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"whatever\n")
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("cognito login: no such user in this user pool"),
        "{err}"
    );
    assert!(
        !err.contains("InitiateAuth"),
        "API names only with --verbose: {err}"
    );
    assert!(!store.exists());
}

/// A login made with a client secret, renewed or signed out without it: the CLI says that
/// the client needs its secret (not "expired" nor "unreachable"), and removes nothing until
/// the refresh token is revoked.
#[tokio::test]
async fn a_confidential_login_without_its_secret_is_named_and_kept() {
    let issuer = LocalIssuer::builder()
        .client(
            ClientSpec::new("cli-conf", "conf-secret")
                .callback_urls(["http://127.0.0.1:0/callback"]),
        )
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    hosted_login_as(
        &issuer,
        &store,
        &["--client-id", "cli-conf", "--client-secret", "conf-secret"],
    )
    .await;
    let rt = read_store(&store)["profiles"]["default"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    for command in ["refresh", "logout"] {
        let out = cognito(&store).arg(command).output().await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("has a secret") && err.contains("--client-secret"),
            "{command}: {err}"
        );
        assert!(
            !err.contains("expired") && !err.contains("reach"),
            "{command}: {err}"
        );
        assert!(store.exists(), "{command} removed the login");
        assert!(issuer.refresh_token_is_active(&rt));
    }
    let out = cognito(&store)
        .args(["logout", "--client-secret", "conf-secret"])
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!store.exists());
    assert!(!issuer.refresh_token_is_active(&rt), "revoked");
}
