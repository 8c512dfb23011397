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
//!     .user_pool("eu-west-1", "eu-west-1_AbCdEf123")
//!     .token_use(TokenUse::Access)
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
