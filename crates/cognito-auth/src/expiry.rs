//! Expiry times in the public API are `std::time::SystemTime` ("expires at") and
//! `std::time::Duration` ("expires in"); these helpers convert and (de)serialise them as
//! whole seconds, saturating instead of overflowing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `now + secs`, saturating far in the future instead of overflowing.
pub(crate) fn after(secs: u64) -> SystemTime {
    SystemTime::now()
        .checked_add(Duration::from_secs(secs))
        .unwrap_or_else(far_future)
}

/// A time far beyond any token's life (year 9999), for saturation.
pub(crate) fn far_future() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(253_402_300_799)
}

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The time `secs` after the Unix epoch, saturating.
pub(crate) fn from_unix_secs(secs: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or_else(far_future)
        .min(far_future())
}

/// The time `secs` (fractional, as AWS JSON timestamps are) after the Unix epoch; `None`
/// when negative, not finite or beyond year 9999.
#[cfg_attr(not(feature = "user"), allow(dead_code))]
pub(crate) fn from_epoch_secs_f64(secs: f64) -> Option<SystemTime> {
    let d = Duration::try_from_secs_f64(secs).ok()?;
    UNIX_EPOCH.checked_add(d).filter(|t| *t <= far_future())
}

/// Whether `at` is within `margin` of now, or past (saturating).
pub(crate) fn within(at: SystemTime, margin: Duration) -> bool {
    SystemTime::now()
        .checked_add(margin)
        .is_none_or(|t| t >= at)
}

/// Serde: a `SystemTime` as whole seconds since the Unix epoch.
pub(crate) mod unix_seconds {
    use std::time::SystemTime;

    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(super::unix_secs(*t))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let secs = <u64 as serde::Deserialize>::deserialize(d)?;
        Ok(super::from_unix_secs(secs))
    }
}

/// Serde: a `Duration` as whole seconds.
pub(crate) mod seconds {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(
            <u64 as serde::Deserialize>::deserialize(d)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates() {
        assert_eq!(after(u64::MAX), far_future());
        assert_eq!(from_unix_secs(u64::MAX), far_future());
        assert!(within(SystemTime::now(), Duration::MAX));
        assert!(!within(far_future(), Duration::from_secs(60)));
        assert_eq!(unix_secs(from_unix_secs(1_795_369_149)), 1_795_369_149);
    }
}
