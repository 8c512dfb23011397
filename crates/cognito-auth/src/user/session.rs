//! Sessions: refresh (`REFRESH_TOKEN_AUTH` and `GetTokensFromRefreshToken`), renewal ahead of
//! expiry, global sign-out and refresh-token revocation.

use std::time::Duration;

use serde::Serialize;

use super::wire::{AccessTokenOnly, AuthResponse, Ignored, params};
use super::{Session, UserError, UserPoolClient};
use crate::secret::{AccessToken, RefreshToken};

impl UserPoolClient {
    /// Refreshes with `REFRESH_TOKEN_AUTH`. The refresh token is kept unless Cognito returns a
    /// new one (rotation); the device key is sent when the session has one.
    pub async fn refresh(&self, session: &Session) -> Result<Session, UserError> {
        let rt = session
            .refresh_token
            .clone()
            .ok_or(UserError::NoRefreshToken)?;
        let mut p = params! { "REFRESH_TOKEN" => rt.expose() };
        self.add_secret_hash(&mut p, &session.username);
        if let Some(d) = &session.device_key {
            p.insert("DEVICE_KEY".into(), d.as_str().into());
        }
        let resp = self.initiate("REFRESH_TOKEN_AUTH", p).await?;
        let result = resp
            .authentication_result
            .ok_or_else(|| UserError::invalid("InitiateAuth", "refresh returned no tokens"))?;
        let mut s = self
            .session_from(
                result,
                &session.username,
                Some(rt.clone()),
                session.device_key.clone(),
                "InitiateAuth",
            )
            .await?;
        if s.id_token.is_none() {
            s.id_token = session.id_token.clone();
        }
        tracing::debug!(
            target: "cognito_auth::user",
            rotated = s.refresh_token.as_ref().is_some_and(|n| !n.ct_eq(rt.expose())),
            "session refreshed"
        );
        Ok(s)
    }

    /// Refreshes through `GetTokensFromRefreshToken`, Cognito's newer API, which rotates the
    /// refresh token when the app client enables rotation: the returned session then holds
    /// the new refresh token (the old one stops working after Cognito's grace period).
    pub async fn get_tokens_from_refresh_token(
        &self,
        session: &Session,
    ) -> Result<Session, UserError> {
        let rt = session
            .refresh_token
            .clone()
            .ok_or(UserError::NoRefreshToken)?;
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            refresh_token: &'a str,
            client_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_secret: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            device_key: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_metadata: Option<&'a super::wire::Metadata>,
        }
        let resp: AuthResponse = self
            .call(
                "GetTokensFromRefreshToken",
                &Req {
                    refresh_token: rt.expose(),
                    client_id: &self.inner.client_id,
                    client_secret: self.client_secret_str(),
                    device_key: session.device_key.as_deref(),
                    client_metadata: self.meta(),
                },
            )
            .await?;
        let result = resp
            .authentication_result
            .ok_or_else(|| UserError::invalid("GetTokensFromRefreshToken", "no tokens"))?;
        let mut s = self
            .session_from(
                result,
                &session.username,
                Some(rt),
                session.device_key.clone(),
                "GetTokensFromRefreshToken",
            )
            .await?;
        if s.id_token.is_none() {
            s.id_token = session.id_token.clone();
        }
        Ok(s)
    }

    /// Refreshes `session` in place when it expires within `margin`. Returns whether it did.
    pub async fn check_and_renew(
        &self,
        session: &mut Session,
        margin: Duration,
    ) -> Result<bool, UserError> {
        if !session.expires_within(margin) {
            return Ok(false);
        }
        *session = self.refresh(session).await?;
        Ok(true)
    }

    /// Signs the user out everywhere: every access and refresh token stops working.
    pub async fn global_sign_out(&self, access_token: &AccessToken) -> Result<(), UserError> {
        let _: Ignored = self
            .call(
                "GlobalSignOut",
                &AccessTokenOnly {
                    access_token: access_token.expose(),
                },
            )
            .await?;
        Ok(())
    }

    /// Revokes a refresh token (and the access tokens issued from it).
    pub async fn revoke_token(&self, refresh_token: &RefreshToken) -> Result<(), UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            token: &'a str,
            client_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_secret: Option<&'a str>,
        }
        let _: Ignored = self
            .call(
                "RevokeToken",
                &Req {
                    token: refresh_token.expose(),
                    client_id: &self.inner.client_id,
                    client_secret: self.client_secret_str(),
                },
            )
            .await?;
        Ok(())
    }
}

impl From<Session> for crate::refresh::UserTokens {
    fn from(s: Session) -> Self {
        crate::refresh::UserTokens {
            username: Some(s.username),
            access_token: s.access_token,
            id_token: s.id_token,
            refresh_token: s.refresh_token,
            expires_at: s.expires_at,
        }
    }
}

impl crate::refresh::TokenRefresher for UserPoolClient {
    fn refresh<'a>(
        &'a self,
        t: &'a crate::refresh::UserTokens,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<crate::refresh::UserTokens, crate::refresh::RefreshError>,
    > {
        use crate::refresh::RefreshError;
        Box::pin(async move {
            if t.refresh_token.is_none() {
                return Err(RefreshError::NoRefreshToken);
            }
            let session = Session::from_tokens(
                t.username.clone().unwrap_or_default(),
                t.access_token.clone(),
                t.id_token.clone(),
                t.refresh_token.clone(),
                t.expires_at,
            );
            let s = UserPoolClient::refresh(self, &session)
                .await
                .map_err(|e| match e {
                    UserError::Transport { .. } => {
                        RefreshError::Unreachable(std::sync::Arc::new(e))
                    }
                    other => RefreshError::Rejected(std::sync::Arc::new(other)),
                })?;
            Ok(s.into())
        })
    }
}
