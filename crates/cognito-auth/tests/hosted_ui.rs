//! Hosted-UI login: the loopback callback server driven by a real HTTP client, and the whole
//! PKCE flow against the test-kit issuer (authorization endpoint, code exchange with PKCE
//! verification, refresh, revocation).
#![cfg(feature = "hosted-ui")]

use std::sync::Arc;
use std::time::Duration;

use cognito_auth::hosted_ui::{
    CallbackServer, HostedUiClient, HostedUiError, LoginOptions, Pkce, Prompt,
};
use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{ClientSpec, LocalIssuer};

#[test]
fn pkce_rfc7636_vector_and_lengths() {
    let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    for len in [43, 64, 128] {
        let p = Pkce::with_length(len).unwrap();
        assert_eq!(p.verifier().len(), len);
        assert!(
            p.verifier()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
    assert!(Pkce::with_length(42).is_err());
    assert!(Pkce::with_length(129).is_err());
    assert_ne!(
        Pkce::new().unwrap().verifier(),
        Pkce::new().unwrap().verifier()
    );
    let p = Pkce::new().unwrap();
    assert!(!format!("{p:?}").contains(p.verifier()));
}

fn client(domain: &str, redirect: &str) -> HostedUiClient {
    HostedUiClient::builder()
        .domain(domain)
        .client_id("cli-app")
        .redirect_uri(redirect)
        .scopes(["openid", "email"])
        .build()
        .unwrap()
}

#[test]
fn authorization_url_carries_every_parameter() {
    let c = client(
        "https://example.auth.eu-west-1.amazoncognito.com",
        "http://localhost:8765/callback",
    );
    let opts = LoginOptions {
        identity_provider: Some("Google".into()),
        login_hint: Some("ann@example.com".into()),
        prompt: Some(Prompt::Login),
        ..LoginOptions::default()
    };
    let r = c
        .authorization_request("http://localhost:8765/callback", &opts)
        .unwrap();
    let u = url::Url::parse(&r.url).unwrap();
    assert_eq!(u.path(), "/oauth2/authorize");
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "cli-app");
    assert_eq!(q["redirect_uri"], "http://localhost:8765/callback");
    assert_eq!(q["scope"], "openid email");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"], r.pkce.challenge());
    assert_eq!(q["identity_provider"], "Google");
    assert_eq!(q["login_hint"], "ann@example.com");
    assert_eq!(q["prompt"], "login");
    assert!(r.state_matches(&q["state"]));
    assert!(q["state"].len() >= 43);
    let r2 = c
        .authorization_request("http://localhost:8765/callback", &opts)
        .unwrap();
    assert!(!r2.state_matches(&q["state"]), "fresh state per request");
}

async fn start(
    redirect: &str,
) -> (
    CallbackServer,
    cognito_auth::hosted_ui::AuthorizationRequest,
) {
    let server = CallbackServer::bind(redirect).await.unwrap();
    let c = client("https://example.auth.eu-west-1.amazoncognito.com", redirect);
    let req = c
        .authorization_request(server.redirect_uri(), &LoginOptions::default())
        .unwrap();
    (server, req)
}

fn state_of(req: &cognito_auth::hosted_ui::AuthorizationRequest) -> String {
    url::Url::parse(&req.url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn callback_with_the_right_state_yields_the_code() {
    let (server, req) = start("http://127.0.0.1:0/callback").await;
    let base = server.redirect_uri().to_owned();
    assert!(!base.contains(":0/"), "the real port: {base}");
    let state = state_of(&req);
    let browser = tokio::spawn(async move {
        let http = reqwest::Client::new();
        // Unrelated paths get 404 and do not end the flow.
        let favicon = http
            .get(base.replace("/callback", "/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(favicon.status(), 404);
        let resp = http
            .get(format!("{base}?code=the-code&state={state}"))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    });
    let code = server.wait(&req, Duration::from_secs(10)).await.unwrap();
    assert_eq!(code, "the-code");
    let (status, page) = browser.await.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Signed in"));
}

#[tokio::test]
async fn stray_requests_are_refused_and_the_login_keeps_waiting() {
    let (server, req) = start("http://127.0.0.1:0/cb").await;
    let base = server.redirect_uri().to_owned();
    let state = state_of(&req);
    let browser = tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut statuses = Vec::new();
        for stray in [
            base.clone(),
            format!("{base}?code=stolen"),
            format!("{base}?code=stolen&state=forged"),
            format!("{base}?error=access_denied&state=forged"),
            format!("{base}?code=a&state={state}&state=forged"),
            format!("{base}?code=a&code=b&state={state}"),
        ] {
            statuses.push(http.get(stray).send().await.unwrap().status().as_u16());
        }
        // The real redirect still completes the login...
        let real = http
            .get(format!("{base}?code=the-code&state={state}"))
            .send()
            .await
            .unwrap()
            .status();
        // ...and only once.
        let again = http
            .get(format!("{base}?code=other&state={state}"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        (statuses, real, again)
    });
    let code = server.wait(&req, Duration::from_secs(10)).await.unwrap();
    assert_eq!(code, "the-code");
    let (statuses, real, again) = browser.await.unwrap();
    assert_eq!(statuses, [400; 6]);
    assert_eq!(real, 200);
    assert!(again == 409 || again == 0, "{again}");
}

#[tokio::test]
async fn localhost_redirects_hold_both_loopback_addresses() {
    let (server, req) = start("http://localhost:0/cb").await;
    let addrs = server.local_addrs();
    let port = addrs[0].port();
    assert!(addrs.iter().any(|a| a.is_ipv4()));
    let v6 = std::net::TcpListener::bind(("::1", 0)).is_ok();
    if v6 {
        assert!(
            addrs.iter().any(|a| a.is_ipv6() && a.port() == port),
            "{addrs:?}"
        );
        // Nobody else can take [::1]:port while the login waits.
        assert!(std::net::TcpListener::bind(("::1", port)).is_err());
        // The callback arrives on either address.
        let url = format!("http://[::1]:{port}/cb?code=c6&state={}", state_of(&req));
        tokio::spawn(async move { reqwest::get(url).await.unwrap().status() });
        assert_eq!(
            server.wait(&req, Duration::from_secs(10)).await.unwrap(),
            "c6"
        );
    }
    // A port already held on [::1] by another program is refused, not shared.
    if v6 {
        let squatter = std::net::TcpListener::bind(("::1", 0)).unwrap();
        let port = squatter.local_addr().unwrap().port();
        let taken = CallbackServer::bind(&format!("http://localhost:{port}/cb")).await;
        assert!(matches!(taken, Err(HostedUiError::PortInUse(p)) if p == port));
    }
    // The default redirect is the IP literal (RFC 8252 §8.3).
    assert!(cognito_auth::hosted_ui::DEFAULT_REDIRECT_URI.starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn plain_http_domains_are_refused() {
    let b = || {
        HostedUiClient::builder()
            .client_id("c")
            .redirect_uri("http://127.0.0.1:0/cb")
    };
    assert!(matches!(
        b().domain("http://auth.example.com").build(),
        Err(HostedUiError::Config(m)) if m.contains("https")
    ));
    assert!(b().domain("auth.example.com").build().is_ok());
    assert!(b().domain("http://127.0.0.1:9").build().is_ok());
}

#[tokio::test]
async fn error_parameter_is_reported() {
    let (server, req) = start("http://127.0.0.1:0/callback").await;
    let url = format!(
        "{}?error=access_denied&error_description=User%20cancelled%20%3Cscript%3E&state={}",
        server.redirect_uri(),
        state_of(&req)
    );
    let browser = tokio::spawn(async move {
        let r = reqwest::get(url).await.unwrap();
        (r.status(), r.text().await.unwrap())
    });
    match server
        .wait(&req, Duration::from_secs(10))
        .await
        .unwrap_err()
    {
        HostedUiError::Authorization { error, description } => {
            assert_eq!(error, "access_denied");
            assert_eq!(description.as_deref(), Some("User cancelled <script>"));
        }
        other => panic!("{other:?}"),
    }
    let (status, page) = browser.await.unwrap();
    assert_eq!(status, 400);
    assert!(
        page.contains("&lt;script&gt;") && !page.contains("<script>"),
        "escaped: {page}"
    );
}

#[tokio::test]
async fn timeout_port_in_use_and_non_loopback() {
    let (server, req) = start("http://127.0.0.1:0/callback").await;
    let e = server
        .wait(&req, Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(e, HostedUiError::Timeout(_)));

    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port();
    let e = CallbackServer::bind(&format!("http://127.0.0.1:{port}/callback"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, HostedUiError::PortInUse(p) if p == port),
        "{e:?}"
    );
    assert!(e.to_string().contains(&port.to_string()));

    for bad in [
        "http://0.0.0.0:8765/callback",
        "http://example.com:8765/callback",
        "http://192.168.1.2:8765/cb",
    ] {
        assert!(
            matches!(
                CallbackServer::bind(bad).await.unwrap_err(),
                HostedUiError::NonLoopback(_)
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        CallbackServer::bind("https://127.0.0.1:8765/cb")
            .await
            .unwrap_err(),
        HostedUiError::Config(_)
    ));
    assert!(
        HostedUiClient::builder()
            .domain("https://x")
            .client_id("c")
            .redirect_uri("http://evil.com/cb")
            .build()
            .is_err()
    );
}

/// A "browser": follows the authorization redirect to the loopback callback.
fn scripted_browser() -> cognito_auth::hosted_ui::Opener {
    Arc::new(|url: &str| {
        let url = url.to_owned();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let r = http.get(&url).send().await.unwrap();
            let location = r.headers()["location"].to_str().unwrap().to_owned();
            http.get(location).send().await.unwrap();
        });
        Ok(())
    })
}

fn opts() -> LoginOptions {
    LoginOptions {
        opener: Some(scripted_browser()),
        print_url: false,
        timeout: Duration::from_secs(10),
        ..LoginOptions::default()
    }
}

async fn issuer() -> LocalIssuer {
    LocalIssuer::builder()
        .client(
            ClientSpec::public("cli-app")
                .scopes(["openid", "email"])
                .callback_urls(["http://127.0.0.1:0/callback"]),
        )
        .client(
            ClientSpec::new("web-app", "web-secret").callback_urls(["http://127.0.0.1:0/callback"]),
        )
        .start()
        .await
}

#[tokio::test]
async fn full_pkce_login_refresh_and_revoke() {
    let issuer = issuer().await;
    issuer.set_login_user("ann");
    let c = client(issuer.base_url(), "http://127.0.0.1:0/callback");
    let t = c.login(opts()).await.unwrap();
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Id)
        .any_client()
        .build()
        .unwrap();
    let id = verifier
        .verify(t.id_token.as_ref().unwrap().expose())
        .await
        .unwrap();
    assert_eq!(id.username(), Some("ann"));
    assert_eq!(id.client_id(), "cli-app");
    let rt = t.refresh_token.clone().unwrap();
    assert!(!format!("{t:?}").contains(rt.expose()));

    // Refresh keeps the refresh token when none is returned...
    let r = c.refresh(&rt).await.unwrap();
    assert_eq!(r.refresh_token.as_ref(), Some(&rt));
    assert_ne!(r.access_token, t.access_token);
    // ...and takes the new one when the server rotates.
    issuer.set_refresh_token_rotation(true);
    let rotated = c.refresh(&rt).await.unwrap();
    let new_rt = rotated.refresh_token.unwrap();
    assert_ne!(new_rt, rt);
    assert!(!issuer.refresh_token_is_active(rt.expose()));

    c.revoke(&new_rt).await.unwrap();
    assert!(!issuer.refresh_token_is_active(new_rt.expose()));
    match c.refresh(&new_rt).await.unwrap_err() {
        HostedUiError::Endpoint {
            status: 400, error, ..
        } => assert_eq!(error.as_deref(), Some("invalid_grant")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn confidential_client_and_login_errors() {
    let issuer = issuer().await;
    let c = HostedUiClient::builder()
        .domain(issuer.base_url())
        .client_id("web-app")
        .client_secret("web-secret")
        .redirect_uri("http://127.0.0.1:0/callback")
        .build()
        .unwrap();
    assert!(c.login(opts()).await.unwrap().refresh_token.is_some());

    issuer.fail_next_login("access_denied");
    assert!(
        matches!(c.login(opts()).await.unwrap_err(), HostedUiError::Authorization { error, .. } if error == "access_denied")
    );

    let wrong_secret = HostedUiClient::builder()
        .domain(issuer.base_url())
        .client_id("web-app")
        .client_secret("nope")
        .redirect_uri("http://127.0.0.1:0/callback")
        .build()
        .unwrap();
    let e = wrong_secret.login(opts()).await.unwrap_err();
    assert!(
        matches!(&e, HostedUiError::Endpoint { error: Some(code), .. } if code == "invalid_client"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_code_is_useless_without_its_pkce_verifier() {
    let issuer = issuer().await;
    let c = client(issuer.base_url(), "http://127.0.0.1:0/callback");
    let server = CallbackServer::bind("http://127.0.0.1:0/callback")
        .await
        .unwrap();
    let req = c
        .authorization_request(server.redirect_uri(), &LoginOptions::default())
        .unwrap();
    (scripted_browser())(&req.url).unwrap();
    let code = server.wait(&req, Duration::from_secs(10)).await.unwrap();
    let e = c
        .exchange_code(&code, &Pkce::new().unwrap(), &req.redirect_uri)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, HostedUiError::Endpoint { error: Some(code), .. } if code == "invalid_grant"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_huge_expires_in_saturates() {
    let issuer = issuer().await;
    let c = client(issuer.base_url(), "http://127.0.0.1:0/callback");
    issuer.push_token_faults([cognito_auth_testkit::Fault::body_200(
        serde_json::json!({"access_token": "a.b.c", "token_type": "Bearer", "expires_in": u64::MAX})
            .to_string(),
    )]);
    let t = c
        .refresh(&cognito_auth::secret::RefreshToken::new("rt"))
        .await
        .unwrap();
    assert!(
        t.expires_at
            > std::time::SystemTime::now() + std::time::Duration::from_secs(100 * 365 * 24 * 3600)
    );
    assert_eq!(t.expires_in.as_secs(), u64::MAX);
}
