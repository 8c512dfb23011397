//! The hosted-UI callback's query string.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(q) = std::str::from_utf8(data) {
        cognito_auth::fuzzing::callback_query(q);
    }
});
