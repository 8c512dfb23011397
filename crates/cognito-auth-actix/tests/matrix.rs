//! The shared status matrix (cognito-auth-testkit's `web_matrix`), the same table the axum
//! crate runs, against this crate's build of the standard app over real HTTP.

use std::collections::HashMap;

use actix_web::{App as ActixApp, HttpServer, web};
use cognito_auth::scope_requirement;
use cognito_auth::web::{Authenticator, Guard};
use cognito_auth_actix::{CognitoAuth, Principal, Require, Scoped, guarded};
use cognito_auth_testkit::LocalIssuer;
use cognito_auth_testsuite::web_matrix::{APPS, auth_config, run};

scope_requirement!(ReadOrders: all ["orders/read"]);

async fn whoami(p: Option<Principal>) -> String {
    match p {
        Some(p) => format!("client:{}", p.client_id()),
        None => "anonymous".to_owned(),
    }
}

async fn me(p: Principal) -> String {
    format!("client:{}", p.client_id())
}

async fn typed(s: Scoped<ReadOrders>) -> String {
    format!("typed:{}", s.principal().client_id())
}

fn serve(auth: Authenticator) -> String {
    let server = HttpServer::new(move || {
        ActixApp::new()
            .route("/whoami", web::get().to(whoami))
            .route("/me", web::get().to(me))
            .service(
                web::resource("/orders")
                    .wrap(Require::new(Guard::all(["orders/read", "orders/list"])))
                    .route(web::get().to(|| async { "orders" })),
            )
            .service(
                web::resource("/reports")
                    .wrap(Require::new(Guard::any(["reports/read", "reports/admin"])))
                    .route(web::get().to(|| async { "reports" })),
            )
            .service(
                guarded("/items", Guard::authenticated())
                    .get(&["items/read"], || async { "items" })
                    .post(&["items/write"], || async { "items" })
                    .delete(&["items/admin"], || async { "items" }),
            )
            .service(
                web::resource("/partners")
                    .wrap(Require::new(Guard::authenticated().clients(["partner-a"])))
                    .route(web::get().to(|| async { "partners" })),
            )
            .route("/typed", web::get().to(typed))
            .wrap(CognitoAuth::new(auth.clone()))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    actix_web::rt::spawn(server.run());
    url
}

#[actix_web::test]
async fn status_matrix() {
    let issuer = LocalIssuer::start().await;
    let mut urls = HashMap::new();
    for app in APPS {
        urls.insert(
            app,
            serve(auth_config(&issuer, app).authenticator().unwrap()),
        );
    }
    let failures = run(&issuer, |app| urls[&app].clone()).await;
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
