use clap::Args;
use cognito_auth_testkit::{ClientSpec, LocalIssuer};

use crate::{EXIT_OK, UsageError};

#[derive(Args)]
pub struct LocalArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Register a client: `ID:SECRET:scope1,scope2` (repeatable). Default: a demo client.
    #[arg(long = "client")]
    pub clients: Vec<String>,
    /// Token lifetime in seconds.
    #[arg(long = "token-lifetime", default_value_t = 3600)]
    pub token_lifetime: i64,
}

fn parse_client(spec: &str) -> Result<ClientSpec, UsageError> {
    let mut parts = spec.splitn(3, ':');
    let (Some(id), Some(secret)) = (parts.next(), parts.next()) else {
        return Err(UsageError(format!(
            "--client `{spec}`: expected ID:SECRET[:scopes]"
        )));
    };
    if id.is_empty() || secret.is_empty() {
        return Err(UsageError(format!("--client `{spec}`: empty id or secret")));
    }
    let scopes: Vec<String> = parts
        .next()
        .unwrap_or("default/read")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(ClientSpec::new(id, secret)
        .scopes(scopes)
        .callback_urls(["http://127.0.0.1:0/callback", "http://localhost:0/callback"]))
}

pub async fn run(args: LocalArgs) -> Result<u8, UsageError> {
    let mut clients = args
        .clients
        .iter()
        .map(|c| parse_client(c))
        .collect::<Result<Vec<_>, _>>()?;
    if clients.is_empty() {
        clients.push(parse_client(
            "demo-client:demo-secret:demo/read,demo/write",
        )?);
    }
    let mut b = LocalIssuer::builder()
        .port(args.port)
        .token_lifetime(args.token_lifetime);
    for c in &clients {
        b = b.client(c.clone());
    }
    let issuer = match b.try_start().await {
        Ok(i) => i,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            return Err(UsageError(format!(
                "port {} is in use (choose another with --port, or 0 for any free port)",
                args.port
            )));
        }
        Err(e) => {
            return Err(UsageError(format!(
                "cannot listen on 127.0.0.1:{}: {e}",
                args.port
            )));
        }
    };
    println!("local Cognito-shaped issuer running (Ctrl-C to stop)");
    println!("  issuer:         {}", issuer.issuer());
    println!("  jwks:           {}", issuer.jwks_url());
    println!("  token endpoint: {}", issuer.token_url());
    println!("  authorize:      {}", issuer.authorize_url());
    for c in &clients {
        println!(
            "  client:         {} (secret: {})",
            c.client_id(),
            c.secret().unwrap_or("")
        );
    }
    // A token of the first client, with its scopes and the configured lifetime, and a
    // command that verifies it as printed.
    let first = &clients[0];
    let sample = issuer
        .access_token()
        .client_id(first.client_id())
        .scopes(first.allowed_scopes().iter().map(String::as_str))
        .expires_in(args.token_lifetime)
        .sign();
    println!("  sample token:   {sample}");
    println!(
        "try: cognito verify --issuer {} --token-use access --client-id {} {sample}",
        issuer.issuer(),
        first.client_id()
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(EXIT_OK)
}
