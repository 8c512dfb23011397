use std::fmt;

use serde_json::{Map, Value};

use crate::verify::{ScopeMatch, ScopeSet, TokenUse, VerifiedToken};

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
pub struct ServicePrincipal(VerifiedToken);

impl From<VerifiedToken> for ServicePrincipal {
    fn from(t: VerifiedToken) -> Self {
        ServicePrincipal(t)
    }
}

impl ServicePrincipal {
    /// The app client (`client_id`, or `aud` of an ID token).
    pub fn client_id(&self) -> &str {
        self.0.client_id()
    }
    /// `sub`.
    pub fn sub(&self) -> &str {
        self.0.sub()
    }
    /// The user name, for user tokens.
    pub fn username(&self) -> Option<&str> {
        self.0.username()
    }
    /// Granted scopes.
    pub fn scopes(&self) -> &ScopeSet {
        self.0.scopes()
    }
    /// `cognito:groups`.
    pub fn groups(&self) -> &[String] {
        self.0.groups()
    }
    /// Every claim.
    pub fn claims(&self) -> &Map<String, Value> {
        self.0.claims()
    }
    /// The raw bearer token (a secret: for forwarding only).
    pub fn raw_token(&self) -> &str {
        self.0.raw_token()
    }
    /// `exp`.
    pub fn exp(&self) -> i64 {
        self.0.exp()
    }
    /// `iss`.
    pub fn iss(&self) -> &str {
        self.0.issuer()
    }
    /// `aud` (empty for Cognito access tokens).
    pub fn aud(&self) -> &[String] {
        self.0.audience()
    }
    /// `access` or `id`.
    pub fn token_use(&self) -> TokenUse {
        self.0.token_use()
    }
    /// Whether the principal holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.has_scope(scope)
    }
    /// Whether the principal satisfies `required` under `matching`.
    pub fn has_scopes<S: AsRef<str>>(&self, required: &[S], matching: ScopeMatch) -> bool {
        self.0.has_scopes(required, matching)
    }
    /// The verified token behind this principal.
    pub fn token(&self) -> &VerifiedToken {
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
            .field("iss", &self.iss())
            .field("raw_token", &"<redacted>")
            .finish()
    }
}
