//! The JWKS cache's log lines. A test binary of its own: tracing decides per call site
//! whether anyone listens, process-wide, so a thread-local subscriber is only reliable when
//! no other test runs beside it.

use cognito_auth::verify::{TokenUse, Verifier};
use cognito_auth_testkit::LocalIssuer;

#[test]
fn a_rotation_is_logged_as_one() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let issuer = LocalIssuer::start().await;
        let v = Verifier::builder()
            .issuer(issuer.issuer())
            .token_use(TokenUse::Access)
            .any_client()
            .build()
            .unwrap();
        v.hydrate().await.unwrap();
        v.hydrate().await.unwrap();
        issuer.rotate_key();
        issuer.retire_old_keys();
        v.hydrate().await.unwrap();
        v.hydrate().await.unwrap();
    });
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let fetched = text.matches("JWKS fetched").count();
    let rotated = text.matches("JWKS rotated").count();
    assert_eq!((fetched, rotated), (3, 1), "{text}");
}
