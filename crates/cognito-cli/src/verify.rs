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
    // Tokens are ASCII; a line that is not UTF-8 becomes a malformed token, not an error.
    let line = match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let trimmed = line.trim();
    Ok(Some(Some(if trimmed.len() == line.len() {
        line
    } else {
        trimmed.to_owned()
    })))
}

/// A token pasted with its scheme (`Bearer eyJ…`, as copied from an `Authorization`
/// header) is the token.
pub(crate) fn without_bearer(t: String) -> String {
    match t.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => t[7..].trim_start().to_owned(),
        _ => t,
    }
}

/// Tokens per unit of work handed to a worker: large enough that scheduling costs nothing
/// next to the RSA work, small enough to spread a short batch over every core.
const CHUNK: usize = 64;

enum Input {
    Token(String),
    TooLong,
}

enum Msg {
    Chunk(Vec<Input>),
    /// Everything sent so far must be written and flushed: the input has nothing queued.
    Flush,
}

/// Appends the verdict line for `result` to `out`. A valid token's claims are the verified
/// payload bytes as they are (no JSON value is rebuilt), unless they span lines.
fn write_line(out: &mut Vec<u8>, result: &Result<VerifiedToken, VerifyError>) -> u8 {
    if let Ok(t) = result {
        let payload = t.payload_json();
        if !payload.iter().any(|&b| b == b'\n' || b == b'\r') {
            out.extend_from_slice(b"{\"valid\":true,\"claims\":");
            out.extend_from_slice(payload);
            out.extend_from_slice(b"}\n");
            return EXIT_OK;
        }
    }
    let (v, code) = line_for(result);
    let _ = serde_json::to_writer(&mut *out, &v);
    out.push(b'\n');
    code
}

async fn verify_chunk(verifier: Verifier, chunk: Vec<Input>) -> (Vec<u8>, u8) {
    let mut out = Vec::with_capacity(chunk.len() * 768);
    let mut worst = EXIT_OK;
    for input in chunk {
        let result = match input {
            Input::Token(t) => verifier.verify(&t).await,
            Input::TooLong => Err(VerifyError::new(
                cognito_auth::verify::Reason::TokenTooLarge,
                "input line longer than 64 KiB",
            )),
        };
        worst = worst.max(write_line(&mut out, &result));
    }
    (out, worst)
}

/// Reads tokens (arguments first, then stdin lines) into chunks. When nothing more is
/// buffered, the next read may wait on whoever writes the pipe: hand over the partial
/// chunk and ask for a flush, so an interactive pipe gets each answer at once while a batch
/// is written in large blocks.
fn read_input(
    arguments: Vec<String>,
    use_stdin: bool,
    tx: tokio::sync::mpsc::Sender<Msg>,
) -> Result<(), UsageError> {
    let send = |m: Msg| tx.blocking_send(m).is_ok();
    for c in arguments.chunks(CHUNK) {
        if !send(Msg::Chunk(
            c.iter()
                .cloned()
                .map(|t| Input::Token(without_bearer(t)))
                .collect(),
        )) {
            return Ok(());
        }
    }
    send(Msg::Flush);
    if !use_stdin {
        return Ok(());
    }
    let mut input = std::io::BufReader::with_capacity(256 * 1024, std::io::stdin());
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        if input.buffer().is_empty() {
            if !chunk.is_empty() && !send(Msg::Chunk(std::mem::take(&mut chunk))) {
                return Ok(());
            }
            if !send(Msg::Flush) {
                return Ok(());
            }
        }
        match read_bounded_line(&mut input, MAX_LINE) {
            Ok(None) => break,
            Ok(Some(Some(line))) if line.is_empty() => continue,
            Ok(Some(Some(line))) => chunk.push(Input::Token(without_bearer(line))),
            Ok(Some(None)) => chunk.push(Input::TooLong),
            Err(e) => return Err(UsageError(format!("cannot read stdin: {e}"))),
        }
        if chunk.len() == CHUNK && !send(Msg::Chunk(std::mem::take(&mut chunk))) {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        send(Msg::Chunk(chunk));
    }
    Ok(())
}

/// Verifies every token on all cores, writing one verdict per line in input order.
pub async fn run(args: VerifyArgs) -> Result<u8, UsageError> {
    use futures_util::StreamExt;
    use futures_util::stream::FuturesOrdered;

    let verifier = build(&args)?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let use_stdin = args.tokens.is_empty() || args.tokens.iter().any(|t| t == "-");
    let arguments: Vec<String> = args.tokens.into_iter().filter(|t| t != "-").collect();
    if use_stdin && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!(
            "cognito verify: reading tokens from stdin, one per line (end with Ctrl-D; or pass them as arguments)"
        );
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(workers * 4);
    let reader = tokio::task::spawn_blocking(move || read_input(arguments, use_stdin, tx));

    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    let mut worst = EXIT_OK;
    let mut in_flight = FuturesOrdered::new();
    let mut write =
        |done: Result<(Vec<u8>, u8), tokio::task::JoinError>,
         out: &mut std::io::BufWriter<std::io::StdoutLock<'static>>| {
            match done {
                Ok((bytes, code)) => {
                    worst = worst.max(code);
                    // A closed stdout (e.g. `| head`) ends the output, not the process.
                    let _ = out.write_all(&bytes);
                }
                Err(e) => {
                    worst = worst.max(EXIT_NOT_AUTHENTICATED);
                    eprintln!("cognito verify: a worker failed: {e}");
                }
            }
        };
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Chunk(chunk) => {
                in_flight.push_back(tokio::spawn(verify_chunk(verifier.clone(), chunk)));
                while in_flight.len() >= workers * 2 {
                    if let Some(done) = in_flight.next().await {
                        write(done, &mut out);
                    }
                }
            }
            Msg::Flush => {
                while let Some(done) = in_flight.next().await {
                    write(done, &mut out);
                }
                let _ = out.flush();
            }
        }
    }
    while let Some(done) = in_flight.next().await {
        write(done, &mut out);
    }
    let _ = out.flush();
    match reader.await {
        Ok(Ok(())) => Ok(worst),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(UsageError(format!("cannot read stdin: {e}"))),
    }
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
