//! Refreshing a stored login: one routine for `cognito refresh`, `cognito token --stored` and
//! `cognito credentials`, always under the token store's lock.

use std::path::Path;
use std::time::Duration;

use clap::Args;

use crate::EXIT_OK;
use crate::client::{LoginClient, RefreshFailure};
use crate::failure::Failure;
use crate::store::{self, Profile};

/// Whether `p` expires within `margin` (or already has).
pub fn expires_within(p: &Profile, margin: Duration) -> bool {
    store::unix_now().saturating_add(margin.as_secs()) >= p.expires_at
}

/// The stored login `name`, refreshed first when it expires within `margin` (or always,
/// with `force`). Holds the store's lock from the read to the write, so concurrent processes
/// refresh one after the other and each sees the tokens the previous one stored.
/// Returns the profile and whether it was refreshed.
pub async fn fresh_profile(
    path: &Path,
    name: &str,
    secret: Option<&str>,
    margin: Duration,
    force: bool,
) -> Result<(Profile, bool), RefreshFailure> {
    let _lock = store::lock_async(path)
        .await
        .map_err(RefreshFailure::Store)?;
    fresh_profile_locked(path, name, secret, margin, force).await
}

/// [`fresh_profile`] for a caller that holds the store's lock.
pub async fn fresh_profile_locked(
    path: &Path,
    name: &str,
    secret: Option<&str>,
    margin: Duration,
    force: bool,
) -> Result<(Profile, bool), RefreshFailure> {
    let Some(profile) = store::load(path, name).map_err(RefreshFailure::Store)? else {
        return Err(RefreshFailure::Store(format!(
            "no stored login `{name}` in {}: run `cognito login` first",
            path.display()
        )));
    };
    if !force && !expires_within(&profile, margin) {
        return Ok((profile, false));
    }
    let client = LoginClient::for_method(&profile.method, secret).map_err(RefreshFailure::Store)?;
    let fresh = client.refresh_profile(&profile).await?;
    store::save(path, name, fresh.clone()).map_err(RefreshFailure::Store)?;
    Ok((fresh, true))
}

#[derive(Args)]
pub struct RefreshArgs {
    /// Stored login to refresh.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// App client secret, for logins of clients that have one.
    #[arg(
        long = "client-secret",
        env = "COGNITO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
}

pub async fn run(args: RefreshArgs) -> Result<u8, Failure> {
    let path = store::path()?;
    match fresh_profile(
        &path,
        &args.profile,
        args.client_secret.as_deref(),
        Duration::ZERO,
        true,
    )
    .await
    {
        Ok((p, _)) => {
            eprintln!(
                "`{}` renewed; the tokens expire in {}",
                args.profile,
                crate::store::describe_remaining(p.expires_at)
            );
            Ok(EXIT_OK)
        }
        Err(f) => Err(f.failure(&args.profile)),
    }
}
