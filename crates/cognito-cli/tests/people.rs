//! The CLI as a person meets it, through the binary: prompts on a real pseudo-terminal
//! (passwords unechoed, new passwords twice, codes retried, choices), stdin answers without
//! prompt text, `token --stored`, `status`, cached identity-pool credentials, completions,
//! man page, and messages and exit codes for what goes wrong. Sign-in flows run against the
//! test-suite's Cognito peer (SRP proofs checked, choice-based, passwordless and custom
//! flows), the hosted UI against the test kit, identity pools against moto.
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use cognito_auth_testsuite::moto;
use cognito_auth_testsuite::peer::{self, ALIAS, CLIENT, PASSWORD, POOL, SECRET, USER_ID};
use serde_json::{Value, json};

fn cognito(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognito"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COGNITO_TOKEN_STORE", store);
    c
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn read_store(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------- a pseudo-terminal

/// A child process whose stdin, stdout and stderr are a pseudo-terminal that is also its
/// controlling terminal (so `/dev/tty` prompts work), and the terminal's other end.
struct Pty {
    master: std::fs::File,
    out: Arc<Mutex<Vec<u8>>>,
    seen: usize,
    child: std::process::Child,
}

impl Pty {
    fn spawn(mut cmd: Command) -> Pty {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors; the null pointers ask for defaults.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "openpty");
        // SAFETY: dup of a valid descriptor; each Stdio owns its copy.
        let io = || unsafe { Stdio::from_raw_fd(libc::dup(slave)) };
        cmd.stdin(io()).stdout(io()).stderr(io());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        // SAFETY: our copies of the descriptors; the child has its own.
        unsafe { libc::close(slave) };
        let master = unsafe { std::fs::File::from_raw_fd(master) };
        let out: Arc<Mutex<Vec<u8>>> = Arc::default();
        let (mut reader, sink) = (master.try_clone().unwrap(), out.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the child has exited and closed the terminal.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            out,
            seen: 0,
            child,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    /// Waits until `what` appears after what was already matched.
    fn expect(&mut self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.text();
            if let Some(i) = t[self.seen.min(t.len())..].find(what) {
                self.seen += i + what.len();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; the terminal shows:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn send(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    /// Exit code and everything the terminal showed.
    fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let code = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "still running:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        (code, self.text())
    }
}

/// The test-suite peer on a runtime of its own (the test thread drives the terminal).
fn start_peer() -> (tokio::runtime::Runtime, String, peer::Shared) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (url, state) = rt.block_on(peer::peer());
    (rt, url, state)
}

fn peer_login(store: &Path, url: &str, extra: &[&str]) -> Command {
    let mut c = cognito(store);
    c.args(["login", "--user-pool-id", POOL, "--client-id", CLIENT])
        .args(["--client-secret", SECRET, "--endpoint", url])
        .args(extra);
    c
}

// ---------------------------------------------------------------- prompts on a terminal

#[test]
fn terminal_srp_login_asks_for_the_user_and_hides_the_password() {
    let (_rt, url, _) = start_peer();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut t = Pty::spawn(peer_login(&store, &url, &["--srp"]));
    t.expect("User name: ");
    t.send(ALIAS);
    t.expect("Password: ");
    // An empty password is refused locally and asked again.
    t.send("");
    t.expect("the password cannot be empty");
    t.expect("Password: ");
    t.send(PASSWORD);
    t.expect("signed in; tokens stored in");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains(PASSWORD), "echo is off: {screen}");
    assert_eq!(
        read_store(&store)["profiles"]["default"]["username"],
        USER_ID
    );
}

#[test]
fn terminal_passwordless_code_is_retried_within_the_session() {
    let (_rt, url, state) = start_peer();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut t = Pty::spawn(peer_login(
        &store,
        &url,
        &["--passwordless", "email", "--username", ALIAS],
    ));
    t.expect("Code sent to a***@e***.com: ");
    t.send("00000000x");
    t.expect("the code is not correct; try again (attempt 2 of 3)");
    t.expect("Code sent to");
    let code = state.lock().unwrap().choice.inbox["EMAIL"].clone();
    t.send(&code);
    t.expect("signed in");
    let (exit, screen) = t.finish();
    assert_eq!(exit, 0, "{screen}");
}

#[test]
fn terminal_choice_prompt_offers_what_a_terminal_can_do() {
    let (_rt, url, state) = start_peer();
    // The user also has a passkey, which a terminal cannot use: it is not offered.
    state.lock().unwrap().choice.passkeys.push("cred-1".into());
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut t = Pty::spawn(peer_login(&store, &url, &["--choose", "--username", ALIAS]));
    t.expect("Sign in with (password, email, sms): ");
    t.send("fingerprint");
    t.expect("`fingerprint` is not one of: password, email, sms");
    t.expect("Sign in with (password, email, sms): ");
    t.send("password");
    t.expect("Password: ");
    t.send(PASSWORD);
    t.expect("signed in");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains(PASSWORD));
}

#[test]
fn terminal_custom_challenges_after_srp() {
    let (_rt, url, _) = start_peer();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut t = Pty::spawn(peer_login(
        &store,
        &url,
        &["--custom", "--srp", "--username", ALIAS],
    ));
    t.expect("Password: ");
    t.send(PASSWORD);
    t.expect("question: 2+2");
    t.expect("Answer: ");
    t.send("4");
    t.expect("question: 3*3");
    t.expect("Answer: ");
    t.send("9");
    t.expect("signed in");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
}

#[test]
fn terminal_new_password_is_asked_twice() {
    let Some(moto) = moto::Moto::from_env() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pool = rt.block_on(moto.pool("OFF", false));
    // A user created by an administrator: the first sign-in must set a new password.
    rt.block_on(moto.idp(
        "AdminCreateUser",
        json!({"UserPoolId": pool.id, "Username": "nina", "TemporaryPassword": "Temp-Pass-123",
               "MessageAction": "SUPPRESS"}),
    ));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut c = cognito(&store);
    c.args(["login", "--srp", "--user-pool-id", &pool.id])
        .args(["--client-id", &pool.client_id, "--endpoint", &moto.url])
        .args(["--username", "nina"]);
    let mut t = Pty::spawn(c);
    t.expect("Password: ");
    t.send("Temp-Pass-123");
    t.expect("A new password is required.");
    t.expect("New password: ");
    t.send("Brand-New-Pass-1");
    t.expect("New password again: ");
    t.send("Brand-New-Pass-2");
    t.expect("the two passwords differ");
    t.expect("New password: ");
    t.send("Brand-New-Pass-1");
    t.expect("New password again: ");
    t.send("Brand-New-Pass-1");
    t.expect("signed in");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("Brand-New-Pass"), "{screen}");
    // The new password works.
    let out = cognito(&store)
        .args(["login", "--srp", "--user-pool-id", &pool.id])
        .args(["--client-id", &pool.client_id, "--endpoint", &moto.url])
        .args(["--username", "nina", "--password-stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut ch| {
            ch.stdin.take().unwrap().write_all(b"Brand-New-Pass-1\n")?;
            ch.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

// ---------------------------------------------------------------- without a terminal

fn run_with_stdin(mut c: Command, stdin: &str) -> (i32, String) {
    let mut ch = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    ch.stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = ch.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_a_terminal_the_flag_is_named_and_stdin_answers_need_no_prompts() {
    let (_rt, url, state) = start_peer();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");

    // No terminal, no --password-stdin: say so and name the flag.
    let mut c = peer_login(&store, &url, &["--srp", "--username", ALIAS]);
    c.stdin(Stdio::null());
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("cognito login: there is no terminal") && err.contains("--password-stdin"),
        "{err}"
    );

    // An empty password from stdin is refused before any request.
    let before = state.lock().unwrap().log.len();
    let (code, err) = run_with_stdin(
        peer_login(
            &store,
            &url,
            &["--srp", "--username", ALIAS, "--password-stdin"],
        ),
        "\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no password given"), "{err}");
    assert_eq!(state.lock().unwrap().log.len(), before);

    // Passwordless over stdin: a wrong code, then the right one, no prompt text at all.
    let mut ch = peer_login(
        &store,
        &url,
        &[
            "--passwordless",
            "sms",
            "--username",
            ALIAS,
            "--password-stdin",
        ],
    )
    .stdin(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdin = ch.stdin.take().unwrap();
    stdin.write_all(b"1\n").unwrap();
    // The code is sent when the sign-in starts; wait for it, then answer.
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(c) = state.lock().unwrap().choice.inbox.get("SMS") {
            break c.clone();
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    };
    stdin.write_all(format!("{code}\n").as_bytes()).unwrap();
    drop(stdin);
    let out = ch.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("Code sent"), "no prompt text: {err}");
    assert!(err.contains("the code is not correct"), "{err}");
}

#[test]
fn unreachable_endpoints_name_the_url_and_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let mut c = cognito(&store);
    c.args([
        "login",
        "--srp",
        "--user-pool-id",
        POOL,
        "--client-id",
        CLIENT,
    ])
    .args(["--endpoint", "http://127.0.0.1:9/", "--username", ALIAS])
    .arg("--password-stdin");
    let (code, err) = run_with_stdin(c, "pw\n");
    assert_eq!(code, 4, "{err}");
    assert!(
        err.starts_with(
            "cognito login: cannot reach the user-pool endpoint http://127.0.0.1:9/ (set by --endpoint or COGNITO_IDP_ENDPOINT)"
        ),
        "{err}"
    );
    assert!(
        !err.contains("tcp connect"),
        "transport detail only with --verbose: {err}"
    );

    let mut c = cognito(&store);
    c.args(["--verbose", "login", "--srp", "--user-pool-id", POOL])
        .args(["--client-id", CLIENT, "--endpoint", "http://127.0.0.1:9/"])
        .args(["--username", ALIAS, "--password-stdin"]);
    let (code, err) = run_with_stdin(c, "pw\n");
    assert_eq!(code, 4);
    assert!(
        err.contains("cognito login: detail: InitiateAuth failed"),
        "{err}"
    );

    let out = cognito(&store)
        .args(["token", "--token-url", "http://127.0.0.1:9/oauth2/token"])
        .args(["--client-id", "c", "--client-secret", "s"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.starts_with(
            "cognito token: cannot reach the token endpoint http://127.0.0.1:9/oauth2/token"
        ),
        "{err}"
    );
}

// ---------------------------------------------------------------- stored logins

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
