//! An API Gateway Lambda authorizer for Cognito tokens, configured from the environment:
//! `COGNITO_*` for the pool and the token rules, `COGNITO_AUTHORIZER_*` for the routes (see
//! `cognito_auth_lambda::Authorizer::from_env`). Deploy it as `bootstrap` on the
//! `provided.al2023` runtime. A configuration error is reported to the Runtime API
//! (`/runtime/init/error`, type `Runtime.ConfigError`) before the process exits.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let authorizer = match cognito_auth_lambda::Authorizer::from_env() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cognito-lambda-authorizer: {e}");
            if let Err(report) =
                cognito_auth_lambda::report_init_error("Runtime.ConfigError", &e).await
            {
                eprintln!(
                    "cognito-lambda-authorizer: could not report the error to Lambda: {report}"
                );
            }
            return Err(e.into());
        }
    };
    authorizer.run().await
}
