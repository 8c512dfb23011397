//! The boundaries around the verifier, tried as an attacker would: the JWKS epoch race,
//! plain-http endpoints, identifiers that would redirect URLs, the explicit client policy and
//! time arithmetic at its limits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use cognito_auth::HttpConfig;
use cognito_auth::verify::{ConfigError, PoolConfig, Reason, TokenUse, Verifier, VerifierBuilder};
use cognito_auth_testkit::{LocalIssuer, Signing, SigningKey};

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

/// Threads verify a token of key A while A is removed from the JWKS and the verifier
/// refreshes, then A is published again, many times over. Once a refresh without A has
/// completed, no verification that starts afterwards may accept the token: not from the key
/// set, and not from the verified-token cache (whose entries carry the epoch of the key set
/// they were verified with, published in the same snapshot as the keys).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removed_key_is_never_accepted_after_the_refresh_that_removed_it() {
    let issuer = LocalIssuer::start().await;
    let key_a = SigningKey::generate();
    issuer.publish_key(key_a.clone());
    let token_a = issuer
        .access_token()
        .client_id("svc")
        .signing(Signing::Rs256(key_a.clone()))
        .sign();
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .jwks_config(
            cognito_auth::jwks::JwksConfig::default()
                .unknown_kid_cooldown(Duration::from_secs(3600)),
        )
        .build()
        .unwrap();
    verifier.hydrate().await.unwrap();
    verifier.verify(&token_a).await.unwrap();

    // Phase, in the low bits of a generation counter bumped at every change:
    // 0: A published and loaded; 1: changing; 2: a refresh without A has completed.
    let phase = Arc::new(AtomicU64::new(0));
    let set = |p: &AtomicU64, v: u64| {
        let cur = p.load(Ordering::Acquire);
        p.store(((cur >> 2) + 1) << 2 | v, Ordering::Release);
    };
    let stop = Arc::new(AtomicBool::new(false));
    let violations = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..6 {
        let (v, t) = (verifier.clone(), token_a.clone());
        let (phase, stop, violations, accepted) = (
            phase.clone(),
            stop.clone(),
            violations.clone(),
            accepted.clone(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Acquire) {
                let before = phase.load(Ordering::Acquire);
                let ok = v.verify(&t).await.is_ok();
                let after = phase.load(Ordering::Acquire);
                if ok {
                    accepted.fetch_add(1, Ordering::Relaxed);
                    // Started and finished within one "removed" period: A was gone for
                    // the whole verification.
                    if before & 3 == 2 && after == before {
                        violations.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    for _ in 0..40 {
        set(&phase, 1);
        issuer.retire_old_keys();
        verifier.hydrate().await.unwrap();
        set(&phase, 2);
        tokio::time::sleep(Duration::from_millis(3)).await;
        set(&phase, 1);
        issuer.publish_key(key_a.clone());
        verifier.hydrate().await.unwrap();
        set(&phase, 0);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    stop.store(true, Ordering::Release);
    for w in workers {
        w.await.unwrap();
    }
    assert!(
        accepted.load(Ordering::Relaxed) > 0,
        "the token verified while A was published"
    );
    assert_eq!(violations.load(Ordering::Relaxed), 0);
    // And after a final removal, a direct check.
    issuer.retire_old_keys();
    verifier.hydrate().await.unwrap();
    assert!(verifier.verify(&token_a).await.is_err());
}

#[test]
fn plain_http_is_refused_for_remote_jwks_and_issuers() {
    let base = || Verifier::builder().token_use(TokenUse::Access).any_client();
    let invalid_setting = |r: Result<Verifier, ConfigError>, name: &str| match r {
        Err(ConfigError::Invalid { name: n, message }) => {
            assert_eq!(n, name);
            assert!(message.contains("https"), "{message}");
        }
        other => panic!("{other:?}"),
    };
    invalid_setting(
        base().issuer("http://issuer.example.com/pool").build(),
        "issuer",
    );
    invalid_setting(
        base()
            .user_pool("eu-west-1_abc")
            .jwks_url("http://keys.example.com/jwks.json")
            .build(),
        "jwks_url",
    );
    // Loopback (emulators, test issuers) and https are fine; so is an explicit opt-in.
    assert!(base().issuer("http://127.0.0.1:9/pool").build().is_ok());
    assert!(base().issuer("http://[::1]:9/pool").build().is_ok());
    assert!(
        base()
            .issuer("https://issuer.example.com/pool")
            .build()
            .is_ok()
    );
    assert!(
        base()
            .issuer("http://issuer.example.com/pool")
            .http_config(HttpConfig::default().allow_insecure_http(true))
            .build()
            .is_ok()
    );
}

#[test]
fn pool_ids_and_regions_cannot_redirect_the_jwks_url() {
    let base = || Verifier::builder().token_use(TokenUse::Access).any_client();
    for bad in [
        "keys.attacker.example/#_abc",
        "eu-west-1_abc/../../x",
        "eu-west-1_abc?x=1",
        "eu-west-1_abc@evil",
        "not-a-pool",
    ] {
        match base().user_pool(bad).build() {
            Err(ConfigError::Invalid { name, .. }) => assert_eq!(name, "user_pool_id", "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    match base()
        .pool(PoolConfig::user_pool("eu-west-1_abc").region("keys.attacker.example/#"))
        .build()
    {
        Err(ConfigError::Invalid { name, .. }) => assert_eq!(name, "region"),
        other => panic!("{other:?}"),
    }
    // The same through the environment.
    let vars = [
        ("COGNITO_USER_POOL_ID", "keys.attacker.example/#_abc"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "*"),
    ];
    assert!(
        VerifierBuilder::from_env_with(env(&vars))
            .and_then(|b| b.build())
            .is_err()
    );
    let vars = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_REGION", "attacker.example/#"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "*"),
    ];
    assert!(
        VerifierBuilder::from_env_with(env(&vars))
            .and_then(|b| b.build())
            .is_err()
    );
    // A valid id builds, and its issuer is the Cognito one.
    let v = base().user_pool("eu-west-1_AbC123").build().unwrap();
    assert_eq!(
        v.issuers().collect::<Vec<_>>(),
        [
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
            "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
        ]
    );
}

#[cfg(feature = "user")]
#[test]
fn user_pool_client_validates_its_identifiers_and_endpoint() {
    use cognito_auth::user::UserPoolClient;
    let b = || UserPoolClient::builder().client_id("c");
    assert!(
        b().user_pool("keys.attacker.example/#_abc")
            .build()
            .is_err()
    );
    assert!(
        b().user_pool("eu-west-1_abc")
            .region("evil.example/#")
            .build()
            .is_err()
    );
    assert!(
        b().user_pool("eu-west-1_abc")
            .endpoint("http://cognito.example.com/")
            .build()
            .is_err()
    );
    assert!(
        b().user_pool("eu-west-1_abc")
            .endpoint("http://127.0.0.1:5000/")
            .build()
            .is_ok()
    );
    assert!(b().user_pool("eu-west-1_abc").build().is_ok());
}

#[cfg(feature = "identity")]
#[test]
fn identity_pool_client_validates_its_identifiers_and_endpoint() {
    use cognito_auth::identity::IdentityPoolClient;
    let id = "eu-west-1:0a1b2c3d-0000-1111-2222-333344445555";
    assert!(
        IdentityPoolClient::builder()
            .identity_pool_id("x.example/:abc")
            .build()
            .is_err()
    );
    assert!(
        IdentityPoolClient::builder()
            .identity_pool_id(id)
            .user_pool("keys.attacker.example/#_abc")
            .build()
            .is_err()
    );
    assert!(
        IdentityPoolClient::builder()
            .identity_pool_id(id)
            .endpoint("http://identity.example.com/")
            .build()
            .is_err()
    );
    assert!(
        IdentityPoolClient::builder()
            .identity_pool_id(id)
            .user_pool("eu-west-1_abc")
            .build()
            .is_ok()
    );
}

#[test]
fn the_client_policy_is_an_explicit_choice() {
    let base = || {
        Verifier::builder()
            .user_pool("eu-west-1_abc")
            .token_use(TokenUse::Access)
    };
    assert!(matches!(
        base().build(),
        Err(ConfigError::ClientPolicyNotSet)
    ));
    assert!(base().any_client().build().is_ok());
    assert!(base().allowed_clients(["a"]).build().is_ok());
    assert!(matches!(
        base().allowed_clients(Vec::<String>::new()).build(),
        Err(ConfigError::Invalid { .. })
    ));
    assert!(matches!(
        base().allowed_clients([""]).build(),
        Err(ConfigError::Invalid { .. })
    ));
    let vars = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", "access"),
    ];
    assert!(matches!(
        VerifierBuilder::from_env_with(env(&vars)).unwrap().build(),
        Err(ConfigError::ClientPolicyNotSet)
    ));
}

#[cfg(feature = "web")]
#[test]
fn the_web_config_requires_the_client_policy_too() {
    use cognito_auth::verify::AcceptedTokenUse;
    use cognito_auth::web::AuthConfig;
    let base = || {
        AuthConfig::builder()
            .user_pool("eu-west-1_abc")
            .token_use(AcceptedTokenUse::Access)
    };
    assert!(matches!(
        base().authenticator(),
        Err(ConfigError::ClientPolicyNotSet)
    ));
    assert!(base().any_client().authenticator().is_ok());
    assert!(base().allowed_clients(["a"]).authenticator().is_ok());
    let vars = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "*"),
    ];
    let cfg = AuthConfig::from_env_with(env(&vars)).unwrap();
    assert!(cfg.any_client);
    assert!(cfg.authenticator().is_ok());
    let toml_like: AuthConfig = serde_json::from_str(
        r#"{"user_pool_id": "eu-west-1_abc", "token_use": "access", "any_client": true}"#,
    )
    .unwrap();
    assert!(toml_like.authenticator().is_ok());
}

#[tokio::test]
async fn time_arithmetic_saturates_at_the_limits() {
    let issuer = LocalIssuer::start().await;
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .leeway(Duration::from_secs(300))
        .build()
        .unwrap();
    let forever = issuer
        .access_token()
        .client_id("svc")
        .claim("exp", i64::MAX)
        .claim("nbf", i64::MIN + 1)
        .sign();
    // `exp + leeway` would overflow; saturated, the token is simply not expired (nbf is not
    // a valid date, so it is refused as a claim, not by a panic).
    let err = verifier.verify(&forever).await.unwrap_err();
    assert_eq!(err.reason(), Reason::InvalidClaim);
    let forever = issuer
        .access_token()
        .client_id("svc")
        .claim("exp", i64::MAX)
        .claim("iat", i64::MAX)
        .sign();
    let err = verifier.verify(&forever).await.unwrap_err();
    assert_eq!(err.reason(), Reason::IssuedInFuture);
    let forever = issuer
        .access_token()
        .client_id("svc")
        .claim("exp", i64::MAX)
        .sign();
    let t = verifier.verify(&forever).await.unwrap();
    assert_eq!(t.exp(), i64::MAX);
    // The cached path does the same arithmetic.
    assert!(verifier.verify(&forever).await.is_ok());
}

#[cfg(feature = "user")]
#[test]
fn session_expiry_checks_saturate() {
    use cognito_auth::secret::AccessToken;
    use cognito_auth::user::Session;
    let s = Session::from_tokens(
        "u",
        AccessToken::new("a.b.c"),
        None,
        None,
        std::time::UNIX_EPOCH + Duration::from_secs(253_402_300_799),
    );
    assert!(!s.expires_within(Duration::from_secs(60)));
    assert!(
        s.expires_within(Duration::MAX),
        "a huge margin covers every expiry"
    );
}

#[cfg(feature = "identity")]
#[test]
fn credential_expiry_checks_saturate() {
    use cognito_auth::identity::AwsCredentials;
    use cognito_auth::secret::AwsSecret;
    let c = AwsCredentials::new(
        "ASIA",
        AwsSecret::new("s"),
        AwsSecret::new("t"),
        std::time::SystemTime::now() + Duration::from_secs(3600),
        "eu-west-1:abc",
    );
    assert!(!c.expires_within(Duration::from_secs(60)));
    assert!(c.expires_within(Duration::MAX));
}
