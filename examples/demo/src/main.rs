//! `cargo run -p cognito-demo`: the whole toolkit on the embedded local issuer.

mod service;

use std::sync::Arc;

use cognito_auth::hosted_ui::{HostedUiClient, LoginOptions};
use cognito_auth::m2m::{M2mClient, TokenSource};
use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{ClientSpec, LocalIssuer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Log lines driven by RUST_LOG: `RUST_LOG=cognito_auth=debug` shows why each refused
    // request was refused (its reason code). Quiet by default.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::new("reporting-worker", "worker-secret").scopes(["orders/read"]))
        .client(
            ClientSpec::new("order-writer", "writer-secret")
                .scopes(["orders/read", "orders/write"]),
        )
        .client(ClientSpec::public("demo-cli").callback_urls(["http://127.0.0.1:0/callback"]))
        .start()
        .await;
    println!("local issuer:  {}", issuer.issuer());
    println!("JWKS:          {}\n", issuer.jwks_url());

    // 1. Mint and verify.
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .allowed_clients(["reporting-worker"])
        .required_scopes(["orders/read"])
        .build()?;
    let token = issuer
        .access_token()
        .client_id("reporting-worker")
        .scopes(["orders/read"])
        .sign();
    let verified = verifier.verify(&token).await?;
    println!(
        "[verify] accepted: client={} scopes={} exp={}",
        verified.client_id(),
        verified.scopes(),
        verified.exp()
    );
    for (label, bad) in [
        (
            "expired",
            issuer
                .access_token()
                .client_id("reporting-worker")
                .scopes(["orders/read"])
                .expired()
                .sign(),
        ),
        (
            "wrong scope",
            issuer
                .access_token()
                .client_id("reporting-worker")
                .scopes(["orders/write"])
                .sign(),
        ),
        (
            "forged key",
            issuer
                .access_token()
                .signing(cognito_auth_testkit::Signing::Rs256(
                    issuer.other_key().with_kid(issuer.current_key().kid()),
                ))
                .sign(),
        ),
    ] {
        let e = verifier.verify(&bad).await.unwrap_err();
        println!(
            "[verify] {label:<12} rejected: {} (HTTP {})",
            e.reason(),
            e.kind().http_status()
        );
    }

    // 2. A worker fetches a client-credentials token, cached and shared.
    let tokens = TokenSource::new(
        M2mClient::builder()
            .domain(issuer.base_url())
            .client_id("reporting-worker")
            .client_secret("worker-secret")
            .default_scopes("orders/read")
            .build()?,
    );
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let tokens = tokens.clone();
        tasks.push(tokio::spawn(async move { tokens.token().await }));
    }
    for t in tasks {
        t.await??;
    }
    let token = tokens.token().await?;
    println!(
        "\n[m2m]    100 concurrent callers, {} token request(s); token expires in {:?}",
        issuer.token_requests(),
        token.expires_in()
    );
    let verified = verifier.verify(token.secret()).await?;
    println!(
        "[m2m]    the API accepts it: client={} scopes={}",
        verified.client_id(),
        verified.scopes()
    );
    println!("[m2m]    Debug never shows secrets: {token:?}");

    // 3. An axum service protected by cognito-auth-axum, called by two M2M workers.
    let base = service::start(issuer.issuer()).await?;
    println!("\n[axum]   orders API on {base}");
    let writer = TokenSource::new(
        M2mClient::builder()
            .domain(issuer.base_url())
            .client_id("order-writer")
            .client_secret("writer-secret")
            .build()?,
    );
    let http = reqwest::Client::new();
    let calls: [(&str, &str, Option<&TokenSource>); 5] = [
        ("GET", "/orders", Some(&tokens)),
        ("POST", "/orders", Some(&tokens)),
        ("POST", "/orders", Some(&writer)),
        ("GET", "/orders", None),
        ("DELETE", "/orders", Some(&writer)),
    ];
    for (method, path, who) in calls {
        let mut req = http.request(method.parse()?, format!("{base}{path}"));
        let caller = match who {
            Some(src) => {
                req = req.headers(src.headers().await?);
                src.client().client_id().to_owned()
            }
            None => "anonymous".to_owned(),
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let www = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(|v| format!("  WWW-Authenticate: {v}"))
            .unwrap_or_default();
        let body = resp.text().await?;
        println!("[axum]   {caller:<16} {method:<6} {path} -> {status} {body}{www}");
    }

    // 4. A person at a terminal: hosted-UI login with PKCE through a loopback callback.
    //    A scripted "browser" follows the authorization redirect in place of a person.
    issuer.set_login_user("ann");
    let ui = HostedUiClient::builder()
        .domain(issuer.base_url())
        .client_id("demo-cli")
        .redirect_uri("http://127.0.0.1:0/callback")
        .scopes(["openid", "email"])
        .build()?;
    let browser: cognito_auth::hosted_ui::Opener = Arc::new(|url: &str| {
        let url = url.to_owned();
        tokio::spawn(async move {
            let result = async {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?;
                let r = http.get(&url).send().await?;
                if let Some(to) = r.headers().get("location").and_then(|v| v.to_str().ok()) {
                    http.get(to).send().await?;
                }
                Ok::<_, reqwest::Error>(())
            }
            .await;
            if let Err(e) = result {
                eprintln!("[login]  the scripted browser failed: {e}");
            }
        });
        Ok(())
    });
    let tokens = ui
        .login(LoginOptions {
            opener: Some(browser),
            print_url: false,
            timeout: std::time::Duration::from_secs(10),
            ..LoginOptions::default()
        })
        .await?;
    let id_verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Id)
        .allowed_clients(["demo-cli"])
        .build()?;
    let id = id_verifier
        .verify(
            tokens
                .id_token
                .as_ref()
                .map(|t| t.expose())
                .unwrap_or_default(),
        )
        .await?;
    println!(
        "\n[login]  hosted UI + PKCE: signed in as {} (refresh token kept: {})",
        id.username().unwrap_or("?"),
        tokens.refresh_token.is_some()
    );
    let refreshed = ui
        .refresh(tokens.refresh_token.as_ref().ok_or("no refresh token")?)
        .await?;
    println!(
        "[login]  refreshed without a browser; new access token: {}",
        refreshed.access_token != tokens.access_token
    );
    Ok(())
}
