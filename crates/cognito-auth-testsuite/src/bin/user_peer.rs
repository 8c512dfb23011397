//! Serves the strict user-pool peer ([`cognito_auth_testsuite::peer`]) for test suites in
//! other languages (the Python package's): server-side SRP written independently of the
//! library (a wrong password fails the proof), SECRET_HASH and the user names Cognito
//! expects at each step, device confirmation and DEVICE_SRP_AUTH, the choice-based,
//! passwordless and custom flows, and the recorded exchanges.
//!
//! Prints one JSON line: `{"url", "control", "pool", "client", "secret", "alias", "password",
//! "issuer", "jwks"}`, then serves until its standard input closes. `control` answers
//! `GET <control>/inbox/EMAIL` (or `/SMS`) with the last code sent there, `GET
//! <control>/log` with the operations received so far, `GET <control>/metadata` with the
//! `ClientMetadata` of each choice-based sign-in call and `GET <control>/refresh-device-keys`
//! with the device key each refresh named once a device was confirmed.

use std::io::Read;

use axum::extract::{Path, State};
use axum::routing::get;
use cognito_auth_testsuite::peer::{self, Shared};

async fn inbox(State(p): State<Shared>, Path(channel): Path<String>) -> String {
    let p = p.lock().unwrap_or_else(|e| e.into_inner());
    p.choice
        .inbox
        .iter()
        .find(|(k, _)| **k == channel)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn log(State(p): State<Shared>) -> axum::Json<Vec<String>> {
    axum::Json(p.lock().unwrap_or_else(|e| e.into_inner()).log.clone())
}

async fn refresh_device_keys(State(p): State<Shared>) -> axum::Json<Vec<Option<String>>> {
    axum::Json(
        p.lock()
            .unwrap_or_else(|e| e.into_inner())
            .refresh_device_keys
            .clone(),
    )
}

async fn metadata(State(p): State<Shared>) -> axum::Json<Vec<serde_json::Value>> {
    axum::Json(
        p.lock()
            .unwrap_or_else(|e| e.into_inner())
            .choice
            .metadata
            .clone(),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (url, state) = peer::peer().await;
    let control = axum::Router::new()
        .route("/inbox/{channel}", get(inbox))
        .route("/log", get(log))
        .route("/metadata", get(metadata))
        .route("/refresh-device-keys", get(refresh_device_keys))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the control port");
    let control_url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move { axum::serve(listener, control).await });
    let key = peer::signing_key();
    println!(
        "{}",
        serde_json::json!({
            "url": url,
            "control": control_url,
            "pool": peer::POOL,
            "client": peer::CLIENT,
            "secret": peer::SECRET,
            "alias": peer::ALIAS,
            "user_id": peer::USER_ID,
            "password": peer::PASSWORD,
            "issuer": format!("https://cognito-idp.us-east-1.amazonaws.com/{}", peer::POOL),
            "jwks": cognito_auth_testkit::jwks_json(std::slice::from_ref(key)),
        })
    );
    // Serve until the test process closes our standard input (or dies).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .ok();
}
