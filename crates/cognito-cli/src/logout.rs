use clap::Args;
use cognito_auth::hosted_ui::HostedUiClient;

use crate::login::{store_path, user_pool_client};
use crate::store::{self, Method};
use crate::{EXIT_OK, EXIT_UNAVAILABLE, UsageError};

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
pub async fn run(args: LogoutArgs) -> Result<u8, UsageError> {
    let path = store_path()?;
    let Some(p) = store::remove(&path, &args.profile).map_err(UsageError)? else {
        eprintln!("no stored login `{}`", args.profile);
        return Ok(EXIT_OK);
    };
    let Some(rt) = p.refresh_token else {
        return Ok(EXIT_OK);
    };
    let revoked = match &p.method {
        Method::HostedUi {
            domain,
            client_id,
            redirect_uri,
        } => {
            let mut b = HostedUiClient::builder()
                .domain(domain)
                .client_id(client_id)
                .redirect_uri(redirect_uri);
            if let Some(s) = &args.client_secret {
                b = b.client_secret(s.as_str());
            }
            let c = b.build().map_err(|e| UsageError(e.to_string()))?;
            c.revoke(&rt).await.map_err(|e| e.to_string())
        }
        Method::Srp {
            user_pool_id,
            client_id,
            endpoint,
        } => {
            let c = user_pool_client(
                user_pool_id,
                client_id,
                args.client_secret.as_deref(),
                endpoint.as_deref(),
            )?;
            c.revoke_token(&rt).await.map_err(|e| e.to_string())
        }
    };
    match revoked {
        Ok(()) => {
            eprintln!("signed out: tokens removed and the refresh token revoked");
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("tokens removed locally, but revoking the refresh token failed: {e}");
            Ok(EXIT_UNAVAILABLE)
        }
    }
}
