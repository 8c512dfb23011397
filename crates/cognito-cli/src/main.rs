//! `cognito`: the command line over cognito-auth.
//!
//! Exit codes (all subcommands): 0 success; 1 a token is not authenticated (or another
//! failure); 2 usage error; 3 a token is forbidden; 4 keys or endpoints unavailable.

mod credentials;
mod decode;
mod local;
mod login;
mod logout;
mod refresh;
mod store;
mod token;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: not authenticated, or a general failure.
pub const EXIT_NOT_AUTHENTICATED: u8 = 1;
/// Exit status: usage error.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: forbidden.
pub const EXIT_FORBIDDEN: u8 = 3;
/// Exit status: unavailable (JWKS or endpoint unreachable).
pub const EXIT_UNAVAILABLE: u8 = 4;

#[derive(Parser)]
#[command(
    name = "cognito",
    version,
    about = "Amazon Cognito from the command line: verify and decode tokens, fetch M2M tokens, sign in, get AWS credentials, run a local issuer"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify tokens (arguments, or one per line on stdin); prints one JSON object per token.
    Verify(verify::VerifyArgs),
    /// Print a token's header and payload WITHOUT verifying it.
    Decode(decode::DecodeArgs),
    /// Run the local Cognito-shaped issuer in the foreground.
    Local(local::LocalArgs),
    /// Fetch a client-credentials (M2M) access token and print it.
    Token(token::TokenArgs),
    /// Sign in (hosted UI with PKCE, or --srp with a password prompt) and store the tokens.
    Login(login::LoginArgs),
    /// Remove the stored tokens and revoke the refresh token.
    Logout(logout::LogoutArgs),
    /// Renew a stored login now with its refresh token (no browser, no password).
    Refresh(refresh::RefreshArgs),
    /// Print AWS credentials from an identity pool in the credential_process format.
    Credentials(credentials::CredentialsArgs),
}

/// A usage error: printed to stderr, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cognito: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_NOT_AUTHENTICATED);
        }
    };
    let code = rt.block_on(async {
        match cli.command {
            Command::Verify(args) => verify::run(args).await,
            Command::Decode(args) => decode::run(args),
            Command::Local(args) => local::run(args).await,
            Command::Token(args) => token::run(args).await,
            Command::Login(args) => login::run(args).await,
            Command::Logout(args) => logout::run(args).await,
            Command::Refresh(args) => refresh::run(args).await,
            Command::Credentials(args) => credentials::run(args).await,
        }
    });
    match code {
        Ok(code) => ExitCode::from(code),
        Err(UsageError(msg)) => {
            eprintln!("cognito: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
