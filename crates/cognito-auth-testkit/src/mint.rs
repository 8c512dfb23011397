//! Building Cognito-shaped tokens, including deliberately broken ones.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::keys::{SigningKey, random_uuid};

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How a minted token is signed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Signing {
    /// RS256 with the given key (the issuer's current key by default).
    Rs256(SigningKey),
    /// HS256 with the given secret (`alg` set to HS256): must be rejected.
    Hs256(Vec<u8>),
    /// ES256 with a fresh P-256 key (`alg` set to ES256): must be rejected.
    Es256,
    /// `alg: none` and an empty signature: must be rejected.
    None,
    /// RS256 header, but these raw bytes as the signature.
    RawSignature(Vec<u8>),
}

/// Whether a token is an access or an ID token.
///
/// Deliberately closed: Cognito issues these two kinds of JWT and no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `token_use: access`.
    Access,
    /// `token_use: id`.
    Id,
}

/// A token under construction. Obtain one from [`crate::LocalIssuer::access_token`] or
/// [`crate::LocalIssuer::id_token`], adjust it, then [`TokenBuilder::sign`].
///
/// ```
/// # async fn demo() {
/// let issuer = cognito_auth_testkit::LocalIssuer::start().await;
/// let token = issuer
///     .access_token()
///     .client_id("my-client")
///     .scopes(["orders/read"])
///     .expires_in(600)
///     .sign();
/// assert_eq!(token.split('.').count(), 3);
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TokenBuilder {
    kind: Kind,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing: Signing,
}

impl TokenBuilder {
    /// A token of `kind` for `issuer`, signed by `key`, with Cognito's default claims.
    pub fn new(kind: Kind, issuer: &str, key: &SigningKey) -> Self {
        let now = now();
        let mut header = Map::new();
        header.insert("kid".into(), json!(key.kid()));
        header.insert("alg".into(), json!("RS256"));
        let mut claims = Map::new();
        let jti = random_uuid();
        match kind {
            Kind::Access => {
                // The shape of a client-credentials (M2M) access token.
                claims.insert("sub".into(), json!("local-client"));
                claims.insert("token_use".into(), json!("access"));
                claims.insert("scope".into(), json!("default/read"));
                claims.insert("auth_time".into(), json!(now));
                claims.insert("iss".into(), json!(issuer));
                claims.insert("exp".into(), json!(now + 3600));
                claims.insert("iat".into(), json!(now));
                claims.insert("version".into(), json!(2));
                claims.insert("jti".into(), json!(jti));
                claims.insert("client_id".into(), json!("local-client"));
            }
            Kind::Id => {
                claims.insert("sub".into(), json!(random_uuid()));
                claims.insert("email_verified".into(), json!(true));
                claims.insert("iss".into(), json!(issuer));
                claims.insert("cognito:username".into(), json!("test-user"));
                claims.insert("origin_jti".into(), json!(random_uuid()));
                claims.insert("aud".into(), json!("local-client"));
                claims.insert("event_id".into(), json!(random_uuid()));
                claims.insert("token_use".into(), json!("id"));
                claims.insert("auth_time".into(), json!(now));
                claims.insert("exp".into(), json!(now + 3600));
                claims.insert("iat".into(), json!(now));
                claims.insert("jti".into(), json!(jti));
                claims.insert("email".into(), json!("test-user@example.com"));
            }
        }
        TokenBuilder {
            kind,
            header,
            claims,
            signing: Signing::Rs256(key.clone()),
        }
    }

    /// The app client: `client_id` on access tokens (and `sub` while it is an M2M token), `aud`
    /// on ID tokens.
    pub fn client_id(mut self, client_id: &str) -> Self {
        match self.kind {
            Kind::Access => {
                if self.claims.get("username").is_none() {
                    self.claims.insert("sub".into(), json!(client_id));
                }
                self.claims.insert("client_id".into(), json!(client_id));
            }
            Kind::Id => {
                self.claims.insert("aud".into(), json!(client_id));
            }
        }
        self
    }

    /// Makes this a user's token: `username` / `cognito:username`, a UUID `sub`, `origin_jti`
    /// and `event_id`, and (access tokens) the `aws.cognito.signin.user.admin` scope.
    pub fn user(mut self, username: &str) -> Self {
        self.claims.insert("sub".into(), json!(random_uuid()));
        self.claims
            .insert("origin_jti".into(), json!(random_uuid()));
        self.claims.insert("event_id".into(), json!(random_uuid()));
        match self.kind {
            Kind::Access => {
                self.claims.insert("username".into(), json!(username));
                self.claims
                    .insert("scope".into(), json!("aws.cognito.signin.user.admin"));
            }
            Kind::Id => {
                self.claims
                    .insert("cognito:username".into(), json!(username));
            }
        }
        self
    }

    /// The `scope` claim, joined with spaces.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.claims.insert("scope".into(), json!(joined.join(" ")));
        self
    }

    /// `cognito:groups`.
    pub fn groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let v: Vec<String> = groups.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.claims.insert("cognito:groups".into(), json!(v));
        self
    }

    /// `sub`.
    pub fn subject(mut self, sub: &str) -> Self {
        self.claims.insert("sub".into(), json!(sub));
        self
    }

    /// `iss`.
    pub fn issuer(mut self, iss: &str) -> Self {
        self.claims.insert("iss".into(), json!(iss));
        self
    }

    /// `exp` = now + `secs` (negative for a token that has already expired).
    pub fn expires_in(mut self, secs: i64) -> Self {
        self.claims.insert("exp".into(), json!(now() + secs));
        self
    }

    /// Expired an hour ago (issued two hours ago).
    pub fn expired(mut self) -> Self {
        let now = now();
        self.claims.insert("iat".into(), json!(now - 7200));
        self.claims.insert("auth_time".into(), json!(now - 7200));
        self.claims.insert("exp".into(), json!(now - 3600));
        self
    }

    /// Sets any claim (overriding the default).
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// Removes a claim.
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets a header member.
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.into(), value.into());
        self
    }

    /// Removes a header member.
    pub fn without_header(mut self, name: &str) -> Self {
        self.header.remove(name);
        self
    }

    /// Sets the `kid` header.
    pub fn kid(self, kid: &str) -> Self {
        self.header("kid", kid)
    }

    /// Chooses how to sign (and, for non-RS256 choices, the `alg` header).
    pub fn signing(mut self, signing: Signing) -> Self {
        match &signing {
            Signing::Rs256(k) => {
                self.header.insert("alg".into(), json!("RS256"));
                self.header.insert("kid".into(), json!(k.kid()));
            }
            Signing::Hs256(_) => {
                self.header.insert("alg".into(), json!("HS256"));
            }
            Signing::Es256 => {
                self.header.insert("alg".into(), json!("ES256"));
            }
            Signing::None => {
                self.header.insert("alg".into(), json!("none"));
            }
            Signing::RawSignature(_) => {}
        }
        self.signing = signing;
        self
    }

    /// The claims as they stand.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// Encodes and signs: a compact JWS.
    pub fn sign(&self) -> String {
        let h = URL_SAFE_NO_PAD.encode(Value::Object(self.header.clone()).to_string());
        let p = URL_SAFE_NO_PAD.encode(Value::Object(self.claims.clone()).to_string());
        let input = format!("{h}.{p}");
        let sig = match &self.signing {
            Signing::Rs256(k) => k.sign(input.as_bytes()),
            Signing::Hs256(secret) => {
                let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
                hmac::sign(&key, input.as_bytes()).as_ref().to_vec()
            }
            Signing::Es256 => {
                let rng = SystemRandom::new();
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .expect("EC key");
                let pair =
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
                        .expect("EC key");
                pair.sign(&rng, input.as_bytes())
                    .expect("EC signing")
                    .as_ref()
                    .to_vec()
            }
            Signing::None => Vec::new(),
            Signing::RawSignature(raw) => raw.clone(),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// Encodes raw header and payload JSON text as given (for malformed-JSON tests), signed
    /// RS256 with `key`.
    pub fn sign_raw(header_json: &str, payload_json: &str, key: &SigningKey) -> String {
        let h = URL_SAFE_NO_PAD.encode(header_json);
        let p = URL_SAFE_NO_PAD.encode(payload_json);
        let input = format!("{h}.{p}");
        let sig = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}
