//! Stored logins: `token --stored`, `status`, renewals, cached credentials, completions, errors.

use super::*;

async fn hosted_login(issuer: &LocalIssuer, store: &Path) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::from({
        let mut c = cognito(store);
        c.args([
            "login",
            "--domain",
            issuer.base_url(),
            "--client-id",
            "cli-app",
        ])
        .args([
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--no-browser",
        ])
        .args(["--scope", "openid", "--scope", "orders/read"])
        .stderr(Stdio::piped());
        c
    })
    .kill_on_drop(true)
    .spawn()
    .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut url = None;
    while let Some(l) = lines.next_line().await.unwrap() {
        if let Some(u) = l.trim().strip_prefix("http") {
            url = Some(format!("http{u}"));
            break;
        }
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.get(url.expect("URL printed")).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_owned();
    http.get(callback).send().await.unwrap();
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_stored_prints_and_renews_and_status_shows_no_secret() {
    let issuer = LocalIssuer::builder()
        .client(
            ClientSpec::public("cli-app")
                .scopes(["openid", "orders/read"])
                .callback_urls(["http://127.0.0.1:0/callback"]),
        )
        .start()
        .await;
    issuer.set_login_user("ann");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    hosted_login(&issuer, &store).await;
    let stored = read_store(&store)["profiles"]["default"].clone();
    issuer.reset_counters();

    let token = |args: &[&str]| {
        let out = cognito(&store).arg("token").args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Fresh: printed as stored, no request.
    let (code, out, err) = token(&["--stored"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, stored["access_token"].as_str().unwrap());
    let (_, out, _) = token(&["--stored", "--id"]);
    assert_eq!(out, stored["id_token"].as_str().unwrap());
    assert_eq!(issuer.token_requests(), 0);

    // Within the margin: renewed first, then printed, and stored.
    let mut s = read_store(&store);
    s["profiles"]["default"]["expires_at"] = json!(unix_now() + 30);
    std::fs::write(&store, serde_json::to_vec(&s).unwrap()).unwrap();
    let (code, out, err) = token(&["--stored", "--min-valid", "60"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(issuer.token_requests(), 1);
    assert_ne!(out, stored["access_token"].as_str().unwrap());
    assert_eq!(
        out,
        read_store(&store)["profiles"]["default"]["access_token"]
            .as_str()
            .unwrap()
    );
    // The printed token is a real, verifiable one (what `curl -H "Authorization: Bearer $(…)"` sends).
    let out_verify = cognito(&store)
        .args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
        ])
        .args(["--client-id", "cli-app", &out])
        .output()
        .unwrap();
    assert_eq!(out_verify.status.code(), Some(0));

    let out = cognito(&store).args(["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.starts_with("default: ann via hosted-ui ("), "{text}");
    assert!(text.contains("refresh token: yes"), "{text}");
    assert!(text.contains("orders/read"), "{text}");
    let s = read_store(&store)["profiles"]["default"].clone();
    for secret in ["access_token", "id_token", "refresh_token"] {
        assert!(
            !text.contains(s[secret].as_str().unwrap()),
            "{secret} shown"
        );
    }
    let out = cognito(&store)
        .args(["status", "--json", "--profile", "default"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["username"], "ann");
    assert_eq!(v["refresh_token"], true);
    assert_eq!(
        cognito(&store)
            .args(["status", "--profile", "other"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );

    // A 0-byte store: named, said to hold no login, `cognito login` suggested.
    std::fs::write(&store, b"").unwrap();
    let out = cognito(&store)
        .args(["token", "--stored"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("cognito token: ")
            && err.contains(&store.display().to_string())
            && err.contains("holds no usable login")
            && err.contains("cognito login"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_while_unreachable_exits_4_and_keeps_the_login() {
    let (url, _state) = peer::peer().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut c = tokio::process::Command::from(peer_login(
        &store,
        &url,
        &["--srp", "--username", ALIAS, "--password-stdin"],
    ));
    let mut ch = c
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    ch.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .await
        .unwrap();
    let out = ch.wait_with_output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut s = read_store(&store);
    s["profiles"]["default"]["login"]["endpoint"] = json!("http://127.0.0.1:9/");
    std::fs::write(&store, serde_json::to_vec(&s).unwrap()).unwrap();
    let out = cognito(&store)
        .args(["refresh", "--client-secret", SECRET])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.starts_with("cognito refresh: cannot reach the sign-in service"),
        "{err}"
    );
    assert!(
        !err.contains("cognito login` again"),
        "logging in again does not help: {err}"
    );
    assert_eq!(
        read_store(&store)["profiles"]["default"]["refresh_token"],
        s["profiles"]["default"]["refresh_token"],
        "the login is kept"
    );
}

// ---------------------------------------------------------------- cached credentials

#[tokio::test]
async fn credentials_are_cached_until_shortly_before_they_expire() {
    let Some(moto) = moto::Moto::from_env() else {
        return;
    };
    let pool = moto.pool("OFF", false).await;
    moto.user(&pool, "cara", "Cara-Password-1", json!([])).await;
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{}", pool.id);
    let ip = moto
        .identity(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "cache", "AllowUnauthenticatedIdentities": false,
                   "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": pool.client_id}]}),
        )
        .await;
    let ip_id = ip["IdentityPoolId"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut c = cognito(&store);
    c.args(["login", "--srp", "--user-pool-id", &pool.id])
        .args(["--client-id", &pool.client_id, "--endpoint", &moto.url])
        .args(["--username", "cara", "--password-stdin"]);
    let (code, err) = run_with_stdin(c, "Cara-Password-1\n");
    assert_eq!(code, 0, "{err}");

    // moto's credentials live 90 s: cache them while 30 s are left.
    let creds = |endpoint: &str, extra: &[&str]| {
        let out = cognito(&store)
            .args([
                "credentials",
                "--identity-pool-id",
                &ip_id,
                "--min-valid",
                "30",
            ])
            .args(["--identity-endpoint", endpoint])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, first, err) = creds(&moto.url, &[]);
    assert_eq!(code, Some(0), "{err}");
    let cached = read_store(&store)["profiles"]["default"]["identity"][&ip_id].clone();
    assert!(
        cached["identity_id"]
            .as_str()
            .is_some_and(|s| s.contains(':'))
    );

    // Fresh credentials come from the cache: not even a connection (the endpoint is dead).
    let (code, again, err) = creds("http://127.0.0.1:9/", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(again, first);
    // --no-cache asks Cognito, and says where it could not reach it.
    let (code, _, err) = creds("http://127.0.0.1:9/", &["--no-cache"]);
    assert_eq!(code, Some(4), "{err}");
    assert!(
        err.starts_with(
            "cognito credentials: cannot reach Cognito Identity at http://127.0.0.1:9/"
        ),
        "{err}"
    );

    // Close to expiry: fetched again, with the cached identity id (no GetId needed).
    let mut s = read_store(&store);
    let near = unix_now() + 20;
    s["profiles"]["default"]["identity"][&ip_id]["credentials"]["default"]["expiration"] =
        json!(near);
    std::fs::write(&store, serde_json::to_vec(&s).unwrap()).unwrap();
    let (code, _, err) = creds(&moto.url, &[]);
    assert_eq!(code, Some(0), "{err}");
    let after = read_store(&store)["profiles"]["default"]["identity"][&ip_id].clone();
    assert!(
        after["credentials"]["default"]["expiration"]
            .as_u64()
            .unwrap()
            > near + 30
    );
    assert_eq!(after["identity_id"], cached["identity_id"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&store).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // A role suffix when the token carries no roles: say what to configure.
    let (code, _, err) = creds(&moto.url, &["--role-suffix", "/analyst", "--no-cache"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("carries no roles") && err.contains("Choose role from token"),
        "{err}"
    );
}

// ---------------------------------------------------------------- completions and man page

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("t.json");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = cognito(&store)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("passwordless") && text.contains("credentials"),
            "{shell}"
        );
    }
    let out = cognito(&store).arg("man").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(".ie") || text.contains(".TH cognito"),
        "{text}"
    );
    assert!(text.contains("status"));
    let out = cognito(&store)
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn errors_share_one_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("none.json");
    for (args, prefix) in [
        (&["refresh"][..], "cognito refresh: "),
        (&["logout", "--profile", "x"][..], ""),
        (
            &["credentials", "--identity-pool-id", "eu-west-1:x"][..],
            "cognito credentials: ",
        ),
        (&["token", "--stored"][..], "cognito token: "),
        (&["login", "--client-id", "c"][..], "cognito login: "),
    ] {
        let out = cognito(&store)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if prefix.is_empty() {
            continue;
        }
        assert!(err.starts_with(prefix), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    }
}
