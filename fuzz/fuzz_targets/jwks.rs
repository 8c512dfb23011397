//! JWKS document parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = cognito_auth::jwks::KeySet::from_json(data) {
        for kid in set.kids() {
            let _ = set.get(kid);
        }
    }
});
