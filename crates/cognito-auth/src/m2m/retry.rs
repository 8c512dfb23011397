//! Retries of token requests: exponential backoff with equal jitter, bounded in count and
//! time, honouring `Retry-After`.

use std::time::{Duration, SystemTime};

/// Retries for transport errors, 5xx and 429: exponential backoff with jitter, bounded in
/// count and in total time. 400/401 answers are never retried.
///
/// ```
/// use std::time::Duration;
/// use cognito_auth::m2m::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_retries(5).max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.get_max_retries(), 5);
/// assert_eq!(RetryPolicy::none().get_max_retries(), 0);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RetryPolicy {
    pub(super) max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    pub(super) max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
    /// Retries after the first attempt (default 3).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// First backoff (default 200 ms); doubles each time.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// Largest backoff (default 5 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Total time budget across attempts and waits (default 30 s). A `Retry-After` beyond the
    /// budget ends the retries at once.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }
    /// The retry count.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Backoff before retry number `attempt` (1-based): "equal jitter", in
    /// `[b/2, b]` with `b = min(max, initial * 2^(attempt-1))`.
    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let b = exp.min(self.max_backoff);
        let half = b / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

pub(crate) fn parse_retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(24 * 3600)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(800));
        for attempt in 1..10 {
            let b = p.backoff(attempt);
            let cap = Duration::from_millis((100u64 << (attempt - 1)).min(800));
            assert!(b >= cap / 2 && b <= cap, "attempt {attempt}: {b:?}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            http::header::RETRY_AFTER,
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let d = parse_retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120));
        h.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
    }
}
