//! What both Redis test binaries share.

/// The Redis that `scripts/test.sh` started, or `None` (the test skips) when run without
/// it; under the test command (`COGNITO_TEST_REQUIRE_SERVICES`) a missing Redis fails.
pub fn redis_url() -> Option<String> {
    match std::env::var("COGNITO_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("COGNITO_TEST_REQUIRE_SERVICES").is_err(),
                "COGNITO_TEST_REDIS_URL is required: run ./scripts/test.sh"
            );
            eprintln!("skipping: Redis is not running (run ./scripts/test.sh)");
            None
        }
    }
}
