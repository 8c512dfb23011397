use crate::client::{LoginClient, RefreshFailure};
use crate::failure::Failure;
use crate::store;
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
    /// Remove the local tokens even when the refresh token cannot be revoked (it then stays
    /// valid until it expires).
    #[arg(long)]
    pub force: bool,
}

/// Revokes the stored login's refresh token, then removes the login. Nothing is removed
/// while revocation fails (the refresh token could no longer be revoked without it), unless
/// `--force`.
pub async fn run(args: LogoutArgs) -> Result<u8, Failure> {
    let path = store::path()?;
    let _lock = store::lock_async(&path).await.map_err(Failure::usage)?;
    let Some(p) = store::load(&path, &args.profile).map_err(Failure::usage)? else {
        eprintln!("no stored login `{}`", args.profile);
        return Ok(EXIT_OK);
    };
    let revoked = match &p.refresh_token {
        None => Ok(()),
        Some(rt) => {
            let client = LoginClient::for_method(&p.method, args.client_secret.as_deref())
                .map_err(Failure::usage)?;
            client.revoke(rt).await
        }
    };
    match revoked {
        Ok(()) => {
            store::remove(&path, &args.profile).map_err(Failure::usage)?;
            eprintln!("signed out: tokens removed and the refresh token revoked");
            Ok(EXIT_OK)
        }
        Err(e) if args.force => {
            store::remove(&path, &args.profile).map_err(Failure::usage)?;
            let detail = format!("{e:?}");
            Err(Failure::new(
                EXIT_UNAVAILABLE,
                "the tokens were removed here (--force), but the refresh token could not be revoked (it stays valid until it expires)",
            )
            .detail(detail))
        }
        Err(RefreshFailure::NeedsSecret(m)) => Err(Failure::usage(format!(
            "the app client of the login `{}` has a secret: pass --client-secret or set COGNITO_CLIENT_SECRET (nothing was removed)",
            args.profile
        ))
        .detail(m)),
        Err(e) => Err(Failure::new(
            EXIT_UNAVAILABLE,
            format!(
                "the refresh token could not be revoked, so nothing was removed; try again, or `cognito logout --profile {} --force` to remove the local tokens anyway",
                args.profile
            ),
        )
        .detail(format!("{e:?}"))),
    }
}
