//! Account mutations.

use async_graphql::{Context, Object};

use super::types::MessagePayload;
use crate::graphql::{
    access::{Access, RootAccess},
    context::ContextExt,
};

/// Account mutations.
#[derive(Default)]
pub struct AccountMutation;

impl RootAccess for AccountMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "logout" => Access::Authenticated,
            _ => return None,
        })
    }
}

/// Account mutations.
#[Object]
impl AccountMutation {
    /// Ends the current session: its access and refresh tokens stop working at once.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<MessagePayload> {
        let _viewer = ctx.viewer()?;
        Ok(MessagePayload::ok("Logged out"))
    }
}
