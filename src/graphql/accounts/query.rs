//! Account queries.

use async_graphql::{Context, Object};

use super::types::{MyPermissions, Session};
use crate::{
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
    },
    services::accounts,
};

/// Account queries.
#[derive(Default)]
pub struct AccountQuery;

impl RootAccess for AccountQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "myPermissions" | "mySessions" => Access::Authenticated,
            _ => return None,
        })
    }
}

/// Account queries.
#[Object]
impl AccountQuery {
    /// The viewer's user type and effective permissions.
    async fn my_permissions(&self, ctx: &Context<'_>) -> async_graphql::Result<MyPermissions> {
        let viewer = ctx.viewer()?;
        Ok(MyPermissions {
            user_type: viewer.user_type,
            permissions: viewer
                .permissions
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
        })
    }

    /// The viewer's live sessions, most recently used first.
    async fn my_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let viewer = ctx.viewer()?;
        let sessions = accounts::live_sessions(ctx.state()?.db(), viewer.user_id).await?;
        Ok(sessions
            .into_iter()
            .map(|model| Session {
                current: model.id == viewer.session_id,
                model,
            })
            .collect())
    }
}
