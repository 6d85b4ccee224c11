//! Role mutations: role CRUD (`ADMIN`, `roles:manage`) and assignment (`ADMIN`,
//! `roles:assign`). Each writes its audit row in the same transaction.

use async_graphql::{Context, ID, Object};

use super::types::{
    AssignRoleInput, CreateRoleInput, RevokeRoleInput, Role, UpdateRoleInput, UserRole,
};
use crate::{
    auth::permission::{Permission, UserType},
    error::{AppError, FieldErrors},
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::{collect_id, parse_id, to_id},
    },
    services,
};

/// Who may create, change and delete roles: `ADMIN` or `roles:manage`.
pub const MANAGE_ROLES: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::RolesManage],
};

/// Who may grant and revoke roles: `ADMIN` or `roles:assign`.
pub const ASSIGN_ROLES: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::RolesAssign],
};

/// Role mutations.
#[derive(Default)]
pub struct RoleMutation;

impl RootAccess for RoleMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "createRole" | "updateRole" | "deleteRole" => MANAGE_ROLES,
            "assignRole" | "revokeRole" => ASSIGN_ROLES,
            _ => return None,
        })
    }

    /// Roles, assignments and accounts are what authentication resolves to.
    fn changes_sessions(_field: &str) -> bool {
        true
    }
}

/// Parses the two ids of an assignment input, reporting both when both are malformed.
fn assignment_ids(user_id: &ID, role_id: &ID) -> Result<(i32, i32), AppError> {
    let mut errors = FieldErrors::new();
    let user = collect_id(&mut errors, "userId", user_id);
    let role = collect_id(&mut errors, "roleId", role_id);
    match (user, role) {
        (Some(user), Some(role)) => Ok((user, role)),
        _ => Err(AppError::invalid_input(errors)),
    }
}

/// Role mutations.
#[Object]
impl RoleMutation {
    /// Creates a role. The name must be unique (`CONFLICT` otherwise); unknown
    /// permission strings are rejected (`fieldErrors` keyed `permissions.<index>`).
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        input: CreateRoleInput,
    ) -> async_graphql::Result<Role> {
        let viewer = ctx.viewer()?;
        let role = services::roles::create(
            ctx.state()?.db(),
            viewer.user_id,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(role.into())
    }

    /// Changes a role; absent fields stay as they are. Holders of the role gain or lose
    /// permissions with their next request.
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateRoleInput,
    ) -> async_graphql::Result<Role> {
        let id = parse_id("id", &id)?;
        let viewer = ctx.viewer()?;
        let role = services::roles::update(
            ctx.state()?.db(),
            viewer.user_id,
            id,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(role.into())
    }

    /// Deletes a role and every assignment of it. Returns the deleted role's id.
    async fn delete_role(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let id = parse_id("id", &id)?;
        let viewer = ctx.viewer()?;
        let id = services::roles::delete(
            ctx.state()?.db(),
            viewer.user_id,
            id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(to_id(id))
    }

    /// Grants a role to a user; the caller is recorded as `assignedBy`. `CONFLICT` when
    /// the user already holds it, `NOT_FOUND` for an unknown user or role.
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        input: AssignRoleInput,
    ) -> async_graphql::Result<UserRole> {
        let (user_id, role_id) = assignment_ids(&input.user_id, &input.role_id)?;
        let viewer = ctx.viewer()?;
        let assignment = services::roles::assign(
            ctx.state()?.db(),
            viewer.user_id,
            user_id,
            role_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(assignment.into())
    }

    /// Takes a role from a user. Returns the id of the removed assignment; `NOT_FOUND`
    /// when the user does not hold the role.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        input: RevokeRoleInput,
    ) -> async_graphql::Result<ID> {
        let (user_id, role_id) = assignment_ids(&input.user_id, &input.role_id)?;
        let viewer = ctx.viewer()?;
        let id = services::roles::revoke(
            ctx.state()?.db(),
            viewer.user_id,
            user_id,
            role_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(to_id(id))
    }
}
