//! The README's demo command, run as a newcomer runs it: it finishes, and with
//! `RUST_LOG=cognito_auth=debug` the refused requests say why (their reason codes).

use std::process::Command;

#[test]
fn the_demo_runs_and_its_refusals_are_logged_with_reason_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_cognito-demo"))
        .env("RUST_LOG", "cognito_auth=debug")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The demo's wrong-scope, expired and forged tokens are refused with their codes.
    for code in ["insufficient_scope", "expired"] {
        assert!(stderr.contains(code), "no `{code}` in the log:\n{stderr}");
    }
}
