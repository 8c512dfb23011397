//! SRP challenge parameters as a server sends them (`SRP_B`, `SALT`, `SECRET_BLOCK`,
//! `USER_ID_FOR_SRP`), fields separated by newlines: their checks and the claim signature.
//! (The 3072-bit exponentiation between the two is covered by the fixed vectors; it would cap
//! the fuzzer at a dozen executions a second.)
#![no_main]

use std::sync::OnceLock;

use cognito_auth::srp::SrpClient;
use libfuzzer_sys::fuzz_target;

fn client() -> &'static SrpClient {
    static C: OnceLock<SrpClient> = OnceLock::new();
    C.get_or_init(|| SrpClient::with_private_bytes(&[7u8; 128]).expect("client"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut f = text.split('\n');
    let (srp_b, salt, secret_block, user_id) = (
        f.next().unwrap_or(""),
        f.next().unwrap_or(""),
        f.next().unwrap_or(""),
        f.next().unwrap_or("user"),
    );
    let _ = client().fuzz_challenge(srp_b, salt, secret_block, user_id);
});
