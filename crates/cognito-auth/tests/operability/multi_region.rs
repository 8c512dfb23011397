//! A replicated user pool: tokens carry `https://cognito-idp.<region>…` (the region that served
//! the sign-in) or `https://issuer-cognito-idp.<region>…`; each issuer's keys are fetched from
//! its own JWKS. Three test-kit servers stand in for three of the four issuers; the fourth has
//! no JWKS at all (a 404), which must not stop `hydrate()`.

use cognito_auth::verify::{ErrorKind, PoolConfig, Reason, TokenUse, Verifier};
use cognito_auth_testkit::LocalIssuer;

const POOL: &str = "us-east-1_Replicated";

fn classic(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{POOL}")
}
fn new_format(region: &str) -> String {
    format!("https://issuer-cognito-idp.{region}.amazonaws.com/{POOL}")
}

async fn server(iss: String) -> LocalIssuer {
    LocalIssuer::builder().issuer(iss).start().await
}

#[tokio::test]
async fn both_issuer_formats_in_every_replica_region() {
    let primary = server(classic("us-east-1")).await;
    let replica = server(classic("eu-west-1")).await;
    let primary_new = server(new_format("us-east-1")).await;
    let missing = format!("{}/no-such-pool/.well-known/jwks.json", primary.base_url());

    let pool = PoolConfig::user_pool(POOL)
        .replica_regions(["eu-west-1"])
        .issuer_jwks_url(classic("us-east-1"), primary.jwks_url())
        .issuer_jwks_url(classic("eu-west-1"), replica.jwks_url())
        .issuer_jwks_url(new_format("us-east-1"), primary_new.jwks_url())
        .issuer_jwks_url(new_format("eu-west-1"), missing);
    assert_eq!(pool.issuers().len(), 4);
    let verifier = Verifier::builder()
        .pool(pool)
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let mut trusted: Vec<&str> = verifier.issuers().collect();
    trusted.sort_unstable();
    let mut expected = [
        classic("us-east-1"),
        classic("eu-west-1"),
        new_format("us-east-1"),
        new_format("eu-west-1"),
    ];
    expected.sort_unstable();
    assert_eq!(trusted, expected);

    // One issuer's JWKS does not exist: hydrate still succeeds on the others.
    verifier.hydrate().await.unwrap();

    for (server, iss) in [
        (&primary, classic("us-east-1")),
        (&replica, classic("eu-west-1")),
        (&primary_new, new_format("us-east-1")),
    ] {
        let t = server.access_token().client_id("app").sign();
        let v = verifier.verify(&t).await.unwrap();
        assert_eq!(v.issuer(), iss);
    }

    // Each issuer trusts its own keys only: the replica's key cannot sign for the primary.
    let forged = replica
        .access_token()
        .client_id("app")
        .issuer(&classic("us-east-1"))
        .sign();
    let e = verifier.verify(&forged).await.unwrap_err();
    assert_eq!(e.reason(), Reason::UnknownKid, "{e}");

    // The issuer without a JWKS: "we could not check" (503), never accepted.
    let t = primary
        .access_token()
        .client_id("app")
        .issuer(&new_format("eu-west-1"))
        .sign();
    let e = verifier.verify(&t).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");

    // A region that is not a replica of this pool is not an issuer of it.
    let t = primary
        .access_token()
        .client_id("app")
        .issuer(&classic("ap-south-1"))
        .sign();
    assert_eq!(
        verifier.verify(&t).await.unwrap_err().reason(),
        Reason::WrongIssuer
    );
}

#[tokio::test]
async fn hydrate_fails_only_when_no_issuer_of_a_pool_has_keys() {
    let up = server(classic("us-east-1")).await;
    let nowhere = format!("{}/nothing/jwks.json", up.base_url());
    let verifier = Verifier::builder()
        .pool(
            PoolConfig::user_pool(POOL)
                .replica_regions(["eu-west-1"])
                .jwks_url(nowhere),
        )
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let e = verifier.hydrate().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn pool_ids_and_regions_are_validated_before_any_url_is_built() {
    for pool in [
        PoolConfig::user_pool("us-east-1_ok").replica_regions(["eu-west-1/../x"]),
        PoolConfig::user_pool("not-a-pool"),
        PoolConfig::user_pool("us-east-1_ok").issuer_jwks_url(
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_ok",
            "https://example.com/jwks.json",
        ),
    ] {
        assert!(
            Verifier::builder()
                .pool(pool)
                .token_use(TokenUse::Access)
                .any_client()
                .build()
                .is_err()
        );
    }
}
