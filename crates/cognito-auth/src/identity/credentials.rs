//! [`CognitoCredentials`]: AWS credentials for a signed-in person, fresh on two layers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::{AwsCredentials, IdentityError, IdentityPoolClient, RoleChoice};
use crate::refresh::{RefreshingTokens, TokenRefresher, UserTokens};

struct Mgr {
    identity: IdentityPoolClient,
    tokens: RefreshingTokens,
    role: RoleChoice,
    margin: Duration,
    creds: ArcSwapOption<AwsCredentials>,
    refresh_lock: tokio::sync::Mutex<()>,
}

/// AWS credentials for a signed-in user, kept fresh on two layers (user-pool tokens, then
/// AWS credentials). Cheap to clone; concurrent callers share one refresh.
///
/// With feature `aws-credentials` it implements
/// `aws_credential_types::provider::ProvideCredentials`, so any aws-sdk-rust client refreshes
/// through it on its own.
#[derive(Clone)]
pub struct CognitoCredentials {
    inner: Arc<Mgr>,
}

impl fmt::Debug for CognitoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoCredentials")
            .field("identity", &self.inner.identity)
            .field("role", &self.inner.role)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

impl CognitoCredentials {
    /// Credentials for `tokens`, refreshed with `refresher` (none: the ID token is used until
    /// it expires). `margin`: refresh when less than this remains (5 minutes is usual).
    pub fn new(
        identity: IdentityPoolClient,
        tokens: UserTokens,
        refresher: Option<Arc<dyn TokenRefresher>>,
        role: RoleChoice,
        margin: Duration,
    ) -> Self {
        Self::with_tokens(
            identity,
            RefreshingTokens::new(tokens, refresher, margin),
            role,
        )
    }

    /// Credentials for tokens already kept fresh elsewhere (shared with a bearer layer, say).
    pub fn with_tokens(
        identity: IdentityPoolClient,
        tokens: RefreshingTokens,
        role: RoleChoice,
    ) -> Self {
        let margin = tokens.margin();
        CognitoCredentials {
            inner: Arc::new(Mgr {
                identity,
                tokens,
                role,
                margin,
                creds: ArcSwapOption::empty(),
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The current user-pool tokens (refreshed ones included).
    pub fn tokens(&self) -> UserTokens {
        self.inner.tokens.tokens()
    }

    /// Valid AWS credentials with at least `margin` left: refreshes the user-pool tokens when
    /// the ID token is within `margin` of expiry, then the AWS credentials when they are.
    pub async fn ensure_credentials(
        &self,
        margin: Duration,
    ) -> Result<AwsCredentials, IdentityError> {
        if let Some(c) = self.inner.creds.load_full()
            && !c.expires_within(margin)
        {
            return Ok((*c).clone());
        }
        let _one = self.inner.refresh_lock.lock().await;
        if let Some(c) = self.inner.creds.load_full()
            && !c.expires_within(margin)
        {
            return Ok((*c).clone());
        }
        let tokens = self.inner.tokens.current_within(margin).await?;
        let id_token = tokens.id_token.ok_or(IdentityError::NoIdToken)?;
        let creds = self
            .inner
            .identity
            .credentials_for_id_token(&id_token, &self.inner.role)
            .await?;
        tracing::info!(
            target: "cognito_auth::identity",
            access_key_id = %creds.access_key_id,
            expires = %crate::timefmt::rfc3339(creds.expiration),
            "AWS credentials refreshed"
        );
        self.inner.creds.store(Some(Arc::new(creds.clone())));
        Ok(creds)
    }

    /// [`CognitoCredentials::ensure_credentials`] with the configured margin.
    pub async fn credentials(&self) -> Result<AwsCredentials, IdentityError> {
        self.ensure_credentials(self.inner.margin).await
    }
}

#[cfg(feature = "aws-credentials")]
impl aws_credential_types::provider::ProvideCredentials for CognitoCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let c = self
                .credentials()
                .await
                .map_err(aws_credential_types::provider::error::CredentialsError::provider_error)?;
            Ok(aws_credential_types::Credentials::new(
                c.access_key_id,
                c.secret_access_key.expose(),
                Some(c.session_token.expose().to_owned()),
                Some(c.expiration),
                "cognito-identity",
            ))
        })
    }
}
