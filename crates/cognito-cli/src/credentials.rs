//! `cognito credentials`: AWS credentials from an identity pool in the `credential_process`
//! format. The identity id and the credentials are cached with the login (0600), so repeated
//! `aws` commands make no Cognito request while the credentials are fresh; the whole
//! read-refresh-fetch-write runs under the token store's lock, so concurrent runs share one
//! refresh and one fetch.

use std::time::{Duration, UNIX_EPOCH};

use clap::Args;
use cognito_auth::identity::{
    AwsCredentials, IdentityError, IdentityPoolClient, RoleChoice, select_role,
};
use cognito_auth::service::CognitoErrorKind;

use crate::failure::Failure;
use crate::store::{self, CachedCredentials};
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE};

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
    /// Ask Cognito even when cached credentials are fresh (and cache the new ones).
    #[arg(long = "no-cache")]
    pub no_cache: bool,
    /// Hand out cached credentials only while they stay valid this many seconds more (the
    /// default stays clear of botocore's 10-minute refresh window).
    #[arg(long = "min-valid", default_value_t = 15 * 60)]
    pub min_valid: u64,
}

fn role_key(role: &RoleChoice) -> String {
    match role {
        RoleChoice::Arn(a) => format!("arn:{a}"),
        RoleChoice::Suffix(s) => format!("suffix:{s}"),
        _ => "default".into(),
    }
}

fn print(c: &CachedCredentials, identity_id: &str) {
    let creds = AwsCredentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        c.session_token.clone(),
        UNIX_EPOCH + Duration::from_secs(c.expiration),
        identity_id,
    );
    println!("{}", creds.credential_process_json());
}

pub async fn run(args: CredentialsArgs) -> Result<u8, Failure> {
    let path = crate::store::path()?;
    let role = match (&args.role_suffix, &args.role_arn) {
        (Some(s), _) => RoleChoice::Suffix(s.clone()),
        (None, Some(a)) => RoleChoice::Arn(a.clone()),
        (None, None) => RoleChoice::Default,
    };
    let key = role_key(&role);
    let pool_id = args.identity_pool_id.as_str();

    let _lock = store::lock_async(&path).await.map_err(Failure::usage)?;
    if !args.no_cache
        && let Some(p) = store::load(&path, &args.profile).map_err(Failure::usage)?
        && let Some(cache) = p.identity.get(pool_id)
        && let Some(c) = cache.credentials.get(&key)
        && c.expiration > store::unix_now().saturating_add(args.min_valid)
    {
        print(c, &cache.identity_id);
        return Ok(EXIT_OK);
    }

    // Renew the user-pool tokens without a browser when they are close to expiry.
    let (mut profile, _) = crate::refresh::fresh_profile_locked(
        &path,
        &args.profile,
        args.client_secret.as_deref(),
        MARGIN,
        false,
    )
    .await
    .map_err(|f| f.failure(&args.profile))?;
    let user_pool = args
        .user_pool_id
        .clone()
        .or_else(|| profile.user_pool_id.clone())
        .ok_or_else(|| {
            Failure::usage("--user-pool-id is required (the stored login does not name its pool)")
        })?;
    let Some(id_token) = profile.id_token.clone() else {
        return Err(Failure::usage(
            "the stored login has no ID token: sign in again with the openid scope",
        ));
    };
    let mut b = IdentityPoolClient::builder()
        .identity_pool_id(pool_id)
        .user_pool(&user_pool);
    if let Some(e) = &args.identity_endpoint {
        b = b.endpoint(e);
    }
    let identity = b
        .build()
        .map_err(|e| Failure::usage(e.to_string()).because(&e))?;
    let fail = |e: IdentityError| identity_failure(&e, args.identity_endpoint.as_deref());

    let role_arn = match &role {
        RoleChoice::Suffix(s) => Some(select_role(id_token.expose(), s).map_err(fail)?),
        RoleChoice::Arn(a) => Some(a.clone()),
        _ => None,
    };
    let logins = identity.logins(&id_token).map_err(fail)?;
    let cached_id = (!args.no_cache)
        .then(|| profile.identity.get(pool_id).map(|c| c.identity_id.clone()))
        .flatten();
    let creds = match cached_id {
        Some(id) => match identity
            .credentials_for_identity(&id, &logins, role_arn.as_deref())
            .await
        {
            Ok(c) => c,
            // The cached identity may have been deleted: look it up once more.
            Err(IdentityError::Service(s))
                if matches!(
                    s.kind,
                    CognitoErrorKind::ResourceNotFound | CognitoErrorKind::NotAuthorized
                ) =>
            {
                let id = identity.get_id(&logins).await.map_err(fail)?;
                identity
                    .credentials_for_identity(&id, &logins, role_arn.as_deref())
                    .await
                    .map_err(fail)?
            }
            Err(e) => return Err(fail(e)),
        },
        None => {
            let id = identity.get_id(&logins).await.map_err(fail)?;
            identity
                .credentials_for_identity(&id, &logins, role_arn.as_deref())
                .await
                .map_err(fail)?
        }
    };
    let cached = CachedCredentials {
        access_key_id: creds.access_key_id.clone(),
        secret_access_key: creds.secret_access_key.clone(),
        session_token: creds.session_token.clone(),
        expiration: store::unix(creds.expiration),
    };
    let entry = profile.identity.entry(pool_id.to_owned()).or_default();
    if entry.identity_id != creds.identity_id {
        entry.credentials.clear();
    }
    entry.identity_id = creds.identity_id.clone();
    entry.credentials.insert(key, cached);
    store::save(&path, &args.profile, profile).map_err(Failure::usage)?;
    println!("{}", creds.credential_process_json());
    Ok(EXIT_OK)
}

fn identity_failure(e: &IdentityError, endpoint: Option<&str>) -> Failure {
    let f = match e {
        IdentityError::Transport { .. } => Failure::new(
            EXIT_UNAVAILABLE,
            match endpoint {
                Some(u) => format!(
                    "cannot reach Cognito Identity at {u} (set by --identity-endpoint or COGNITO_IDENTITY_ENDPOINT); check the network and try again"
                ),
                None => "cannot reach Cognito Identity in the identity pool's region; check the network and try again".into(),
            },
        ),
        IdentityError::NoRoles { suffix } => Failure::new(
            EXIT_USAGE,
            format!(
                "the ID token carries no roles (no cognito:roles claim), so --role-suffix `{suffix}` cannot pick one: \
                 put the user in a user-pool group that has an IAM role and set the identity pool's authenticated \
                 role selection to \"Choose role from token\", or leave out --role-suffix to get the pool's default role"
            ),
        ),
        IdentityError::RoleNotFound { .. } | IdentityError::AmbiguousRole { .. } => {
            Failure::usage(e.to_string())
        }
        IdentityError::Config(m) => Failure::usage(m.clone()),
        IdentityError::Service(s) if s.kind == CognitoErrorKind::NotAuthorized => Failure::new(
            EXIT_NOT_AUTHENTICATED,
            format!(
                "Cognito Identity refused the login ({}): check that the identity pool trusts this user pool and app client",
                s.message
            ),
        ),
        IdentityError::Service(s) if s.kind == CognitoErrorKind::ResourceNotFound => {
            Failure::usage("the identity pool does not exist: check --identity-pool-id")
        }
        _ => Failure::new(
            EXIT_NOT_AUTHENTICATED,
            format!("no AWS credentials: {e}"),
        ),
    };
    f.because(e)
}
