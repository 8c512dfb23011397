//! The server of `scripts/bench.sh`'s auth-layer measurement (actix-web): one handler body
//! behind `GET /public` (no authentication), `GET /auth` (`CognitoAuth`) and `GET /guarded`
//! (`CognitoAuth` + `Require` with one scope), `GET /combined` (one `CognitoAuth::with_guard`
//! with the same scope); `GET /__exit` stops it. Offline keys; prints
//! `PORT <port>` and `TOKEN <token>`; one worker.
//!
//! `cargo run --release -p cognito-auth-testsuite --bin actix_bench_server`

use std::io::Write;

use actix_web::{App, HttpServer, web};
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, Guard};
use cognito_auth_actix::{CognitoAuth, Require};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};

async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let key = SigningKey::generate();
    let iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Bench";
    let token = TokenBuilder::new(Kind::Access, iss, &key)
        .client_id("4mw9nqflq0bench0client0id00")
        .scopes(["orders/read", "orders/write"])
        .sign();
    let auth = AuthConfig::default()
        .issuer(iss)
        .jwks_json(jwks_json(std::slice::from_ref(&key)))
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["4mw9nqflq0bench0client0id00"])
        .authenticator()
        .unwrap();
    actix_web::rt::System::new().block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let server = HttpServer::new(move || {
            let stop = stop_tx.clone();
            App::new()
                .route("/public", web::get().to(hello))
                .service(
                    web::resource("/auth")
                        .wrap(CognitoAuth::new(auth.clone()))
                        .route(web::get().to(hello)),
                )
                .service(
                    web::resource("/guarded")
                        .wrap(Require::new(Guard::all(["orders/read"])))
                        .wrap(CognitoAuth::new(auth.clone()))
                        .route(web::get().to(hello)),
                )
                .service(
                    web::resource("/combined")
                        .wrap(
                            CognitoAuth::new(auth.clone()).with_guard(Guard::all(["orders/read"])),
                        )
                        .route(web::get().to(hello)),
                )
                .route(
                    "/__exit",
                    web::get().to(move || {
                        let _ = stop.send(());
                        std::future::ready("bye")
                    }),
                )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "PORT {port}").unwrap();
            writeln!(out, "TOKEN {token}").unwrap();
            out.flush().unwrap();
        }
        let server = server.run();
        let handle = server.handle();
        let mut stop_rx = stop_rx;
        actix_web::rt::spawn(async move {
            stop_rx.recv().await;
            handle.stop(true).await;
        });
        server.await.unwrap();
    });
}
