//! Identity pools: AWS credentials from Cognito tokens. Feature `identity`;
//! `aws-credentials` adds a `ProvideCredentials` implementation for aws-sdk-rust.
//!
//! - [`IdentityPoolClient`]: `GetId` + `GetCredentialsForIdentity` (unsigned JSON calls) with
//!   the `Logins` map `cognito-idp.<region>.amazonaws.com/<pool>` → ID token, unauthenticated
//!   identities, and `CustomRoleArn` chosen from the ID token's `cognito:roles` by suffix.
//! - [`CognitoCredentials`]: two-layer freshness — [`CognitoCredentials::ensure_credentials`]
//!   refreshes the user-pool tokens (refresh token) when the ID token is near expiry, then
//!   the AWS credentials when they are; concurrent callers share one refresh.
//!
//! ```no_run
//! use cognito_auth::identity::{IdentityPoolClient, RoleChoice};
//! use cognito_auth::secret::IdToken;
//!
//! # async fn run(id_token: IdToken) -> Result<(), Box<dyn std::error::Error>> {
//! let pool = IdentityPoolClient::builder()
//!     .identity_pool_id("eu-west-1:11111111-2222-3333-4444-555555555555")
//!     .user_pool("eu-west-1_AbCdEf123")
//!     .build()?;
//! let creds = pool.credentials_for_id_token(&id_token, &RoleChoice::Suffix("/analyst".into())).await?;
//! println!("{} valid until {:?}", creds.access_key_id, creds.expiration);
//! # Ok(()) }
//! ```

mod client;
mod credentials;
mod error;

/// The tokens [`CognitoCredentials`] keeps fresh (from [`crate::refresh`]).
pub use crate::refresh::{TokenRefresher, UserTokens};
pub use client::{
    AwsCredentials, IdentityPoolClient, IdentityPoolClientBuilder, RoleChoice, select_role,
};
pub use credentials::CognitoCredentials;

#[cfg(fuzzing)]
pub(crate) fn fuzz_credentials(body: &[u8]) {
    client::fuzz_credentials(body);
}
pub use error::IdentityError;
