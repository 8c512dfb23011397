//! The user-pool API's request and response bodies as typed serde structs (PascalCase on
//! the wire). Requests borrow: a password or token is never copied into an intermediate
//! map, and the serialised body is zeroised after sending.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// `AuthParameters` / `ChallengeResponses`: Cognito's string-to-string maps, whose keys
/// include dynamic ones (`userAttributes.<name>`).
pub(crate) type Params<'a> = BTreeMap<Cow<'a, str>, Cow<'a, str>>;

/// `ClientMetadata`, passed to Lambda triggers.
pub(crate) type Metadata = BTreeMap<String, String>;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InitiateAuth<'a> {
    pub auth_flow: &'a str,
    pub client_id: &'a str,
    pub auth_parameters: Params<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<&'a Metadata>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RespondToAuthChallenge<'a> {
    pub client_id: &'a str,
    pub challenge_name: &'a str,
    pub challenge_responses: Params<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<&'a Metadata>,
}

/// The answer of `InitiateAuth`, `RespondToAuthChallenge` and `GetTokensFromRefreshToken`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthResponse {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    #[serde(default, deserialize_with = "string_map")]
    pub challenge_parameters: BTreeMap<String, String>,
    /// `USER_AUTH`'s list of factors the user may choose (`SELECT_CHALLENGE`).
    #[serde(default)]
    pub available_challenges: Vec<String>,
    pub authentication_result: Option<AuthResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthResult {
    pub access_token: Option<String>,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: Option<u64>,
    pub token_type: Option<String>,
    pub new_device_metadata: Option<DeviceMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeviceMeta {
    pub device_key: String,
    pub device_group_key: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeDeliveryDetails {
    pub destination: Option<String>,
    pub delivery_medium: Option<String>,
    pub attribute_name: Option<String>,
}

impl From<CodeDeliveryDetails> for super::CodeDelivery {
    fn from(w: CodeDeliveryDetails) -> Self {
        super::CodeDelivery {
            destination: w.destination,
            medium: w.delivery_medium,
            attribute: w.attribute_name,
        }
    }
}

/// `{"Name": …, "Value": …}`, as attributes are sent.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Attribute<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// An attribute as it comes back (the value may be absent).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct WireAttribute {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

pub(crate) fn attributes_to_wire(attrs: &BTreeMap<String, String>) -> Vec<Attribute<'_>> {
    attrs
        .iter()
        .map(|(k, v)| Attribute { name: k, value: v })
        .collect()
}

pub(crate) fn attributes_from_wire(list: Vec<WireAttribute>) -> BTreeMap<String, String> {
    list.into_iter()
        .map(|a| (a.name, a.value.unwrap_or_default()))
        .collect()
}

/// Requests that carry only an access token (`GetUser`, `GlobalSignOut`, `DeleteUser`, …).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AccessTokenOnly<'a> {
    pub access_token: &'a str,
}

/// An answer whose content is not needed.
#[derive(Deserialize)]
pub(crate) struct Ignored {}

/// Challenge parameters are strings on the wire; emulators sometimes send other JSON
/// values, kept as their JSON text.
fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect())
}

/// Builds a `Params` map from static keys.
macro_rules! params {
    ($($k:literal => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut p = $crate::user::wire::Params::new();
        $( p.insert(::std::borrow::Cow::Borrowed($k), ::std::borrow::Cow::from($v)); )*
        p
    }};
}
pub(crate) use params;
