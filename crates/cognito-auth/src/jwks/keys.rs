//! Parsing a JWKS document into verification keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::Deserialize;

use crate::strict_json::{self, JStr};

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits.
pub const MAX_RSA_BITS: usize = 8192;

/// One RS256 verification key from a JWKS.
pub struct RsaKey {
    kid: Box<str>,
    bits: usize,
    parsed: ParsedPublicKey,
    n: Box<[u8]>,
    e: Box<[u8]>,
}

impl RsaKey {
    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }
    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }
    /// Verifies an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
    fn same_material(&self, other: &RsaKey) -> bool {
        self.n == other.n && self.e == other.e
    }
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaKey")
            .field("kid", &self.kid)
            .field("bits", &self.bits)
            .finish()
    }
}

/// Why one key of a JWKS was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedKey {
    /// The key's `kid`, if it had one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub why: &'static str,
}

/// The usable RS256 keys of a JWKS document, by `kid`.
///
/// Keys that are not RSA, are marked for another `use` or `alg`, have no `kid`, are smaller than
/// 2048 bits, or share a `kid` with different material are skipped (see [`KeySet::skipped`]).
///
/// ```
/// use cognito_auth::jwks::KeySet;
///
/// let set = KeySet::from_json(br#"{"keys":[{"kty":"EC","kid":"x","crv":"P-256","x":"","y":""}]}"#).unwrap();
/// assert!(set.is_empty());
/// assert_eq!(set.skipped().len(), 1);
/// ```
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    keys: HashMap<Box<str>, Arc<RsaKey>, foldhash::fast::RandomState>,
    skipped: Vec<SkippedKey>,
}

/// A JWKS document that could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JWKS document: {0}")]
pub struct JwksParseError(pub(crate) String);

#[derive(Deserialize)]
struct RawSet<'a> {
    #[serde(borrow)]
    keys: Vec<RawJwk<'a>>,
}

#[derive(Deserialize)]
struct RawJwk<'a> {
    #[serde(borrow)]
    kty: Option<JStr<'a>>,
    #[serde(borrow)]
    kid: Option<JStr<'a>>,
    #[serde(rename = "use", borrow)]
    use_: Option<JStr<'a>>,
    #[serde(borrow)]
    alg: Option<JStr<'a>>,
    #[serde(borrow)]
    n: Option<JStr<'a>>,
    #[serde(borrow)]
    e: Option<JStr<'a>>,
}

fn b64_uint(s: &str) -> Option<Vec<u8>> {
    let bytes = crate::base64url::decode(s).ok()?;
    let first = bytes.iter().position(|&b| b != 0)?;
    Some(bytes[first..].to_vec())
}

impl KeySet {
    /// Parses a JWKS JSON document (`{"keys":[...]}`).
    pub fn from_json(json: &[u8]) -> Result<KeySet, JwksParseError> {
        strict_json::check_document(json).map_err(|e| JwksParseError(e.to_string()))?;
        let raw: RawSet<'_> =
            serde_json::from_slice(json).map_err(|e| JwksParseError(e.to_string()))?;
        let mut set = KeySet::default();
        let mut conflicted: Vec<Box<str>> = Vec::new();
        for jwk in raw.keys {
            let kid = jwk.kid.as_ref().map(|k| k.as_str().to_owned());
            let skip = |why| SkippedKey {
                kid: kid.clone(),
                why,
            };
            match jwk.kty.as_ref().map(JStr::as_str) {
                Some("RSA") => {}
                _ => {
                    set.skipped.push(skip("kty is not RSA"));
                    continue;
                }
            }
            if jwk.use_.as_ref().is_some_and(|u| u.as_str() != "sig") {
                set.skipped.push(skip("use is not sig"));
                continue;
            }
            if jwk.alg.as_ref().is_some_and(|a| a.as_str() != "RS256") {
                set.skipped.push(skip("alg is not RS256"));
                continue;
            }
            let Some(kid) = jwk.kid else {
                set.skipped.push(skip("no kid"));
                continue;
            };
            let (Some(n), Some(e)) = (
                jwk.n.as_ref().and_then(|n| b64_uint(n.as_str())),
                jwk.e.as_ref().and_then(|e| b64_uint(e.as_str())),
            ) else {
                set.skipped.push(skip("n or e missing or not base64url"));
                continue;
            };
            let bits = n.len() * 8 - n[0].leading_zeros() as usize;
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                set.skipped
                    .push(skip("modulus size outside 2048..=8192 bits"));
                continue;
            }
            // Exponent: odd, at least 3, at most 2^32 (aws-lc's own bound is lower still).
            if e.len() > 4 || e.last().is_some_and(|b| b & 1 == 0) || (e.len() == 1 && e[0] < 3) {
                set.skipped.push(skip("invalid public exponent"));
                continue;
            }
            let components = RsaPublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            };
            let parsed = match components.to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256) {
                Ok(p) => p,
                Err(_) => {
                    set.skipped
                        .push(skip("RSA key rejected by the crypto backend"));
                    continue;
                }
            };
            let key = RsaKey {
                kid: kid.as_str().into(),
                bits,
                parsed,
                n: n.into_boxed_slice(),
                e: e.into_boxed_slice(),
            };
            let kid: Box<str> = kid.as_str().into();
            if conflicted.contains(&kid) {
                continue;
            }
            if let Some(existing) = set.keys.get(&kid) {
                if !existing.same_material(&key) {
                    // Two different keys under one kid: trust neither.
                    set.keys.remove(&kid);
                    set.skipped.push(skip("kid used by two different keys"));
                    conflicted.push(kid);
                }
                continue;
            }
            set.keys.insert(kid, Arc::new(key));
        }
        Ok(set)
    }

    /// The key for `kid`.
    pub fn get(&self, kid: &str) -> Option<&Arc<RsaKey>> {
        self.keys.get(kid)
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The usable key ids.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(|k| &**k)
    }

    /// Keys that were present but not usable, with the reason.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Adds the keys of `other` that are not here yet. Returns how many were added and
    /// whether a `kid` of `other` names different material here (then nothing should be
    /// used).
    pub(crate) fn merge(&mut self, other: &KeySet) -> (usize, bool) {
        let mut added = 0;
        for (kid, k) in &other.keys {
            match self.keys.get(kid) {
                Some(existing) if existing.same_material(k) => {}
                Some(_) => return (added, true),
                None => {
                    self.keys.insert(kid.clone(), Arc::clone(k));
                    added += 1;
                }
            }
        }
        (added, false)
    }

    /// Whether every key of `self` is still present, with the same material, in `newer`.
    pub(crate) fn is_subset_of(&self, newer: &KeySet) -> bool {
        self.keys.iter().all(|(kid, k)| {
            newer
                .keys
                .get(kid)
                .is_some_and(|other| other.same_material(k))
        })
    }
}
