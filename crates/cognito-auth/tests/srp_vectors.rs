//! SRP math against fixed vectors from an independent implementation (pycognito's AWSSRP;
//! fixtures/srp_vectors.json was produced by scripts/gen_srp_vectors.py).
#![cfg(feature = "user")]

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognito_auth::srp::{
    N_HEX, SrpClient, cognito_timestamp, device_signature, device_verifier_from,
    password_signature, secret_hash,
};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("fixtures/srp_vectors.json")).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    let s = if s.len() % 2 == 1 {
        format!("0{s}")
    } else {
        s.to_owned()
    };
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k}"))
}

#[test]
fn group_matches() {
    assert_eq!(s(&vectors(), "n_hex"), N_HEX);
}

#[test]
fn timestamps_match() {
    for t in vectors()["timestamps"].as_array().unwrap() {
        // "2026-03-05T07:08:09Z" -> seconds, by a small independent parse.
        let utc = s(t, "utc");
        let (date, time) = utc.trim_end_matches('Z').split_once('T').unwrap();
        let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
        let h: Vec<u64> = time.split(':').map(|x| x.parse().unwrap()).collect();
        let days = days_from_civil(d[0], d[1], d[2]);
        let secs = days as u64 * 86_400 + h[0] * 3600 + h[1] * 60 + h[2];
        assert_eq!(
            cognito_timestamp(UNIX_EPOCH + Duration::from_secs(secs)),
            s(t, "cognito"),
            "{utc}"
        );
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[test]
fn password_verifier_vectors() {
    let v = vectors();
    let cases = v["password"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for c in cases {
        let client = SrpClient::with_private_bytes(&hex(s(c, "small_a"))).unwrap();
        assert_eq!(client.public_a_hex(), s(c, "big_a"), "A");
        let pool_name = s(c, "pool_id").split_once('_').unwrap().1;
        let key = client
            .password_key(
                pool_name,
                s(c, "username"),
                s(c, "password"),
                s(c, "srp_b"),
                s(c, "salt"),
            )
            .unwrap();
        assert_eq!(
            hex(s(c, "hkdf")),
            key.to_vec(),
            "HKDF key for {}",
            s(c, "username")
        );
        let sig = password_signature(
            &key,
            pool_name,
            s(c, "username"),
            s(c, "secret_block"),
            s(c, "timestamp"),
        )
        .unwrap();
        assert_eq!(sig, s(c, "signature"));
        if let Some(cs) = c["client_secret"].as_str() {
            assert_eq!(
                secret_hash(s(c, "username"), s(c, "client_id"), cs),
                s(c, "secret_hash")
            );
        }
        // A wrong password gives another key (the vectors are not trivially satisfied).
        let wrong = client
            .password_key(
                pool_name,
                s(c, "username"),
                "not-the-password",
                s(c, "srp_b"),
                s(c, "salt"),
            )
            .unwrap();
        assert_ne!(wrong.to_vec(), key.to_vec());
    }
}

#[test]
fn device_vectors() {
    let v = vectors();
    for c in v["device"].as_array().unwrap() {
        let verifier = device_verifier_from(
            s(c, "device_group_key"),
            s(c, "device_key"),
            &STANDARD.decode(s(c, "random_password_bytes")).unwrap(),
            &hex(s(c, "random_salt")),
        )
        .unwrap();
        assert_eq!(verifier.device_password.expose(), s(c, "device_password"));
        assert_eq!(verifier.password_verifier, s(c, "password_verifier"));
        assert_eq!(verifier.salt, s(c, "salt_b64"));

        let client = SrpClient::with_private_bytes(&hex(s(c, "small_a"))).unwrap();
        assert_eq!(client.public_a_hex(), s(c, "big_a"));
        let key = client
            .device_key(
                s(c, "device_group_key"),
                s(c, "device_key"),
                s(c, "device_password"),
                s(c, "srp_b"),
                s(c, "salt"),
            )
            .unwrap();
        let sig = device_signature(
            &key,
            s(c, "device_group_key"),
            s(c, "device_key"),
            s(c, "secret_block"),
            s(c, "timestamp"),
        )
        .unwrap();
        assert_eq!(sig, s(c, "signature"));
    }
}

#[test]
fn fresh_clients_differ() {
    let a = SrpClient::new().unwrap();
    let b = SrpClient::new().unwrap();
    assert_ne!(a.public_a_hex(), b.public_a_hex());
    assert_eq!(format!("{a:?}"), r#"SrpClient { a: "<redacted>" }"#);
}

#[test]
fn challenge_parameters_are_bounded_exactly() {
    use cognito_auth::srp::SrpError;
    let client = SrpClient::with_private_bytes(&[7u8; 32]).unwrap();
    let key = |b: &str, salt: &str| client.password_key("pool", "user", "pw", b, salt);
    fn refused<T>(r: Result<T, SrpError>, what: &str) -> bool {
        matches!(r, Err(SrpError::InvalidParameter(p)) if p == what)
    }
    // SRP_B: up to 2048 hex digits, SALT: up to 1024.
    let b_max = "ab".repeat(1024);
    let salt_max = "cd".repeat(512);
    assert!(key(&b_max, "ab").is_ok());
    assert!(refused(key(&format!("{b_max}a"), "ab"), "SRP_B"));
    assert!(key("ab", &salt_max).is_ok());
    assert!(refused(key("ab", &format!("{salt_max}c")), "SALT"));
    // SECRET_BLOCK: up to 64 KiB.
    let k = key("ab", "ab").unwrap();
    let block_max = "A".repeat(64 * 1024);
    assert!(password_signature(&k, "pool", "user", &block_max, "ts").is_ok());
    let over = format!("{block_max}A");
    assert!(refused(
        password_signature(&k, "pool", "user", &over, "ts"),
        "SECRET_BLOCK"
    ));
}
