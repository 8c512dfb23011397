//! Runs the shared web matrix ([`cognito_auth_testsuite::web_matrix`]) against apps written
//! in another language (the Python package's Django/DRF and FastAPI apps), so they answer
//! the very table the Rust integrations answer.
//!
//! Protocol (one JSON document per line):
//! 1. prints `{"issuer": …, "apps": {"required": <AuthConfig>, "permissive": …,
//!    "permissive_lenient": …, "jwks_down": …}}`: the local issuer it started and the
//!    settings of each app configuration;
//! 2. reads `{"required": "http://127.0.0.1:<port>", …}`: where each app listens;
//! 3. runs every case, prints `{"cases": <n>, "failures": [..]}` and exits 0 when none failed.

use std::io::BufRead;

use cognito_auth_testkit::LocalIssuer;
use cognito_auth_testsuite::web_matrix::{self, App};

fn name(app: App) -> &'static str {
    match app {
        App::Required => "required",
        App::Permissive => "permissive",
        App::PermissiveLenient => "permissive_lenient",
        App::JwksDown => "jwks_down",
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let issuer = LocalIssuer::start().await;
    let mut apps = serde_json::Map::new();
    for app in web_matrix::APPS {
        let cfg = web_matrix::auth_config(&issuer, app);
        apps.insert(
            name(app).to_owned(),
            serde_json::to_value(&cfg).expect("AuthConfig serialises"),
        );
    }
    println!(
        "{}",
        serde_json::json!({ "issuer": issuer.issuer(), "apps": apps })
    );
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim().is_empty() {
        eprintln!("web_matrix: expected the apps' base URLs on stdin");
        std::process::exit(2);
    }
    let urls: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&line) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("web_matrix: bad URL document: {e}");
            std::process::exit(2);
        }
    };
    let failures = web_matrix::run(&issuer, |app| {
        urls.get(name(app))
            .and_then(|v| v.as_str())
            .unwrap_or("http://127.0.0.1:9")
            .trim_end_matches('/')
            .to_owned()
    })
    .await;
    println!(
        "{}",
        serde_json::json!({ "cases": web_matrix::cases().len(), "failures": failures })
    );
    std::process::exit(if failures.is_empty() { 0 } else { 1 });
}
