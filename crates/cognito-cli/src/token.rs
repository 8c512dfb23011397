//! `cognito token`: a client-credentials (M2M) token, or with `--stored` the access or ID
//! token of a stored login, renewed first when it is about to expire.

use std::time::Duration;

use clap::{Args, ValueEnum};
use cognito_auth::m2m::{ClientAuth, M2mClient, M2mError};
use serde_json::json;

use crate::failure::Failure;
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE};

#[derive(Clone, Copy, ValueEnum)]
pub enum AuthArg {
    /// HTTP Basic (what Cognito documents).
    Basic,
    /// client_id and client_secret in the form body.
    Body,
}

#[derive(Args)]
pub struct TokenArgs {
    /// Print the stored login's access token (renewed first when it expires within
    /// --min-valid), e.g. `curl -H "Authorization: Bearer $(cognito token --stored)"`.
    #[arg(long, conflicts_with_all = ["token_url", "domain", "scopes", "json"])]
    pub stored: bool,
    /// With --stored: the ID token instead of the access token.
    #[arg(long, requires = "stored")]
    pub id: bool,
    /// With --stored: the stored login to use.
    #[arg(long, default_value = "default", requires = "stored")]
    pub profile: String,
    /// With --stored: renew when the token is valid for less than this many seconds.
    #[arg(long = "min-valid", default_value_t = 60, requires = "stored")]
    pub min_valid: u64,
    /// Token endpoint URL.
    #[arg(long = "token-url", env = "COGNITO_TOKEN_URL")]
    pub token_url: Option<String>,
    /// Cognito domain (the token URL is `<domain>/oauth2/token`). This or --token-url is
    /// required.
    #[arg(
        long,
        env = "COGNITO_DOMAIN",
        conflicts_with = "token_url",
        required_unless_present_any = ["stored", "token_url"]
    )]
    pub domain: Option<String>,
    /// App client id.
    #[arg(
        long = "client-id",
        env = "COGNITO_CLIENT_ID",
        required_unless_present = "stored"
    )]
    pub client_id: Option<String>,
    /// App client secret (prefer the environment variable: arguments are visible to `ps`).
    #[arg(
        long = "client-secret",
        env = "COGNITO_CLIENT_SECRET",
        hide_env_values = true,
        required_unless_present = "stored"
    )]
    pub client_secret: Option<String>,
    /// Scopes, space- or comma-separated or repeated (none: every scope of the client).
    #[arg(long = "scope", env = "COGNITO_SCOPES")]
    pub scopes: Vec<String>,
    /// Client authentication method.
    #[arg(long, value_enum, default_value = "basic")]
    pub auth: AuthArg,
    /// Print the whole response as JSON instead of the bare access token.
    #[arg(long)]
    pub json: bool,
    /// Share tokens through this Redis: a token another process or run already holds is
    /// used instead of a new (billed) request. Sealed with the secret. `redis://host:port`,
    /// `rediss://…` (TLS, as ElastiCache with in-transit encryption), `…?cluster=true`
    /// (Redis Cluster, ElastiCache Serverless).
    #[arg(
        long = "cache",
        env = "COGNITO_TOKEN_CACHE_URL",
        conflicts_with = "stored"
    )]
    pub cache: Option<String>,
    /// PEM file of the CA that signed the cache's TLS certificate, when it is a private CA
    /// (ElastiCache's certificates need none).
    #[arg(
        long = "cache-ca-file",
        env = "COGNITO_TOKEN_CACHE_CA_FILE",
        requires = "cache",
        value_name = "PEM"
    )]
    pub cache_ca_file: Option<std::path::PathBuf>,
}

async fn stored(args: TokenArgs) -> Result<u8, Failure> {
    let path = crate::store::path()?;
    let (p, _) = crate::refresh::fresh_profile(
        &path,
        &args.profile,
        args.client_secret.as_deref(),
        Duration::from_secs(args.min_valid),
        false,
    )
    .await
    .map_err(|f| f.failure(&args.profile))?;
    if args.id {
        let Some(id) = p.id_token else {
            return Err(Failure::usage(format!(
                "the login `{}` holds no ID token: sign in with the openid scope",
                args.profile
            )));
        };
        println!("{}", id.expose());
    } else {
        println!("{}", p.access_token.expose());
    }
    Ok(EXIT_OK)
}

pub async fn run(args: TokenArgs) -> Result<u8, Failure> {
    if args.stored {
        return stored(args).await;
    }
    let (Some(client_id), Some(client_secret)) = (args.client_id, args.client_secret) else {
        return Err(Failure::usage(
            "--client-id and --client-secret (or COGNITO_CLIENT_ID / COGNITO_CLIENT_SECRET) are required",
        ));
    };
    let mut b = M2mClient::builder()
        .client_id(client_id)
        .client_secret(client_secret)
        .client_auth(match args.auth {
            AuthArg::Basic => ClientAuth::Basic,
            AuthArg::Body => ClientAuth::Body,
        });
    if let Some(u) = args.token_url {
        b = b.token_url(u);
    }
    if let Some(d) = args.domain {
        b = b.domain(d);
    }
    let scopes: Vec<String> = args
        .scopes
        .iter()
        .flat_map(|s| s.split([' ', ',']))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let client = b
        .default_scopes(scopes)
        .build()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let url = client.token_url().to_owned();
    let result = match &args.cache {
        Some(cache) => {
            let mut config = cognito_auth_redis::RedisStoreConfig::default();
            if let Some(path) = &args.cache_ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    Failure::usage(format!("--cache-ca-file {}: {e}", path.display()))
                })?;
                config = config.tls_root_certificates(pem);
            }
            let store = cognito_auth_redis::RedisTokenStore::with_config(cache, config)
                .map_err(|e| Failure::usage(format!("--cache / COGNITO_TOKEN_CACHE_URL: {e}")))?;
            cognito_auth::m2m::TokenSource::builder(client)
                .shared_store(store)
                .build()
                .token()
                .await
        }
        None => client.fetch_default_token().await,
    };
    match result {
        Ok(t) => {
            if args.json {
                let mut out = json!({
                    "access_token": t.secret(),
                    "token_type": t.token_type(),
                    "expires_in": t.expires_in().as_secs(),
                    "scope": t.scopes().to_string(),
                });
                for (k, v) in t.extra() {
                    out.as_object_mut()
                        .map(|o| o.entry(k.clone()).or_insert(v.clone()));
                }
                println!("{out}");
            } else {
                println!("{}", t.secret());
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            let f = match &e {
                M2mError::Transport(_) => Failure::new(
                    EXIT_UNAVAILABLE,
                    format!(
                        "cannot reach the token endpoint {url} (set by --token-url / --domain or COGNITO_TOKEN_URL / COGNITO_DOMAIN); check the network and try again"
                    ),
                ),
                M2mError::Endpoint { status, .. } if *status >= 500 || *status == 429 => {
                    Failure::new(
                        EXIT_UNAVAILABLE,
                        format!("the token endpoint is unavailable ({e}); try again later"),
                    )
                }
                M2mError::Endpoint {
                    error: Some(code), ..
                } if code == "invalid_client" => Failure::new(
                    EXIT_NOT_AUTHENTICATED,
                    "the token endpoint refused the client id or secret (invalid_client)",
                ),
                M2mError::Endpoint {
                    error: Some(code), ..
                } if code == "invalid_scope" => Failure::new(
                    EXIT_NOT_AUTHENTICATED,
                    "the client may not ask for these scopes (invalid_scope)",
                ),
                _ => Failure::new(EXIT_NOT_AUTHENTICATED, format!("no token: {e}")),
            };
            Err(f.because(&e))
        }
    }
}
