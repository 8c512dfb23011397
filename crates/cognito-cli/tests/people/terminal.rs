//! Prompts on a real pseudo-terminal: hidden passwords, codes retried, choices, new passwords twice.

use super::*;

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
    t.expect("the code is not correct (a code is made of digits); try again (attempt 2 of 3)");
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

/// `cognito verify` with no token argument, at a terminal: it says it reads tokens from
/// stdin instead of waiting in silence, then verifies what is typed.
#[test]
fn verify_at_a_terminal_says_it_reads_stdin() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let issuer = rt.block_on(LocalIssuer::builder().start());
    let token = issuer.access_token().client_id("c1").sign();
    let dir = tempfile::tempdir().unwrap();
    let mut c = cognito(&dir.path().join("tokens.json"));
    c.args([
        "verify",
        "--issuer",
        issuer.issuer(),
        "--token-use",
        "access",
    ])
    .args(["--client-id", "c1"]);
    let mut t = Pty::spawn(c);
    t.expect("reading tokens from stdin");
    t.send(&token);
    t.expect("\"valid\":true");
    // End of input (Ctrl-D at the start of a line).
    t.master.write_all(&[4]).unwrap();
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
}
