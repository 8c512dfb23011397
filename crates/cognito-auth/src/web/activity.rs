//! Settings of client activity tracking (stored by `cognito-auth-activity`).

use std::fmt;

/// Client activity tracking settings.
///
/// `Debug` and `Serialize` replace a password in `database_url` with `REDACTED`:
///
/// ```
/// use cognito_auth::web::ActivityConfig;
/// let c = ActivityConfig { database_url: "postgres://app:hunter2@db/app".into(), ..Default::default() };
/// assert!(!format!("{c:?}").contains("hunter2"));
/// assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityConfig {
    /// Whether to record activity.
    pub enabled: bool,
    /// `sqlite://path.db`, `sqlite::memory:` or `postgres://…` (default in-memory SQLite).
    pub database_url: String,
    /// Flush interval in milliseconds (default 5000).
    pub flush_interval_ms: u64,
    /// Most distinct clients buffered between flushes (default 100 000).
    pub max_pending_clients: usize,
}

/// `url` with its password, if any, replaced by `REDACTED`. A value that does not parse as a
/// URL is shown only by its scheme.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("REDACTED"));
            }
            u.into()
        }
        Err(_) => match url.split_once(':') {
            Some((scheme, _)) if !scheme.contains('@') => format!("{scheme}:<unparsed>"),
            _ => "<unparsed>".into(),
        },
    }
}

impl fmt::Debug for ActivityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityConfig")
            .field("enabled", &self.enabled)
            .field("database_url", &redact_url(&self.database_url))
            .field("flush_interval_ms", &self.flush_interval_ms)
            .field("max_pending_clients", &self.max_pending_clients)
            .finish()
    }
}

impl serde::Serialize for ActivityConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ActivityConfig", 4)?;
        st.serialize_field("enabled", &self.enabled)?;
        st.serialize_field("database_url", &redact_url(&self.database_url))?;
        st.serialize_field("flush_interval_ms", &self.flush_interval_ms)?;
        st.serialize_field("max_pending_clients", &self.max_pending_clients)?;
        st.end()
    }
}

impl Default for ActivityConfig {
    fn default() -> Self {
        ActivityConfig {
            enabled: false,
            database_url: "sqlite::memory:".into(),
            flush_interval_ms: 5000,
            max_pending_clients: 100_000,
        }
    }
}
