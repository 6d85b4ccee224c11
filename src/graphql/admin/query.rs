//! Administration queries: the user list, one user, the audit log.

use async_graphql::{Context, ID, Object};

use super::types::{AuditLog, AuditLogFilter, UserFilter};
use crate::{
    auth::permission::{Permission, UserType},
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
        pagination::{PageArgs, RelayConnection, connection},
        users::User,
    },
    services::{audit, user_admin},
};

/// Who may list and read accounts: `ADMIN` or `users:read`.
pub const READ_USERS: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::UsersRead],
};

/// Who may read the audit log: `ADMIN` or `audit:read`.
pub const READ_AUDIT: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::AuditRead],
};

/// Administration queries.
#[derive(Default)]
pub struct AdminQuery;

impl RootAccess for AdminQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "users" | "user" => READ_USERS,
            "auditLogs" => READ_AUDIT,
            _ => return None,
        })
    }
}

/// Administration queries.
#[Object]
impl AdminQuery {
    /// Accounts matching `filter`, newest first (at most 100 a page, 20 by default).
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
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
        let filter = filter.unwrap_or_default().into();
        let page = user_admin::page(ctx.state()?.db(), &filter, request).await?;
        Ok(connection(page, &ordering, User::from))
    }

    /// One account, or `null` when there is none with this id.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<User>> {
        let id = parse_id("id", &id)?;
        User::load(ctx, Some(id)).await
    }

    /// Audit-log entries matching `filter`, newest first (at most 100 a page, 20 by
    /// default).
    async fn audit_logs(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RelayConnection<AuditLog>> {
        let ordering = audit::newest_first();
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .request(ctx, &ordering)?;
        let filter = filter.unwrap_or_default().into_criteria()?;
        let page = audit::page(ctx.state()?.db(), &filter, request).await?;
        Ok(connection(page, &ordering, AuditLog::from))
    }
}
