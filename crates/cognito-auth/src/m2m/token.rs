//! A client-credentials token as the endpoint issued it, the scopes asked for, and the
//! parsing of the endpoint's answer.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value};

use super::M2mError;
use super::retry::parse_retry_after;
use crate::secret::AccessToken;
use crate::transport::HttpResponse;
use crate::verify::ScopeSet;

/// A client-credentials token as issued. Cheap to clone; `Debug` never prints the token.
#[derive(Clone)]
pub struct M2mToken(Arc<TokenData>);

struct TokenData {
    access_token: AccessToken,
    token_type: String,
    expires_in: Duration,
    obtained_at: Instant,
    expires_at: Instant,
    expires_at_system: SystemTime,
    scopes: ScopeSet,
    extra: Map<String, Value>,
    header: http::HeaderValue,
}

impl M2mToken {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.0.access_token
    }
    /// The token as a string (treat as a secret).
    pub fn secret(&self) -> &str {
        self.0.access_token.expose()
    }
    /// `token_type` (always `Bearer` from Cognito).
    pub fn token_type(&self) -> &str {
        &self.0.token_type
    }
    /// `expires_in` as sent by the endpoint.
    pub fn expires_in(&self) -> Duration {
        self.0.expires_in
    }
    /// When the request for this token was sent (lifetimes count from here, conservatively).
    pub fn obtained_at(&self) -> Instant {
        self.0.obtained_at
    }
    /// When the token expires (monotonic clock).
    pub fn expires_at(&self) -> Instant {
        self.0.expires_at
    }
    /// When the token expires (wall clock).
    pub fn expires_at_utc(&self) -> SystemTime {
        self.0.expires_at_system
    }
    /// The scopes granted: the response's `scope`, else the token's `scope` claim, else the
    /// requested ones.
    pub fn scopes(&self) -> &ScopeSet {
        &self.0.scopes
    }
    /// Every other member of the response, for forward compatibility (tokens removed).
    pub fn extra(&self) -> &Map<String, Value> {
        &self.0.extra
    }
    /// `Authorization: Bearer …` as a header value marked sensitive.
    pub fn authorization_header(&self) -> http::HeaderValue {
        self.0.header.clone()
    }
    /// Whether the token has expired.
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.0.expires_at
    }
    /// A token from the fleet's shared cache: issued and expiring at these Unix times (ms).
    /// Its lifetime, and so its refresh point, is the same in every process.
    pub(crate) fn from_shared(
        access_token: String,
        scopes: &str,
        issued_ms: u64,
        expires_ms: u64,
        remaining: Option<Duration>,
    ) -> Option<M2mToken> {
        // Times another process wrote by its own wall clock. An issue time ahead of ours
        // shows that clock fast by at least that much: both times move back by it. And the
        // expiry is never past the token's own `exp` (Cognito's clock), so a writer whose
        // clock runs fast cannot make this process hand out an expired token.
        let now_ms = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let ahead = issued_ms.saturating_sub(now_ms);
        let (issued_ms, expires_ms) = (issued_ms - ahead, expires_ms.saturating_sub(ahead));
        let expires_ms = match jwt_exp_ms(&access_token) {
            Some(exp) => expires_ms.min(exp),
            None => expires_ms,
        };
        // And never past what the store keeps it for, by the store's own clock.
        let expires_ms = match remaining {
            Some(r) => expires_ms
                .min(now_ms.saturating_add(u64::try_from(r.as_millis()).unwrap_or(u64::MAX))),
            None => expires_ms,
        };
        if access_token.is_empty() || expires_ms <= issued_ms {
            return None;
        }
        let access_token = AccessToken::new(access_token);
        let mut header =
            http::HeaderValue::from_str(&format!("Bearer {}", access_token.expose())).ok()?;
        header.set_sensitive(true);
        let expires_in = Duration::from_millis(expires_ms - issued_ms);
        let issued = std::time::UNIX_EPOCH + Duration::from_millis(issued_ms);
        let now = Instant::now();
        let now_sys = SystemTime::now();
        // The same moments on this process's monotonic clock.
        let obtained_at = match now_sys.duration_since(issued) {
            Ok(ago) => now.checked_sub(ago).unwrap_or(now),
            Err(ahead) => now + ahead.duration(),
        };
        Some(M2mToken(Arc::new(TokenData {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in,
            obtained_at,
            expires_at: obtained_at + expires_in,
            expires_at_system: issued + expires_in,
            scopes: ScopeSet::parse(scopes).unwrap_or_default(),
            extra: Map::new(),
            header,
        })))
    }
    pub(crate) fn same_as(&self, other: &M2mToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The `exp` claim of a JWT access token, in Unix milliseconds, read without verification
/// (only ever to shorten how long a shared token is used).
fn jwt_exp_ms(token: &str) -> Option<u64> {
    let claims = crate::unverified::decode_unverified(token).ok()?;
    let exp = claims.payload.get("exp")?.as_u64()?;
    exp.checked_mul(1000)
}

impl fmt::Debug for M2mToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("M2mToken")
            .field("access_token", &self.0.access_token)
            .field("token_type", &self.0.token_type)
            .field("expires_in", &self.0.expires_in)
            .field("scopes", &self.0.scopes)
            .finish()
    }
}

/// Scopes for a token request: one space-separated string or a list.
///
/// ```
/// use cognito_auth::m2m::Scopes;
/// assert_eq!(Scopes::from("a/read a/write").as_slice(), ["a/read", "a/write"]);
/// assert_eq!(Scopes::from(vec!["a/read"]).as_slice(), ["a/read"]);
/// assert!(Scopes::from(Vec::<String>::new()).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// The scopes, deduplicated and sorted.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
    /// Whether no scope is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn normalized(mut v: Vec<String>) -> Scopes {
        v.retain(|s| !s.is_empty());
        v.sort();
        v.dedup();
        Scopes(v)
    }
    pub(crate) fn joined(&self) -> String {
        self.0.join(" ")
    }
}

impl From<&str> for Scopes {
    fn from(s: &str) -> Self {
        Scopes::normalized(s.split_whitespace().map(str::to_owned).collect())
    }
}
impl From<String> for Scopes {
    fn from(s: String) -> Self {
        Scopes::from(s.as_str())
    }
}
impl From<&String> for Scopes {
    fn from(s: &String) -> Self {
        Scopes::from(s.as_str())
    }
}
impl<S: AsRef<str>> From<Vec<S>> for Scopes {
    fn from(v: Vec<S>) -> Self {
        Scopes::normalized(v.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}
impl<S: AsRef<str>> From<&[S]> for Scopes {
    fn from(v: &[S]) -> Self {
        Scopes::normalized(v.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}
impl<S: AsRef<str>, const N: usize> From<[S; N]> for Scopes {
    fn from(v: [S; N]) -> Self {
        Scopes::normalized(v.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}

fn truncated(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= 512 {
        text.into_owned()
    } else {
        let mut s: String = text.chars().take(512).collect();
        s.push('…');
        s
    }
}

pub(crate) fn parse_token_response(
    resp: HttpResponse,
    scopes: &Scopes,
    sent_at: Instant,
    sent_at_system: SystemTime,
) -> Result<M2mToken, M2mError> {
    if !(200..300).contains(&resp.status) {
        let (error, error_description) = crate::oauth2::oauth_error(&resp.body);
        return Err(M2mError::Endpoint {
            status: resp.status,
            error,
            error_description,
            body: truncated(&resp.body),
            retry_after: parse_retry_after(&resp.headers),
        });
    }
    let mut map: Map<String, Value> =
        serde_json::from_slice(&resp.body).map_err(|_| M2mError::InvalidJson {
            len: resp.body.len(),
        })?;
    let access_token = match map.remove("access_token") {
        Some(Value::String(s)) if !s.is_empty() => AccessToken::new(s),
        _ => return Err(M2mError::MissingAccessToken),
    };
    map.remove("refresh_token");
    map.remove("id_token");
    let token_type = match map.get("token_type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        Some(other) => {
            return Err(M2mError::InvalidResponse(format!(
                "token_type must be Bearer, got {other}"
            )));
        }
        None => "Bearer".to_owned(),
    };
    let expires_in = match map.get("expires_in") {
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|s| *s > 0 && *s <= MAX_EXPIRES_IN)
            .ok_or_else(|| {
                M2mError::InvalidResponse("expires_in must be a positive number of seconds".into())
            })?,
        None => exp_from_jwt(access_token.expose())
            .and_then(|exp| {
                let now = crate::verify::unix_now();
                (exp > now).then(|| exp.saturating_sub(now) as u64)
            })
            .ok_or_else(|| M2mError::InvalidResponse("expires_in is missing".into()))?
            // A token claiming to live beyond a year is cached for a year at most.
            .min(MAX_EXPIRES_IN),
    };
    let expires_in = Duration::from_secs(expires_in);
    // Granted scopes: the response's `scope`; else the token's own `scope` claim (read for
    // information only, not trusted); else what was requested.
    let granted = map
        .get("scope")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| jwt_claim_str(access_token.expose(), "scope"))
        .and_then(|s| ScopeSet::parse(&s))
        .unwrap_or_else(|| ScopeSet::from_scopes(scopes.as_slice()));
    let mut header = http::HeaderValue::from_str(&format!("Bearer {}", access_token.expose()))
        .map_err(|_| {
            M2mError::InvalidResponse("access_token has characters not allowed in a header".into())
        })?;
    header.set_sensitive(true);
    Ok(M2mToken(Arc::new(TokenData {
        access_token,
        token_type,
        expires_in,
        obtained_at: sent_at,
        expires_at: sent_at + expires_in,
        expires_at_system: sent_at_system + expires_in,
        scopes: granted,
        extra: map,
        header,
    })))
}

/// The longest token lifetime accepted (a year and a day).
const MAX_EXPIRES_IN: u64 = 366 * 24 * 3600;

fn jwt_payload(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = crate::base64url::decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn exp_from_jwt(token: &str) -> Option<i64> {
    jwt_payload(token)?.get("exp")?.as_i64()
}

fn jwt_claim_str(token: &str, claim: &str) -> Option<String> {
    jwt_payload(token)?.get(claim)?.as_str().map(str::to_owned)
}
