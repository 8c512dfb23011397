//! Synchronous wrappers for callers without an async runtime.
//!
//! Each wrapper owns a small Tokio runtime (one worker thread, which also runs background
//! refreshes). Do not call these from inside an async runtime: they return an error instead of
//! blocking the executor.
//!
//! ```no_run
//! use cognito_auth::blocking::BlockingVerifier;
//! use cognito_auth::verify::{TokenUse, Verifier};
//!
//! let verifier = Verifier::builder()
//!     .user_pool("eu-west-1_AbCdEf123")
//!     .token_use(TokenUse::Access)
//!     .allowed_clients(["4mw9nqflq0example"])
//!     .build()
//!     .unwrap();
//! let blocking = BlockingVerifier::new(verifier).unwrap();
//! match blocking.verify("eyJ...") {
//!     Ok(t) => println!("hello {}", t.client_id()),
//!     Err(e) => eprintln!("rejected: {e}"),
//! }
//! ```

use std::sync::Arc;

use crate::verify::{ConfigError, Policy, VerifiedToken, Verifier, VerifyError};

/// A private runtime that never blocks or panics when dropped, even inside async code.
pub(crate) struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl OwnedRuntime {
    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.0
            .as_ref()
            .expect("runtime present until drop")
            .block_on(f)
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for OwnedRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnedRuntime")
    }
}

pub(crate) fn runtime() -> Result<Arc<OwnedRuntime>, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("cognito-auth-blocking")
        .enable_all()
        .build()
        .map(|rt| Arc::new(OwnedRuntime(Some(rt))))
}

pub(crate) fn in_async_context() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// A [`Verifier`] with a blocking API. Cheap to clone.
#[derive(Clone, Debug)]
pub struct BlockingVerifier {
    verifier: Verifier,
    rt: Arc<OwnedRuntime>,
}

impl BlockingVerifier {
    /// Wraps a verifier.
    pub fn new(verifier: Verifier) -> Result<Self, ConfigError> {
        let rt = runtime().map_err(|e| ConfigError::invalid("runtime", e.to_string()))?;
        Ok(BlockingVerifier { verifier, rt })
    }

    fn block<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, VerifyError>>,
    ) -> Result<T, VerifyError> {
        if in_async_context() {
            return Err(VerifyError::unavailable(
                "BlockingVerifier used inside an async runtime; use Verifier instead",
                None,
            ));
        }
        self.rt.block_on(f)
    }

    /// See [`Verifier::verify`].
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        self.block(self.verifier.verify(token))
    }

    /// See [`Verifier::verify_with`].
    pub fn verify_with(&self, token: &str, policy: &Policy) -> Result<VerifiedToken, VerifyError> {
        self.block(self.verifier.verify_with(token, policy))
    }

    /// See [`Verifier::hydrate`].
    pub fn hydrate(&self) -> Result<(), VerifyError> {
        self.block(self.verifier.hydrate())
    }

    /// The wrapped async verifier.
    pub fn inner(&self) -> &Verifier {
        &self.verifier
    }
}

#[cfg(feature = "user")]
pub use user_blocking::BlockingUserPoolClient;

#[cfg(feature = "user")]
mod user_blocking {
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::time::Duration;

    use super::{OwnedRuntime, in_async_context, runtime};
    use crate::secret::{AccessToken, Password, RefreshToken};
    use crate::user::{
        Challenge, ChallengeAnswer, CodeDelivery, DeviceCredentials, Session, SignInStep,
        SignUpResult, UserError, UserInfo, UserPoolClient,
    };

    /// A [`UserPoolClient`] with a blocking API. Cheap to clone.
    ///
    /// ```no_run
    /// use cognito_auth::blocking::BlockingUserPoolClient;
    /// use cognito_auth::user::{SignInStep, UserPoolClient};
    ///
    /// let client = UserPoolClient::builder().user_pool("eu-west-1_abc").client_id("id").build().unwrap();
    /// let client = BlockingUserPoolClient::new(client).unwrap();
    /// if let SignInStep::Done(session) = client.sign_in_srp("alice", "password").unwrap() {
    ///     println!("{}", session.username);
    /// }
    /// ```
    #[derive(Clone, Debug)]
    pub struct BlockingUserPoolClient {
        client: UserPoolClient,
        rt: Arc<OwnedRuntime>,
    }

    macro_rules! blocking {
        ($( $(#[$m:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
            $(
                $(#[$m])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret, UserError> {
                    self.block(self.client.$name($($arg),*))
                }
            )*
        };
    }

    impl BlockingUserPoolClient {
        /// Wraps a client.
        pub fn new(client: UserPoolClient) -> Result<Self, UserError> {
            let rt = runtime().map_err(|e| UserError::Config(e.to_string()))?;
            Ok(BlockingUserPoolClient { client, rt })
        }

        /// The wrapped async client.
        pub fn inner(&self) -> &UserPoolClient {
            &self.client
        }

        fn block<T>(
            &self,
            f: impl std::future::Future<Output = Result<T, UserError>>,
        ) -> Result<T, UserError> {
            if in_async_context() {
                return Err(UserError::Config(
                    "BlockingUserPoolClient used inside an async runtime; use UserPoolClient"
                        .into(),
                ));
            }
            self.rt.block_on(f)
        }

        /// See [`UserPoolClient::setup_totp`].
        pub fn setup_totp(&self, challenge: &mut Challenge) -> Result<String, UserError> {
            self.block(self.client.setup_totp(challenge))
        }

        /// See [`UserPoolClient::check_and_renew`].
        pub fn check_and_renew(
            &self,
            session: &mut Session,
            margin: Duration,
        ) -> Result<bool, UserError> {
            self.block(self.client.check_and_renew(session, margin))
        }

        blocking! {
            /// See [`UserPoolClient::sign_in_srp`].
            fn sign_in_srp(&self, username: &str, password: &str) -> SignInStep;
            /// See [`UserPoolClient::sign_in_srp_with_device`].
            fn sign_in_srp_with_device(&self, username: &str, password: &str, device: &DeviceCredentials) -> SignInStep;
            /// See [`UserPoolClient::sign_in_password`].
            fn sign_in_password(&self, username: &str, password: &str) -> SignInStep;
            /// See [`UserPoolClient::respond`].
            fn respond(&self, challenge: &Challenge, answer: ChallengeAnswer) -> SignInStep;
            /// See [`UserPoolClient::refresh`].
            fn refresh(&self, session: &Session) -> Session;
            /// See [`UserPoolClient::global_sign_out`].
            fn global_sign_out(&self, access_token: &AccessToken) -> ();
            /// See [`UserPoolClient::revoke_token`].
            fn revoke_token(&self, refresh_token: &RefreshToken) -> ();
            /// See [`UserPoolClient::confirm_device`].
            fn confirm_device(&self, session: &mut Session, device_name: &str) -> (DeviceCredentials, bool);
            /// See [`UserPoolClient::sign_up`].
            fn sign_up(&self, username: &str, password: &Password, attributes: &BTreeMap<String, String>) -> SignUpResult;
            /// See [`UserPoolClient::confirm_sign_up`].
            fn confirm_sign_up(&self, username: &str, code: &str) -> ();
            /// See [`UserPoolClient::resend_confirmation_code`].
            fn resend_confirmation_code(&self, username: &str) -> CodeDelivery;
            /// See [`UserPoolClient::forgot_password`].
            fn forgot_password(&self, username: &str) -> CodeDelivery;
            /// See [`UserPoolClient::confirm_forgot_password`].
            fn confirm_forgot_password(&self, username: &str, code: &str, new_password: &Password) -> ();
            /// See [`UserPoolClient::change_password`].
            fn change_password(&self, access_token: &AccessToken, old: &Password, new: &Password) -> ();
            /// See [`UserPoolClient::get_user`].
            fn get_user(&self, access_token: &AccessToken) -> UserInfo;
            /// See [`UserPoolClient::update_user_attributes`].
            fn update_user_attributes(&self, access_token: &AccessToken, attributes: &BTreeMap<String, String>) -> Vec<CodeDelivery>;
            /// See [`UserPoolClient::delete_user`].
            fn delete_user(&self, access_token: &AccessToken) -> ();
        }
    }
}
