//! Role queries.

use async_graphql::{Context, ID, Object};

use super::types::{Role, UserRole};
use crate::{
    auth::permission::{Permission, UserType},
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
        loaders::loader_error,
        users::types::PRIVATE_USER_FIELDS,
    },
    services,
};

/// Who may read roles: `ADMIN`, `COORDINATOR`, or `roles:manage`.
pub const READ_ROLES: Access = Access::Allow {
    user_types: &[UserType::Admin, UserType::Coordinator],
    permissions: &[Permission::RolesManage],
};

/// Role queries.
#[derive(Default)]
pub struct RoleQuery;

impl RootAccess for RoleQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "roles" | "role" => READ_ROLES,
            // Self, or ADMIN / users:read for someone else: decided in the resolver
            // (the rule depends on the argument) through `Access::check_self_or`.
            "userRoles" => Access::Authenticated,
            _ => return None,
        })
    }
}

/// Role queries.
#[Object]
impl RoleQuery {
    /// Every role, by name.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Role>> {
        let roles = services::roles::list(ctx.state()?.db()).await?;
        Ok(roles.into_iter().map(Role::from).collect())
    }

    /// One role, or `null` when there is none with this id.
    async fn role(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Role>> {
        let id = parse_id("id", &id)?;
        let role = ctx
            .loaders()?
            .roles()
            .load_one(id)
            .await
            .map_err(loader_error)?;
        Ok(role.map(Role::from))
    }

    /// The roles a user holds, oldest assignment first. A user may list their own;
    /// `ADMIN` and `users:read` may list anyone's.
    async fn user_roles(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
    ) -> async_graphql::Result<Vec<UserRole>> {
        let user_id = parse_id("userId", &user_id)?;
        PRIVATE_USER_FIELDS.check_self_or(&ctx.request_context().auth, user_id)?;
        ctx.loaders()?
            .users()
            .load_one(user_id)
            .await
            .map_err(loader_error)?
            .ok_or_else(|| AppError::not_found("User"))?;
        let assignments = services::roles::assignments_of_user(ctx.state()?.db(), user_id).await?;
        Ok(assignments.into_iter().map(UserRole::from).collect())
    }
}
