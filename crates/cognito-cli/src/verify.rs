use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use cognito_auth::verify::{
    AcceptedTokenUse, ErrorKind, PoolConfig, ScopeMatch, VerifiedToken, Verifier, VerifyError,
};
use serde_json::json;

use crate::{EXIT_FORBIDDEN, EXIT_NOT_AUTHENTICATED, EXIT_OK, EXIT_UNAVAILABLE, UsageError};

/// Largest line read from stdin; longer lines are reported as too large without being stored.
const MAX_LINE: usize = 64 * 1024;
/// Largest JWKS file read by `--jwks-file`.
const MAX_JWKS_FILE: u64 = 1024 * 1024;

#[derive(Clone, Copy, ValueEnum)]
pub enum TokenUseArg {
    Access,
    Id,
    Any,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScopeMatchArg {
    All,
    Any,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Tokens to verify. None, or `-`, reads one token per line from stdin.
    pub tokens: Vec<String>,
    /// AWS region of the user pool (default: the prefix of the pool id).
    #[arg(long, env = "COGNITO_REGION")]
    pub region: Option<String>,
    /// User pool id, e.g. eu-west-1_AbCdEf123.
    #[arg(long = "user-pool-id", env = "COGNITO_USER_POOL_ID")]
    pub user_pool_id: Option<String>,
    /// Explicit issuer URL (instead of region + pool).
    #[arg(long, env = "COGNITO_ISSUER", conflicts_with = "user_pool_id")]
    pub issuer: Option<String>,
    /// JWKS URL, overriding the one derived from the issuer.
    #[arg(long = "jwks-url", env = "COGNITO_JWKS_URL")]
    pub jwks_url: Option<String>,
    /// Read keys from this JWKS file instead of fetching them.
    #[arg(long = "jwks-file", conflicts_with = "jwks_url")]
    pub jwks_file: Option<PathBuf>,
    /// Which tokens to accept.
    #[arg(long = "token-use", env = "COGNITO_TOKEN_USE", value_enum)]
    pub token_use: TokenUseArg,
    /// Allowed app client (repeatable; `*` for any). This or --any-client is required.
    #[arg(long = "client-id", env = "COGNITO_CLIENT_IDS", value_delimiter = ',')]
    pub client_ids: Vec<String>,
    /// Accept tokens of every app client of the pool.
    #[arg(long = "any-client", conflicts_with = "client_ids")]
    pub any_client: bool,
    /// Required scope (repeatable).
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Whether all or any of the scopes are required.
    #[arg(long = "scope-match", value_enum, default_value = "all")]
    pub scope_match: ScopeMatchArg,
    /// Required group, at least one of them (repeatable).
    #[arg(long = "group")]
    pub groups: Vec<String>,
    /// Clock leeway in seconds.
    #[arg(long, default_value_t = 5)]
    pub leeway: u64,
}

fn build(args: &VerifyArgs) -> Result<Verifier, UsageError> {
    let mut pool = match (&args.issuer, &args.user_pool_id) {
        (Some(iss), _) => PoolConfig::issuer_url(iss.clone()),
        (None, Some(pool)) => {
            let p = PoolConfig::user_pool(pool.clone());
            match &args.region {
                Some(r) => p.region(r.clone()),
                None => p,
            }
        }
        (None, None) => {
            return Err(UsageError(
                "one of --user-pool-id or --issuer is required".into(),
            ));
        }
    };
    if let Some(url) = &args.jwks_url {
        pool = pool.jwks_url(url.clone());
    }
    if let Some(path) = &args.jwks_file {
        let meta = std::fs::metadata(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        if meta.len() > MAX_JWKS_FILE {
            return Err(UsageError(format!(
                "{} is larger than 1 MiB",
                path.display()
            )));
        }
        let json = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        pool = pool.jwks_json(json);
    }
    let mut b = Verifier::builder()
        .pool(pool)
        .token_use(match args.token_use {
            TokenUseArg::Access => AcceptedTokenUse::Access,
            TokenUseArg::Id => AcceptedTokenUse::Id,
            TokenUseArg::Any => AcceptedTokenUse::Any,
        })
        .leeway(Duration::from_secs(args.leeway))
        .required_scopes(args.scopes.iter().cloned())
        .scope_match(match args.scope_match {
            ScopeMatchArg::All => ScopeMatch::All,
            ScopeMatchArg::Any => ScopeMatch::Any,
        })
        .required_groups(args.groups.iter().cloned());
    b = if args.any_client || args.client_ids.iter().any(|c| c == "*") {
        b.any_client()
    } else if !args.client_ids.is_empty() {
        b.allowed_clients(args.client_ids.iter().cloned())
    } else {
        return Err(UsageError(
            "choose the app clients to accept: --client-id <id> (repeatable) or --any-client"
                .into(),
        ));
    };
    b.build().map_err(|e| UsageError(e.to_string()))
}

fn line_for(result: &Result<VerifiedToken, VerifyError>) -> (serde_json::Value, u8) {
    match result {
        Ok(t) => (json!({ "valid": true, "claims": t.claims() }), EXIT_OK),
        Err(e) => {
            let code = match e.kind() {
                ErrorKind::Forbidden => EXIT_FORBIDDEN,
                ErrorKind::Unavailable => EXIT_UNAVAILABLE,
                _ => EXIT_NOT_AUTHENTICATED,
            };
            let mut error = json!({
                "kind": e.kind().as_str(),
                "reason": e.reason().as_str(),
                "message": e.message(),
            });
            if let Some(f) = e.scope_failure() {
                error["token_scopes"] = json!(f.token_scopes);
                error["required_scopes"] = json!(f.required);
            }
            (json!({ "valid": false, "error": error }), code)
        }
    }
}

/// Reads one line of at most `max` bytes. `Ok(None)` at end of input; `Ok(Some(None))` for a
/// line that was too long (skipped without being stored).
fn read_bounded_line(
    input: &mut impl BufRead,
    max: usize,
) -> std::io::Result<Option<Option<String>>> {
    let mut buf = Vec::new();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + take > max + 1 {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        input.consume(take);
        if done {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(None));
    }
    Ok(Some(Some(String::from_utf8_lossy(&buf).trim().to_owned())))
}

pub async fn run(args: VerifyArgs) -> Result<u8, UsageError> {
    let verifier = build(&args)?;
    let mut worst = EXIT_OK;
    let mut out = std::io::stdout().lock();
    let mut emit = |value: serde_json::Value, code: u8, out: &mut std::io::StdoutLock<'_>| {
        worst = worst.max(code);
        let _ = writeln!(out, "{value}");
        let _ = out.flush();
    };
    let use_stdin = args.tokens.is_empty() || args.tokens.iter().any(|t| t == "-");
    for t in args.tokens.iter().filter(|t| *t != "-") {
        let (v, c) = line_for(&verifier.verify(t).await);
        emit(v, c, &mut out);
    }
    if use_stdin {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_bounded_line(&mut input, MAX_LINE) {
                Ok(None) => break,
                Ok(Some(Some(line))) if line.is_empty() => continue,
                Ok(Some(Some(line))) => {
                    let (v, c) = line_for(&verifier.verify(&line).await);
                    emit(v, c, &mut out);
                }
                Ok(Some(None)) => {
                    let e = VerifyError::new(
                        cognito_auth::verify::Reason::TokenTooLarge,
                        "input line longer than 64 KiB",
                    );
                    let (v, c) = line_for(&Err(e));
                    emit(v, c, &mut out);
                }
                Err(e) => return Err(UsageError(format!("cannot read stdin: {e}"))),
            }
        }
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let data = format!("a\n\n{}\nb", "x".repeat(100));
        let mut r = std::io::BufReader::with_capacity(7, data.as_bytes());
        assert_eq!(
            read_bounded_line(&mut r, 10).unwrap(),
            Some(Some("a".into()))
        );
        assert_eq!(
            read_bounded_line(&mut r, 10).unwrap(),
            Some(Some("".into()))
        );
        assert_eq!(read_bounded_line(&mut r, 10).unwrap(), Some(None));
        assert_eq!(
            read_bounded_line(&mut r, 10).unwrap(),
            Some(Some("b".into()))
        );
        assert_eq!(read_bounded_line(&mut r, 10).unwrap(), None);
    }
}
