//! Token-endpoint answers: M2M and hosted-UI token responses, OAuth2 errors, `Retry-After`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, rest) = match data.split_first() {
        Some((s, rest)) => (
            if *s < 128 {
                200
            } else {
                400 + u16::from(*s % 130)
            },
            rest,
        ),
        None => return,
    };
    let (retry_after, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (std::str::from_utf8(&rest[..i]).ok(), &rest[i + 1..]),
        None => (None, rest),
    };
    cognito_auth::fuzzing::token_endpoint(status, retry_after, body);
});
