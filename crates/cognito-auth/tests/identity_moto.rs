//! Identity pools against moto (GetId, GetCredentialsForIdentity), through a recording proxy
//! that counts calls; role selection by suffix; two-layer freshness; and the
//! ProvideCredentials implementation driving a real aws-sdk-rust STS call against moto.
#![cfg(all(feature = "aws-credentials", feature = "user"))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use cognito_auth::identity::{
    CognitoCredentials, IdentityError, IdentityPoolClient, RoleChoice, TokenRefresher, UserTokens,
};
use cognito_auth::secret::IdToken;
use cognito_auth::user::SignInStep;
use cognito_auth_testsuite::moto::{Moto, Pool};
use serde_json::{Value, json};

type Log = Arc<Mutex<Vec<(String, Value)>>>;

/// Forwards to moto and records (X-Amz-Target, body) of every request.
async fn recording_proxy(upstream: String) -> (String, Log) {
    let log: Log = Arc::default();
    let state = (upstream, log.clone(), reqwest::Client::new());
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::post(
                |axum::extract::State((up, log, http)): axum::extract::State<(
                    String,
                    Log,
                    reqwest::Client,
                )>,
                 headers: axum::http::HeaderMap,
                 body: String| async move {
                    let target = headers["x-amz-target"].to_str().unwrap().to_owned();
                    log.lock().unwrap().push((
                        target.clone(),
                        serde_json::from_str(&body).unwrap_or(Value::Null),
                    ));
                    let r = http
                        .post(&up)
                        .header("x-amz-target", target)
                        .header("content-type", "application/x-amz-json-1.1")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    let status = axum::http::StatusCode::from_u16(r.status().as_u16()).unwrap();
                    (status, r.text().await.unwrap())
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, log)
}

fn count(log: &Log, op: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| t.ends_with(op))
        .count()
}

struct Setup {
    moto: Moto,
    pool: Pool,
    identity_pool_id: String,
    proxy: String,
    log: Log,
}

async fn setup() -> Option<Setup> {
    let moto = Moto::from_env()?;
    let pool = moto.pool("OFF", false).await;
    moto.user(&pool, "ida", "Ida-Password-1", json!([])).await;
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{}", pool.id);
    let ip = moto
        .identity(
            "CreateIdentityPool",
            json!({
                "IdentityPoolName": format!("ip{}", cognito_auth_testkit::random_id(6)),
                "AllowUnauthenticatedIdentities": true,
                "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": pool.client_id}],
            }),
        )
        .await;
    let (proxy, log) = recording_proxy(moto.url.clone()).await;
    Some(Setup {
        identity_pool_id: ip["IdentityPoolId"].as_str().unwrap().to_owned(),
        moto,
        pool,
        proxy,
        log,
    })
}

fn identity(s: &Setup) -> IdentityPoolClient {
    IdentityPoolClient::builder()
        .identity_pool_id(&s.identity_pool_id)
        .user_pool(&s.pool.id)
        .endpoint(&s.proxy)
        .build()
        .unwrap()
}

async fn sign_in(s: &Setup) -> cognito_auth::user::Session {
    match s
        .moto
        .client(&s.pool)
        .sign_in_password("ida", "Ida-Password-1")
        .await
        .unwrap()
    {
        SignInStep::Done(session) => session,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn credentials_for_a_signed_in_user_and_for_a_guest() {
    let Some(s) = setup().await else { return };
    let session = sign_in(&s).await;
    let id = identity(&s);
    let c = id
        .credentials_for_id_token(session.id_token.as_ref().unwrap(), &RoleChoice::Default)
        .await
        .unwrap();
    assert!(!c.access_key_id.is_empty());
    assert!(c.expiration > SystemTime::now());
    assert!(c.identity_id.starts_with("us-east-1:"));
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(c.secret_access_key.expose()) && !dbg.contains(c.session_token.expose()));
    // The Logins map names the user pool and carries the ID token.
    let log = s.log.lock().unwrap().clone();
    let get_id = &log.iter().find(|(t, _)| t.ends_with("GetId")).unwrap().1;
    let key = format!("cognito-idp.us-east-1.amazonaws.com/{}", s.pool.id);
    assert_eq!(
        get_id["Logins"][&key],
        session.id_token.as_ref().unwrap().expose()
    );
    assert_eq!(get_id["IdentityPoolId"], s.identity_pool_id.as_str());

    let guest = id.unauthenticated_credentials().await.unwrap();
    assert!(!guest.access_key_id.is_empty());
    let last = s.log.lock().unwrap().last().cloned().unwrap();
    assert!(last.1.get("Logins").is_none(), "guests send no Logins");
}

#[tokio::test]
async fn custom_role_by_suffix() {
    let Some(s) = setup().await else { return };
    let issuer = cognito_auth_testkit::LocalIssuer::start().await;
    let roles =
        |r: &[&str]| IdToken::new(issuer.id_token().claim("cognito:roles", json!(r)).sign());
    let id = identity(&s);
    let token = roles(&[
        "arn:aws:iam::123456789012:role/app-reader",
        "arn:aws:iam::123456789012:role/app-admin",
    ]);
    id.credentials_for_id_token(&token, &RoleChoice::Suffix("/app-admin".into()))
        .await
        .unwrap();
    let sent = s.log.lock().unwrap().last().cloned().unwrap();
    assert!(sent.0.ends_with("GetCredentialsForIdentity"));
    assert_eq!(
        sent.1["CustomRoleArn"],
        "arn:aws:iam::123456789012:role/app-admin"
    );

    let calls_before = s.log.lock().unwrap().len();
    match id
        .credentials_for_id_token(&token, &RoleChoice::Suffix("/auditor".into()))
        .await
        .unwrap_err()
    {
        IdentityError::RoleNotFound { candidates, .. } => assert_eq!(candidates.len(), 2),
        e => panic!("{e:?}"),
    }
    let ambiguous = roles(&["arn:aws:iam::1:role/x-admin", "arn:aws:iam::2:role/y-admin"]);
    match id
        .credentials_for_id_token(&ambiguous, &RoleChoice::Suffix("-admin".into()))
        .await
        .unwrap_err()
    {
        IdentityError::AmbiguousRole { candidates, .. } => assert_eq!(
            candidates,
            ["arn:aws:iam::1:role/x-admin", "arn:aws:iam::2:role/y-admin"]
        ),
        e => panic!("{e:?}"),
    }
    assert_eq!(
        s.log.lock().unwrap().len(),
        calls_before,
        "no request when the role cannot be chosen"
    );
}

fn tokens(session: &cognito_auth::user::Session, expires_at: u64) -> UserTokens {
    UserTokens::new(
        session.access_token.clone(),
        session.id_token.clone(),
        session.refresh_token.clone(),
        std::time::UNIX_EPOCH + Duration::from_secs(expires_at),
    )
    .username(session.username.clone())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn two_layer_freshness() {
    let Some(s) = setup().await else { return };
    let session = sign_in(&s).await;
    let refresher: Arc<dyn TokenRefresher> = Arc::new(s.moto.client(&s.pool));
    // The ID token is about to expire (10 s left, 60 s margin): the user-pool tokens are
    // refreshed first, then AWS credentials are fetched with the new ID token.
    let creds = CognitoCredentials::new(
        identity(&s),
        tokens(&session, unix_now() + 10),
        Some(refresher),
        RoleChoice::Default,
        Duration::from_secs(60),
    );
    let c1 = creds
        .ensure_credentials(Duration::from_secs(60))
        .await
        .unwrap();
    let t = creds.tokens();
    assert!(
        t.expires_at > SystemTime::now() + Duration::from_secs(3000),
        "user-pool tokens refreshed"
    );
    assert_ne!(t.id_token, session.id_token.clone());
    assert_eq!(t.refresh_token, session.refresh_token, "refresh token kept");
    assert_eq!(count(&s.log, "GetCredentialsForIdentity"), 1);
    // Fresh (moto's credentials last 90 s, 60 s margin): served from memory.
    let c2 = creds
        .ensure_credentials(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(c2.expiration, c1.expiration);
    assert_eq!(count(&s.log, "GetCredentialsForIdentity"), 1);
    // Within the margin: fetched again.
    creds
        .ensure_credentials(Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(count(&s.log, "GetCredentialsForIdentity"), 2);

    // Expired ID token and no refresher: a typed error, no request.
    let stale = CognitoCredentials::new(
        identity(&s),
        tokens(&session, unix_now() - 5),
        None,
        RoleChoice::Default,
        Duration::from_secs(60),
    );
    assert!(matches!(
        stale
            .ensure_credentials(Duration::from_secs(60))
            .await
            .unwrap_err(),
        IdentityError::Refresh(_)
    ));
}

#[tokio::test]
async fn provide_credentials_drives_an_sdk_call_and_shares_refreshes() {
    let Some(s) = setup().await else { return };
    let session = sign_in(&s).await;
    let refresher: Arc<dyn TokenRefresher> = Arc::new(s.moto.client(&s.pool));
    let provider = CognitoCredentials::new(
        identity(&s),
        tokens(
            &session,
            session
                .expires_at
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        ),
        Some(refresher),
        RoleChoice::Default,
        Duration::from_secs(30),
    );

    // Concurrent first use: one GetId + GetCredentialsForIdentity.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let p = provider.clone();
        tasks.push(tokio::spawn(async move {
            p.provide_credentials()
                .await
                .map(|c| c.access_key_id().to_owned())
        }));
    }
    for t in tasks {
        assert!(!t.await.unwrap().unwrap().is_empty());
    }
    assert_eq!(count(&s.log, "GetCredentialsForIdentity"), 1);

    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&s.moto.url)
            .credentials_provider(provider.clone())
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1))
            .build(),
    );
    let who = sts.get_caller_identity().send().await.unwrap();
    assert!(who.account().is_some());
    assert_eq!(
        count(&s.log, "GetCredentialsForIdentity"),
        1,
        "the SDK used the cached credentials"
    );

    // With a margin beyond moto's 90 s lifetime every use refreshes; the SDK call still works.
    let eager = CognitoCredentials::new(
        identity(&s),
        tokens(
            &session,
            session
                .expires_at
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        ),
        None,
        RoleChoice::Default,
        Duration::from_secs(120),
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&s.moto.url)
            .credentials_provider(eager)
            .identity_cache(aws_sdk_sts::config::IdentityCache::no_cache())
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1))
            .build(),
    );
    sts.get_caller_identity().send().await.unwrap();
    sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        count(&s.log, "GetCredentialsForIdentity"),
        3,
        "two refreshes"
    );
}
