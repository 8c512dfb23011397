//! Token parse and verify with a fixed key: the whole verifier on arbitrary input, then every
//! check but the signature on the same input (so mutations reach the claim checks).
#![no_main]

use std::sync::OnceLock;

use cognito_auth::verify::{TokenUse, Verifier};
use libfuzzer_sys::fuzz_target;

/// The fixed public key the seeds are signed with (the test kit's key, as a JWKS).
const JWKS: &str = include_str!("../seeds/jwks.json");

fn verifier() -> &'static (Verifier, tokio::runtime::Runtime) {
    static V: OnceLock<(Verifier, tokio::runtime::Runtime)> = OnceLock::new();
    V.get_or_init(|| {
        let v = Verifier::builder()
            .issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz")
            .jwks_json(JWKS)
            .token_use(TokenUse::Access)
            .any_client()
            .token_cache_capacity(64)
            .build()
            .expect("verifier");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (v, rt)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let (v, rt) = verifier();
    let _ = rt.block_on(v.verify(token));
    let _ = v.fuzz_without_signature(token);
    let _ = cognito_auth::unverified::decode_unverified(token);
});
