//! Without a terminal: the flag is named, stdin answers need no prompts, unreachable endpoints.

use super::*;

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

    // Passwordless over stdin: the right code signs in, with no prompt text at all.
    let run_sms = |answer: &dyn Fn(&str) -> String| {
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
        state.lock().unwrap().choice.inbox.remove("SMS");
        // The code is sent when the sign-in starts; wait for it, then answer.
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Some(c) = state.lock().unwrap().choice.inbox.get("SMS") {
                break c.clone();
            }
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        };
        stdin
            .write_all(format!("{}\n", answer(&code)).as_bytes())
            .unwrap();
        drop(stdin);
        let out = ch.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run_sms(&|c: &str| c.to_owned());
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("Code sent"), "no prompt text: {err}");
    // A wrong code from a pipe: nobody will type another, so the sign-in ends as refused
    // (exit 1), not as a retry that fails later because stdin ended (exit 2).
    let (code, err) = run_sms(&|c: &str| if c == "1" { "2".into() } else { "1".into() });
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the code is not correct"), "{err}");
    assert!(!err.contains("stdin ended"), "{err}");
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
