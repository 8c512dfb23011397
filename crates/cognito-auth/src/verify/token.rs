use std::fmt;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use super::ScopeMatch;

/// The `token_use` claim of a Cognito token.
///
/// Deliberately closed: Cognito issues access and ID tokens only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    /// An access token (`token_use: "access"`): carries `client_id` and `scope`, no `aud`.
    Access,
    /// An ID token (`token_use: "id"`): carries `aud` (the app client) and user attributes.
    Id,
}

impl TokenUse {
    /// `"access"` or `"id"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of OAuth2 scopes, parsed from Cognito's space-separated `scope` claim.
///
/// ```
/// use cognito_auth::verify::ScopeSet;
///
/// let scopes = ScopeSet::parse("orders/read orders/write").unwrap();
/// assert!(scopes.contains("orders/read"));
/// assert_eq!(scopes.to_string(), "orders/read orders/write");
/// assert!(ScopeSet::parse("bad\tscope").is_none());
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(Vec<Box<str>>);

impl ScopeSet {
    /// Parses a space-separated scope string (RFC 6749 §3.3). `None` if a scope contains a
    /// character outside `%x21 / %x23-5B / %x5D-7E`.
    pub fn parse(s: &str) -> Option<ScopeSet> {
        let mut v: Vec<Box<str>> = Vec::new();
        for part in s.split(' ').filter(|p| !p.is_empty()) {
            if !part
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
            {
                return None;
            }
            if !v.iter().any(|x| &**x == part) {
                v.push(part.into());
            }
        }
        Some(ScopeSet(v))
    }

    /// Builds a set from individual scopes (not validated).
    pub fn from_scopes<I, S>(scopes: I) -> ScopeSet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut v: Vec<Box<str>> = Vec::new();
        for s in scopes {
            let s = s.as_ref();
            if !s.is_empty() && !v.iter().any(|x| &**x == s) {
                v.push(s.into());
            }
        }
        ScopeSet(v)
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| &**s == scope)
    }

    /// Whether the set satisfies `required` under `matching` (an empty requirement always does).
    pub fn satisfies<S: AsRef<str>>(&self, required: &[S], matching: ScopeMatch) -> bool {
        if required.is_empty() {
            return true;
        }
        match matching {
            ScopeMatch::All => required.iter().all(|r| self.contains(r.as_ref())),
            ScopeMatch::Any => required.iter().any(|r| self.contains(r.as_ref())),
        }
    }

    /// The scopes, in the order the token listed them.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|s| &**s)
    }

    /// Number of scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no scopes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// A token that passed signature and claim checks. Immutable and cheap to clone.
///
/// `Debug` never prints the raw token.
#[derive(Clone)]
pub struct VerifiedToken(pub(crate) Arc<TokenData>);

pub(crate) struct TokenData {
    pub raw: Arc<str>,
    pub issuer: Arc<str>,
    /// The index of the pool the issuer belongs to (for the pool's client rule).
    pub pool: usize,
    pub token_use: TokenUse,
    pub sub: Box<str>,
    pub client_id: Box<str>,
    pub username: Option<Box<str>>,
    pub audience: Vec<String>,
    pub scopes: ScopeSet,
    pub groups: Vec<String>,
    pub exp: i64,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub payload: Box<[u8]>,
    pub claims: OnceLock<Map<String, Value>>,
}

impl VerifiedToken {
    /// The app client: the `client_id` claim of an access token, the `aud` of an ID token.
    pub fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// The `sub` claim (for M2M access tokens, equal to the client id).
    pub fn sub(&self) -> &str {
        &self.0.sub
    }
    /// `username` (access tokens) or `cognito:username` (ID tokens); M2M tokens have none.
    pub fn username(&self) -> Option<&str> {
        self.0.username.as_deref()
    }
    /// The scopes of an access token (empty for ID tokens).
    pub fn scopes(&self) -> &ScopeSet {
        &self.0.scopes
    }
    /// `cognito:groups`, empty when absent.
    pub fn groups(&self) -> &[String] {
        &self.0.groups
    }
    /// Whether the token lists `group` in `cognito:groups`.
    pub fn in_group(&self, group: &str) -> bool {
        self.0.groups.iter().any(|g| g == group)
    }
    /// `access` or `id`.
    pub fn token_use(&self) -> TokenUse {
        self.0.token_use
    }
    /// The `iss` claim (one of the configured issuers).
    pub fn issuer(&self) -> &str {
        &self.0.issuer
    }
    /// The `aud` claim as a list (empty when absent, as on Cognito access tokens).
    pub fn audience(&self) -> &[String] {
        &self.0.audience
    }
    /// `exp`, seconds since the Unix epoch.
    pub fn exp(&self) -> i64 {
        self.0.exp
    }
    /// `iat`, seconds since the Unix epoch, when present.
    pub fn iat(&self) -> Option<i64> {
        self.0.iat
    }
    /// `nbf`, seconds since the Unix epoch, when present.
    pub fn nbf(&self) -> Option<i64> {
        self.0.nbf
    }
    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.contains(scope)
    }
    /// Whether the token satisfies `required` under `matching`.
    pub fn has_scopes<S: AsRef<str>>(&self, required: &[S], matching: ScopeMatch) -> bool {
        self.0.scopes.satisfies(required, matching)
    }
    /// When the token expires (`exp`).
    pub fn expires_at(&self) -> std::time::SystemTime {
        crate::expiry::from_unix_secs(u64::try_from(self.0.exp).unwrap_or(0))
    }
    /// The payload deserialised into your own type: `custom:tenant` and friends in one line.
    ///
    /// ```
    /// # async fn demo() {
    /// # let issuer = cognito_auth_testkit::LocalIssuer::start().await;
    /// # let verifier = cognito_auth::verify::Verifier::builder().issuer(issuer.issuer())
    /// #     .token_use(cognito_auth::verify::TokenUse::Access).any_client().build().unwrap();
    /// # let token = issuer.access_token().client_id("svc").claim("custom:tenant", "acme").sign();
    /// #[derive(serde::Deserialize)]
    /// struct Claims {
    ///     #[serde(rename = "custom:tenant")]
    ///     tenant: String,
    /// }
    /// let t = verifier.verify(&token).await.unwrap();
    /// assert_eq!(t.claims_as::<Claims>().unwrap().tenant, "acme");
    /// # }
    /// ```
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.0.payload)
    }
    /// The payload exactly as the token carries it: the JSON document of the claims, the
    /// bytes that were verified (for writing them out without rebuilding a JSON value).
    pub fn payload_json(&self) -> &[u8] {
        &self.0.payload
    }
    /// Every claim of the payload (parsed on first use, then kept).
    pub fn claims(&self) -> &Map<String, Value> {
        self.0.claims.get_or_init(|| {
            serde_json::from_slice::<Map<String, Value>>(&self.0.payload).unwrap_or_default()
        })
    }
    /// One claim by name.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims().get(name)
    }
    /// The token as received, for forwarding. Treat it as a secret.
    pub fn raw_token(&self) -> &str {
        &self.0.raw
    }
}

impl fmt::Debug for VerifiedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedToken")
            .field("token_use", &self.0.token_use)
            .field("issuer", &self.0.issuer)
            .field("client_id", &self.0.client_id)
            .field("sub", &self.0.sub)
            .field("username", &self.0.username)
            .field("scopes", &self.0.scopes)
            .field("groups", &self.0.groups)
            .field("exp", &self.0.exp)
            .field("raw_token", &"<redacted>")
            .finish()
    }
}
