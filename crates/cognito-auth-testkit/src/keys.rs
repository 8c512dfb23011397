//! RSA signing keys for the local issuer.

use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// An RSA key pair with a `kid`, able to sign RS256 and to describe itself as a JWK.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    pair: Arc<KeyPair>,
    bits: usize,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("bits", &self.bits)
            .finish()
    }
}

impl SigningKey {
    /// A fresh 2048-bit key with a random `kid`.
    pub fn generate() -> Self {
        Self::generate_sized(2048)
    }

    /// A fresh key of 2048, 3072, 4096 or 8192 bits (other sizes fall back to 2048).
    pub fn generate_sized(bits: usize) -> Self {
        let size = match bits {
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            8192 => KeySize::Rsa8192,
            _ => KeySize::Rsa2048,
        };
        let pair = KeyPair::generate(size).expect("RSA key generation");
        SigningKey {
            kid: random_id(16),
            bits: pair.public_modulus_len() * 8,
            pair: Arc::new(pair),
        }
    }

    /// The key id published in the JWKS and written into token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The same key material under another `kid`.
    pub fn with_kid(&self, kid: impl Into<String>) -> Self {
        SigningKey {
            kid: kid.into(),
            ..self.clone()
        }
    }

    /// RS256 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .expect("RSA signing");
        sig
    }

    /// The public key as a JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "use": "sig",
        })
    }

    /// Modulus and exponent, big-endian.
    pub fn public_components(&self) -> (Vec<u8>, Vec<u8>) {
        let public = self.pair.public_key();
        (
            public.modulus().big_endian_without_leading_zero().to_vec(),
            public.exponent().big_endian_without_leading_zero().to_vec(),
        )
    }
}

/// A JWKS document holding `keys`.
pub fn jwks_json(keys: &[SigningKey]) -> String {
    json!({ "keys": keys.iter().map(SigningKey::jwk).collect::<Vec<_>>() }).to_string()
}

/// A random lowercase alphanumeric string of `len` characters.
pub fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; len];
    SystemRandom::new().fill(&mut bytes).expect("random bytes");
    bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// A random UUID (version 4), as Cognito uses for `sub`, `jti` and `origin_jti`.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    SystemRandom::new().fill(&mut b).expect("random bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
