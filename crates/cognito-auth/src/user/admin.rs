//! Admin user and group management with the official `aws-sdk-cognitoidentityprovider`
//! (IAM-signed calls), behind the `admin` feature. Bring your own SDK client (its region,
//! credentials and endpoint are yours to configure); every list call follows every page.
//!
//! ```no_run
//! use cognito_auth::user::admin::AdminClient;
//!
//! # async fn run(sdk: aws_sdk_cognitoidentityprovider::Client) -> Result<(), cognito_auth::user::UserError> {
//! let admin = AdminClient::new(sdk, "eu-west-1_AbCdEf123");
//! admin.create_group("auditors", Some("read-only"), None).await?;
//! admin.add_user_to_group("alice", "auditors").await?;
//! for user in admin.list_users(None).await? {
//!     println!("{} {:?}", user.username, user.status);
//! }
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType,
};
use serde_json::{Map, Value};

use super::{
    AuthResponse, AuthResult, CognitoErrorKind, DeviceMetaWire, SignInStep, UserError,
    UserPoolClient,
};
use crate::secret::Password;

/// A user as the admin API reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// The user name.
    pub username: String,
    /// Whether the user is enabled.
    pub enabled: bool,
    /// `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, `UNCONFIRMED`, …
    pub status: Option<String>,
    /// Attributes by name.
    pub attributes: BTreeMap<String, String>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Precedence.
    pub precedence: Option<i32>,
}

fn admin_err<E>(operation: &'static str, e: E) -> UserError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    UserError::Admin {
        operation,
        kind: e.code().map(CognitoErrorKind::from_type),
        message: DisplayErrorContext(&e).to_string(),
    }
}

fn attrs(list: &[AttributeType]) -> BTreeMap<String, String> {
    list.iter()
        .map(|a| {
            (
                a.name().to_owned(),
                a.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn group(g: &aws_sdk_cognitoidentityprovider::types::GroupType) -> Group {
    Group {
        name: g.group_name().unwrap_or_default().to_owned(),
        description: g.description().map(str::to_owned),
        precedence: g.precedence(),
    }
}

fn user(u: &aws_sdk_cognitoidentityprovider::types::UserType) -> AdminUser {
    AdminUser {
        username: u.username().unwrap_or_default().to_owned(),
        enabled: u.enabled(),
        status: u.user_status().map(|s| s.as_str().to_owned()),
        attributes: attrs(u.attributes()),
    }
}

/// Follows every page of an SDK paginator, mapping each item.
macro_rules! all_items {
    ($paginator:expr, $op:literal, $map:expr) => {{
        let mut stream = $paginator.items().send();
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            out.push($map(&item.map_err(|e| admin_err($op, e))?));
        }
        out
    }};
}

/// Admin operations on one user pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AdminClient {
    sdk: Client,
    pool_id: String,
}

impl AdminClient {
    /// Wraps an SDK client for `pool_id`.
    pub fn new(sdk: Client, pool_id: impl Into<String>) -> Self {
        AdminClient {
            sdk,
            pool_id: pool_id.into(),
        }
    }

    /// The SDK client.
    pub fn sdk(&self) -> &Client {
        &self.sdk
    }

    /// Creates a user; with a temporary password they must set a new one at first sign-in.
    pub async fn create_user(
        &self,
        username: &str,
        temporary_password: Option<&Password>,
        attributes: &BTreeMap<String, String>,
        suppress_message: bool,
    ) -> Result<AdminUser, UserError> {
        let mut req = self
            .sdk
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(username);
        if let Some(p) = temporary_password {
            req = req.temporary_password(p.expose());
        }
        for (k, v) in attributes {
            let a = AttributeType::builder()
                .name(k)
                .value(v)
                .build()
                .map_err(|e| UserError::Config(e.to_string()))?;
            req = req.user_attributes(a);
        }
        if suppress_message {
            req = req.message_action(
                aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress,
            );
        }
        let out = req
            .send()
            .await
            .map_err(|e| admin_err("AdminCreateUser", e))?;
        out.user()
            .map(user)
            .ok_or_else(|| UserError::invalid("AdminCreateUser", "no user in the response"))
    }

    /// One user.
    pub async fn get_user(&self, username: &str) -> Result<AdminUser, UserError> {
        let out = self
            .sdk
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| admin_err("AdminGetUser", e))?;
        Ok(AdminUser {
            username: out.username().to_owned(),
            enabled: out.enabled(),
            status: out.user_status().map(|s| s.as_str().to_owned()),
            attributes: attrs(out.user_attributes()),
        })
    }

    /// Every user (optionally filtered, e.g. `email = "a@b.c"`), across all pages.
    pub async fn list_users(&self, filter: Option<&str>) -> Result<Vec<AdminUser>, UserError> {
        let mut req = self.sdk.list_users().user_pool_id(&self.pool_id).limit(60);
        if let Some(f) = filter {
            req = req.filter(f);
        }
        Ok(all_items!(req.into_paginator(), "ListUsers", user))
    }

    /// Enables a user.
    pub async fn enable_user(&self, username: &str) -> Result<(), UserError> {
        self.sdk
            .admin_enable_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| admin_err("AdminEnableUser", e))?;
        Ok(())
    }

    /// Disables a user (their tokens stop refreshing; sign-in is refused).
    pub async fn disable_user(&self, username: &str) -> Result<(), UserError> {
        self.sdk
            .admin_disable_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| admin_err("AdminDisableUser", e))?;
        Ok(())
    }

    /// Deletes a user.
    pub async fn delete_user(&self, username: &str) -> Result<(), UserError> {
        self.sdk
            .admin_delete_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| admin_err("AdminDeleteUser", e))?;
        Ok(())
    }

    /// Sets a password, permanent or temporary.
    pub async fn set_password(
        &self,
        username: &str,
        password: &Password,
        permanent: bool,
    ) -> Result<(), UserError> {
        self.sdk
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(username)
            .password(password.expose())
            .permanent(permanent)
            .send()
            .await
            .map_err(|e| admin_err("AdminSetUserPassword", e))?;
        Ok(())
    }

    /// Forces a password reset.
    pub async fn reset_password(&self, username: &str) -> Result<(), UserError> {
        self.sdk
            .admin_reset_user_password()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| admin_err("AdminResetUserPassword", e))?;
        Ok(())
    }

    /// Confirms a sign-up without a code.
    pub async fn confirm_sign_up(&self, username: &str) -> Result<(), UserError> {
        self.sdk
            .admin_confirm_sign_up()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| admin_err("AdminConfirmSignUp", e))?;
        Ok(())
    }

    /// Creates a group.
    pub async fn create_group(
        &self,
        name: &str,
        description: Option<&str>,
        precedence: Option<i32>,
    ) -> Result<Group, UserError> {
        let out = self
            .sdk
            .create_group()
            .user_pool_id(&self.pool_id)
            .group_name(name)
            .set_description(description.map(str::to_owned))
            .set_precedence(precedence)
            .send()
            .await
            .map_err(|e| admin_err("CreateGroup", e))?;
        Ok(out.group().map(group).unwrap_or(Group {
            name: name.to_owned(),
            description: description.map(str::to_owned),
            precedence,
        }))
    }

    /// Every group, across all pages.
    pub async fn list_groups(&self) -> Result<Vec<Group>, UserError> {
        Ok(all_items!(
            self.sdk
                .list_groups()
                .user_pool_id(&self.pool_id)
                .limit(60)
                .into_paginator(),
            "ListGroups",
            group
        ))
    }

    /// Adds a user to a group.
    pub async fn add_user_to_group(
        &self,
        username: &str,
        group_name: &str,
    ) -> Result<(), UserError> {
        self.sdk
            .admin_add_user_to_group()
            .user_pool_id(&self.pool_id)
            .username(username)
            .group_name(group_name)
            .send()
            .await
            .map_err(|e| admin_err("AdminAddUserToGroup", e))?;
        Ok(())
    }

    /// Removes a user from a group.
    pub async fn remove_user_from_group(
        &self,
        username: &str,
        group_name: &str,
    ) -> Result<(), UserError> {
        self.sdk
            .admin_remove_user_from_group()
            .user_pool_id(&self.pool_id)
            .username(username)
            .group_name(group_name)
            .send()
            .await
            .map_err(|e| admin_err("AdminRemoveUserFromGroup", e))?;
        Ok(())
    }

    /// A user's groups, across all pages.
    pub async fn list_groups_for_user(&self, username: &str) -> Result<Vec<Group>, UserError> {
        Ok(all_items!(
            self.sdk
                .admin_list_groups_for_user()
                .user_pool_id(&self.pool_id)
                .username(username)
                .limit(60)
                .into_paginator(),
            "AdminListGroupsForUser",
            group
        ))
    }

    /// The users in a group, across all pages.
    pub async fn list_users_in_group(&self, group_name: &str) -> Result<Vec<AdminUser>, UserError> {
        Ok(all_items!(
            self.sdk
                .list_users_in_group()
                .user_pool_id(&self.pool_id)
                .group_name(group_name)
                .limit(60)
                .into_paginator(),
            "ListUsersInGroup",
            user
        ))
    }

    /// Signs a user in with `ADMIN_USER_PASSWORD_AUTH` (server side, IAM-signed), for
    /// `client`'s app client. Challenges come back as with [`UserPoolClient::sign_in_srp`].
    pub async fn sign_in(
        &self,
        client: &UserPoolClient,
        username: &str,
        password: &Password,
    ) -> Result<SignInStep, UserError> {
        let mut params: HashMap<String, String> = HashMap::new();
        params.insert("USERNAME".into(), username.into());
        params.insert("PASSWORD".into(), password.expose().into());
        if let Some(h) = client.secret_hash(username) {
            params.insert("SECRET_HASH".into(), h);
        }
        let out = self
            .sdk
            .admin_initiate_auth()
            .user_pool_id(&self.pool_id)
            .client_id(client.client_id())
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .set_auth_parameters(Some(params))
            .send()
            .await
            .map_err(|e| admin_err("AdminInitiateAuth", e))?;
        let resp = AuthResponse {
            challenge_name: out.challenge_name().map(|c| c.as_str().to_owned()),
            session: out.session().map(str::to_owned),
            challenge_parameters: out
                .challenge_parameters()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect()
                })
                .unwrap_or_else(Map::new),
            authentication_result: out.authentication_result().map(result),
        };
        client.step(resp, username, None, "AdminInitiateAuth").await
    }
}

fn result(r: &AuthenticationResultType) -> AuthResult {
    AuthResult {
        access_token: r.access_token().map(str::to_owned),
        id_token: r.id_token().map(str::to_owned),
        refresh_token: r.refresh_token().map(str::to_owned),
        expires_in: u64::try_from(r.expires_in()).ok().filter(|e| *e > 0),
        token_type: r.token_type().map(str::to_owned),
        new_device_metadata: r.new_device_metadata().and_then(|d| {
            Some(DeviceMetaWire {
                device_key: d.device_key()?.to_owned(),
                device_group_key: d.device_group_key()?.to_owned(),
            })
        }),
    }
}
