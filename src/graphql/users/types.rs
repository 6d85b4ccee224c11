//! The `User` object. Built from the entity model; the password hash and lockout
//! counters never reach the schema.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::auth_users;

use crate::{
    auth::permission::{Permission, UserType},
    graphql::{
        access::{Access, SelfOr},
        accounts::types::Session,
        context::ContextExt,
        loaders::loader_error,
        roles::Role,
    },
};

/// Who may see another user's contact fields (SPEC §5): `ADMIN` or `users:read`.
pub const PRIVATE_USER_FIELDS: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::UsersRead],
};

/// A user account.
pub struct User(pub Arc<auth_users::Model>);

impl From<auth_users::Model> for User {
    fn from(model: auth_users::Model) -> Self {
        Self(Arc::new(model))
    }
}

impl From<Arc<auth_users::Model>> for User {
    fn from(model: Arc<auth_users::Model>) -> Self {
        Self(model)
    }
}

impl User {
    /// The account `id` through the request's users loader: `None` for no id, or when
    /// there is no such account.
    pub async fn load(ctx: &Context<'_>, id: Option<i32>) -> async_graphql::Result<Option<Self>> {
        let Some(id) = id else {
            return Ok(None);
        };
        let user = ctx
            .loaders()?
            .users()
            .load_one(id)
            .await
            .map_err(loader_error)?;
        Ok(user.map(Self::from))
    }
}

/// A user account. Contact fields are visible to the user, `ADMIN` and `users:read`.
#[Object]
impl User {
    /// The account id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Unique username.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Email address (lowercased). Private: self, `ADMIN` or `users:read`.
    #[graphql(guard = "SelfOr::new(self.0.id, PRIVATE_USER_FIELDS)")]
    async fn email(&self) -> Option<&str> {
        Some(&self.0.email)
    }

    /// Phone number (normalised). Private: self, `ADMIN` or `users:read`.
    #[graphql(guard = "SelfOr::new(self.0.id, PRIVATE_USER_FIELDS)")]
    async fn phone_number(&self) -> Option<&str> {
        Some(&self.0.phone_number)
    }

    /// Postal address. Private: self, `ADMIN` or `users:read`.
    #[graphql(guard = "SelfOr::new(self.0.id, PRIVATE_USER_FIELDS)")]
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// Account class.
    async fn user_type(&self) -> UserType {
        self.0.user_type.into()
    }

    /// Given name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    /// Family name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// Organisation (hospital, manufacturer, agency).
    async fn organization_name(&self) -> Option<&str> {
        self.0.organization_name.as_deref()
    }

    /// Job title.
    async fn designation(&self) -> Option<&str> {
        self.0.designation.as_deref()
    }

    /// Whether the phone number was confirmed with an OTP.
    async fn is_phone_verified(&self) -> bool {
        self.0.is_phone_verified
    }

    /// Whether the email address was confirmed with an OTP.
    async fn is_email_verified(&self) -> bool {
        self.0.is_email_verified
    }

    /// Whether the account may sign in.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }

    /// Last successful sign-in.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the account was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Roles the user holds, by name. Private: self, `ADMIN` or `users:read`.
    #[graphql(guard = "SelfOr::new(self.0.id, PRIVATE_USER_FIELDS)")]
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Role>>> {
        let roles = ctx
            .loaders()?
            .roles_by_user()
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        Ok(Some(roles.into_iter().map(Role::from).collect()))
    }

    /// Live sessions (devices signed in). Private: self, `ADMIN` or `users:read`.
    #[graphql(guard = "SelfOr::new(self.0.id, PRIVATE_USER_FIELDS)")]
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Session>>> {
        let current = ctx
            .request_context()
            .auth
            .viewer_opt()
            .map(|v| v.session_id);
        let sessions = ctx
            .loaders()?
            .sessions_by_user()
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        Ok(Some(
            sessions
                .into_iter()
                .map(|model| Session {
                    current: Some(model.id) == current,
                    model,
                })
                .collect(),
        ))
    }
}
