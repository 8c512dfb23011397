//! Remembered devices: confirm (with a device verifier from the SRP module), remember,
//! forget, list.

use serde::{Deserialize, Serialize};

use super::wire::{Ignored, WireAttribute, attributes_from_wire};
use super::{Device, DeviceCredentials, Session, UserError, UserPoolClient};
use crate::secret::AccessToken;
use crate::srp;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceRequest<'a> {
    access_token: &'a str,
    device_key: &'a str,
}

impl UserPoolClient {
    /// Confirms the device Cognito created at sign-in, with a fresh device password and
    /// verifier. Returns the credentials to keep, and whether Cognito wants the user to
    /// confirm remembering it ([`UserPoolClient::remember_device`]). From then on the
    /// session carries the device key: refreshes send it (`DEVICE_KEY`, `DeviceKey`), as
    /// Cognito requires for a confirmed device (without it, it issues another device).
    pub async fn confirm_device(
        &self,
        session: &mut Session,
        device_name: &str,
    ) -> Result<(DeviceCredentials, bool), UserError> {
        let meta = session.new_device.as_ref().ok_or(UserError::NoNewDevice)?;
        let verifier = srp::device_verifier(&meta.device_group_key, &meta.device_key)?;
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct VerifierConfig<'a> {
            password_verifier: &'a str,
            salt: &'a str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            device_key: &'a str,
            device_name: &'a str,
            device_secret_verifier_config: VerifierConfig<'a>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Confirmed {
            #[serde(default)]
            user_confirmation_necessary: bool,
        }
        let c: Confirmed = self
            .call(
                "ConfirmDevice",
                &Req {
                    access_token: session.access_token.expose(),
                    device_key: &meta.device_key,
                    device_name,
                    device_secret_verifier_config: VerifierConfig {
                        password_verifier: &verifier.password_verifier,
                        salt: &verifier.salt,
                    },
                },
            )
            .await?;
        session.device_key = Some(meta.device_key.clone());
        Ok((
            DeviceCredentials {
                device_key: meta.device_key.clone(),
                device_group_key: meta.device_group_key.clone(),
                device_password: verifier.device_password,
            },
            c.user_confirmation_necessary,
        ))
    }

    /// Marks a device remembered or not remembered.
    pub async fn remember_device(
        &self,
        access_token: &AccessToken,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            device_key: &'a str,
            device_remembered_status: &'a str,
        }
        let _: Ignored = self
            .call(
                "UpdateDeviceStatus",
                &Req {
                    access_token: access_token.expose(),
                    device_key,
                    device_remembered_status: if remembered {
                        "remembered"
                    } else {
                        "not_remembered"
                    },
                },
            )
            .await?;
        Ok(())
    }

    /// Forgets a device.
    pub async fn forget_device(
        &self,
        access_token: &AccessToken,
        device_key: &str,
    ) -> Result<(), UserError> {
        let _: Ignored = self
            .call(
                "ForgetDevice",
                &DeviceRequest {
                    access_token: access_token.expose(),
                    device_key,
                },
            )
            .await?;
        Ok(())
    }

    /// Lists the user's devices, following every page (at most 1,000 pages).
    pub async fn list_devices(&self, access_token: &AccessToken) -> Result<Vec<Device>, UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            limit: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            pagination_token: Option<&'a str>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct WireDevice {
            #[serde(default)]
            device_key: String,
            #[serde(default)]
            device_attributes: Vec<WireAttribute>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Page {
            #[serde(default)]
            devices: Vec<WireDevice>,
            pagination_token: Option<String>,
        }
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..1000 {
            let page: Page = self
                .call(
                    "ListDevices",
                    &Req {
                        access_token: access_token.expose(),
                        limit: 60,
                        pagination_token: token.as_deref(),
                    },
                )
                .await?;
            out.extend(page.devices.into_iter().map(|d| Device {
                device_key: d.device_key,
                attributes: attributes_from_wire(d.device_attributes),
            }));
            token = page.pagination_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }
}
