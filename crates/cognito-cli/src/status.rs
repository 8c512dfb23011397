//! `cognito status`: the stored logins, without any secret.

use clap::Args;
use serde_json::{Value, json};

use crate::failure::Failure;
use crate::store::{self, Method, Profile};
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_OK};

#[derive(Args)]
pub struct StatusArgs {
    /// Only this stored login (exit 1 when it is missing or expired beyond refreshing).
    #[arg(long)]
    pub profile: Option<String>,
    /// One JSON object per login, one per line.
    #[arg(long)]
    pub json: bool,
}

/// What is shown of one login: never a token.
fn describe(name: &str, p: &Profile) -> Value {
    let (method, source, client) = match &p.method {
        Method::HostedUi {
            domain, client_id, ..
        } => ("hosted-ui", domain.clone(), client_id.clone()),
        Method::Srp {
            user_pool_id,
            client_id,
            ..
        } => ("user-pool", user_pool_id.clone(), client_id.clone()),
    };
    let claims = cognito_auth::unverified::decode_payload_unverified(p.access_token.expose()).ok();
    let scopes: Vec<String> = claims
        .as_ref()
        .and_then(|c| c.scope.clone())
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let now = store::unix_now();
    json!({
        "profile": name,
        "method": method,
        "source": source,
        "client_id": client,
        "user_pool_id": p.user_pool_id,
        "username": p.username,
        "expires_at": p.expires_at,
        "expired": p.expires_at <= now,
        "scopes": scopes,
        "refresh_token": p.refresh_token.is_some(),
        "id_token": p.id_token.is_some(),
        "identity_pools": p.identity.keys().collect::<Vec<_>>(),
    })
}

fn line(v: &Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or("-").to_owned();
    let expires = if v["expired"].as_bool() == Some(true) {
        "expired".to_owned()
    } else {
        format!(
            "expires in {}",
            store::describe_remaining(v["expires_at"].as_u64().unwrap_or(0))
        )
    };
    let scopes = v["scopes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "-".into());
    format!(
        "{}: {} via {} ({}), client {}; {}; refresh token: {}; scopes: {}",
        s("profile"),
        s("username"),
        s("method"),
        s("source"),
        s("client_id"),
        expires,
        if v["refresh_token"].as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        },
        scopes
    )
}

pub async fn run(args: StatusArgs) -> Result<u8, Failure> {
    let path = crate::store::path()?;
    let all = {
        let _lock = store::lock_async(&path).await.map_err(Failure::usage)?;
        store::load_all(&path).map_err(Failure::usage)?
    };
    let chosen: Vec<(&String, &Profile)> = match &args.profile {
        Some(name) => all.iter().filter(|(n, _)| *n == name).collect(),
        None => all.iter().collect(),
    };
    if chosen.is_empty() {
        let what = match &args.profile {
            Some(n) => format!("no stored login `{n}`"),
            None => "no stored logins".into(),
        };
        if !args.json {
            eprintln!("{what} in {}; sign in with `cognito login`", path.display());
        }
        return Ok(if args.profile.is_some() {
            EXIT_NOT_AUTHENTICATED
        } else {
            EXIT_OK
        });
    }
    for (name, p) in &chosen {
        let v = describe(name, p);
        if args.json {
            println!("{v}");
        } else {
            println!("{}", line(&v));
        }
    }
    // One login asked for: its state is the exit code (1 when it is expired and cannot be
    // renewed).
    if let Some((_, p)) = chosen.first()
        && args.profile.is_some()
        && p.expires_at <= store::unix_now()
        && p.refresh_token.is_none()
    {
        return Ok(EXIT_NOT_AUTHENTICATED);
    }
    Ok(EXIT_OK)
}
