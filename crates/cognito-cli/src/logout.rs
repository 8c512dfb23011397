use crate::failure::Failure;
use crate::login::store_path;
use crate::store::{self, LoginClient};
use crate::{EXIT_OK, EXIT_UNAVAILABLE};
use clap::Args;

#[derive(Args)]
pub struct LogoutArgs {
    /// Stored login to remove.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// App client secret, for revoking tokens of clients that have one.
    #[arg(
        long = "client-secret",
        env = "COGNITO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
}

/// Removes the stored login and revokes its refresh token. The local tokens are removed even
/// when revocation fails (exit code 4 then says so).
pub async fn run(args: LogoutArgs) -> Result<u8, Failure> {
    let path = store_path()?;
    let removed = {
        let _lock = store::lock_async(&path).await.map_err(Failure::usage)?;
        store::remove(&path, &args.profile).map_err(Failure::usage)?
    };
    let Some(p) = removed else {
        eprintln!("no stored login `{}`", args.profile);
        return Ok(EXIT_OK);
    };
    let Some(rt) = p.refresh_token else {
        return Ok(EXIT_OK);
    };
    let client = LoginClient::for_method(&p.method, args.client_secret.as_deref())
        .map_err(Failure::usage)?;
    let revoked = client.revoke(&rt).await;
    match revoked {
        Ok(()) => {
            eprintln!("signed out: tokens removed and the refresh token revoked");
            Ok(EXIT_OK)
        }
        Err(e) => Err(Failure::new(
            EXIT_UNAVAILABLE,
            "the tokens were removed here, but the refresh token could not be revoked (it stays valid until it expires)",
        )
        .detail(e)),
    }
}
