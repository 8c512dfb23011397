use clap::{Args, ValueEnum};
use cognito_auth::m2m::{ClientAuth, M2mClient, M2mError};
use serde_json::json;

use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE, UsageError};

#[derive(Clone, Copy, ValueEnum)]
pub enum AuthArg {
    /// HTTP Basic (what Cognito documents).
    Basic,
    /// client_id and client_secret in the form body.
    Body,
}

#[derive(Args)]
pub struct TokenArgs {
    /// Token endpoint URL.
    #[arg(long = "token-url", env = "COGNITO_TOKEN_URL")]
    pub token_url: Option<String>,
    /// Cognito domain (the token URL is `<domain>/oauth2/token`).
    #[arg(long, env = "COGNITO_DOMAIN", conflicts_with = "token_url")]
    pub domain: Option<String>,
    /// App client id.
    #[arg(long = "client-id", env = "COGNITO_CLIENT_ID")]
    pub client_id: String,
    /// App client secret (prefer the environment variable: arguments are visible to `ps`).
    #[arg(
        long = "client-secret",
        env = "COGNITO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: String,
    /// Scopes, space- or comma-separated or repeated (none: every scope of the client).
    #[arg(long = "scope", env = "COGNITO_SCOPES")]
    pub scopes: Vec<String>,
    /// Client authentication method.
    #[arg(long, value_enum, default_value = "basic")]
    pub auth: AuthArg,
    /// Print the whole response as JSON instead of the bare access token.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: TokenArgs) -> Result<u8, UsageError> {
    let mut b = M2mClient::builder()
        .client_id(args.client_id)
        .client_secret(args.client_secret)
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
        .map_err(|e| UsageError(e.to_string()))?;
    match client.fetch_default_token().await {
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
            eprintln!("cognito token: {e}");
            Ok(match &e {
                M2mError::Transport(_) => EXIT_UNAVAILABLE,
                M2mError::Endpoint { status, .. } if *status >= 500 || *status == 429 => {
                    EXIT_UNAVAILABLE
                }
                _ => EXIT_NOT_AUTHENTICATED,
            })
        }
    }
}
