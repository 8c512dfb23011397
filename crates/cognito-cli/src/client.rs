//! The clients of stored logins: how a login made through the hosted UI or the user-pool API
//! is renewed and revoked, and why that can fail, in the CLI's terms. One home for what
//! `login`, `refresh`, `logout`, `token --stored` and `credentials` share; the token store
//! (`store`) stays a file format and its lock.

use cognito_auth::secret::RefreshToken;

use crate::failure::Failure;
use crate::store::{Method, Profile, unix};
use crate::{EXIT_NOT_AUTHENTICATED, EXIT_UNAVAILABLE};

/// Why a stored login could not be made fresh.
#[derive(Debug)]
pub enum RefreshFailure {
    /// The store could not be read, written or locked, or holds no such login.
    Store(String),
    /// The login holds no refresh token.
    NoRefreshToken,
    /// The service refused the refresh token (expired, revoked, rotated away).
    Rejected(String),
    /// The service could not be reached.
    Unreachable(String),
    /// The login's app client has a secret and none was given (`invalid_client`, or
    /// Cognito's "Unable to verify secret hash").
    NeedsSecret(String),
}

impl RefreshFailure {
    /// The failure, in the user's terms, for the login `profile`.
    pub fn failure(self, profile: &str) -> Failure {
        match self {
            RefreshFailure::Store(m) => Failure::usage(m),
            RefreshFailure::NoRefreshToken => Failure::new(
                EXIT_NOT_AUTHENTICATED,
                format!("the login `{profile}` has expired and holds no refresh token; run `cognito login` again"),
            ),
            RefreshFailure::Rejected(m) => Failure::new(
                EXIT_NOT_AUTHENTICATED,
                format!("the login `{profile}` has expired or was revoked; run `cognito login` again"),
            )
            .detail(m),
            RefreshFailure::NeedsSecret(m) => Failure::usage(format!(
                "the app client of the login `{profile}` has a secret: pass --client-secret or set COGNITO_CLIENT_SECRET"
            ))
            .detail(m),
            RefreshFailure::Unreachable(m) => Failure::new(
                EXIT_UNAVAILABLE,
                format!("cannot reach the sign-in service to renew `{profile}`; check the network and try again (the login is kept)"),
            )
            .detail(m),
        }
    }
}

/// The client a stored login refreshes and revokes with.
pub enum LoginClient {
    /// Hosted UI (`/oauth2/token`, `/oauth2/revoke`).
    HostedUi(cognito_auth::hosted_ui::HostedUiClient),
    /// User-pool API (`REFRESH_TOKEN_AUTH`, `RevokeToken`).
    Srp(cognito_auth::user::UserPoolClient),
}

impl LoginClient {
    /// The client for `method`; `secret` for app clients that have one.
    pub fn for_method(method: &Method, secret: Option<&str>) -> Result<LoginClient, String> {
        Ok(match method {
            Method::HostedUi {
                domain,
                client_id,
                redirect_uri,
            } => {
                let mut b = cognito_auth::hosted_ui::HostedUiClient::builder()
                    .domain(domain)
                    .client_id(client_id)
                    .redirect_uri(redirect_uri);
                if let Some(s) = secret {
                    b = b.client_secret(s);
                }
                LoginClient::HostedUi(b.build().map_err(|e| e.to_string())?)
            }
            Method::Srp {
                user_pool_id,
                client_id,
                endpoint,
            } => LoginClient::Srp(user_pool_client(
                user_pool_id,
                client_id,
                secret,
                endpoint.as_deref(),
            )?),
        })
    }

    /// New tokens for a stored login from its refresh token (kept when none is returned).
    pub async fn refresh_profile(&self, p: &Profile) -> Result<Profile, RefreshFailure> {
        let Some(rt) = p.refresh_token.clone() else {
            return Err(RefreshFailure::NoRefreshToken);
        };
        let mut fresh = p.clone();
        match self {
            LoginClient::HostedUi(c) => match c.refresh(&rt).await {
                Ok(t) => {
                    fresh.access_token = t.access_token;
                    fresh.id_token = t.id_token.or(fresh.id_token);
                    fresh.refresh_token = t.refresh_token.or(Some(rt));
                    fresh.expires_at = unix(t.expires_at);
                }
                Err(e) => return Err(hosted_ui_failure(c, e)),
            },
            LoginClient::Srp(c) => {
                let session = cognito_auth::user::Session::from_tokens(
                    p.username.clone().unwrap_or_default(),
                    p.access_token.clone(),
                    p.id_token.clone(),
                    Some(rt),
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs(p.expires_at),
                );
                match c.refresh(&session).await {
                    Ok(s) => {
                        fresh.access_token = s.access_token;
                        fresh.id_token = s.id_token.or(fresh.id_token);
                        fresh.refresh_token = s.refresh_token.or(fresh.refresh_token);
                        fresh.expires_at = unix(s.expires_at);
                        if fresh.username.is_none() {
                            fresh.username = Some(s.username);
                        }
                    }
                    Err(e) => return Err(user_pool_failure(c, e)),
                }
            }
        }
        Ok(fresh)
    }

    /// Revokes a refresh token.
    pub async fn revoke(&self, rt: &RefreshToken) -> Result<(), RefreshFailure> {
        match self {
            LoginClient::HostedUi(c) => c.revoke(rt).await.map_err(|e| hosted_ui_failure(c, e)),
            LoginClient::Srp(c) => c
                .revoke_token(rt)
                .await
                .map_err(|e| user_pool_failure(c, e)),
        }
    }
}

/// A hosted-UI (OAuth2 endpoint) failure in the CLI's terms.
fn hosted_ui_failure(
    c: &cognito_auth::hosted_ui::HostedUiClient,
    e: cognito_auth::hosted_ui::HostedUiError,
) -> RefreshFailure {
    use cognito_auth::hosted_ui::HostedUiError;
    match e {
        HostedUiError::Transport(t) => RefreshFailure::Unreachable(format!("{}: {t}", c.domain())),
        HostedUiError::Endpoint { ref error, .. } if error.as_deref() == Some("invalid_client") => {
            RefreshFailure::NeedsSecret(e.to_string())
        }
        other => RefreshFailure::Rejected(other.to_string()),
    }
}

/// A user-pool API failure in the CLI's terms.
fn user_pool_failure(
    c: &cognito_auth::user::UserPoolClient,
    e: cognito_auth::user::UserError,
) -> RefreshFailure {
    if let cognito_auth::user::UserError::Transport { source, .. } = &e {
        return RefreshFailure::Unreachable(format!("{}: {source}", c.endpoint()));
    }
    let text = e.to_string();
    if e.is_not_authorized() && text.to_ascii_lowercase().contains("secret hash") {
        RefreshFailure::NeedsSecret(text)
    } else {
        RefreshFailure::Rejected(text)
    }
}

/// A user-pool client, optionally with a secret and another endpoint.
pub fn user_pool_client(
    pool: &str,
    client_id: &str,
    secret: Option<&str>,
    endpoint: Option<&str>,
) -> Result<cognito_auth::user::UserPoolClient, String> {
    let mut b = cognito_auth::user::UserPoolClient::builder()
        .user_pool(pool)
        .client_id(client_id);
    if let Some(s) = secret {
        b = b.client_secret(s);
    }
    if let Some(e) = endpoint {
        b = b.endpoint(e);
    }
    b.build().map_err(|e| e.to_string())
}
