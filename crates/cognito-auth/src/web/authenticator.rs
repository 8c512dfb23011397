//! The request-authentication logic shared by every web integration.

use std::fmt;
use std::sync::Arc;

use crate::verify::Verifier;

use super::{
    AuthConfig, AuthError, AuthMode, Credentials, ErrorResponse, GuardDefaults, ResponseOptions,
    ServicePrincipal, parse_credentials,
};

/// Where an [`Authenticator`] reports each authenticated client: per-client activity
/// tracking (`cognito-auth-activity` implements it for SQLite and PostgreSQL), metrics, audit
/// logs. Called on the request path: it must not block.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use cognito_auth::web::ActivitySink;
///
/// #[derive(Default)]
/// struct Counter(AtomicUsize);
/// impl ActivitySink for Counter {
///     fn record(&self, _client_id: &str) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait ActivitySink: Send + Sync + 'static {
    /// One authenticated request from `client_id`.
    fn record(&self, client_id: &str);
}

impl<T: ActivitySink + ?Sized> ActivitySink for Arc<T> {
    fn record(&self, client_id: &str) {
        (**self).record(client_id)
    }
}

#[derive(Clone)]
pub(super) struct AuthInner {
    pub(super) verifier: Verifier,
    pub(super) header_name: String,
    pub(super) scheme: String,
    pub(super) mode: AuthMode,
    pub(super) fail_on_invalid_bearer: bool,
    pub(super) allowed_clients: Option<Vec<String>>,
    pub(super) defaults: Arc<GuardDefaults>,
    pub(super) responses: ResponseOptions,
    pub(super) activity: Option<Arc<dyn ActivitySink>>,
}

/// The request-authentication logic shared by every web integration: reads the header,
/// verifies, applies the mode, records activity. Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    pub(super) inner: Arc<AuthInner>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("header_name", &self.inner.header_name)
            .field("scheme", &self.inner.scheme)
            .field("mode", &self.inner.mode)
            .field("fail_on_invalid_bearer", &self.inner.fail_on_invalid_bearer)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Default settings (required mode, `Authorization: Bearer`, JSON errors) around `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        AuthConfig::default().authenticator_with(verifier)
    }

    /// Reports each authenticated client to `sink` (e.g. `cognito-auth-activity`'s tracker,
    /// which records it in SQLite or PostgreSQL).
    #[must_use]
    pub fn with_activity(self, sink: impl ActivitySink) -> Self {
        let mut inner = (*self.inner).clone();
        inner.activity = Some(Arc::new(sink));
        Authenticator {
            inner: Arc::new(inner),
        }
    }

    /// The header to read, lowercase.
    pub fn header_name(&self) -> &str {
        &self.inner.header_name
    }
    /// Defaults for guards, to place in request extensions.
    pub fn defaults(&self) -> &Arc<GuardDefaults> {
        &self.inner.defaults
    }
    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }
    /// The mode.
    pub fn mode(&self) -> AuthMode {
        self.inner.mode
    }
    /// Renders an error as configured.
    pub fn render(&self, err: &AuthError) -> ErrorResponse {
        if let AuthError::Internal(m) = err {
            tracing::error!(error = %m, "request failed with an internal authentication error");
        }
        err.to_response(&self.inner.responses)
    }

    /// Authenticates a request from the values of its authorization header (every
    /// occurrence, in order). `Ok(None)`: anonymous (permissive mode only).
    pub async fn authenticate<'a, I>(
        &self,
        header_values: I,
    ) -> Result<Option<ServicePrincipal>, AuthError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let inner = &*self.inner;
        // Two values are enough to tell "one" from "several"; no allocation per request.
        let first_two: [Option<&[u8]>; 2] = {
            let mut it = header_values.into_iter();
            [it.next(), it.next()]
        };
        let values: &[&[u8]] = match first_two {
            [None, _] => &[],
            [Some(a), None] => &[a][..],
            [Some(a), Some(b)] => &[a, b][..],
        };
        let token = match parse_credentials(values, &inner.scheme) {
            Credentials::Bearer(t) => t,
            Credentials::Absent | Credentials::OtherScheme => {
                return match inner.mode {
                    AuthMode::Required => Err(AuthError::MissingCredentials),
                    AuthMode::Permissive => Ok(None),
                };
            }
            Credentials::Malformed => return Err(AuthError::MalformedHeader),
        };
        let verified = match inner.verifier.verify(token).await {
            Ok(v) => v,
            Err(e) => {
                let err = AuthError::from(e);
                let tolerate = inner.mode == AuthMode::Permissive
                    && !inner.fail_on_invalid_bearer
                    && matches!(err, AuthError::InvalidToken(_));
                return if tolerate { Ok(None) } else { Err(err) };
            }
        };
        if let Some(allowed) = &inner.allowed_clients
            && !allowed.iter().any(|c| c == verified.client_id())
        {
            return Err(AuthError::Forbidden {
                reason: crate::verify::Reason::ClientNotAllowed,
                required_scopes: Vec::new(),
            });
        }
        if let Some(tracker) = &inner.activity {
            tracker.record(verified.client_id());
        }
        Ok(Some(ServicePrincipal::from(verified)))
    }
}
