//! Several trusted pools, each with its own token use and client list; keys added to a
//! running verifier (aws-jwt-verify's `cacheJwks`).

use cognito_auth::verify::{PoolConfig, Reason, TokenUse, Verifier};
use cognito_auth_testkit::{LocalIssuer, SigningKey, jwks_json};

#[tokio::test]
async fn each_pool_applies_its_own_token_use_and_clients() {
    let staff = LocalIssuer::builder().start().await;
    let customers = LocalIssuer::builder().start().await;
    let verifier = Verifier::builder()
        .pool(
            PoolConfig::issuer_url(staff.issuer())
                .token_use(TokenUse::Access)
                .allowed_clients(["staff-api"]),
        )
        .pool(
            PoolConfig::issuer_url(customers.issuer())
                .token_use(TokenUse::Id)
                .any_client(),
        )
        .build()
        .unwrap();
    assert_eq!(
        verifier.allowed_clients(staff.issuer()),
        Some(&["staff-api".to_owned()][..])
    );
    assert_eq!(verifier.allowed_clients(customers.issuer()), None);

    let ok = staff.access_token().client_id("staff-api").sign();
    assert!(verifier.verify(&ok).await.is_ok());
    let other_client = staff.access_token().client_id("web").sign();
    assert_eq!(
        verifier.verify(&other_client).await.unwrap_err().reason(),
        Reason::ClientNotAllowed
    );
    let staff_id = staff.id_token().client_id("staff-api").sign();
    assert_eq!(
        verifier.verify(&staff_id).await.unwrap_err().reason(),
        Reason::WrongTokenUse
    );

    let id = customers.id_token().client_id("any-app").user("cy").sign();
    assert_eq!(verifier.verify(&id).await.unwrap().username(), Some("cy"));
    let access = customers.access_token().client_id("any-app").sign();
    assert_eq!(
        verifier.verify(&access).await.unwrap_err().reason(),
        Reason::WrongTokenUse
    );
}

#[tokio::test]
async fn keys_added_at_run_time_serve_at_once() {
    let issuer = LocalIssuer::builder().start().await;
    let shipped = SigningKey::generate();
    let later = SigningKey::generate();
    let verifier = Verifier::builder()
        .pool(
            PoolConfig::issuer_url(issuer.issuer())
                .jwks_json(jwks_json(std::slice::from_ref(&shipped))),
        )
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let by = |key: &SigningKey| {
        cognito_auth_testkit::TokenBuilder::new(
            cognito_auth_testkit::Kind::Access,
            issuer.issuer(),
            key,
        )
        .client_id("app")
        .sign()
    };
    assert!(verifier.verify(&by(&shipped)).await.is_ok());
    assert_eq!(
        verifier.verify(&by(&later)).await.unwrap_err().reason(),
        Reason::UnknownKid
    );

    assert_eq!(
        verifier
            .add_keys(issuer.issuer(), &jwks_json(std::slice::from_ref(&later)))
            .unwrap(),
        1
    );
    assert!(verifier.verify(&by(&later)).await.is_ok());
    // Adding the same keys again adds nothing.
    assert_eq!(
        verifier
            .add_keys(
                issuer.issuer(),
                &jwks_json(&[shipped.clone(), later.clone()])
            )
            .unwrap(),
        0
    );
    // A known kid with other material is refused, and the original key keeps working.
    let impostor = SigningKey::generate().with_kid(shipped.kid());
    assert!(
        verifier
            .add_keys(issuer.issuer(), &jwks_json(std::slice::from_ref(&impostor)))
            .is_err()
    );
    assert!(verifier.verify(&by(&shipped)).await.is_ok());
    assert_eq!(
        verifier.verify(&by(&impostor)).await.unwrap_err().reason(),
        Reason::InvalidSignature
    );
    // Keys for an issuer that is not trusted, or a document that is not a JWKS, are refused.
    assert!(
        verifier
            .add_keys(
                "https://elsewhere.example/pool",
                &jwks_json(std::slice::from_ref(&later))
            )
            .is_err()
    );
    assert!(verifier.add_keys(issuer.issuer(), "{\"keys\": 5}").is_err());
}

#[tokio::test]
async fn keys_added_to_a_remote_source_serve_until_the_next_fetch() {
    let issuer = LocalIssuer::builder().start().await;
    let out_of_band = SigningKey::generate();
    let verifier = Verifier::builder()
        .issuer(issuer.issuer())
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    verifier.hydrate().await.unwrap();
    let fetches = issuer.jwks_requests();
    verifier
        .add_keys(
            issuer.issuer(),
            &jwks_json(std::slice::from_ref(&out_of_band)),
        )
        .unwrap();
    let t = cognito_auth_testkit::TokenBuilder::new(
        cognito_auth_testkit::Kind::Access,
        issuer.issuer(),
        &out_of_band,
    )
    .client_id("app")
    .sign();
    assert!(verifier.verify(&t).await.is_ok());
    // Served from the added key: no fetch for it.
    assert_eq!(issuer.jwks_requests(), fetches);
    // The server's own keys still verify.
    let own = issuer.access_token().client_id("app").sign();
    assert!(verifier.verify(&own).await.is_ok());
}
