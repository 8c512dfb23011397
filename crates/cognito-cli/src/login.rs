use std::time::Duration;

use clap::{Args, ValueEnum};
use cognito_auth::hosted_ui::{HostedUiClient, LoginOptions};
use cognito_auth::secret::Password;
use cognito_auth::user::{
    AuthFactor, Challenge, ChallengeAnswer, ChallengeKind, FirstFactor, MfaType, SignInStep,
    UserError,
};
use serde_json::json;

use crate::failure::{Failure, endpoint_origin, is_wrong_code, user_error};
use crate::prompt::Prompter;
use crate::store::{self, Method, Profile};
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE};

/// How many times a code may be typed within one sign-in.
const CODE_ATTEMPTS: u32 = 3;

#[derive(Clone, Copy, ValueEnum)]
pub enum Passwordless {
    /// A one-time code sent by e-mail (EMAIL_OTP).
    Email,
    /// A one-time code sent by SMS (SMS_OTP).
    Sms,
}

#[derive(Args)]
pub struct LoginArgs {
    /// Name of the stored login.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// Sign in with USER_SRP_AUTH (password prompt) instead of the hosted UI.
    #[arg(long)]
    pub srp: bool,
    /// Sign in without a password: a one-time code by e-mail or SMS (choice-based sign-in;
    /// the app client must allow USER_AUTH).
    #[arg(long, value_enum, conflicts_with_all = ["srp", "choose", "custom"])]
    pub passwordless: Option<Passwordless>,
    /// Choice-based sign-in: choose among the ways Cognito offers for this user.
    #[arg(long, conflicts_with_all = ["srp", "custom"])]
    pub choose: bool,
    /// Custom authentication (CUSTOM_AUTH, the pool's challenge triggers); with --srp the
    /// password is proven first.
    #[arg(long)]
    pub custom: bool,
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
    /// User name (asked for on a terminal when missing).
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

fn output(args: &LoginArgs, profile: Profile) -> Result<u8, Failure> {
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
    let path = store::default_path().map_err(Failure::usage)?;
    {
        let _lock = store::lock(&path).map_err(Failure::usage)?;
        store::save(&path, &args.profile, profile).map_err(Failure::usage)?;
    }
    eprintln!(
        "signed in; tokens stored in {} (profile `{}`)",
        path.display(),
        args.profile
    );
    Ok(EXIT_OK)
}

pub async fn run(args: LoginArgs) -> Result<u8, Failure> {
    if args.srp || args.passwordless.is_some() || args.choose || args.custom {
        direct(args).await
    } else {
        hosted(args).await
    }
}

async fn hosted(args: LoginArgs) -> Result<u8, Failure> {
    let domain = args.domain.clone().ok_or_else(|| {
        Failure::usage(
            "--domain is required for the hosted UI (or sign in with --srp, --passwordless or --choose)",
        )
    })?;
    let mut b = HostedUiClient::builder()
        .domain(&domain)
        .client_id(&args.client_id)
        .redirect_uri(&args.redirect_uri)
        .scopes(args.scopes.clone());
    if let Some(s) = &args.client_secret {
        b = b.client_secret(s.as_str());
    }
    let client = b.build().map_err(|e| Failure::usage(e.to_string()))?;
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
                    identity: Default::default(),
                },
            )
        }
        Err(e) => {
            use cognito_auth::hosted_ui::HostedUiError as H;
            let f = match &e {
                H::Transport(_) => Failure::new(
                    EXIT_UNAVAILABLE,
                    format!(
                        "cannot reach {domain} (set by --domain or COGNITO_DOMAIN); check the network and try again"
                    ),
                ),
                H::NonLoopback(_) | H::Config(_) | H::PortInUse(_) => Failure::usage(e.to_string()),
                H::Timeout(_) => Failure::new(
                    EXIT_NOT_AUTHENTICATED,
                    "no sign-in arrived from the browser in time; run `cognito login` again",
                ),
                _ => Failure::new(EXIT_NOT_AUTHENTICATED, format!("the sign-in failed: {e}")),
            };
            Err(f.because(&e))
        }
    }
}

/// Sign-in through the user-pool API: SRP, passwordless codes, choice-based or custom.
async fn direct(args: LoginArgs) -> Result<u8, Failure> {
    let pool = args.user_pool_id.clone().ok_or_else(|| {
        Failure::usage(
            "--user-pool-id (or COGNITO_USER_POOL_ID) is required to sign in without the hosted UI",
        )
    })?;
    let prompt = Prompter::new(args.password_stdin)?;
    let username = match &args.username {
        Some(u) => u.clone(),
        None if prompt.is_terminal() => prompt.line("User name", "user name")?,
        None => {
            return Err(Failure::usage(
                "--username is required with --password-stdin",
            ));
        }
    };
    let client = crate::client::user_pool_client(
        &pool,
        &args.client_id,
        args.client_secret.as_deref(),
        args.endpoint.as_deref(),
    )
    .map_err(Failure::usage)?;
    let origin = endpoint_origin(args.endpoint.is_some());
    let fail = |e: cognito_auth::user::UserError| user_error(&e, client.endpoint(), origin);

    let first = if args.custom {
        let password = match args.srp {
            true => Some(prompt.secret("Password", "password")?),
            false => None,
        };
        client.sign_in_custom(&username, password.as_deref()).await
    } else if let Some(channel) = args.passwordless {
        let factor = match channel {
            Passwordless::Email => FirstFactor::EmailOtp,
            Passwordless::Sms => FirstFactor::SmsOtp,
        };
        client.sign_in_user_auth(&username, factor).await
    } else if args.choose {
        client
            .sign_in_user_auth(&username, FirstFactor::Choose)
            .await
    } else {
        let password = prompt.secret("Password", "password")?;
        client.sign_in_srp(&username, &password).await
    };
    let mut step = first.map_err(fail)?;
    let session = loop {
        let mut challenge = match step {
            SignInStep::Done(s) => break s,
            SignInStep::Challenge(c) => c,
            _ => {
                return Err(Failure::new(
                    EXIT_NOT_AUTHENTICATED,
                    "Cognito answered with a step this version cannot handle; sign in through the hosted UI",
                ));
            }
        };
        if let ChallengeKind::MfaSetup { options } = &challenge.kind {
            if !options.is_empty() && !options.contains(&MfaType::Totp) {
                return Err(Failure::new(
                    EXIT_NOT_AUTHENTICATED,
                    "the user must set up SMS or e-mail MFA first, which this command cannot do; sign in through the hosted UI",
                ));
            }
            let secret = client.setup_totp(&mut challenge).await.map_err(fail)?;
            eprintln!("Add this account to your authenticator app:");
            eprintln!("  secret: {secret}");
            eprintln!("  otpauth://totp/{pool}:{username}?secret={secret}&issuer={pool}");
        }
        let mut attempt = 1;
        step = loop {
            let answer = answer(&prompt, &challenge)?;
            match client.respond(&challenge, answer).await {
                Ok(next) => break next,
                // At a terminal a person types the code again (the session is kept); from a
                // pipe nobody will, so a wrong code ends the sign-in as refused.
                Err(e)
                    if prompt.is_terminal()
                        && attempt < CODE_ATTEMPTS
                        && (is_wrong_code(&e) || matches!(e, UserError::WrongAnswer { .. })) =>
                {
                    attempt += 1;
                    match &e {
                        UserError::WrongAnswer { message, .. } => eprintln!(
                            "the code is not correct ({message}); try again (attempt {attempt} of {CODE_ATTEMPTS})"
                        ),
                        _ => eprintln!(
                            "the code is not correct; try again (attempt {attempt} of {CODE_ATTEMPTS})"
                        ),
                    }
                }
                Err(UserError::WrongAnswer { message, .. }) if is_code_challenge(&challenge) => {
                    return Err(Failure::new(
                        EXIT_NOT_AUTHENTICATED,
                        format!("the code is not correct ({message})"),
                    ));
                }
                Err(e) => return Err(fail(e)),
            }
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
            identity: Default::default(),
        },
    )
}

/// The way a factor is offered in the choice prompt.
fn factor_label(f: &AuthFactor) -> Option<&'static str> {
    match f {
        AuthFactor::PasswordSrp | AuthFactor::Password => Some("password"),
        AuthFactor::EmailOtp => Some("email"),
        AuthFactor::SmsOtp => Some("sms"),
        _ => None,
    }
}

/// Asks the person for the answer to `c`.
fn answer(prompt: &Prompter, c: &Challenge) -> Result<ChallengeAnswer, Failure> {
    let code = |label: String| prompt.line(&label, "code").map(ChallengeAnswer::Code);
    Ok(match &c.kind {
        ChallengeKind::NewPasswordRequired {
            required_attributes,
            ..
        } => {
            eprintln!("A new password is required.");
            let password = Password::new(prompt.new_password()?);
            let mut attributes = std::collections::BTreeMap::new();
            for a in required_attributes {
                attributes.insert(a.clone(), prompt.line(a, a)?);
            }
            ChallengeAnswer::NewPassword {
                password,
                attributes,
            }
        }
        ChallengeKind::SoftwareTokenMfa | ChallengeKind::MfaSetup { .. } => {
            code("Authenticator code".into())?
        }
        ChallengeKind::SmsMfa { destination } | ChallengeKind::SmsOtp { destination } => {
            code(format!(
                "Code sent by SMS to {}",
                destination.as_deref().unwrap_or("your phone")
            ))?
        }
        ChallengeKind::EmailOtp { destination } => code(format!(
            "Code sent to {}",
            destination.as_deref().unwrap_or("your e-mail")
        ))?,
        ChallengeKind::SelectMfaType { options } => {
            let names: Vec<&str> = options.iter().map(|o| o.as_challenge()).collect();
            let i = prompt.choose("MFA method", &names)?;
            ChallengeAnswer::SelectMfa(options[i])
        }
        ChallengeKind::SelectChallenge { available } => {
            let mut offered: Vec<(&'static str, &AuthFactor)> = Vec::new();
            for f in available {
                if let Some(l) = factor_label(f)
                    && !offered.iter().any(|(o, _)| *o == l)
                {
                    offered.push((l, f));
                }
            }
            if offered.is_empty() {
                return Err(passkeys_only());
            }
            let labels: Vec<&str> = offered.iter().map(|(l, _)| *l).collect();
            let i = prompt.choose("Sign in with", &labels)?;
            ChallengeAnswer::Choose(match offered[i].0 {
                "password" => {
                    let pw = Password::new(prompt.secret("Password", "password")?);
                    if available.contains(&AuthFactor::PasswordSrp) {
                        FirstFactor::PasswordSrp(pw)
                    } else {
                        FirstFactor::Password(pw)
                    }
                }
                "email" => FirstFactor::EmailOtp,
                _ => FirstFactor::SmsOtp,
            })
        }
        ChallengeKind::WebAuthn { .. } => return Err(passkeys_only()),
        ChallengeKind::CustomChallenge => {
            for (k, v) in &c.parameters {
                if k != "USERNAME" {
                    eprintln!("  {k}: {v}");
                }
            }
            ChallengeAnswer::Custom(prompt.line("Answer", "answer")?)
        }
        other => {
            return Err(Failure::new(
                EXIT_NOT_AUTHENTICATED,
                format!(
                    "Cognito asked for {other:?}, which this command cannot answer; sign in through the hosted UI"
                ),
            ));
        }
    })
}

fn passkeys_only() -> Failure {
    Failure::new(
        EXIT_NOT_AUTHENTICATED,
        "passkeys cannot be used from a terminal; sign in with --passwordless email, \
         --passwordless sms or --srp if the user has them, or through the hosted UI \
         (`cognito login --domain …`), where the browser offers the passkey",
    )
}

/// Whether the challenge is answered with a one-time code.
fn is_code_challenge(c: &Challenge) -> bool {
    matches!(
        c.kind,
        ChallengeKind::SoftwareTokenMfa
            | ChallengeKind::SmsMfa { .. }
            | ChallengeKind::EmailOtp { .. }
            | ChallengeKind::SmsOtp { .. }
            | ChallengeKind::MfaSetup { .. }
    )
}
