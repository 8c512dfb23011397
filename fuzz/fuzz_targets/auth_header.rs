//! The `Authorization` header parser: one value, or several split at a NUL byte.
#![no_main]

use cognito_auth::web::{Credentials, parse_credentials};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let values: Vec<&[u8]> = data.split(|b| *b == 0).take(4).collect();
    for scheme in ["Bearer", "Token"] {
        if let Credentials::Bearer(t) = parse_credentials(&values, scheme) {
            assert!(!t.is_empty() && !t.contains(' '));
        }
    }
});
