//! User-pool flows moto cannot serve, against a local Cognito-shaped peer:
//! - a strict SRP peer (server-side SRP written here, independently of the library) that
//!   checks PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER signatures, SECRET_HASH and the
//!   user names Cognito expects, and drives ConfirmDevice + DEVICE_SRP_AUTH end to end;
//! - choice-based sign-in (`USER_AUTH`, `SELECT_CHALLENGE`), passwordless e-mail/SMS codes,
//!   passkeys (`WEB_AUTHN`, registration, listing, deletion) and custom authentication
//!   (`CUSTOM_AUTH`, after SRP or alone), modelled statefully from Cognito's API reference;
//! - recorded request/response fixtures (fixtures/cognito_recorded.json) for RevokeToken,
//!   ResendConfirmationCode, ListDevices, UpdateDeviceStatus, ForgetDevice,
//!   GetTokensFromRefreshToken, EMAIL_OTP, SELECT_MFA_TYPE and an unknown challenge.
#![cfg(feature = "user")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognito_auth::secret::{Password, RefreshToken};
use cognito_auth::user::{
    ChallengeAnswer, ChallengeKind, CognitoErrorKind, DeviceCredentials, MfaType, SignInStep,
    UserError, UserPoolClient,
};
use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder};
use num_bigint_dig::BigUint;
use serde_json::{Value, json};

// ---------------------------------------------------------------- server-side SRP (test-only)

const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

fn big(hex: &str) -> BigUint {
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
}
fn hexs(v: &BigUint) -> String {
    v.to_str_radix(16)
}
fn pad(hex: &str) -> String {
    if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else if "89abcdefABCDEF".contains(&hex[..1]) {
        format!("00{hex}")
    } else {
        hex.to_owned()
    }
}
fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}
fn sha_hex(b: &[u8]) -> String {
    digest(&SHA256, b)
        .as_ref()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}
fn n() -> BigUint {
    big(N_HEX)
}
fn k() -> BigUint {
    big(&sha_hex(&unhex(&format!("00{N_HEX}02"))))
}
fn x_for(salt_hex: &str, identity: &str) -> BigUint {
    big(&sha_hex(&unhex(&format!(
        "{}{}",
        pad(salt_hex),
        sha_hex(identity.as_bytes())
    ))))
}
fn hkdf(s: &BigUint, u: &BigUint) -> Vec<u8> {
    let prk = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &unhex(&pad(&hexs(u)))),
        &unhex(&pad(&hexs(s))),
    );
    let okm = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()),
        b"Caldera Derived Key\x01",
    );
    okm.as_ref()[..16].to_vec()
}
fn mac_b64(key: &[u8], parts: &[&[u8]]) -> String {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut c = hmac::Context::with_key(&k);
    for p in parts {
        c.update(p);
    }
    STANDARD.encode(c.sign().as_ref())
}

/// One server-side exchange: B from the verifier, then the expected client key.
struct Exchange {
    a: BigUint,
    b: BigUint,
    v: BigUint,
    big_b: BigUint,
    secret_block: String,
    identity: String,
    salt_hex: String,
}

impl Exchange {
    fn new(a_hex: &str, v: BigUint, salt_hex: &str, identity: &str) -> Exchange {
        let b = BigUint::from_bytes_be(&rand_bytes(32));
        let big_b = (k() * &v + BigUint::from(2u32).modpow(&b, &n())) % n();
        Exchange {
            a: big(a_hex),
            b,
            v,
            big_b,
            secret_block: STANDARD.encode(rand_bytes(64)),
            identity: identity.to_owned(),
            salt_hex: salt_hex.to_owned(),
        }
    }
    fn key(&self) -> Vec<u8> {
        let u = big(&sha_hex(&unhex(&format!(
            "{}{}",
            pad(&hexs(&self.a)),
            pad(&hexs(&self.big_b))
        ))));
        let s = (&self.a * self.v.modpow(&u, &n())).modpow(&self.b, &n());
        hkdf(&s, &u)
    }
}

fn rand_bytes(n: usize) -> Vec<u8> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut b = vec![0u8; n];
    SystemRandom::new().fill(&mut b).unwrap();
    b
}

fn secret_hash(user: &str) -> String {
    mac_b64(SECRET.as_bytes(), &[user.as_bytes(), CLIENT.as_bytes()])
}

// ---------------------------------------------------------------- the peer

mod choice;
mod flows;
mod peer;
use peer::{CLIENT, SECRET};
