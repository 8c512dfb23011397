//! The token store's file format: one JSON document of named profiles. Parsing is pure (no
//! I/O), so it is fuzzed on its own.

use std::collections::BTreeMap;

use cognito_auth::secret::{AccessToken, AwsSecret, IdToken, RefreshToken};
use serde::{Deserialize, Serialize};

/// How a profile signed in (and so how it refreshes and revokes).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// Hosted UI, authorization code + PKCE.
    HostedUi {
        domain: String,
        client_id: String,
        redirect_uri: String,
    },
    /// USER_SRP_AUTH.
    Srp {
        user_pool_id: String,
        client_id: String,
        endpoint: Option<String>,
    },
}

/// One stored login. `Debug` shows no token (they are redacting types).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Profile {
    /// How it signed in (nested: its fields never collide with the profile's).
    #[serde(rename = "login")]
    pub method: Method,
    pub user_pool_id: Option<String>,
    pub username: Option<String>,
    #[serde(with = "cognito_auth::secret::expose")]
    pub access_token: AccessToken,
    #[serde(with = "cognito_auth::secret::expose_option")]
    pub id_token: Option<IdToken>,
    #[serde(with = "cognito_auth::secret::expose_option")]
    pub refresh_token: Option<RefreshToken>,
    pub expires_at: u64,
    /// Identity-pool state of this login, by identity pool id (`cognito credentials`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, IdentityCache>,
}

/// What `cognito credentials` remembers for one identity pool: the identity id (it does not
/// change for a user and pool) and the AWS credentials per role, until shortly before they
/// expire.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IdentityCache {
    pub identity_id: String,
    /// By role choice (`default`, `suffix:<s>`, `arn:<arn>`).
    #[serde(default)]
    pub credentials: BTreeMap<String, CachedCredentials>,
}

/// AWS credentials as cached. `Debug` shows the key id only.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CachedCredentials {
    pub access_key_id: String,
    #[serde(with = "cognito_auth::secret::expose")]
    pub secret_access_key: AwsSecret,
    #[serde(with = "cognito_auth::secret::expose")]
    pub session_token: AwsSecret,
    /// Seconds since the Unix epoch.
    pub expiration: u64,
}

#[derive(Default, Serialize, Deserialize)]
pub struct StoreFile {
    pub version: u32,
    pub profiles: BTreeMap<String, Profile>,
}

pub const MAX_STORE_BYTES: u64 = 1024 * 1024;

/// Parses a store file's bytes. An empty (0-byte) file is an error like a corrupt one: it
/// holds no login.
pub fn parse(bytes: &[u8]) -> Result<StoreFile, String> {
    if bytes.len() as u64 > MAX_STORE_BYTES {
        return Err("is larger than 1 MiB".into());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("is empty".into());
    }
    serde_json::from_slice(bytes).map_err(|e| format!("is not a token store ({e})"))
}
