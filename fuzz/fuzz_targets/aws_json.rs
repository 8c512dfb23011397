//! AWS JSON answers: error answers (`__type`, message, request id), sign-in answers and
//! their challenges, identity-pool credentials.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((s, rest)) => (
            if *s < 64 {
                200
            } else {
                400 + u16::from(*s % 200)
            },
            rest,
        ),
        None => return,
    };
    cognito_auth::fuzzing::aws_json(status, Some("req-1"), body);
});
