//! The CLI's token-store file format.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/cognito-cli/src/store/format.rs"]
#[allow(dead_code)]
mod format;

fuzz_target!(|data: &[u8]| {
    if let Ok(store) = format::parse(data) {
        for (name, p) in &store.profiles {
            let _ = (name.len(), p.expires_at, p.access_token.expose().len());
        }
    }
});
