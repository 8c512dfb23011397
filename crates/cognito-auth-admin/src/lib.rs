//! # cognito-auth-admin
//!
//! Admin user and group management for Amazon Cognito user pools with the official
//! `aws-sdk-cognitoidentityprovider` (IAM-signed calls), for `cognito-auth`. Bring your own
//! SDK client (its region, credentials and endpoint are yours to configure); every list call
//! follows every page. Errors share `cognito_auth::service::ServiceError` with the
//! user-pool and identity clients.
//!
//! ```no_run
//! use cognito_auth_admin::AdminClient;
//!
//! # async fn run(sdk: aws_sdk_cognitoidentityprovider::Client) -> Result<(), cognito_auth_admin::AdminError> {
//! let admin = AdminClient::new(sdk, "eu-west-1_AbCdEf123");
//! admin.create_group("auditors", Some("read-only"), None).await?;
//! admin.add_user_to_group("alice", "auditors").await?;
//! for user in admin.list_users(None).await? {
//!     println!("{} {:?}", user.username, user.status);
//! }
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType,
};
use cognito_auth::secret::Password;
use cognito_auth::service::{CognitoErrorKind, ServiceError};
use cognito_auth::user::{
    AuthOutcome, AuthTokens, NewDeviceMetadata, SignInStep, UserError, UserPoolClient,
};

/// Why an admin operation failed. Causes are kept as sources.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// Cognito answered with an error (the same type the user-pool client reports).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The SDK failed before an answer: credentials, network, timeout, construction.
    #[error("{operation} failed")]
    Sdk {
        /// The operation.
        operation: &'static str,
        /// The SDK's error.
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// An answer without what the operation promises.
    #[error("unexpected response to {operation}: {message}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What was missing.
        message: &'static str,
    },
    /// Continuing a sign-in with the user-pool client failed.
    #[error(transparent)]
    User(#[from] UserError),
}

impl AdminError {
    /// The Cognito error kind, if Cognito reported one.
    pub fn kind(&self) -> Option<&CognitoErrorKind> {
        match self {
            AdminError::Service(s) => Some(&s.kind),
            AdminError::User(u) => u.kind(),
            _ => None,
        }
    }
}

/// A user as the admin API reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct Group {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Precedence.
    pub precedence: Option<i32>,
}

fn admin_err<E>(operation: &'static str, e: SdkError<E, HttpResponse>) -> AdminError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let status = se.raw().status().as_u16();
            AdminError::Service(
                ServiceError::new(
                    operation,
                    CognitoErrorKind::from_type(err.code().unwrap_or("UnknownError")),
                    err.message().unwrap_or_default(),
                )
                .with_request_id(
                    err.meta()
                        .extra("aws_request_id")
                        .map(str::to_owned)
                        .or_else(|| {
                            se.raw()
                                .headers()
                                .get("x-amzn-requestid")
                                .map(str::to_owned)
                        }),
                )
                .with_status(Some(status)),
            )
        }
        _ => AdminError::Sdk {
            operation,
            source: Arc::new(e),
        },
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

/// Admin operations that take the user name alone and answer nothing.
macro_rules! user_operations {
    ($( $(#[$doc:meta])* $name:ident => $op:ident, $api:literal; )*) => {
        $(
            $(#[$doc])*
            pub async fn $name(&self, username: &str) -> Result<(), AdminError> {
                self.sdk
                    .$op()
                    .user_pool_id(&self.pool_id)
                    .username(username)
                    .send()
                    .await
                    .map_err(|e| admin_err($api, e))?;
                Ok(())
            }
        )*
    };
}

/// Operations on a user and a group that answer nothing.
macro_rules! membership_operations {
    ($( $(#[$doc:meta])* $name:ident => $op:ident, $api:literal; )*) => {
        $(
            $(#[$doc])*
            pub async fn $name(&self, username: &str, group_name: &str) -> Result<(), AdminError> {
                self.sdk
                    .$op()
                    .user_pool_id(&self.pool_id)
                    .username(username)
                    .group_name(group_name)
                    .send()
                    .await
                    .map_err(|e| admin_err($api, e))?;
                Ok(())
            }
        )*
    };
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
    ) -> Result<AdminUser, AdminError> {
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
                .map_err(|e| AdminError::Sdk {
                    operation: "AdminCreateUser",
                    source: Arc::new(e),
                })?;
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
        out.user().map(user).ok_or(AdminError::InvalidResponse {
            operation: "AdminCreateUser",
            message: "no user in the response",
        })
    }

    /// One user.
    pub async fn get_user(&self, username: &str) -> Result<AdminUser, AdminError> {
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
    pub async fn list_users(&self, filter: Option<&str>) -> Result<Vec<AdminUser>, AdminError> {
        let mut req = self.sdk.list_users().user_pool_id(&self.pool_id).limit(60);
        if let Some(f) = filter {
            req = req.filter(f);
        }
        Ok(all_items!(req.into_paginator(), "ListUsers", user))
    }

    user_operations! {
        /// Enables a user.
        enable_user => admin_enable_user, "AdminEnableUser";
        /// Disables a user (their tokens stop refreshing; sign-in is refused).
        disable_user => admin_disable_user, "AdminDisableUser";
        /// Deletes a user.
        delete_user => admin_delete_user, "AdminDeleteUser";
        /// Forces a password reset.
        reset_password => admin_reset_user_password, "AdminResetUserPassword";
        /// Confirms a sign-up without a code.
        confirm_sign_up => admin_confirm_sign_up, "AdminConfirmSignUp";
        /// Signs a user out everywhere: every refresh token of theirs stops working.
        global_sign_out => admin_user_global_sign_out, "AdminUserGlobalSignOut";
    }

    /// Sets a password, permanent or temporary.
    pub async fn set_password(
        &self,
        username: &str,
        password: &Password,
        permanent: bool,
    ) -> Result<(), AdminError> {
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

    /// Creates a group.
    pub async fn create_group(
        &self,
        name: &str,
        description: Option<&str>,
        precedence: Option<i32>,
    ) -> Result<Group, AdminError> {
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
    pub async fn list_groups(&self) -> Result<Vec<Group>, AdminError> {
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

    membership_operations! {
        /// Adds a user to a group.
        add_user_to_group => admin_add_user_to_group, "AdminAddUserToGroup";
        /// Removes a user from a group.
        remove_user_from_group => admin_remove_user_from_group, "AdminRemoveUserFromGroup";
    }

    /// A user's groups, across all pages.
    pub async fn list_groups_for_user(&self, username: &str) -> Result<Vec<Group>, AdminError> {
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
    pub async fn list_users_in_group(
        &self,
        group_name: &str,
    ) -> Result<Vec<AdminUser>, AdminError> {
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
    /// `client`'s app client. Challenges come back as with `UserPoolClient::sign_in_srp`
    /// and are answered with `client`.
    pub async fn sign_in(
        &self,
        client: &UserPoolClient,
        username: &str,
        password: &Password,
    ) -> Result<SignInStep, AdminError> {
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
            .set_client_metadata(
                client
                    .client_metadata()
                    .map(|m| m.clone().into_iter().collect()),
            )
            .send()
            .await
            .map_err(|e| admin_err("AdminInitiateAuth", e))?;
        let outcome = match (out.authentication_result(), out.challenge_name()) {
            (Some(r), _) => AuthOutcome::signed_in(tokens(r)),
            (None, Some(name)) => AuthOutcome::challenge(
                name.as_str(),
                out.session().map(str::to_owned),
                out.challenge_parameters()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            ),
            (None, None) => {
                return Err(AdminError::InvalidResponse {
                    operation: "AdminInitiateAuth",
                    message: "neither tokens nor a challenge",
                });
            }
        };
        Ok(client
            .continue_sign_in(outcome, username, "AdminInitiateAuth")
            .await?)
    }

    /// Updates a user's attributes (an administrator may change any writable attribute).
    pub async fn update_user_attributes(
        &self,
        username: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<(), AdminError> {
        let mut req = self
            .sdk
            .admin_update_user_attributes()
            .user_pool_id(&self.pool_id)
            .username(username);
        for (k, v) in attributes {
            let a = AttributeType::builder()
                .name(k)
                .value(v)
                .build()
                .map_err(|e| AdminError::Sdk {
                    operation: "AdminUpdateUserAttributes",
                    source: Arc::new(e),
                })?;
            req = req.user_attributes(a);
        }
        req.send()
            .await
            .map_err(|e| admin_err("AdminUpdateUserAttributes", e))?;
        Ok(())
    }

    /// One group.
    pub async fn get_group(&self, name: &str) -> Result<Group, AdminError> {
        let out = self
            .sdk
            .get_group()
            .user_pool_id(&self.pool_id)
            .group_name(name)
            .send()
            .await
            .map_err(|e| admin_err("GetGroup", e))?;
        out.group().map(group).ok_or(AdminError::InvalidResponse {
            operation: "GetGroup",
            message: "no group in the response",
        })
    }

    /// Deletes a group (its members stay, without it).
    pub async fn delete_group(&self, name: &str) -> Result<(), AdminError> {
        self.sdk
            .delete_group()
            .user_pool_id(&self.pool_id)
            .group_name(name)
            .send()
            .await
            .map_err(|e| admin_err("DeleteGroup", e))?;
        Ok(())
    }
}

fn tokens(r: &AuthenticationResultType) -> AuthTokens {
    AuthTokens::new(
        r.access_token().map(str::to_owned),
        r.id_token().map(str::to_owned),
        r.refresh_token().map(str::to_owned),
        u64::try_from(r.expires_in()).ok().filter(|e| *e > 0),
        r.token_type().map(str::to_owned),
    )
    .new_device(r.new_device_metadata().and_then(|d| {
        Some(NewDeviceMetadata::new(
            d.device_key()?,
            d.device_group_key()?,
        ))
    }))
}
