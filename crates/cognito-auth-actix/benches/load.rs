//! Loopback load: the same handler unprotected and behind `CognitoAuth` + a scope guard.
//!
//! Run: `cargo bench -p cognito-auth-actix --bench load`
//! (env `LOAD_SECONDS`, `LOAD_ROUNDS`, `LOAD_CONNECTIONS`: defaults 1 s, 11 rounds, 32.)

use actix_web::{App, HttpServer, web};
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_actix::{CognitoAuth, Require};
use cognito_auth_testkit::LocalIssuer;
use cognito_auth_testsuite::load;

fn main() {
    let issuer = LocalIssuer::builder().start_blocking();
    let token = issuer
        .access_token()
        .client_id("bench")
        .scopes(["orders/read"])
        .sign();
    let cfg = AuthConfig {
        issuer: Some(issuer.issuer().to_owned()),
        token_use: Some(AcceptedTokenUse::Access),
        allowed_clients: Some(vec!["bench".into()]),
        ..AuthConfig::default()
    };
    let auth = cfg.authenticator().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // One actix worker on its own thread; the load generator gets one Tokio worker.
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .route("/open", web::get().to(|| async { "hello" }))
                    .service(
                        web::resource("/protected")
                            .wrap(Require::new(Guard::all(["orders/read"])))
                            .wrap(CognitoAuth::new(auth.clone()))
                            .route(web::get().to(|| async { "hello" })),
                    )
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    let base = format!("http://{}", rx.recv().unwrap());
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    load::compare(
        &client_rt,
        "actix-web",
        &format!("{base}/open"),
        &format!("{base}/protected"),
        &format!("Bearer {token}"),
        &load::Comparison::from_env(),
    );
}
