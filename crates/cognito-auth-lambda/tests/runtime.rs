//! The compiled `cognito-lambda-authorizer` binary as a real Lambda process: the test kit's
//! local Runtime API feeds it events, the test-kit issuer serves the keys and counts the
//! JWKS fetches.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cognito_auth_testkit::lambda::{Invocation, LambdaRuntime};
use cognito_auth_testkit::{Fault, LocalIssuer};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/orders";

struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(runtime: &LambdaRuntime, issuer: &LocalIssuer) -> Function {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognito-lambda-authorizer"));
    c.env_clear()
        .envs(runtime.function_env())
        .env("COGNITO_ISSUER", issuer.issuer())
        .env("COGNITO_TOKEN_USE", "access")
        .env("COGNITO_CLIENT_IDS", "app")
        .env("COGNITO_AUTHORIZER_ROUTES", "GET /orders=orders/read")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Function(c.spawn().unwrap())
}

fn token_event(token: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": ARN})
}

fn effect(i: &Invocation) -> &str {
    match i {
        Invocation::Response(v) => v["policyDocument"]["Statement"][0]["Effect"]
            .as_str()
            .unwrap_or("?"),
        Invocation::Error { .. } => "error",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_invocations_one_jwks_fetch() {
    let issuer = LocalIssuer::builder().start().await;
    let runtime = LambdaRuntime::start().await;
    let _f = start(&runtime, &issuer);
    let timeout = Duration::from_secs(20);

    let tokens: Vec<String> = (0..1000)
        .map(|i| {
            issuer
                .access_token()
                .client_id("app")
                .scopes(["orders/read"])
                .claim("n", i)
                .sign()
        })
        .collect();
    for t in &tokens {
        let r = runtime
            .invoke(token_event(t), timeout)
            .await
            .expect("answered");
        assert_eq!(effect(&r), "Allow", "{r:?}");
    }
    assert_eq!(
        issuer.jwks_requests(),
        1,
        "one JWKS fetch for the warm container"
    );

    // A token without the scope: a Deny policy (403).
    let t = issuer.access_token().client_id("app").sign();
    let r = runtime.invoke(token_event(&t), timeout).await.unwrap();
    assert_eq!(effect(&r), "Deny");
    // An invalid token: the error API Gateway turns into 401.
    let t = issuer.access_token().client_id("app").expired().sign();
    match runtime.invoke(token_event(&t), timeout).await.unwrap() {
        Invocation::Error { error_message, .. } => assert_eq!(error_message, "Unauthorized"),
        other => panic!("{other:?}"),
    }
    // Not an authorizer event: an error, not a policy.
    let r = runtime
        .invoke(json!({"something": "else"}), timeout)
        .await
        .unwrap();
    assert!(
        matches!(r, Invocation::Error { ref error_message, .. } if error_message != "Unauthorized")
    );
    assert!(runtime.init_errors().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_unavailable_is_an_error_never_an_allow() {
    let issuer = LocalIssuer::builder().start().await;
    issuer.set_jwks_fault(Fault::status(503));
    let runtime = LambdaRuntime::start().await;
    let _f = start(&runtime, &issuer);
    let t = issuer
        .access_token()
        .client_id("app")
        .scopes(["orders/read"])
        .sign();
    match runtime
        .invoke(token_event(&t), Duration::from_secs(30))
        .await
        .unwrap()
    {
        Invocation::Error {
            error_message,
            error_type,
        } => {
            assert_ne!(error_message, "Unauthorized", "a 500, not a 401");
            assert_eq!(error_type, "Unavailable");
        }
        other => panic!("keys unavailable must not answer {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_error_is_reported_to_init_error() {
    let runtime = LambdaRuntime::start().await;
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognito-lambda-authorizer"));
    c.env_clear()
        .envs(runtime.function_env())
        .env(
            "COGNITO_ISSUER",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X",
        )
        .env("COGNITO_TOKEN_USE", "access")
        .env("COGNITO_CLIENT_IDS", "app")
        .env("COGNITO_AUTHORIZER_UNLISTED", "maybe")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(!status.success());
    let errors = runtime.init_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["errorType"], "Runtime.ConfigError");
    let msg = errors[0]["errorMessage"].as_str().unwrap();
    assert!(msg.contains("COGNITO_AUTHORIZER_UNLISTED"), "{msg}");
}
