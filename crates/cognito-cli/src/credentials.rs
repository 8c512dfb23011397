use std::time::Duration;

use clap::Args;
use cognito_auth::identity::{IdentityError, IdentityPoolClient, RoleChoice};

use crate::login::store_path;
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE, UsageError};

/// Refresh the user-pool tokens when less than this is left.
const MARGIN: Duration = Duration::from_secs(300);

#[derive(Args)]
pub struct CredentialsArgs {
    /// Identity pool id, `<region>:<uuid>`.
    #[arg(long = "identity-pool-id", env = "COGNITO_IDENTITY_POOL_ID")]
    pub identity_pool_id: String,
    /// Stored login to use.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// The user pool (when the stored login does not name it).
    #[arg(long = "user-pool-id", env = "COGNITO_USER_POOL_ID")]
    pub user_pool_id: Option<String>,
    /// Role: the one of the ID token's cognito:roles ending with this suffix.
    #[arg(long = "role-suffix", conflicts_with = "role_arn")]
    pub role_suffix: Option<String>,
    /// Role ARN to ask for.
    #[arg(long = "role-arn")]
    pub role_arn: Option<String>,
    /// App client secret, for refreshing logins of clients that have one.
    #[arg(
        long = "client-secret",
        env = "COGNITO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
    /// Identity-pool API endpoint (emulators).
    #[arg(long = "identity-endpoint", env = "COGNITO_IDENTITY_ENDPOINT")]
    pub identity_endpoint: Option<String>,
}

pub async fn run(args: CredentialsArgs) -> Result<u8, UsageError> {
    let path = store_path()?;
    // Refresh the user-pool tokens without a browser when they are close to expiry, under
    // the store's lock (concurrent runs refresh once, one after the other).
    let profile = match crate::refresh::fresh_profile(
        &path,
        &args.profile,
        args.client_secret.as_deref(),
        MARGIN,
        false,
    )
    .await
    {
        Ok((p, _)) => p,
        Err(f) => return f.report("credentials", &args.profile),
    };
    let user_pool = args
        .user_pool_id
        .clone()
        .or_else(|| profile.user_pool_id.clone())
        .ok_or_else(|| {
            UsageError(
                "--user-pool-id is required (the stored login does not name its pool)".into(),
            )
        })?;
    if profile.id_token.is_none() {
        return Err(UsageError(
            "the stored login has no ID token (sign in with the openid scope)".into(),
        ));
    }
    let mut b = IdentityPoolClient::builder()
        .identity_pool_id(&args.identity_pool_id)
        .user_pool(&user_pool);
    if let Some(e) = &args.identity_endpoint {
        b = b.endpoint(e);
    }
    let identity = b.build().map_err(|e| UsageError(e.to_string()))?;
    let role = match (&args.role_suffix, &args.role_arn) {
        (Some(s), _) => RoleChoice::Suffix(s.clone()),
        (None, Some(a)) => RoleChoice::Arn(a.clone()),
        (None, None) => RoleChoice::Default,
    };
    let id_token = profile
        .id_token
        .clone()
        .unwrap_or_else(|| cognito_auth::secret::IdToken::new(""));
    match identity.credentials_for_id_token(&id_token, &role).await {
        Ok(c) => {
            println!("{}", c.credential_process_json());
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("cognito credentials: {e}");
            Ok(match e {
                IdentityError::Transport { .. } => EXIT_UNAVAILABLE,
                IdentityError::RoleNotFound { .. } | IdentityError::AmbiguousRole { .. } => {
                    crate::EXIT_USAGE
                }
                _ => EXIT_NOT_AUTHENTICATED,
            })
        }
    }
}
