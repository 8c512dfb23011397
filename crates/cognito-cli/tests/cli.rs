//! The `cognito` binary against the local issuer.

use std::process::Stdio;

use cognito_auth_testkit::{Fault, LocalIssuer};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

fn cognito() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognito"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

async fn run(cmd: &mut Command, stdin: Option<&str>) -> (i32, Vec<Value>, String) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).await.unwrap();
    }
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap(),
        lines,
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn verify_arguments_and_exit_codes() {
    let issuer = LocalIssuer::start().await;
    let good = issuer
        .access_token()
        .client_id("c1")
        .scopes(["a/read"])
        .sign();
    let (code, lines, _) = run(
        cognito().args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
            "--any-client",
            &good,
        ]),
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["claims"]["client_id"], "c1");

    let (code, lines, _) = run(
        cognito().args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
            "--any-client",
            "--scope",
            "a/write",
            &good,
        ]),
        None,
    )
    .await;
    assert_eq!(code, 3);
    assert_eq!(lines[0]["valid"], false);
    assert_eq!(lines[0]["error"]["kind"], "forbidden");
    assert_eq!(lines[0]["error"]["reason"], "insufficient_scope");
    assert_eq!(lines[0]["error"]["required_scopes"][0], "a/write");
}

#[tokio::test]
async fn verify_batch_from_stdin_exits_with_the_worst() {
    let issuer = LocalIssuer::start().await;
    let good = issuer.access_token().client_id("c1").sign();
    let expired = issuer.access_token().client_id("c1").expired().sign();
    let other_client = issuer.access_token().client_id("c2").sign();
    let input = format!(
        "{good}\n\n{expired}\n{other_client}\n{}\nnot-a-token\n",
        "x".repeat(70_000)
    );
    let (code, lines, _) = run(
        cognito()
            .args([
                "verify",
                "--issuer",
                issuer.issuer(),
                "--token-use",
                "access",
                "-",
            ])
            .env("COGNITO_CLIENT_IDS", "c1"),
        Some(&input),
    )
    .await;
    assert_eq!(code, 3, "forbidden (3) is the worst of 0, 1, 3");
    let reasons: Vec<&str> = lines
        .iter()
        .map(|l| l["error"]["reason"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        reasons,
        [
            "ok",
            "expired",
            "client_not_allowed",
            "token_too_large",
            "malformed"
        ]
    );
    for l in &lines {
        assert!(!l.to_string().contains(&good), "output never echoes tokens");
    }
}

#[tokio::test]
async fn verify_reports_unavailable_and_usage_errors() {
    let issuer = LocalIssuer::start().await;
    issuer.set_jwks_fault(Fault::status(503));
    let t = issuer.access_token().sign();
    let (code, lines, _) = run(
        cognito().args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
            "--any-client",
            &t,
        ]),
        None,
    )
    .await;
    assert_eq!(code, 4);
    assert_eq!(lines[0]["error"]["kind"], "unavailable");

    let (code, _, err) = run(
        cognito().args(["verify", "--token-use", "access", "--any-client", &t]),
        None,
    )
    .await;
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(
        cognito().args(["verify", "--issuer", issuer.issuer(), "--any-client", &t]),
        None,
    )
    .await;
    assert_eq!(code, 2, "--token-use is required");
    let (code, _, err) = run(
        cognito().args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
            &t,
        ]),
        None,
    )
    .await;
    assert_eq!(code, 2, "the client rule is required");
    assert!(err.contains("--any-client"), "{err}");
}

#[tokio::test]
async fn verify_with_jwks_file_and_separate_jwks_url() {
    let issuer = LocalIssuer::builder()
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x")
        .pool_id("us-east-1_x")
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, issuer.jwks_json()).unwrap();
    let t = issuer.access_token().sign();
    let (code, lines, _) = run(
        cognito()
            .args([
                "verify",
                "--user-pool-id",
                "us-east-1_x",
                "--token-use",
                "access",
                "--any-client",
                "--jwks-file",
            ])
            .arg(&file)
            .arg(&t),
        None,
    )
    .await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(issuer.jwks_requests(), 0);
    let (code, _, _) = run(
        cognito()
            .args(["verify", "--token-use", "access", &t])
            .env("COGNITO_CLIENT_IDS", "*")
            .env("COGNITO_USER_POOL_ID", "us-east-1_x")
            .env("COGNITO_JWKS_URL", issuer.jwks_url()),
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn decode_is_labelled_unverified() {
    let issuer = LocalIssuer::start().await;
    let t = issuer.access_token().client_id("c9").sign();
    let out = cognito().args(["decode", &t]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert!(v["warning"].as_str().unwrap().contains("UNVERIFIED"));
    assert_eq!(v["payload"]["client_id"], "c9");
    assert_eq!(v["header"]["alg"], "RS256");
    let out = cognito()
        .args(["decode", "garbage"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn local_issuer_runs_in_the_foreground() {
    let mut child = cognito()
        .args([
            "local",
            "--client",
            "w1:s1:x/read,x/write",
            "--token-lifetime",
            "900",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut token_url = None;
    let mut sample = None;
    let mut try_line = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(u) = line.trim().strip_prefix("token endpoint:") {
            token_url = Some(u.trim().to_owned());
        }
        if let Some(t) = line.trim().strip_prefix("sample token:") {
            sample = Some(t.trim().to_owned());
        }
        if let Some(t) = line.trim().strip_prefix("try: cognito ") {
            try_line = Some(t.to_owned());
            break;
        }
    }
    let token_url = token_url.expect("token endpoint printed");
    let resp = reqwest::Client::new()
        .post(&token_url)
        .basic_auth("w1", Some("s1"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=x%2Fread")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["token_type"], "Bearer");

    // The sample token is the configured client's, with its scopes and lifetime.
    let claims = cognito_auth::unverified::decode_unverified(&sample.expect("sample printed"))
        .unwrap()
        .payload;
    assert_eq!(claims["client_id"], "w1");
    assert_eq!(claims["scope"], "x/read x/write");
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!((895..=905).contains(&lifetime), "{lifetime}");
    // The printed command works as printed.
    let args: Vec<String> = try_line
        .expect("try: printed")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let (code, out, err) = run(cognito().args(&args), None).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out[0]["valid"], true, "{out:?}");
    child.kill().await.unwrap();
}

/// A taken port is a usage error (exit 2) that says so, not a panic.
#[tokio::test]
async fn local_on_a_taken_port_says_so() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, _, err) = run(cognito().args(["local", "--port", &port]), None).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("cognito local: port {port} is in use")),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn token_prints_the_access_token_or_json() {
    let issuer = LocalIssuer::builder()
        .client(
            cognito_auth_testkit::ClientSpec::new("w1", "s3cr3t-cli").scopes(["x/read", "x/write"]),
        )
        .start()
        .await;
    let out = cognito()
        .args([
            "token",
            "--token-url",
            &issuer.token_url(),
            "--client-id",
            "w1",
            "--scope",
            "x/read",
        ])
        .env("COGNITO_CLIENT_SECRET", "s3cr3t-cli")
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(token.split('.').count(), 3);
    let (code, lines, _) = run(
        cognito().args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
            "--any-client",
            "--scope",
            "x/read",
            &token,
        ]),
        None,
    )
    .await;
    assert_eq!(code, 0, "{lines:?}");

    let out = cognito()
        .args([
            "token",
            "--domain",
            issuer.base_url(),
            "--json",
            "--auth",
            "body",
        ])
        .env("COGNITO_CLIENT_ID", "w1")
        .env("COGNITO_CLIENT_SECRET", "s3cr3t-cli")
        .env("COGNITO_SCOPES", "x/read,x/write")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["scope"], "x/read x/write");

    let out = cognito()
        .args([
            "token",
            "--token-url",
            &issuer.token_url(),
            "--client-id",
            "w1",
        ])
        .env("COGNITO_CLIENT_SECRET", "wrong-secret-zz")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("invalid_client"), "{err}");
    assert!(!err.contains("wrong-secret-zz"));

    // Every attempt (the first and three retries) fails with 503: "unavailable", exit 4.
    issuer.reset_counters();
    issuer.push_token_faults(std::iter::repeat_n(Fault::status(503), 4));
    let out = cognito()
        .args([
            "token",
            "--token-url",
            &issuer.token_url(),
            "--client-id",
            "w1",
        ])
        .env("COGNITO_CLIENT_SECRET", "s3cr3t-cli")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        issuer.token_requests(),
        4,
        "5xx answers are retried, boundedly"
    );
}

/// A large batch is verified on every core and written in input order, valid and invalid
/// tokens interleaved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_batch_keeps_input_order() {
    let issuer = LocalIssuer::start().await;
    let mut input = String::new();
    let mut expected = Vec::new();
    for i in 0..600u32 {
        if i % 7 == 3 {
            input.push_str("not-a-token\n");
            expected.push(None);
        } else {
            let t = issuer.access_token().client_id("c1").claim("n", i).sign();
            input.push_str(&t);
            input.push('\n');
            expected.push(Some(i));
        }
    }
    let (code, lines, _) = run(
        cognito().args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
            "--client-id",
            "c1",
        ]),
        Some(&input),
    )
    .await;
    assert_eq!(code, 1);
    let got: Vec<Option<u32>> = lines
        .iter()
        .map(|l| (l["valid"] == true).then(|| l["claims"]["n"].as_u64().unwrap() as u32))
        .collect();
    assert_eq!(got, expected);
}

/// An interactive pipe gets each verdict as soon as its line is in, without closing stdin:
/// output is flushed whenever no more input is queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_answers_each_line_of_an_open_pipe() {
    let issuer = LocalIssuer::start().await;
    let mut child = cognito()
        .args(["verify", "--issuer", issuer.issuer()])
        .args(["--token-use", "access", "--any-client"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    for i in 0..3 {
        let t = issuer.access_token().client_id("c").claim("n", i).sign();
        stdin.write_all(format!("{t}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), out.next_line())
            .await
            .expect("the verdict arrives while stdin stays open")
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["claims"]["n"], i);
    }
    drop(stdin);
    assert!(child.wait().await.unwrap().success());
}

/// `cognito token --cache`: runs share one token through Redis; an unreachable Redis only
/// costs the sharing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_runs_share_one_token_through_redis() {
    let redis = match std::env::var("COGNITO_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(std::env::var("COGNITO_TEST_REQUIRE_SERVICES").is_err());
            eprintln!("skipping: Redis is not running");
            return;
        }
    };
    let issuer = LocalIssuer::builder()
        .client(
            cognito_auth_testkit::ClientSpec::new("cli-m2m", "cli-m2m-secret").scopes(["a/read"]),
        )
        .start()
        .await;
    let run = |cache: &str| {
        let mut c = cognito();
        c.args([
            "token",
            "--token-url",
            &issuer.token_url(),
            "--client-id",
            "cli-m2m",
        ])
        .args(["--scope", "a/read", "--cache", cache])
        .env("COGNITO_CLIENT_SECRET", "cli-m2m-secret");
        c
    };
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let out = run(&redis).output().await.unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokens.push(String::from_utf8(out.stdout).unwrap());
    }
    assert_eq!(issuer.token_requests(), 1, "three runs, one billed request");
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    let out = run("redis://127.0.0.1:9").output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        issuer.token_requests(),
        2,
        "no Redis: the run fetched its own"
    );
}

/// `cognito token --cache rediss://… --cache-ca-file ca.pem`: TLS to a real
/// `redis-server --tls-port` whose certificate a CA made here signed (before: "the feature is
/// not enabled").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cache_over_tls_with_a_private_ca() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};
    if std::env::var("COGNITO_TEST_REDIS_URL").is_err() {
        assert!(std::env::var("COGNITO_TEST_REQUIRE_SERVICES").is_err());
        eprintln!("skipping: Redis is not running");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let mut server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let key = KeyPair::generate().unwrap();
    let cert = server.signed_by(&key, &ca).unwrap();
    let (ca_pem, cert_pem, key_pem) = (
        dir.path().join("ca.pem"),
        dir.path().join("server.pem"),
        dir.path().join("server.key"),
    );
    std::fs::write(&ca_pem, ca.pem()).unwrap();
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    std::fs::write(&key_pem, key.serialize_pem()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = std::env::var("COGNITO_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    let mut server = std::process::Command::new(bin)
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir.path())
        .args(["--tls-port", &port.to_string(), "--tls-auth-clients", "no"])
        .arg("--tls-cert-file")
        .arg(&cert_pem)
        .arg("--tls-key-file")
        .arg(&key_pem)
        .arg("--tls-ca-cert-file")
        .arg(&ca_pem)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "redis did not start");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let issuer = LocalIssuer::builder()
        .client(
            cognito_auth_testkit::ClientSpec::new("cli-tls", "cli-tls-secret").scopes(["a/read"]),
        )
        .start()
        .await;
    let cache = format!("rediss://127.0.0.1:{port}");
    for _ in 0..3 {
        let out = cognito()
            .args([
                "token",
                "--token-url",
                &issuer.token_url(),
                "--client-id",
                "cli-tls",
            ])
            .args(["--scope", "a/read", "--cache", &cache, "--cache-ca-file"])
            .arg(&ca_pem)
            .env("COGNITO_CLIENT_SECRET", "cli-tls-secret")
            .output()
            .await
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        issuer.token_requests(),
        1,
        "three runs shared one token over TLS"
    );
}

/// Diagnoses that name the real cause: a pasted `Bearer …` is the token; a wrong issuer
/// shows the token's `iss` and the trusted ones; `token` lists every missing flag; a remote
/// `http://` domain names what the CLI allows; the exit codes are in `--help`.
#[tokio::test]
async fn diagnoses_name_the_real_cause() {
    let issuer = LocalIssuer::start().await;
    let good = issuer
        .access_token()
        .client_id("c1")
        .scopes(["a/read"])
        .sign();
    let verify = |extra: &[&str]| {
        let mut c = cognito();
        c.args([
            "verify",
            "--issuer",
            issuer.issuer(),
            "--token-use",
            "access",
        ])
        .args(["--client-id", "c1"])
        .args(extra);
        c
    };
    // Pasted with its scheme, as an argument or on stdin.
    let (code, out, err) = run(&mut verify(&[&format!("Bearer {good}")]), None).await;
    assert_eq!(code, 0, "{err} {out:?}");
    let (code, out, _) = run(&mut verify(&[]), Some(&format!("Bearer {good}\n"))).await;
    assert_eq!(code, 0, "{out:?}");
    // Another pool's token (here: the trusted issuer with a trailing slash).
    let other_iss = format!("{}/", issuer.issuer());
    let foreign = issuer
        .access_token()
        .issuer(&other_iss)
        .client_id("c1")
        .sign();
    let (code, out, _) = run(&mut verify(&[&foreign]), None).await;
    assert_eq!(code, 1);
    let msg = out[0]["error"]["message"].as_str().unwrap();
    assert_eq!(out[0]["error"]["reason"], "wrong_issuer");
    assert!(
        msg.contains(&other_iss) && msg.contains(issuer.issuer()),
        "{msg}"
    );
    // `decode` takes the pasted form too.
    let decoded = cognito()
        .args(["decode", &format!("Bearer {good}")])
        .output()
        .await
        .unwrap();
    assert_eq!(
        decoded.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&decoded.stderr)
    );

    // Every missing flag of `token`, at once.
    let (code, _, err) = run(cognito().args(["token"]), None).await;
    assert_eq!(code, 2);
    for flag in ["--domain", "--client-id", "--client-secret"] {
        assert!(err.contains(flag), "{flag} missing from: {err}");
    }
    // A remote plain-http domain: what the CLI allows, not a library call.
    let (code, _, err) = run(
        cognito()
            .args(["token", "--domain", "http://auth.example.com"])
            .args(["--client-id", "x", "--client-secret", "y"]),
        None,
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("HttpConfig"), "{err}");
    assert!(err.contains("127.0.0.1 and localhost"), "{err}");

    // The exit codes, in --help and in the man page.
    let help = cognito().arg("--help").output().await.unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let man = cognito().arg("man").output().await.unwrap();
    let man = String::from_utf8_lossy(&man.stdout);
    for text in [&help, &man] {
        assert!(text.contains("Exit codes"), "{text}");
        assert!(
            text.contains("forbidden") && text.contains("unavailable"),
            "{text}"
        );
    }
}
