//! The blocking wrapper and configuration (builder, COGNITO_* variables).

use super::*;

#[test]
fn blocking_verifier_works_without_a_runtime() {
    let issuer = LocalIssuer::builder().start_blocking();
    let v =
        cognito_auth::blocking::BlockingVerifier::new(builder(&issuer).build().unwrap()).unwrap();
    v.hydrate().unwrap();
    let t = v
        .verify(&issuer.access_token().client_id("sync").sign())
        .unwrap();
    assert_eq!(t.client_id(), "sync");
    assert_eq!(
        v.verify(&issuer.access_token().expired().sign())
            .unwrap_err()
            .reason(),
        Reason::Expired
    );
}

#[tokio::test]
async fn blocking_verifier_refuses_inside_a_runtime() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    let b = tokio::task::spawn_blocking(move || {
        cognito_auth::blocking::BlockingVerifier::new(v).unwrap()
    })
    .await
    .unwrap();
    assert!(b.verify("x.y.z").is_err());
    drop(Arc::new(b));
}

#[test]
fn from_env_with_reads_cognito_variables() {
    let vars = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc,eu-west-1_def"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "a, b"),
        ("COGNITO_REQUIRED_SCOPES", "x/read x/write"),
        ("COGNITO_SCOPE_MATCH", "any"),
        ("COGNITO_LEEWAY_SECONDS", "10"),
    ];
    let get = |k: &str| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let v = VerifierBuilder::from_env_with(get)
        .unwrap()
        .build()
        .unwrap();
    let issuers: Vec<_> = v.issuers().collect();
    assert_eq!(
        issuers,
        [
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
            "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_def",
            "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_def",
        ]
    );
    assert_eq!(
        v.allowed_clients("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_def")
            .unwrap(),
        ["a", "b"]
    );
    assert_eq!(v.policy().get_required_scopes(), ["x/read", "x/write"]);

    let no_use = [("COGNITO_USER_POOL_ID", "eu-west-1_abc")];
    let get = |k: &str| {
        no_use
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(matches!(
        VerifierBuilder::from_env_with(get).unwrap().build(),
        Err(cognito_auth::verify::ConfigError::TokenUseNotSet)
    ));
    let bad = [("COGNITO_TOKEN_USE", "refresh")];
    let get = |k: &str| {
        bad.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(VerifierBuilder::from_env_with(get).is_err());
    // A blank allowlist variable means "not chosen" (an error), never "allow nobody";
    // `*` chooses every client explicitly.
    let blank = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", " access "),
        ("COGNITO_CLIENT_IDS", "  "),
    ];
    let get = |k: &str| {
        blank
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(matches!(
        VerifierBuilder::from_env_with(get).unwrap().build(),
        Err(cognito_auth::verify::ConfigError::ClientPolicyNotSet)
    ));
    let star = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
        ("COGNITO_TOKEN_USE", "access"),
        ("COGNITO_CLIENT_IDS", "*"),
    ];
    let get = |k: &str| {
        star.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let v = VerifierBuilder::from_env_with(get)
        .unwrap()
        .build()
        .unwrap();
    assert!(v.policy().get_allowed_clients().is_none());
    let mixed = [("COGNITO_CLIENT_IDS", "*,abc")];
    let get = |k: &str| {
        mixed
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(VerifierBuilder::from_env_with(get).is_err());
    let two_jwks = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_abc,eu-west-1_def"),
        ("COGNITO_JWKS_URL", "http://127.0.0.1/jwks"),
    ];
    let get = |k: &str| {
        two_jwks
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    assert!(VerifierBuilder::from_env_with(get).is_err());
}

#[test]
fn builder_validates() {
    use cognito_auth::verify::ConfigError;
    assert!(matches!(
        Verifier::builder()
            .token_use(TokenUse::Access)
            .any_client()
            .build(),
        Err(ConfigError::NoPool)
    ));
    assert!(matches!(
        Verifier::builder().issuer("https://x").any_client().build(),
        Err(ConfigError::TokenUseNotSet)
    ));
    assert!(
        Verifier::builder()
            .issuer("not a url")
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .is_err()
    );
    assert!(
        Verifier::builder()
            .issuer("ftp://x/y")
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .is_err()
    );
    assert!(
        Verifier::builder()
            .issuer("https://x")
            .issuer("https://x")
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .is_err()
    );
    assert!(
        Verifier::builder()
            .issuer("https://x")
            .token_use(TokenUse::Access)
            .leeway(Duration::from_secs(3600))
            .any_client()
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn a_per_call_policy_narrows_the_clients() {
    use cognito_auth::verify::Policy;
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    let only_a = Policy::new().allowed_clients(["a"]);
    assert_eq!(only_a.get_allowed_clients(), Some(&["a".to_string()][..]));
    assert_eq!(Policy::new().get_allowed_clients(), None);
    let a = issuer.access_token().client_id("a").sign();
    let b = issuer.access_token().client_id("b").sign();
    v.verify_with(&a, &only_a).await.unwrap();
    let e = v.verify_with(&b, &only_a).await.unwrap_err();
    assert_eq!(e.reason(), Reason::ClientNotAllowed);
    // Without the policy's list, the verifier's own rule (any client) decides.
    v.verify_with(&b, &Policy::new()).await.unwrap();
}
