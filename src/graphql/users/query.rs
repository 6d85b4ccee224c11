//! Account queries.

use async_graphql::{Context, Object};

use super::types::User;
use crate::{
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        loaders::loader_error,
    },
};

/// Account queries.
#[derive(Default)]
pub struct UserQuery;

impl RootAccess for UserQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "me" => Access::Authenticated,
            _ => return None,
        })
    }
}

/// Account queries.
#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let viewer = ctx.viewer()?;
        let user = ctx
            .loaders()?
            .users()
            .load_one(viewer.user_id)
            .await
            .map_err(loader_error)?
            .ok_or_else(|| AppError::not_found("User"))?;
        Ok(user.into())
    }
}
