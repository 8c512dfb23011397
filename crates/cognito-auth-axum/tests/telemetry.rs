//! Telemetry: one process with a capturing `tracing` subscriber (every level, every target)
//! and a recording `metrics` recorder runs a user sign-in and session refresh (moto), an M2M
//! token fetch (test kit), and a 401/403/pass matrix through the axum layer over real HTTP.
//! It then checks that the decisions are observable (events, spans, counters with the right
//! labels and counts) and that no password, client secret or whole token appears in any
//! event, span field, metric name or label.
//!
//! One test in this binary: the subscriber and recorder are process-global.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use cognito_auth::m2m::{M2mClient, RetryPolicy, TokenSource};
use cognito_auth::verify::AcceptedTokenUse;
use cognito_auth::web::{AuthConfig, AuthMode, Guard};
use cognito_auth_axum::{CognitoAuthLayer, Principal, guarded};
use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use cognito_auth_testsuite::moto::Moto;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Everything the subscriber saw, one line per event / span / recorded field.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

struct Line<'a>(&'a mut String);
impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Captured {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        let mut s = format!(
            "span {} {}",
            attrs.metadata().target(),
            attrs.metadata().name()
        );
        attrs.record(&mut Line(&mut s));
        self.0.lock().unwrap().push(s);
    }
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: Context<'_, S>,
    ) {
        let mut s = "record".to_owned();
        values.record(&mut Line(&mut s));
        self.0.lock().unwrap().push(s);
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let m = event.metadata();
        let mut s = format!("event {} {} {}", m.level(), m.target(), m.name());
        event.record(&mut Line(&mut s));
        self.0.lock().unwrap().push(s);
    }
}

const PASSWORD: &str = "Correct-Horse-42";
const M2M_SECRET: &str = "m2m-client-secret-77aa";

type Metrics = Vec<(
    metrics_util::CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

/// The sum of counter `name` over the series carrying `labels`.
fn counter(snap: &Metrics, name: &str, labels: &[(&str, &str)]) -> u64 {
    snap.iter()
        .filter(|(k, _, _, _)| {
            k.key().name() == name
                && labels
                    .iter()
                    .all(|(ln, lv)| k.key().labels().any(|l| l.key() == *ln && l.value() == *lv))
        })
        .map(|(_, _, _, v)| match v {
            DebugValue::Counter(c) => *c,
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_observable_and_no_secret_reaches_telemetry() {
    let captured = Captured::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(captured.clone()))
        .unwrap();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder).unwrap();

    let mut secrets: Vec<String> = vec![PASSWORD.into(), M2M_SECRET.into()];

    // --- user sign-in (SRP with a client secret) and refresh, against moto ---
    if let Some(moto) = Moto::from_env() {
        let pool = moto.pool("OFF", true).await;
        moto.user(
            &pool,
            "tess",
            PASSWORD,
            serde_json::json!([{"Name": "email", "Value": "tess@example.com"}]),
        )
        .await;
        secrets.push(pool.client_secret.clone().unwrap());
        let client = moto.client(&pool);
        let session = match client.sign_in_srp("tess", PASSWORD).await.unwrap() {
            cognito_auth::user::SignInStep::Done(s) => s,
            other => panic!("{other:?}"),
        };
        secrets.push(session.access_token.expose().to_owned());
        secrets.extend(session.id_token.as_ref().map(|t| t.expose().to_owned()));
        secrets.extend(
            session
                .refresh_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
        );
        let refreshed = client.refresh(&session).await.unwrap();
        secrets.push(refreshed.access_token.expose().to_owned());
        // A wrong password: the failure is logged, the password is not.
        assert!(
            client
                .sign_in_password("tess", "Wrong-Pass-00")
                .await
                .is_err()
        );
        secrets.push("Wrong-Pass-00".into());
    }

    // --- M2M token fetch, against the test kit ---
    let issuer = LocalIssuer::builder()
        .client(ClientSpec::new("worker", M2M_SECRET).scopes(["orders/read", "orders/write"]))
        .start()
        .await;
    let source = TokenSource::new(
        M2mClient::builder()
            .token_url(issuer.token_url())
            .client_id("worker")
            .client_secret(M2M_SECRET)
            .default_scopes("orders/read")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap(),
    );
    let m2m = source.token().await.unwrap();
    secrets.push(m2m.access_token().expose().to_owned());
    source.token().await.unwrap(); // cached: not billed again

    // --- the 401/403/pass matrix through the axum layer ---
    let cfg = AuthConfig::default()
        .issuer(issuer.issuer())
        .token_use(AcceptedTokenUse::Access)
        .allowed_clients(["worker", "reader"]);
    let app = Router::new()
        .route(
            "/orders",
            guarded(Guard::authenticated())
                .get(&["orders/read"], |p: Principal| async move {
                    p.client_id().to_owned()
                })
                .post(&["orders/write"], || async { "created" })
                .into(),
        )
        .layer(CognitoAuthLayer::from_config(&cfg).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let reader = issuer
        .access_token()
        .client_id("reader")
        .scopes(["orders/read"])
        .sign();
    let stranger = issuer
        .access_token()
        .client_id("stranger")
        .scopes(["orders/read"])
        .sign();
    let expired = issuer.access_token().client_id("reader").expired().sign();
    let forged = {
        // Another byte in the middle of the signature.
        let at = reader.rfind('.').unwrap() + 20;
        let c = if &reader[at..=at] == "A" { "B" } else { "A" };
        format!("{}{c}{}", &reader[..at], &reader[at + 1..])
    };
    let m2m_token = m2m.access_token().expose().to_owned();
    for t in [&reader, &stranger, &expired, &forged] {
        secrets.push(t.clone());
    }
    let http = reqwest::Client::new();
    let url = format!("{base}/orders");
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (http.get(&url), 401),
        (http.get(&url).header("authorization", "Bearer"), 401),
        (http.get(&url).bearer_auth(&expired), 401),
        (http.get(&url).bearer_auth(&forged), 401),
        (http.get(&url).bearer_auth(&stranger), 403),
        (http.post(&url).bearer_auth(&reader), 403),
        (http.get(&url).bearer_auth(&reader), 200),
        (http.get(&url).bearer_auth(&m2m_token), 200),
    ];
    for (i, (req, want)) in cases.into_iter().enumerate() {
        assert_eq!(
            req.send().await.unwrap().status().as_u16(),
            want,
            "case {i}"
        );
    }

    // Permissive mode lets a bad token through as anonymous, and says so at debug.
    let permissive = Router::new()
        .route(
            "/public",
            get(|p: Option<Principal>| async move {
                p.map_or("anonymous".to_owned(), |p| p.client_id().to_owned())
            }),
        )
        .layer(
            CognitoAuthLayer::from_config(
                &cfg.clone()
                    .mode(AuthMode::Permissive)
                    .fail_on_invalid_bearer(false),
            )
            .unwrap(),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pbase = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, permissive).await.unwrap() });
    let r = http
        .get(format!("{pbase}/public"))
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "anonymous");

    // --- what was observed ---
    let lines = captured.0.lock().unwrap().clone();
    let has = |needle: &[&str]| lines.iter().any(|l| needle.iter().all(|n| l.contains(n)));
    assert!(
        has(&["span cognito_auth::verify verify", "token="]),
        "a span per verification"
    );
    assert!(has(&[
        "cognito_auth::verify",
        "token refused",
        "reason=expired"
    ]));
    assert!(has(&[
        "cognito_auth::verify",
        "token refused",
        "reason=invalid_signature"
    ]));
    assert!(has(&["cognito_auth::web", "reason=client_not_allowed"]));
    assert!(has(&[
        "cognito_auth::web",
        "request refused by a route guard",
        "reason=insufficient_scope"
    ]));
    assert!(has(&["cognito_auth::web", "reason=missing_credentials"]));
    assert!(
        has(&["cognito_auth::web", "permissive"]),
        "the let-through is logged"
    );
    assert!(
        has(&["cognito_auth::m2m", "worker"]),
        "M2M requests name the client"
    );
    assert!(has(&["cognito_auth::jwks"]), "JWKS fetches are logged");
    if Moto::from_env().is_some() {
        assert!(has(&["cognito_auth::user", "PASSWORD_VERIFIER"]));
        assert!(has(&["cognito_auth::user", "session refreshed"]));
    }

    // One snapshot: the debugging recorder's snapshots drain the counters.
    let snap: Metrics = snapshotter.snapshot().into_vec();
    assert_eq!(
        counter(
            &snap,
            "cognito_auth_m2m_token_requests_total",
            &[("result", "ok")]
        ),
        1,
        "one billed request however often the token is asked for"
    );
    let web = |stage: &str, status: &str| {
        counter(
            &snap,
            "cognito_auth_web_decisions_total",
            &[("stage", stage), ("status", status)],
        )
    };
    assert_eq!(web("authenticate", "401"), 4);
    assert_eq!(web("authenticate", "403"), 1);
    assert_eq!(web("authenticate", "passed"), 3);
    assert_eq!(web("authenticate", "anonymous"), 1);
    assert_eq!(web("guard", "403"), 1);
    assert_eq!(web("guard", "passed"), 2);
    let verifications = |reason: &str| {
        counter(
            &snap,
            "cognito_auth_verifications_total",
            &[("reason", reason)],
        )
    };
    assert_eq!(verifications("expired"), 2);
    assert_eq!(verifications("invalid_signature"), 1);
    assert!(verifications("ok") >= 3);
    assert!(
        counter(
            &snap,
            "cognito_auth_jwks_fetches_total",
            &[("result", "ok")]
        ) >= 1
    );
    assert!(
        counter(
            &snap,
            "cognito_auth_token_cache_lookups_total",
            &[("result", "hit")]
        ) >= 1
    );

    // --- and what never appears ---
    let mut surfaces = lines;
    for (k, unit, desc, v) in &snap {
        surfaces.push(format!("{:?} {unit:?} {desc:?} {v:?}", k.key()));
    }
    assert!(
        surfaces.len() > 40,
        "telemetry was captured: {}",
        surfaces.len()
    );
    for secret in &secrets {
        // Any whole token, and any of its signature, is a leak.
        let sig = secret.rsplit('.').next().unwrap_or(secret);
        for s in &surfaces {
            assert!(!s.contains(secret.as_str()), "secret in telemetry: {s}");
            assert!(
                sig.len() < 16 || !s.contains(sig),
                "token signature in telemetry: {s}"
            );
        }
    }
    for s in &surfaces {
        assert!(!s.to_ascii_lowercase().contains("bearer ey"), "{s}");
    }
}
