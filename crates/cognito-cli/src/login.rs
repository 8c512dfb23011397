use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cognito_auth::hosted_ui::{HostedUiClient, LoginOptions};
use cognito_auth::secret::Password;
use cognito_auth::user::{ChallengeAnswer, ChallengeKind, MfaType, SignInStep};
use serde_json::json;

use crate::store::{self, Method, Profile};
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE, UsageError};

#[derive(Args)]
pub struct LoginArgs {
    /// Name of the stored login.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// Sign in with USER_SRP_AUTH (password prompt) instead of the hosted UI.
    #[arg(long)]
    pub srp: bool,
    /// Cognito domain (hosted UI).
    #[arg(long, env = "COGNITO_DOMAIN")]
    pub domain: Option<String>,
    /// App client id.
    #[arg(long = "client-id", env = "COGNITO_CLIENT_ID")]
    pub client_id: String,
    /// App client secret, for clients that have one (prefer the environment variable).
    #[arg(
        long = "client-secret",
        env = "COGNITO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
    /// User pool id (SRP; for the hosted UI, needed later by `cognito credentials`).
    #[arg(long = "user-pool-id", env = "COGNITO_USER_POOL_ID")]
    pub user_pool_id: Option<String>,
    /// User name (SRP).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password, and any later answer, from stdin lines instead of the terminal.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// User-pool API endpoint (emulators).
    #[arg(long, env = "COGNITO_IDP_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Loopback redirect URI registered on the app client (hosted UI).
    #[arg(
        long = "redirect-uri",
        default_value = cognito_auth::hosted_ui::DEFAULT_REDIRECT_URI
    )]
    pub redirect_uri: String,
    /// Scopes (hosted UI).
    #[arg(long = "scope", default_values_t = ["openid".to_string(), "email".to_string()])]
    pub scopes: Vec<String>,
    /// Identity provider hint (hosted UI).
    #[arg(long = "identity-provider")]
    pub identity_provider: Option<String>,
    /// Do not open a browser; just print the URL.
    #[arg(long = "no-browser")]
    pub no_browser: bool,
    /// Seconds to wait for the browser.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Print the tokens as JSON instead of storing them.
    #[arg(long)]
    pub print: bool,
}

/// Reads answers from stdin (--password-stdin) or the terminal.
struct Prompter {
    stdin: bool,
}

impl Prompter {
    fn line(&self, label: &str) -> Result<String, UsageError> {
        eprint!("{label}");
        let _ = std::io::stderr().flush();
        let mut s = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| UsageError(format!("cannot read stdin: {e}")))?;
        Ok(s.trim_end_matches(['\r', '\n']).to_owned())
    }
    fn secret(&self, label: &str) -> Result<String, UsageError> {
        if self.stdin {
            return self.line(label);
        }
        rpassword::prompt_password(label)
            .map_err(|e| UsageError(format!("cannot read the password: {e}")))
    }
}

fn output(args: &LoginArgs, profile: Profile) -> Result<u8, UsageError> {
    if args.print {
        println!(
            "{}",
            json!({
                "access_token": profile.access_token.expose(),
                "id_token": profile.id_token.as_ref().map(|t| t.expose()),
                "refresh_token": profile.refresh_token.as_ref().map(|t| t.expose()),
                "expires_at": profile.expires_at,
                "username": profile.username,
            })
        );
        return Ok(EXIT_OK);
    }
    let path = store::default_path().map_err(UsageError)?;
    {
        let _lock = store::lock(&path).map_err(UsageError)?;
        store::save(&path, &args.profile, profile).map_err(UsageError)?;
    }
    eprintln!(
        "signed in; tokens stored in {} (profile `{}`)",
        path.display(),
        args.profile
    );
    Ok(EXIT_OK)
}

pub async fn run(args: LoginArgs) -> Result<u8, UsageError> {
    if args.srp {
        srp(args).await
    } else {
        hosted(args).await
    }
}

async fn hosted(args: LoginArgs) -> Result<u8, UsageError> {
    let domain = args.domain.clone().ok_or_else(|| {
        UsageError("--domain is required for the hosted UI (or use --srp)".into())
    })?;
    let mut b = HostedUiClient::builder()
        .domain(&domain)
        .client_id(&args.client_id)
        .redirect_uri(&args.redirect_uri)
        .scopes(args.scopes.clone());
    if let Some(s) = &args.client_secret {
        b = b.client_secret(s.as_str());
    }
    let client = b.build().map_err(|e| UsageError(e.to_string()))?;
    let opts = LoginOptions {
        timeout: Duration::from_secs(args.timeout),
        open_browser: !args.no_browser,
        identity_provider: args.identity_provider.clone(),
        ..LoginOptions::default()
    };
    match client.login(opts).await {
        Ok(t) => {
            let username = t
                .id_token
                .as_ref()
                .and_then(|id| {
                    cognito_auth::unverified::decode_payload_unverified(id.expose()).ok()
                })
                .and_then(|c| c.cognito_username);
            output(
                &args,
                Profile {
                    method: Method::HostedUi {
                        domain,
                        client_id: args.client_id.clone(),
                        redirect_uri: args.redirect_uri.clone(),
                    },
                    user_pool_id: args.user_pool_id.clone(),
                    username,
                    access_token: t.access_token,
                    id_token: t.id_token,
                    refresh_token: t.refresh_token,
                    expires_at: store::unix(t.expires_at),
                },
            )
        }
        Err(e) => {
            eprintln!("cognito login: {e}");
            Ok(match e {
                cognito_auth::hosted_ui::HostedUiError::Transport(_) => EXIT_UNAVAILABLE,
                cognito_auth::hosted_ui::HostedUiError::NonLoopback(_)
                | cognito_auth::hosted_ui::HostedUiError::Config(_)
                | cognito_auth::hosted_ui::HostedUiError::PortInUse(_) => crate::EXIT_USAGE,
                _ => EXIT_NOT_AUTHENTICATED,
            })
        }
    }
}

async fn srp(args: LoginArgs) -> Result<u8, UsageError> {
    let pool = args
        .user_pool_id
        .clone()
        .ok_or_else(|| UsageError("--user-pool-id is required with --srp".into()))?;
    let username = args
        .username
        .clone()
        .ok_or_else(|| UsageError("--username is required with --srp".into()))?;
    let client = store::user_pool_client(
        &pool,
        &args.client_id,
        args.client_secret.as_deref(),
        args.endpoint.as_deref(),
    )
    .map_err(UsageError)?;
    let prompt = Prompter {
        stdin: args.password_stdin,
    };
    let password = prompt.secret("Password: ")?;
    let mut step = match client.sign_in_srp(&username, &password).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let session = loop {
        let mut challenge = match step {
            SignInStep::Done(s) => break s,
            SignInStep::Challenge(c) => c,
            other => {
                return Err(UsageError(format!(
                    "this CLI cannot continue from {other:?}"
                )));
            }
        };
        let answer = match &challenge.kind {
            ChallengeKind::NewPasswordRequired {
                required_attributes,
                ..
            } => {
                let password = Password::new(prompt.secret("New password: ")?);
                let mut attributes = std::collections::BTreeMap::new();
                for a in required_attributes {
                    attributes.insert(a.clone(), prompt.line(&format!("{a}: "))?);
                }
                ChallengeAnswer::NewPassword {
                    password,
                    attributes,
                }
            }
            ChallengeKind::SoftwareTokenMfa => {
                ChallengeAnswer::Code(prompt.line("Authenticator code: ")?)
            }
            ChallengeKind::SmsMfa { destination } => {
                ChallengeAnswer::Code(prompt.line(&format!(
                    "Code sent by SMS to {}: ",
                    destination.as_deref().unwrap_or("your phone")
                ))?)
            }
            ChallengeKind::EmailOtp { destination } => {
                ChallengeAnswer::Code(prompt.line(&format!(
                    "Code sent to {}: ",
                    destination.as_deref().unwrap_or("your email")
                ))?)
            }
            ChallengeKind::SelectMfaType { options } => {
                let names: Vec<&str> = options.iter().map(|o| o.as_challenge()).collect();
                let choice = prompt.line(&format!("MFA method ({}): ", names.join(", ")))?;
                let t = options
                    .iter()
                    .copied()
                    .find(|o| o.as_challenge().eq_ignore_ascii_case(&choice))
                    .ok_or_else(|| UsageError(format!("unknown MFA method `{choice}`")))?;
                ChallengeAnswer::SelectMfa(t)
            }
            ChallengeKind::MfaSetup { options }
                if options.is_empty() || options.contains(&MfaType::Totp) =>
            {
                let secret = match client.setup_totp(&mut challenge).await {
                    Ok(s) => s,
                    Err(e) => return fail(e),
                };
                eprintln!("Add this account to your authenticator app:");
                eprintln!("  secret: {secret}");
                eprintln!(
                    "  otpauth://totp/{}:{}?secret={secret}&issuer={}",
                    pool, username, pool
                );
                ChallengeAnswer::Code(prompt.line("Authenticator code: ")?)
            }
            other => return Err(UsageError(format!("this CLI cannot answer {other:?}"))),
        };
        step = match client.respond(&challenge, answer).await {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
    };
    output(
        &args,
        Profile {
            method: Method::Srp {
                user_pool_id: pool.clone(),
                client_id: args.client_id.clone(),
                endpoint: args.endpoint.clone(),
            },
            user_pool_id: Some(pool),
            username: Some(session.username),
            access_token: session.access_token,
            id_token: session.id_token,
            refresh_token: session.refresh_token,
            expires_at: store::unix(session.expires_at).max(store::unix_now()),
        },
    )
}

fn fail(e: cognito_auth::user::UserError) -> Result<u8, UsageError> {
    eprintln!("cognito login: {e}");
    Ok(match e {
        cognito_auth::user::UserError::Transport { .. } => EXIT_UNAVAILABLE,
        cognito_auth::user::UserError::Config(m) => return Err(UsageError(m)),
        _ => EXIT_NOT_AUTHENTICATED,
    })
}

/// Path helper for other commands.
pub fn store_path() -> Result<PathBuf, UsageError> {
    store::default_path().map_err(UsageError)
}
