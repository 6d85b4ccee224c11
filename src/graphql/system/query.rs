//! Administrator queries: pending accounts and statistics.

use async_graphql::{Context, Object};

use super::types::SystemStats;
use crate::{
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        pagination::{PageArgs, RelayConnection, connection},
        scalars::Long,
        stats::CountBy,
        users::User,
    },
    services::{system, user_admin},
};

/// Administrator queries.
#[derive(Default)]
pub struct SystemQuery;

impl RootAccess for SystemQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "unverifiedUsers" | "systemStats" => Access::ADMIN,
            _ => return None,
        })
    }
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Administrator queries.
#[Object]
impl SystemQuery {
    /// Accounts whose phone number is still unverified, newest first.
    async fn unverified_users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RelayConnection<User>> {
        let ordering = user_admin::newest_first();
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .request(ctx, &ordering)?;
        let filter = user_admin::UserFilter {
            search,
            is_phone_verified: Some(false),
            ..Default::default()
        };
        let page = user_admin::page(ctx.state()?.db(), &filter, request).await?;
        Ok(connection(page, &ordering, User::from))
    }

    /// Users by type, unverified accounts, live sessions, events by status, stored bytes.
    async fn system_stats(&self, ctx: &Context<'_>) -> async_graphql::Result<SystemStats> {
        let stats = system::stats(ctx.state()?.db()).await?;
        Ok(SystemStats {
            users_by_type: stats
                .users_by_type
                .iter()
                .map(|(k, n)| CountBy::from_enum(k, *n))
                .collect(),
            unverified_users: clamp(stats.unverified_users),
            active_sessions: clamp(stats.active_sessions),
            events_by_status: stats
                .events_by_status
                .iter()
                .map(|(k, n)| CountBy::from_enum(k, *n))
                .collect(),
            attachment_bytes: Long(stats.attachment_bytes),
        })
    }
}
