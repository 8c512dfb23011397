//! Cognito's SRP-6a variant, as pure functions with no I/O: the math of `USER_SRP_AUTH` /
//! `PASSWORD_VERIFIER`, `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER`, device verifiers for
//! `ConfirmDevice`, `SECRET_HASH`, and Cognito's timestamp format.
//!
//! Group: RFC 5054's 3072-bit prime with g = 2; `k = H(00 ‖ N ‖ 0 ‖ g)` (hex, as Cognito's
//! SDKs compute it); `u = H(pad(A) ‖ pad(B))`; `x = H(pad(salt) ‖ H(poolName ‖ user ‖ ":" ‖
//! password))`; `S = (B − k·g^x)^(a + u·x) mod N`; the key is HKDF-SHA256 over `pad(S)` with
//! `pad(u)` as salt and info `"Caldera Derived Key"`, truncated to 16 bytes.
//! Safety checks: `B mod N ≠ 0`, `u ≠ 0`. Secret values are zeroised on drop.
//!
//! Tested against fixed vectors produced by an independent implementation (pycognito's
//! `AWSSRP`, see `scripts/gen_srp_vectors.py`).
//!
//! ```
//! use cognito_auth::srp::{SrpClient, cognito_timestamp, secret_hash};
//!
//! let client = SrpClient::new().unwrap();
//! assert!(!client.public_a_hex().is_empty()); // send as SRP_A
//! let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_772_694_489);
//! assert_eq!(cognito_timestamp(t), "Thu Mar 5 07:08:09 UTC 2026");
//! assert_eq!(secret_hash("alice", "client", "secret").len(), 44);
//! ```

use std::sync::OnceLock;
use std::time::SystemTime;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint_dig::BigUint;
use num_traits::Zero;
use zeroize::{Zeroize, Zeroizing};

/// RFC 5054 3072-bit group prime, as Cognito's SDKs spell it.
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const INFO: &[u8] = b"Caldera Derived Key";

/// Why an SRP step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// The server's `B` is 0 mod N (a malicious or broken server).
    #[error("server SRP_B is 0 mod N")]
    InvalidServerB,
    /// `u = H(A, B)` is zero.
    #[error("SRP scrambling parameter u is zero")]
    ZeroU,
    /// A challenge parameter is not what the protocol requires.
    #[error("invalid SRP challenge parameter `{0}`")]
    InvalidParameter(&'static str),
    /// The system random generator failed.
    #[error("random number generator failed")]
    Random,
}

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

fn group() -> &'static Group {
    static G: OnceLock<Group> = OnceLock::new();
    G.get_or_init(|| {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
        let g = BigUint::from(2u32);
        let k = hex_to_big(&hex_hash(&format!("00{N_HEX}02")));
        Group { n, g, k }
    })
}

fn hex_to_big(hex: &str) -> BigUint {
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap_or_default()
}

fn big_to_hex(v: &BigUint) -> String {
    v.to_str_radix(16)
}

/// Hex of a secret value, zeroised on drop.
fn secret_hex(v: &BigUint) -> Zeroizing<String> {
    Zeroizing::new(v.to_str_radix(16))
}

/// Cognito's `padHex`: even length, and a leading `00` when the first nibble has its high bit
/// set (so the value reads as positive).
fn pad_hex(hex: &str) -> Zeroizing<String> {
    let prefix = if !hex.len().is_multiple_of(2) {
        "0"
    } else if hex.starts_with([
        '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F',
    ]) {
        "00"
    } else {
        ""
    };
    let mut out = Zeroizing::new(String::with_capacity(prefix.len() + hex.len()));
    out.push_str(prefix);
    out.push_str(hex);
    out
}

/// Decodes hex into one buffer of exactly the right size: no reallocation leaves a partial
/// copy of (possibly secret) bytes behind. On failure the partial buffer is zeroised.
fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(hex.len() / 2);
    for i in (0..hex.len()).step_by(2) {
        match hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            Some(b) => out.push(b),
            None => {
                out.zeroize();
                return None;
            }
        }
    }
    Some(out)
}

/// Lowercase hex of `bytes`, written into one buffer (no per-byte temporaries), zeroised on
/// drop.
fn to_hex(bytes: &[u8]) -> Zeroizing<String> {
    // Sized up front: growing would leave unzeroised copies behind.
    let mut out = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    crate::hex::lower_into(bytes, &mut out);
    out
}

fn sha256_hex(bytes: &[u8]) -> Zeroizing<String> {
    to_hex(digest(&SHA256, bytes).as_ref())
}

/// SHA-256 of the bytes a hex string encodes, as 64 hex digits. The decoded bytes may be
/// password-equivalent, so they are zeroised.
fn hex_hash(hex: &str) -> Zeroizing<String> {
    let bytes = Zeroizing::new(hex_decode(hex).unwrap_or_default());
    sha256_hex(&bytes)
}

/// HKDF-SHA256 to 16 bytes. (aws-lc's HMAC tags live on the stack and are not zeroised;
/// every heap copy here is.)
fn hkdf16(ikm: &[u8], salt: &[u8]) -> [u8; 16] {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    let mut info = INFO.to_vec();
    info.push(1);
    let okm = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()), &info);
    let mut out = [0u8; 16];
    out.copy_from_slice(&okm.as_ref()[..16]);
    out
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The client side of one SRP exchange: a fresh private `a` and public `A = g^a mod N`.
/// `a` is zeroised on drop; use one `SrpClient` per exchange.
pub struct SrpClient {
    a: Zeroizing<BigUint>,
    big_a: BigUint,
}

impl std::fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrpClient")
            .field("a", &"<redacted>")
            .finish()
    }
}

impl SrpClient {
    /// A fresh client with 128 random bytes for `a` (as Cognito's SDKs draw it).
    pub fn new() -> Result<Self, SrpError> {
        let mut bytes = Zeroizing::new([0u8; 128]);
        crate::random::fill(bytes.as_mut()).map_err(|_| SrpError::Random)?;
        Self::with_private_bytes(bytes.as_ref())
    }

    /// A client with a given private value (big-endian bytes). For fixed test vectors only:
    /// never reuse a private value.
    pub fn with_private_bytes(a: &[u8]) -> Result<Self, SrpError> {
        let g = group();
        let a = Zeroizing::new(BigUint::from_bytes_be(a) % &g.n);
        if a.is_zero() {
            return Err(SrpError::InvalidParameter("a"));
        }
        // 0 < a < N and N prime: A = g^a mod N is never 0 (the server checks A mod N anyway).
        let big_a = g.g.modpow(&a, &g.n);
        Ok(SrpClient { a, big_a })
    }

    /// `A` as unpadded lowercase hex: the `SRP_A` parameter.
    pub fn public_a_hex(&self) -> String {
        big_to_hex(&self.big_a)
    }

    /// The 16-byte key for `PASSWORD_VERIFIER`: `pool_name` is the part of the pool id after
    /// `_`; `user_id` is the challenge's `USER_ID_FOR_SRP`; `srp_b` and `salt` are hex.
    pub fn password_key(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
        srp_b: &str,
        salt: &str,
    ) -> Result<Zeroizing<[u8; 16]>, SrpError> {
        let mut secret = Zeroizing::new(format!("{pool_name}{user_id}:{password}"));
        let key = self.key(&secret, srp_b, salt);
        secret.zeroize();
        key
    }

    /// The 16-byte key for `DEVICE_PASSWORD_VERIFIER`.
    pub fn device_key(
        &self,
        device_group_key: &str,
        device_key: &str,
        device_password: &str,
        srp_b: &str,
        salt: &str,
    ) -> Result<Zeroizing<[u8; 16]>, SrpError> {
        let secret = Zeroizing::new(format!("{device_group_key}{device_key}:{device_password}"));
        self.key(&secret, srp_b, salt)
    }

    /// The server's values, checked: `SRP_B` and `SALT` hex of bounded length, `B mod N ≠ 0`,
    /// `u = H(A, B) ≠ 0`. Returns `B` and `u`.
    fn check_challenge(&self, srp_b: &str, salt: &str) -> Result<(BigUint, BigUint), SrpError> {
        let g = group();
        if !is_hex(srp_b) || srp_b.len() > 2048 {
            return Err(SrpError::InvalidParameter("SRP_B"));
        }
        if !is_hex(salt) || salt.len() > 1024 {
            return Err(SrpError::InvalidParameter("SALT"));
        }
        let big_b = hex_to_big(srp_b);
        if (&big_b % &g.n).is_zero() {
            return Err(SrpError::InvalidServerB);
        }
        let u = hex_to_big(&hex_hash(&format!(
            "{}{}",
            *pad_hex(&big_to_hex(&self.big_a)),
            *pad_hex(&big_to_hex(&big_b))
        )));
        if u.is_zero() {
            return Err(SrpError::ZeroU);
        }
        Ok((big_b, u))
    }

    /// Fuzzing only: the checks of a challenge's parameters and the claim signature over a
    /// secret block, without the 3072-bit exponentiation between them.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn fuzz_challenge(
        &self,
        srp_b: &str,
        salt: &str,
        secret_block: &str,
        user_id: &str,
    ) -> Result<String, SrpError> {
        self.check_challenge(srp_b, salt)?;
        password_signature(
            &[7; 16],
            "PoolName",
            user_id,
            secret_block,
            "Thu Mar 5 07:08:09 UTC 2026",
        )
    }

    fn key(
        &self,
        identity: &str,
        srp_b: &str,
        salt: &str,
    ) -> Result<Zeroizing<[u8; 16]>, SrpError> {
        let g = group();
        let (big_b, u) = self.check_challenge(srp_b, salt)?;
        // Every value from here to the key is password-equivalent: each intermediate, hex
        // string and byte buffer is zeroised when dropped.
        let identity_hash = sha256_hex(identity.as_bytes());
        let salted = {
            let mut v = pad_hex(salt);
            v.push_str(&identity_hash);
            v
        };
        let x_hex = hex_hash(&salted);
        let x = Zeroizing::new(hex_to_big(&x_hex));
        let gx = Zeroizing::new(g.g.modpow(&x, &g.n));
        let kgx_full = Zeroizing::new(&g.k * &*gx);
        let kgx = Zeroizing::new(&*kgx_full % &g.n);
        // (B - k·g^x) mod N, kept non-negative.
        let b_plus_n = (&big_b % &g.n) + &g.n;
        let diff = Zeroizing::new(&b_plus_n - &*kgx);
        let base = Zeroizing::new(&*diff % &g.n);
        let ux = Zeroizing::new(&u * &*x);
        let exp = Zeroizing::new(&*self.a + &*ux);
        let s = Zeroizing::new(base.modpow(&exp, &g.n));
        let s_hex = secret_hex(&s);
        let s_bytes = Zeroizing::new(hex_decode(&pad_hex(&s_hex)).unwrap_or_default());
        let u_bytes = hex_decode(&pad_hex(&big_to_hex(&u))).unwrap_or_default();
        Ok(Zeroizing::new(hkdf16(&s_bytes, &u_bytes)))
    }
}

fn sign(key: &[u8], parts: &[&[u8]]) -> String {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&k);
    for p in parts {
        ctx.update(p);
    }
    STANDARD.encode(ctx.sign().as_ref())
}

/// The secret block as signed: Cognito sends base64, which is decoded; emulators that send
/// another string (moto sends a UUID) have its bytes signed as they are.
fn secret_block_bytes(secret_block: &str) -> Result<Vec<u8>, SrpError> {
    if secret_block.is_empty() || secret_block.len() > 64 * 1024 {
        return Err(SrpError::InvalidParameter("SECRET_BLOCK"));
    }
    Ok(STANDARD
        .decode(secret_block)
        .unwrap_or_else(|_| secret_block.as_bytes().to_vec()))
}

/// `PASSWORD_CLAIM_SIGNATURE`: HMAC-SHA256 over two names, the secret block and the timestamp.
fn claim_signature(
    key: &[u8; 16],
    first: &str,
    second: &str,
    secret_block_b64: &str,
    timestamp: &str,
) -> Result<String, SrpError> {
    let block = secret_block_bytes(secret_block_b64)?;
    Ok(sign(
        key,
        &[
            first.as_bytes(),
            second.as_bytes(),
            &block,
            timestamp.as_bytes(),
        ],
    ))
}

/// `PASSWORD_CLAIM_SIGNATURE` for `PASSWORD_VERIFIER`: HMAC-SHA256 over pool name, user id,
/// the decoded secret block and the timestamp, base64.
pub fn password_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block_b64: &str,
    timestamp: &str,
) -> Result<String, SrpError> {
    claim_signature(key, pool_name, user_id, secret_block_b64, timestamp)
}

/// `PASSWORD_CLAIM_SIGNATURE` for `DEVICE_PASSWORD_VERIFIER`: over device group key, device
/// key, the decoded secret block and the timestamp.
pub fn device_signature(
    key: &[u8; 16],
    device_group_key: &str,
    device_key: &str,
    secret_block_b64: &str,
    timestamp: &str,
) -> Result<String, SrpError> {
    claim_signature(
        key,
        device_group_key,
        device_key,
        secret_block_b64,
        timestamp,
    )
}

/// `SECRET_HASH`: base64(HMAC-SHA256(client_secret, username ‖ client_id)).
pub fn secret_hash(username: &str, client_id: &str, client_secret: &str) -> String {
    sign(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    )
}

/// Cognito's timestamp: `"Thu Mar 5 07:08:09 UTC 2026"` (UTC, English names, the day of the
/// month not zero-padded).
pub fn cognito_timestamp(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, rem) = crate::timefmt::split(t);
    let (y, m, d) = crate::timefmt::civil_from_days(days);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        y
    )
}

/// What `ConfirmDevice` needs, and the device password to keep for later device sign-ins.
#[derive(Clone)]
pub struct DeviceVerifier {
    /// The random device password (store it with the device key; a secret).
    pub device_password: crate::secret::Password,
    /// `DeviceSecretVerifierConfig.PasswordVerifier` (base64).
    pub password_verifier: String,
    /// `DeviceSecretVerifierConfig.Salt` (base64).
    pub salt: String,
}

impl std::fmt::Debug for DeviceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceVerifier")
            .field("device_password", &self.device_password)
            .field("salt", &self.salt)
            .finish_non_exhaustive()
    }
}

/// A new device password (40 random bytes, base64) and its verifier, for `ConfirmDevice`.
pub fn device_verifier(
    device_group_key: &str,
    device_key: &str,
) -> Result<DeviceVerifier, SrpError> {
    let mut pw = Zeroizing::new([0u8; 40]);
    crate::random::fill(pw.as_mut()).map_err(|_| SrpError::Random)?;
    let mut salt = [0u8; 16];
    crate::random::fill(&mut salt).map_err(|_| SrpError::Random)?;
    device_verifier_from(device_group_key, device_key, pw.as_ref(), &salt)
}

/// [`device_verifier`] with given random bytes (for fixed test vectors).
pub fn device_verifier_from(
    device_group_key: &str,
    device_key: &str,
    password_bytes: &[u8],
    salt_bytes: &[u8],
) -> Result<DeviceVerifier, SrpError> {
    let g = group();
    let device_password = Zeroizing::new(STANDARD.encode(password_bytes));
    let identity = Zeroizing::new(format!(
        "{device_group_key}{device_key}:{}",
        *device_password
    ));
    let identity_hash = sha256_hex(identity.as_bytes());
    let salt_int = BigUint::from_bytes_be(salt_bytes);
    if salt_int.is_zero() {
        return Err(SrpError::InvalidParameter("salt"));
    }
    let salt_hex = pad_hex(&big_to_hex(&salt_int));
    let salted = {
        let mut v = Zeroizing::new(String::with_capacity(salt_hex.len() + identity_hash.len()));
        v.push_str(&salt_hex);
        v.push_str(&identity_hash);
        v
    };
    let x = Zeroizing::new(hex_to_big(&hex_hash(&salted)));
    let v = g.g.modpow(&x, &g.n);
    let verifier = hex_decode(&pad_hex(&big_to_hex(&v))).unwrap_or_default();
    let salt = hex_decode(&salt_hex).unwrap_or_default();
    Ok(DeviceVerifier {
        device_password: crate::secret::Password::new(device_password.as_str()),
        password_verifier: STANDARD.encode(verifier),
        salt: STANDARD.encode(salt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let at =
            |s: u64| cognito_timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(at(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(at(4_107_542_399), "Sun Feb 28 23:59:59 UTC 2100");
    }

    #[test]
    fn pad_hex_rules() {
        assert_eq!(*pad_hex("abc"), "0abc");
        assert_eq!(*pad_hex("ab"), "00ab");
        assert_eq!(*pad_hex("7f"), "7f");
    }

    #[test]
    fn rejects_b_zero_mod_n_and_bad_hex() {
        let c = SrpClient::new().unwrap();
        assert_eq!(
            c.password_key("p", "u", "pw", "0", "ab").unwrap_err(),
            SrpError::InvalidServerB
        );
        assert_eq!(
            c.password_key("p", "u", "pw", N_HEX, "ab").unwrap_err(),
            SrpError::InvalidServerB
        );
        let two_n = big_to_hex(&(&group().n * BigUint::from(2u32)));
        assert_eq!(
            c.password_key("p", "u", "pw", &two_n, "ab").unwrap_err(),
            SrpError::InvalidServerB
        );
        assert_eq!(
            c.password_key("p", "u", "pw", "xyz", "ab").unwrap_err(),
            SrpError::InvalidParameter("SRP_B")
        );
        assert_eq!(
            c.password_key("p", "u", "pw", "12", "").unwrap_err(),
            SrpError::InvalidParameter("SALT")
        );
        assert!(password_signature(&[0; 16], "p", "u", "", "t").is_err());
        // Not base64 (moto's UUID): its bytes are signed as they are.
        let a = password_signature(&[0; 16], "p", "u", "26e0037b-0a80", "t").unwrap();
        let b = password_signature(&[0; 16], "p", "u", "26e0037b-0a81", "t").unwrap();
        assert_ne!(a, b);
    }
}
