//! Compact JWS parsing: size cap, three segments, strict base64url, header and claims parsed in
//! one pass each with duplicate keys rejected everywhere.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Reason, VerifyError};
use crate::base64url::decode;
use crate::strict_json::{self, JStr, KeyTracker};

/// A token split and decoded, signature not yet checked.
pub(crate) struct Jws<'t> {
    pub signing_input: &'t str,
    pub kid: Box<str>,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

pub(crate) fn err(reason: Reason, msg: &'static str) -> VerifyError {
    VerifyError::new(reason, msg)
}

/// Splits and decodes a compact JWS, checking the header. Never echoes token content.
pub(crate) fn parse(token: &str, max_len: usize) -> Result<Jws<'_>, VerifyError> {
    if token.len() > max_len {
        return Err(VerifyError::new(
            Reason::TokenTooLarge,
            format!("token is {} bytes, the limit is {max_len}", token.len()),
        ));
    }
    if token.is_empty() {
        return Err(err(Reason::Malformed, "token is empty"));
    }
    let mut parts = token.splitn(4, '.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err(
            Reason::Malformed,
            "token must have exactly three dot-separated segments",
        ));
    };
    if h.is_empty() || p.is_empty() {
        return Err(err(Reason::Malformed, "token has an empty segment"));
    }
    let header_bytes = decode(h).map_err(|_| {
        if h.as_bytes()
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"bearer "))
        {
            err(
                Reason::InvalidBase64,
                "this is an Authorization header value: pass the token without `Bearer `",
            )
        } else {
            err(Reason::InvalidBase64, "header is not valid base64url")
        }
    })?;
    let header = parse_header(&header_bytes)?;
    match header.alg.as_deref() {
        Some("RS256") => {}
        Some(_) => {
            return Err(err(
                Reason::UnsupportedAlgorithm,
                "only RS256 tokens are accepted",
            ));
        }
        None => return Err(err(Reason::UnsupportedAlgorithm, "header has no alg")),
    }
    if header.crit {
        return Err(err(
            Reason::UnsupportedCriticalHeader,
            "header lists critical extensions, none of which are supported",
        ));
    }
    let Some(kid) = header.kid else {
        return Err(err(Reason::MissingKid, "header has no kid"));
    };
    if s.is_empty() {
        return Err(err(Reason::Malformed, "token has an empty signature"));
    }
    let payload =
        decode(p).map_err(|_| err(Reason::InvalidBase64, "payload is not valid base64url"))?;
    let signature =
        decode(s).map_err(|_| err(Reason::InvalidBase64, "signature is not valid base64url"))?;
    let signing_input = &token[..h.len() + 1 + p.len()];
    Ok(Jws {
        signing_input,
        kid: kid.into_owned().into_boxed_str(),
        payload,
        signature,
    })
}

struct Header<'a> {
    alg: Option<Cow<'a, str>>,
    kid: Option<Cow<'a, str>>,
    crit: bool,
}

fn json_error(e: serde_json::Error, what: &'static str) -> VerifyError {
    let msg = e.to_string();
    if msg.starts_with("duplicate key") {
        VerifyError::new(Reason::DuplicateKey, format!("{what} repeats a key"))
    } else if let Some(claim) = msg.strip_prefix("claim ") {
        VerifyError::new(Reason::InvalidClaim, format!("{what}: {claim}"))
    } else {
        VerifyError::new(
            Reason::InvalidJson,
            format!("{what} is not a valid JSON object"),
        )
    }
}

fn parse_header(bytes: &[u8]) -> Result<Header<'_>, VerifyError> {
    struct HV;
    impl<'de> Visitor<'de> for HV {
        type Value = Header<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JOSE header object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header<'de>, A::Error> {
            let mut keys = KeyTracker::default();
            let mut h = Header {
                alg: None,
                kid: None,
                crit: false,
            };
            while let Some(k) = map.next_key::<JStr<'de>>()? {
                keys.insert(k.0.clone())?;
                match k.as_str() {
                    "alg" => h.alg = Some(map.next_value::<JStr<'de>>()?.0),
                    "kid" => h.kid = Some(map.next_value::<JStr<'de>>()?.0),
                    // jku, x5u, jwk, x5c and every other member are read (for duplicate
                    // detection) and ignored: keys only ever come from the configured JWKS.
                    "crit" => {
                        map.next_value_seed(strict_json::checked_at(1))?;
                        h.crit = true;
                    }
                    _ => {
                        map.next_value_seed(strict_json::checked_at(1))?;
                    }
                }
            }
            Ok(h)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let h = de
        .deserialize_map(HV)
        .map_err(|e| json_error(e, "header"))?;
    de.end().map_err(|e| json_error(e, "header"))?;
    Ok(h)
}

/// A claim value, typed loosely so that a wrong type becomes `invalid_claim`, not a parse error.
#[derive(Debug)]
pub(crate) enum Loose<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    StrArray(Vec<Cow<'a, str>>),
    Other,
}

impl<'de> Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Loose<'de>, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose<'de>, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Loose<'de>, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose<'de>, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose<'de>, E> {
        Ok(i64::try_from(v).map(Loose::Int).unwrap_or(Loose::Other))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose<'de>, E> {
        Ok(Loose::Float(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose<'de>, E> {
        Ok(Loose::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'de>, A::Error> {
        let mut strings = Vec::new();
        let mut all_strings = true;
        while let Some(item) = seq.next_element::<Loose<'de>>()? {
            match item {
                Loose::Str(s) if all_strings => strings.push(s),
                _ => all_strings = false,
            }
            if strings.len() > 1024 {
                return Err(de::Error::custom("claim array too long"));
            }
        }
        Ok(if all_strings {
            Loose::StrArray(strings)
        } else {
            Loose::Other
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'de>, A::Error> {
        let mut keys = KeyTracker::default();
        while let Some(k) = map.next_key::<JStr<'de>>()? {
            keys.insert(k.0)?;
            map.next_value_seed(strict_json::checked_at(2))?;
        }
        Ok(Loose::Other)
    }
}

/// The registered and Cognito claims the verifier reads, borrowed from the payload: one line
/// per claim here (field and JSON name), then its check in `claims.rs`.
macro_rules! raw_claims {
    ($($field:ident => $name:literal),* $(,)?) => {
        /// The claims the verifier reads, borrowed from the payload.
        #[derive(Default, Debug)]
        pub(crate) struct RawClaims<'a> {
            $(pub $field: Option<Loose<'a>>,)*
        }

        impl<'a> RawClaims<'a> {
            /// The slot for claim `name`, if the verifier reads it.
            fn slot(&mut self, name: &str) -> Option<&mut Option<Loose<'a>>> {
                match name {
                    $($name => Some(&mut self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

raw_claims! {
    iss => "iss",
    sub => "sub",
    token_use => "token_use",
    client_id => "client_id",
    aud => "aud",
    scope => "scope",
    groups => "cognito:groups",
    username => "username",
    cognito_username => "cognito:username",
    exp => "exp",
    nbf => "nbf",
    iat => "iat",
}

pub(crate) fn parse_claims(payload: &[u8]) -> Result<RawClaims<'_>, VerifyError> {
    struct CV;
    impl<'de> Visitor<'de> for CV {
        type Value = RawClaims<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JWT claims object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawClaims<'de>, A::Error> {
            // A claim the verifier reads is a duplicate when its slot is already filled;
            // only the other keys need tracking.
            let mut keys = KeyTracker::default();
            let mut c = RawClaims::default();
            while let Some(k) = map.next_key::<JStr<'de>>()? {
                match c.slot(k.as_str()) {
                    Some(Some(_)) => return Err(strict_json::duplicate_key(k.as_str())),
                    Some(slot) => *slot = Some(map.next_value::<Loose<'de>>()?),
                    None => {
                        keys.insert(k.0)?;
                        map.next_value_seed(strict_json::checked_at(1))?;
                    }
                }
            }
            Ok(c)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(payload);
    let c = de
        .deserialize_map(CV)
        .map_err(|e| json_error(e, "payload"))?;
    de.end().map_err(|e| json_error(e, "payload"))?;
    Ok(c)
}

impl<'a> Loose<'a> {
    pub fn into_str(self, claim: &'static str) -> Result<Cow<'a, str>, VerifyError> {
        match self {
            Loose::Str(s) => Ok(s),
            _ => Err(VerifyError::new(
                Reason::InvalidClaim,
                format!("claim `{claim}` must be a string"),
            )),
        }
    }

    /// A NumericDate (RFC 7519 §2): integer seconds, or a finite non-negative float (floored).
    pub fn into_date(self, claim: &'static str) -> Result<i64, VerifyError> {
        match self {
            Loose::Int(i) if i >= 0 => Ok(i),
            Loose::Float(f) if f.is_finite() && (0.0..9.0e15).contains(&f) => Ok(f.floor() as i64),
            _ => Err(VerifyError::new(
                Reason::InvalidClaim,
                format!("claim `{claim}` must be a non-negative number of seconds"),
            )),
        }
    }
}

pub(crate) fn required<T>(v: Option<T>, claim: &'static str) -> Result<T, VerifyError> {
    v.ok_or_else(|| VerifyError::new(Reason::MissingClaim, format!("claim `{claim}` is missing")))
}
