//! Passkey (WebAuthn) management for a signed-in user: register, list, delete. The
//! cryptography happens in the user's authenticator (a browser's
//! `navigator.credentials.create` / `get`, a platform API); this module carries Cognito's
//! options to it and its answer back, unchanged.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wire::{AccessTokenOnly, Ignored};
use super::{UserError, UserPoolClient};
use crate::secret::AccessToken;

/// A passkey registered for the user, as `ListWebAuthnCredentials` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Passkey {
    /// `CredentialId`: pass it to [`UserPoolClient::delete_passkey`].
    pub credential_id: String,
    /// `FriendlyCredentialName`.
    pub name: Option<String>,
    /// `RelyingPartyId`.
    pub relying_party_id: Option<String>,
    /// `AuthenticatorAttachment` (`platform`, `cross-platform`).
    pub attachment: Option<String>,
    /// `AuthenticatorTransports` (`usb`, `nfc`, `ble`, `internal`, `hybrid`).
    pub transports: Vec<String>,
    /// `CreatedAt`.
    pub created_at: Option<SystemTime>,
}

/// A started passkey registration: the `PublicKeyCredentialCreationOptions` for the
/// authenticator (`navigator.credentials.create({ publicKey })`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PasskeyRegistration {
    /// `CredentialCreationOptions`, as Cognito sent it.
    pub credential_creation_options: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StartResp {
    credential_creation_options: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CompleteReq<'a> {
    access_token: &'a str,
    credential: &'a Value,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListReq<'a> {
    access_token: &'a str,
    max_results: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListResp {
    /// Required in `ListWebAuthnCredentialsResponse`: an answer without it is malformed,
    /// not "no passkeys".
    credentials: Vec<WireCredential>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireCredential {
    credential_id: String,
    friendly_credential_name: Option<String>,
    relying_party_id: Option<String>,
    authenticator_attachment: Option<String>,
    #[serde(default)]
    authenticator_transports: Vec<String>,
    created_at: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteReq<'a> {
    access_token: &'a str,
    credential_id: &'a str,
}

/// At most this many pages are read from `ListWebAuthnCredentials` (Cognito allows 20
/// passkeys per user; the bound keeps a misbehaving endpoint from looping forever).
const MAX_PAGES: usize = 50;

impl UserPoolClient {
    /// `StartWebAuthnRegistration`: the options to create a passkey with. Give them to the
    /// authenticator, then pass its answer to [`UserPoolClient::complete_passkey_registration`].
    ///
    /// ```no_run
    /// # async fn run(client: cognito_auth::user::UserPoolClient, session: cognito_auth::user::Session)
    /// #     -> Result<(), Box<dyn std::error::Error>> {
    /// let reg = client.start_passkey_registration(&session.access_token).await?;
    /// // ... navigator.credentials.create({ publicKey: reg.credential_creation_options }) ...
    /// # let credential = serde_json::json!({});
    /// client.complete_passkey_registration(&session.access_token, &credential).await?;
    /// for p in client.list_passkeys(&session.access_token).await? {
    ///     println!("{} {:?}", p.credential_id, p.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn start_passkey_registration(
        &self,
        access_token: &AccessToken,
    ) -> Result<PasskeyRegistration, UserError> {
        let r: StartResp = self
            .call(
                "StartWebAuthnRegistration",
                &AccessTokenOnly {
                    access_token: access_token.expose(),
                },
            )
            .await?;
        Ok(PasskeyRegistration {
            credential_creation_options: r.credential_creation_options,
        })
    }

    /// `CompleteWebAuthnRegistration` with the authenticator's `PublicKeyCredential` (the
    /// registration response, as JSON).
    pub async fn complete_passkey_registration(
        &self,
        access_token: &AccessToken,
        credential: &Value,
    ) -> Result<(), UserError> {
        if !credential.is_object() {
            return Err(UserError::WrongAnswer {
                challenge: "CompleteWebAuthnRegistration".into(),
                message: "the credential must be a JSON object".into(),
            });
        }
        let _: Ignored = self
            .call(
                "CompleteWebAuthnRegistration",
                &CompleteReq {
                    access_token: access_token.expose(),
                    credential,
                },
            )
            .await?;
        Ok(())
    }

    /// `ListWebAuthnCredentials`, every page.
    pub async fn list_passkeys(
        &self,
        access_token: &AccessToken,
    ) -> Result<Vec<Passkey>, UserError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let r: ListResp = self
                .call(
                    "ListWebAuthnCredentials",
                    &ListReq {
                        access_token: access_token.expose(),
                        max_results: 20,
                        next_token: next.as_deref(),
                    },
                )
                .await?;
            out.extend(r.credentials.into_iter().map(|c| Passkey {
                credential_id: c.credential_id,
                name: c.friendly_credential_name,
                relying_party_id: c.relying_party_id,
                attachment: c.authenticator_attachment,
                transports: c.authenticator_transports,
                created_at: c.created_at.and_then(crate::expiry::from_epoch_secs_f64),
            }));
            match r.next_token {
                Some(t) if !t.is_empty() => next = Some(t),
                _ => return Ok(out),
            }
        }
        Err(UserError::invalid(
            "ListWebAuthnCredentials",
            format!("more than {MAX_PAGES} pages"),
        ))
    }

    /// `DeleteWebAuthnCredential`.
    pub async fn delete_passkey(
        &self,
        access_token: &AccessToken,
        credential_id: &str,
    ) -> Result<(), UserError> {
        let _: Ignored = self
            .call(
                "DeleteWebAuthnCredential",
                &DeleteReq {
                    access_token: access_token.expose(),
                    credential_id,
                },
            )
            .await?;
        Ok(())
    }
}
