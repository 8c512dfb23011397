//! `cargo run -p cognito-demo`: the whole toolkit on the embedded local issuer.

use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::{ClientSpec, LocalIssuer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::new("reporting-worker", "worker-secret").scopes(["orders/read"]))
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
    Ok(())
}
