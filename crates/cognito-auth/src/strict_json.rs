//! Strict JSON helpers: borrowed strings and a validating walker that rejects duplicate object
//! keys at any depth (JSON parsers disagree on which duplicate wins, which is an attack surface
//! for tokens: RFC 7515 §4 and RFC 7519 §4 say to reject them).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Maximum nesting depth accepted inside a token or JWKS document.
const MAX_DEPTH: usize = 32;

/// A JSON string borrowed from the input when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JStr<'a>(pub Cow<'a, str>);

impl<'a> JStr<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = JStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(JStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// Tracks the keys of one object and reports the first duplicate.
///
/// Linear for the handful of keys real tokens have; a hash set beyond that, so an object with
/// thousands of keys (a 16 KiB token can hold ~2 700) costs linear, not quadratic, time.
#[derive(Default)]
pub(crate) struct KeyTracker<'a> {
    small: Vec<Cow<'a, str>>,
    large: Option<HashSet<Cow<'a, str>, foldhash::fast::RandomState>>,
}

const SMALL_OBJECT: usize = 16;

impl<'a> KeyTracker<'a> {
    /// Records `key`; returns an error naming it if it was already present.
    pub fn insert<E: de::Error>(&mut self, key: Cow<'a, str>) -> Result<(), E> {
        let duplicate = match &mut self.large {
            Some(set) => !set.insert(key.clone()),
            None if self.small.len() < SMALL_OBJECT => {
                let dup = self.small.contains(&key);
                self.small.push(key.clone());
                dup
            }
            None => {
                let mut set: HashSet<_, _> = self.small.drain(..).collect();
                let dup = !set.insert(key.clone());
                self.large = Some(set);
                dup
            }
        };
        if duplicate {
            return Err(duplicate_key(&key));
        }
        Ok(())
    }
}

/// The error for a key seen twice in one object (its first 40 characters named).
pub(crate) fn duplicate_key<E: de::Error>(key: &str) -> E {
    E::custom(format_args!("duplicate key `{}`", truncate(key)))
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Walks any JSON value, rejecting duplicate keys and excessive nesting; keeps nothing.
pub(crate) struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckVisitor { depth: 0 })
    }
}

struct CheckSeed {
    depth: usize,
}

impl<'de> de::DeserializeSeed<'de> for CheckSeed {
    type Value = Checked;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Checked, D::Error> {
        d.deserialize_any(CheckVisitor { depth: self.depth })
    }
}

/// A seed for walking a nested value at a known depth.
pub(crate) fn checked_at(depth: usize) -> impl for<'de> de::DeserializeSeed<'de, Value = Checked> {
    CheckSeed { depth }
}

struct CheckVisitor {
    depth: usize,
}

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = Checked;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom("JSON nested too deeply"));
        }
        while seq
            .next_element_seed(CheckSeed {
                depth: self.depth + 1,
            })?
            .is_some()
        {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom("JSON nested too deeply"));
        }
        let mut keys = KeyTracker::default();
        while let Some(k) = map.next_key::<JStr<'de>>()? {
            keys.insert(k.0)?;
            map.next_value_seed(CheckSeed {
                depth: self.depth + 1,
            })?;
        }
        Ok(Checked)
    }
}

/// Checks a whole document: valid JSON, no duplicate keys anywhere, bounded depth.
pub(crate) fn check_document(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Checked::deserialize(&mut de)?;
    de.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_rejected_at_any_depth() {
        assert!(check_document(br#"{"a":1,"b":{"c":[1,{"d":2}]}}"#).is_ok());
        assert!(check_document(br#"{"a":1,"a":2}"#).is_err());
        assert!(check_document(br#"{"a":{"x":1,"x":1}}"#).is_err());
        assert!(check_document(br#"[{"x":1,"y":2,"x":3}]"#).is_err());
        // An escaped spelling of the same key is still the same key.
        assert!(check_document(br#"{"a":1,"\u0061":2}"#).is_err());
        assert!(check_document(br#"{"a":1} trailing"#).is_err());
        // Many keys: the duplicate is found after the switch to the hash set, too.
        let many: Vec<String> = (0..100).map(|i| format!("\"k{i}\":0")).collect();
        let ok = format!("{{{}}}", many.join(","));
        assert!(check_document(ok.as_bytes()).is_ok());
        let dup = format!("{{{},\"k42\":1}}", many.join(","));
        assert!(check_document(dup.as_bytes()).is_err());
        let dup_early = format!("{{\"k5\":1,{}}}", many.join(","));
        assert!(check_document(dup_early.as_bytes()).is_err());
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(check_document(deep.as_bytes()).is_err());
        let ok = "[".repeat(10) + &"]".repeat(10);
        assert!(check_document(ok.as_bytes()).is_ok());
    }
}
