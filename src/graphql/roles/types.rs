//! Role objects and inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::{auth_roles, auth_user_roles};

use crate::{
    error::AppError,
    graphql::{context::ContextExt, ids::to_id, loaders::loader_error, users::User},
    services,
};

/// A named set of permissions, granted to users through role assignments.
pub struct Role(pub auth_roles::Model);

impl From<auth_roles::Model> for Role {
    fn from(model: auth_roles::Model) -> Self {
        Self(model)
    }
}

/// A named set of permissions, granted to users through role assignments.
#[Object]
impl Role {
    /// The role id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique name (letters, digits, underscores and spaces).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the role is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Permissions granted by the role, as catalogue strings (`events:review`).
    async fn permissions(&self) -> Vec<String> {
        services::roles::permission_strings(&self.0)
    }

    /// When the role was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the role was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One role held by one user.
pub struct UserRole(pub auth_user_roles::Model);

impl From<auth_user_roles::Model> for UserRole {
    fn from(model: auth_user_roles::Model) -> Self {
        Self(model)
    }
}

/// One role held by one user.
#[Object]
impl UserRole {
    /// The assignment id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The user holding the role.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let user = ctx
            .loaders()?
            .users()
            .load_one(self.0.user_id)
            .await
            .map_err(loader_error)?
            .ok_or_else(|| AppError::not_found("User"))?;
        Ok(user.into())
    }

    /// The role held.
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<Role> {
        let role = ctx
            .loaders()?
            .roles()
            .load_one(self.0.role_id)
            .await
            .map_err(loader_error)?
            .ok_or_else(|| AppError::not_found("Role"))?;
        Ok(role.into())
    }

    /// Who granted the role (`null` once that account is deleted).
    async fn assigned_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        User::load(ctx, self.0.assigned_by).await
    }

    /// When the role was granted.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
}

/// A new role.
#[derive(InputObject)]
pub struct CreateRoleInput {
    /// Unique name: letters, digits, underscores and spaces, at most 100 characters.
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// Permission strings from the catalogue (see `myPermissions` of an admin for the
    /// full list); unknown strings are rejected.
    #[graphql(default)]
    pub permissions: Vec<String>,
}

impl From<CreateRoleInput> for services::roles::NewRole {
    fn from(input: CreateRoleInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            permissions: input.permissions,
        }
    }
}

/// Changes to a role; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateRoleInput {
    /// New name.
    pub name: Option<String>,
    /// New description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// New permission list (replaces the current one).
    pub permissions: Option<Vec<String>>,
}

impl From<UpdateRoleInput> for services::roles::RoleChanges {
    fn from(input: UpdateRoleInput) -> Self {
        Self {
            name: input.name,
            description: match input.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(d)),
            },
            permissions: input.permissions,
        }
    }
}

/// A user and a role to grant them.
#[derive(InputObject)]
pub struct AssignRoleInput {
    /// The user receiving the role.
    pub user_id: ID,
    /// The role to grant.
    pub role_id: ID,
}

/// A user and a role to take from them.
#[derive(InputObject)]
pub struct RevokeRoleInput {
    /// The user holding the role.
    pub user_id: ID,
    /// The role to take away.
    pub role_id: ID,
}
