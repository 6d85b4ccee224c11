//! Administration objects and inputs: user filters, the admin's new-account input, and
//! audit-log entries.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use entity::auth_audit_logs;

use crate::{
    auth::permission::UserType,
    error::AppResult,
    graphql::{
        ids::{parse_id, to_id},
        users::User,
    },
    services::{
        audit::AuditLogFilter as AuditLogCriteria,
        user_admin::{CreateUserInput as NewAccount, UserFilter as UserCriteria},
        users::{NewUserInput, ProfileInput},
    },
};

/// Which users to list. Every given criterion must hold.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Free text; every word must occur, case-insensitively, in the username, email,
    /// first or last name.
    pub search: Option<String>,
    /// Users of any of these types (an empty list does not filter).
    pub user_type: Option<Vec<UserType>>,
    /// Active (`true`) or deactivated (`false`) accounts.
    pub is_active: Option<bool>,
    /// Accounts whose phone is verified (`true`) or not (`false`).
    pub is_phone_verified: Option<bool>,
    /// Created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

impl From<UserFilter> for UserCriteria {
    fn from(filter: UserFilter) -> Self {
        Self {
            search: filter.search,
            user_types: filter.user_type,
            is_active: filter.is_active,
            is_phone_verified: filter.is_phone_verified,
            created_from: filter.created_from,
            created_to: filter.created_to,
        }
    }
}

/// A new account created by an administrator: any user type, validated like
/// registration; the phone starts unverified and no code is sent.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Letters, digits and `@ . + - _`, at most 150 characters, unique.
    pub username: String,
    /// Email address, unique.
    pub email: String,
    /// 10 to 15 digits, optionally starting with `+`, unique.
    pub phone_number: String,
    /// At least 8 characters with upper, lower, digit and special characters.
    pub password: String,
    /// Account class; `ADMIN` accounts can be created by an `ADMIN` only.
    pub user_type: UserType,
    /// Given name (at most 150 characters).
    pub first_name: Option<String>,
    /// Family name (at most 150 characters).
    pub last_name: Option<String>,
    /// Organisation (at most 200 characters); required for hospitals and manufacturers.
    pub organization_name: Option<String>,
    /// Job title (at most 100 characters).
    pub designation: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

impl From<CreateUserInput> for NewAccount {
    fn from(input: CreateUserInput) -> Self {
        Self {
            account: NewUserInput {
                username: input.username,
                email: input.email,
                phone_number: input.phone_number,
                password: input.password,
                user_type: input.user_type,
            },
            profile: ProfileInput {
                first_name: input.first_name,
                last_name: input.last_name,
                organization_name: input.organization_name,
                designation: input.designation,
                address: input.address,
            },
        }
    }
}

/// Kind of audited action.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AuditAction")]
pub enum AuditAction {
    /// A sign-in attempt (successful or not).
    Login,
    /// A session ended.
    Logout,
    /// Something was created.
    Create,
    /// Something was changed.
    Update,
    /// Something was deleted.
    Delete,
    /// Someone other than its owner looked at a record.
    View,
}

/// Which audit entries to list. Every given criterion must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Entries of this acting user.
    pub user_id: Option<ID>,
    /// Entries with any of these actions (an empty list does not filter).
    pub action: Option<Vec<AuditAction>>,
    /// Entries about this kind of object (`user`, `role`, `user_role`, `session`, …).
    pub resource_type: Option<String>,
    /// Entries about the object with this id (with `resourceType`).
    pub resource_id: Option<String>,
    /// Written at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Written at or before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

impl AuditLogFilter {
    /// The service's criteria; a malformed `userId` is `BAD_USER_INPUT`.
    pub fn into_criteria(self) -> AppResult<AuditLogCriteria> {
        Ok(AuditLogCriteria {
            user_id: self
                .user_id
                .as_ref()
                .map(|id| parse_id("userId", id))
                .transpose()?,
            actions: self.action.map(|a| a.into_iter().map(Into::into).collect()),
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            created_from: self.created_from,
            created_to: self.created_to,
        })
    }
}

/// One audit-log entry: who did what to which object, from where.
pub struct AuditLog(pub auth_audit_logs::Model);

impl From<auth_audit_logs::Model> for AuditLog {
    fn from(model: auth_audit_logs::Model) -> Self {
        Self(model)
    }
}

/// One audit-log entry: who did what to which object, from where.
#[Object]
impl AuditLog {
    /// The entry id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The acting user (`null` for anonymous or system actions, or once the account is
    /// deleted).
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        User::load(ctx, self.0.user_id).await
    }

    /// What happened.
    async fn action(&self) -> AuditAction {
        self.0.action.into()
    }

    /// The kind of object acted on (`user`, `role`, `user_role`, `session`, …).
    async fn resource_type(&self) -> &str {
        &self.0.resource_type
    }

    /// The id of the object acted on.
    async fn resource_id(&self) -> Option<&str> {
        self.0.resource_id.as_deref()
    }

    /// What happened or changed, as a JSON object (never secrets).
    async fn details(&self) -> Json<serde_json::Value> {
        Json(self.0.details.clone())
    }

    /// Client IP address (`null` for system and command-line actions).
    async fn ip_address(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }

    /// Client user agent.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
