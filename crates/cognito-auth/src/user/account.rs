//! Account flows: sign-up and its confirmation, password reset and change, attributes and
//! their verification, TOTP association, MFA preferences, deleting the user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::wire::{
    AccessTokenOnly, Attribute, CodeDeliveryDetails, Ignored, Metadata, WireAttribute,
    attributes_from_wire, attributes_to_wire,
};
use super::{CodeDelivery, MfaPreference, SignUpResult, UserError, UserInfo, UserPoolClient};
use crate::secret::{AccessToken, Password};

/// The body of calls made for a user name by the app client (`SignUp`, `ConfirmSignUp`,
/// `ForgotPassword`, …): the fields they share, and the ones each adds.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ForUser<'a> {
    client_id: &'a str,
    username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_metadata: Option<&'a Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confirmation_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_attributes: Option<Vec<Attribute<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeDeliveryAnswer {
    code_delivery_details: Option<CodeDeliveryDetails>,
}

impl UserPoolClient {
    fn for_user<'a>(&'a self, username: &'a str) -> ForUser<'a> {
        ForUser {
            client_id: &self.inner.client_id,
            username,
            secret_hash: self.secret_hash(username),
            client_metadata: self.meta(),
            password: None,
            confirmation_code: None,
            user_attributes: None,
        }
    }

    /// Registers a user.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &Password,
        attributes: &BTreeMap<String, String>,
    ) -> Result<SignUpResult, UserError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            #[serde(default)]
            user_confirmed: bool,
            user_sub: Option<String>,
            code_delivery_details: Option<CodeDeliveryDetails>,
        }
        let r: Resp = self
            .call(
                "SignUp",
                &ForUser {
                    password: Some(password.expose()),
                    user_attributes: Some(attributes_to_wire(attributes)),
                    ..self.for_user(username)
                },
            )
            .await?;
        Ok(SignUpResult {
            user_confirmed: r.user_confirmed,
            user_sub: r.user_sub,
            code_delivery: r.code_delivery_details.map(Into::into),
        })
    }

    /// Confirms a sign-up with the code the user received.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), UserError> {
        let _: Ignored = self
            .call(
                "ConfirmSignUp",
                &ForUser {
                    confirmation_code: Some(code),
                    ..self.for_user(username)
                },
            )
            .await?;
        Ok(())
    }

    /// Sends the sign-up confirmation code again.
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<CodeDelivery, UserError> {
        let r: CodeDeliveryAnswer = self
            .call("ResendConfirmationCode", &self.for_user(username))
            .await?;
        Ok(r.code_delivery_details.map(Into::into).unwrap_or_default())
    }

    /// Starts a password reset; the code goes to the user.
    pub async fn forgot_password(&self, username: &str) -> Result<CodeDelivery, UserError> {
        let r: CodeDeliveryAnswer = self
            .call("ForgotPassword", &self.for_user(username))
            .await?;
        Ok(r.code_delivery_details.map(Into::into).unwrap_or_default())
    }

    /// Completes a password reset.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &Password,
    ) -> Result<(), UserError> {
        let _: Ignored = self
            .call(
                "ConfirmForgotPassword",
                &ForUser {
                    confirmation_code: Some(code),
                    password: Some(new_password.expose()),
                    ..self.for_user(username)
                },
            )
            .await?;
        Ok(())
    }

    /// Changes the signed-in user's password.
    pub async fn change_password(
        &self,
        access_token: &AccessToken,
        old: &Password,
        new: &Password,
    ) -> Result<(), UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            previous_password: &'a str,
            proposed_password: &'a str,
        }
        let _: Ignored = self
            .call(
                "ChangePassword",
                &Req {
                    access_token: access_token.expose(),
                    previous_password: old.expose(),
                    proposed_password: new.expose(),
                },
            )
            .await?;
        Ok(())
    }

    /// The signed-in user and their attributes.
    pub async fn get_user(&self, access_token: &AccessToken) -> Result<UserInfo, UserError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            #[serde(default)]
            username: String,
            #[serde(default)]
            user_attributes: Vec<WireAttribute>,
            preferred_mfa_setting: Option<String>,
            #[serde(default, rename = "UserMFASettingList")]
            user_mfa_setting_list: Vec<String>,
        }
        let r: Resp = self
            .call(
                "GetUser",
                &AccessTokenOnly {
                    access_token: access_token.expose(),
                },
            )
            .await?;
        Ok(UserInfo {
            username: r.username,
            attributes: attributes_from_wire(r.user_attributes),
            preferred_mfa: r.preferred_mfa_setting,
            mfa_settings: r.user_mfa_setting_list,
        })
    }

    /// Updates attributes; returns where verification codes went for attributes that need one.
    pub async fn update_user_attributes(
        &self,
        access_token: &AccessToken,
        attributes: &BTreeMap<String, String>,
    ) -> Result<Vec<CodeDelivery>, UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            user_attributes: Vec<Attribute<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_metadata: Option<&'a Metadata>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            #[serde(default)]
            code_delivery_details_list: Vec<CodeDeliveryDetails>,
        }
        let r: Resp = self
            .call(
                "UpdateUserAttributes",
                &Req {
                    access_token: access_token.expose(),
                    user_attributes: attributes_to_wire(attributes),
                    client_metadata: self.meta(),
                },
            )
            .await?;
        Ok(r.code_delivery_details_list
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Sends a verification code for an attribute (e.g. `email` after it changed).
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &AccessToken,
        attribute: &str,
    ) -> Result<CodeDelivery, UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            attribute_name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_metadata: Option<&'a Metadata>,
        }
        let r: CodeDeliveryAnswer = self
            .call(
                "GetUserAttributeVerificationCode",
                &Req {
                    access_token: access_token.expose(),
                    attribute_name: attribute,
                    client_metadata: self.meta(),
                },
            )
            .await?;
        Ok(r.code_delivery_details.map(Into::into).unwrap_or_default())
    }

    /// Verifies an attribute (e.g. `email`) with the code sent to it.
    pub async fn verify_user_attribute(
        &self,
        access_token: &AccessToken,
        attribute: &str,
        code: &str,
    ) -> Result<(), UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            attribute_name: &'a str,
            code: &'a str,
        }
        let _: Ignored = self
            .call(
                "VerifyUserAttribute",
                &Req {
                    access_token: access_token.expose(),
                    attribute_name: attribute,
                    code,
                },
            )
            .await?;
        Ok(())
    }

    /// Deletes the signed-in user.
    pub async fn delete_user(&self, access_token: &AccessToken) -> Result<(), UserError> {
        let _: Ignored = self
            .call(
                "DeleteUser",
                &AccessTokenOnly {
                    access_token: access_token.expose(),
                },
            )
            .await?;
        Ok(())
    }

    /// Starts TOTP setup for a signed-in user; returns the secret (base32).
    pub async fn associate_software_token(
        &self,
        access_token: &AccessToken,
    ) -> Result<String, UserError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            secret_code: Option<String>,
        }
        let r: Resp = self
            .call(
                "AssociateSoftwareToken",
                &AccessTokenOnly {
                    access_token: access_token.expose(),
                },
            )
            .await?;
        r.secret_code
            .ok_or_else(|| UserError::invalid("AssociateSoftwareToken", "no SecretCode"))
    }

    /// Completes TOTP setup with a code from the authenticator (`123 456` as apps show it is
    /// fine; a code that is not 6 digits is refused before it is sent).
    pub async fn verify_software_token(
        &self,
        access_token: &AccessToken,
        code: &str,
        friendly_name: Option<&str>,
    ) -> Result<(), UserError> {
        let code =
            super::signin::one_time_code(code, true).map_err(|m| UserError::WrongAnswer {
                challenge: "SOFTWARE_TOKEN_MFA".into(),
                message: m.to_owned(),
            })?;
        let code = code.as_str();
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            user_code: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            friendly_device_name: Option<&'a str>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Resp {
            status: Option<String>,
        }
        let r: Resp = self
            .call(
                "VerifySoftwareToken",
                &Req {
                    access_token: access_token.expose(),
                    user_code: code,
                    friendly_device_name: friendly_name,
                },
            )
            .await?;
        match r.status.as_deref() {
            Some("SUCCESS") => Ok(()),
            _ => Err(UserError::invalid(
                "VerifySoftwareToken",
                "status is not SUCCESS",
            )),
        }
    }

    /// Sets the user's MFA preferences (`None` leaves a method unchanged).
    pub async fn set_user_mfa_preference(
        &self,
        access_token: &AccessToken,
        totp: Option<MfaPreference>,
        sms: Option<MfaPreference>,
        email: Option<MfaPreference>,
    ) -> Result<(), UserError> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Pref {
            enabled: bool,
            preferred_mfa: bool,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req<'a> {
            access_token: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            software_token_mfa_settings: Option<Pref>,
            #[serde(rename = "SMSMfaSettings", skip_serializing_if = "Option::is_none")]
            sms_mfa_settings: Option<Pref>,
            #[serde(skip_serializing_if = "Option::is_none")]
            email_mfa_settings: Option<Pref>,
        }
        let pref = |p: MfaPreference| Pref {
            enabled: p.enabled,
            preferred_mfa: p.preferred,
        };
        let _: Ignored = self
            .call(
                "SetUserMFAPreference",
                &Req {
                    access_token: access_token.expose(),
                    software_token_mfa_settings: totp.map(pref),
                    sms_mfa_settings: sms.map(pref),
                    email_mfa_settings: email.map(pref),
                },
            )
            .await?;
        Ok(())
    }
}
