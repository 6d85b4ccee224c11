//! Administration mutations: creating accounts of any type and (de)activating them.

use async_graphql::{Context, ID, Object};

use super::types::CreateUserInput;
use crate::{
    auth::permission::{Permission, UserType},
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
        users::User,
    },
    services::user_admin,
};

/// Who may create and (de)activate accounts: `ADMIN` or `users:manage` (for `ADMIN`
/// accounts, only `ADMIN`: see `services::user_admin`).
pub const MANAGE_USERS: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::UsersManage],
};

/// Administration mutations.
#[derive(Default)]
pub struct AdminMutation;

impl RootAccess for AdminMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "createUser" | "setUserActive" => MANAGE_USERS,
            _ => return None,
        })
    }

    /// Roles, assignments and accounts are what authentication resolves to.
    fn changes_sessions(_field: &str) -> bool {
        true
    }
}

/// Administration mutations.
#[Object]
impl AdminMutation {
    /// Creates an account of any type (`ADMIN` accounts by an `ADMIN` only), validated
    /// like registration. The phone starts unverified; no code is sent.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<User> {
        let state = ctx.state()?;
        let user = user_admin::create_user(
            state.db(),
            state.passwords(),
            ctx.viewer()?,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(user.into())
    }

    /// Activates or deactivates an account. Deactivating revokes all of its sessions at
    /// once. Nobody can deactivate their own account, and only an `ADMIN` may
    /// (de)activate an `ADMIN` account.
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        id: ID,
        active: bool,
    ) -> async_graphql::Result<User> {
        let id = parse_id("id", &id)?;
        let user = user_admin::set_active(
            ctx.state()?.db(),
            ctx.viewer()?,
            id,
            active,
            &ctx.request_context().client,
        )
        .await?;
        Ok(user.into())
    }
}
