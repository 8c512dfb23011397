use std::fmt;

use crate::verify::VerifiedToken;

/// The authenticated caller of a request: built from a verified token, immutable, cheap to
/// clone. `Debug` never prints the raw token.
///
/// ```
/// # async fn demo() {
/// # let issuer = cognito_auth_testkit::LocalIssuer::start().await;
/// # let verifier = cognito_auth::verify::Verifier::builder().issuer(issuer.issuer())
/// #     .token_use(cognito_auth::verify::TokenUse::Access).any_client().build().unwrap();
/// # let token = issuer.access_token().client_id("svc").scopes(["a/read"]).sign();
/// use cognito_auth::web::ServicePrincipal;
/// let principal = ServicePrincipal::from(verifier.verify(&token).await.unwrap());
/// assert_eq!(principal.client_id(), "svc");
/// assert!(principal.has_scope("a/read"));
/// assert!(!format!("{principal:?}").contains(&token));
/// # }
/// ```
#[derive(Clone)]
pub struct ServicePrincipal(VerifiedToken, Option<super::Authenticator>);

impl From<VerifiedToken> for ServicePrincipal {
    fn from(t: VerifiedToken) -> Self {
        ServicePrincipal(t, None)
    }
}

impl ServicePrincipal {
    /// A principal admitted by `auth` (whose guard defaults and error rendering then apply
    /// to the request).
    pub(crate) fn admitted(t: VerifiedToken, auth: super::Authenticator) -> Self {
        ServicePrincipal(t, Some(auth))
    }
    /// The verified token behind this principal.
    pub fn token(&self) -> &VerifiedToken {
        &self.0
    }
    /// The [`Authenticator`](super::Authenticator) that admitted this principal, when it came
    /// from one: the integrations take the guard defaults and the error rendering from it,
    /// so the authentication layer puts one value in the request, not two.
    pub fn authenticator(&self) -> Option<&super::Authenticator> {
        self.1.as_ref()
    }
}

/// Every accessor of [`VerifiedToken`] (`client_id`, `sub`, `username`, `scopes`, `groups`,
/// `claims`, `claims_as`, `issuer`, `audience`, `exp`, …) is available on the principal.
impl std::ops::Deref for ServicePrincipal {
    type Target = VerifiedToken;
    fn deref(&self) -> &VerifiedToken {
        &self.0
    }
}

impl fmt::Debug for ServicePrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicePrincipal")
            .field("client_id", &self.client_id())
            .field("sub", &self.sub())
            .field("scopes", self.scopes())
            .field("groups", &self.groups())
            .field("exp", &self.exp())
            .field("iss", &self.issuer())
            .field("raw_token", &"<redacted>")
            .finish()
    }
}
