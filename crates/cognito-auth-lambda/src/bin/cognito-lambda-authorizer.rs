//! An API Gateway Lambda authorizer for Cognito tokens, configured from the environment:
//! `COGNITO_*` for the pool and the token rules, `COGNITO_AUTHORIZER_*` for the routes (see
//! `cognito_auth_lambda::Authorizer::from_env`). Deploy it as `bootstrap` on the
//! `provided.al2023` runtime.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let authorizer = cognito_auth_lambda::Authorizer::from_env().map_err(|e| {
        eprintln!("cognito-lambda-authorizer: {e}");
        e
    })?;
    authorizer.run().await
}
