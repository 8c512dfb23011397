//! `cognito`: the command line over cognito-auth.
//!
//! Exit codes (all subcommands): 0 success; 1 a token is not authenticated (or another
//! failure); 2 usage error; 3 a token is forbidden; 4 keys or endpoints unavailable.

mod client;
mod credentials;
mod decode;
mod failure;
mod local;
mod login;
mod logout;
mod prompt;
mod refresh;
mod status;
mod store;
mod token;
mod verify;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use failure::Failure;

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

/// The exit codes, for `--help` and the man page.
const EXIT_CODES: &str = "\
Exit codes (every command):
  0  success
  1  a token is not authenticated (invalid, expired, wrong issuer), or a sign-in was refused
  2  usage error (a flag, an argument, the input or the configuration)
  3  a token is authenticated but forbidden (scope, client, group)
  4  unavailable: keys, the token endpoint or Cognito could not be reached";

#[derive(Parser)]
#[command(
    name = "cognito",
    version,
    about = "Amazon Cognito from the command line: verify and decode tokens, fetch M2M tokens, sign in, get AWS credentials, run a local issuer",
    after_help = EXIT_CODES
)]
struct Cli {
    /// Also print the technical detail of a failure (API operation, transport cause).
    #[arg(long, short, global = true)]
    verbose: bool,
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
    /// Print a client-credentials (M2M) access token, or with --stored the stored login's
    /// token (renewed first when about to expire).
    Token(token::TokenArgs),
    /// Sign in (hosted UI with PKCE; or --srp, --passwordless, --choose, --custom through
    /// the user-pool API) and store the tokens.
    Login(login::LoginArgs),
    /// Show the stored logins (user, pool or domain, client, expiry, scopes), never a token.
    Status(status::StatusArgs),
    /// Remove the stored tokens and revoke the refresh token.
    Logout(logout::LogoutArgs),
    /// Renew a stored login now with its refresh token (no browser, no password).
    Refresh(refresh::RefreshArgs),
    /// Print AWS credentials from an identity pool in the credential_process format.
    Credentials(credentials::CredentialsArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `cognito man > cognito.1`.
    Man,
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Verify(_) => "verify",
            Command::Decode(_) => "decode",
            Command::Local(_) => "local",
            Command::Token(_) => "token",
            Command::Login(_) => "login",
            Command::Status(_) => "status",
            Command::Logout(_) => "logout",
            Command::Refresh(_) => "refresh",
            Command::Credentials(_) => "credentials",
            Command::Completions { .. } => "completions",
            Command::Man => "man",
        }
    }
}

/// A library message in the terms of someone at a terminal: the library names its API
/// where a CLI user has a flag (or none).
fn in_cli_terms(message: &str) -> std::borrow::Cow<'_, str> {
    const API: &str = "use https, or opt in with HttpConfig::allow_insecure_http(true)";
    if message.contains(API) {
        std::borrow::Cow::Owned(message.replace(
            API,
            "use https (the CLI takes plain http only for 127.0.0.1 and localhost; no flag allows it for a remote host)",
        ))
    } else {
        std::borrow::Cow::Borrowed(message)
    }
}

/// A usage error: printed to stderr, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let name = cli.command.name();
    let verbose = cli.verbose;
    let outcome = match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "cognito",
                &mut std::io::stdout(),
            );
            Ok(EXIT_OK)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|()| EXIT_OK)
            .map_err(|e| Failure::new(EXIT_NOT_AUTHENTICATED, format!("cannot write: {e}"))),
        command => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(async {
                match command {
                    Command::Verify(args) => verify::run(args).await.map_err(Failure::from),
                    Command::Decode(args) => decode::run(args).map_err(Failure::from),
                    Command::Local(args) => local::run(args).await.map_err(Failure::from),
                    Command::Token(args) => token::run(args).await,
                    Command::Login(args) => login::run(args).await,
                    Command::Status(args) => status::run(args).await,
                    Command::Logout(args) => logout::run(args).await,
                    Command::Refresh(args) => refresh::run(args).await,
                    Command::Credentials(args) => credentials::run(args).await,
                    Command::Completions { .. } | Command::Man => unreachable!("handled above"),
                }
            }),
            Err(e) => Err(Failure::new(
                EXIT_NOT_AUTHENTICATED,
                format!("cannot start the async runtime: {e}"),
            )),
        },
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("cognito {name}: {}", in_cli_terms(&f.message));
            match (&f.detail, verbose) {
                (Some(d), true) => eprintln!("cognito {name}: detail: {d}"),
                (Some(_), false) => {
                    eprintln!("cognito {name}: (run with --verbose for the detail)")
                }
                (None, _) => {}
            }
            ExitCode::from(f.code)
        }
    }
}
