//! The append-only audit log (`auth_audit_logs`). Rows are written in the same
//! transaction as the change they record, so a change without its audit row (or the
//! reverse) cannot be committed.

use chrono::{DateTime, Utc};
use entity::{auth_audit_logs, enums::AuditAction};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoSimpleExpr, QueryFilter, Set,
};
use serde_json::Value;

use super::pagination::{self, Direction, Ordering, Page, PageRequest, Position};
use crate::{
    auth::request::ClientInfo,
    error::{AppResult, FieldErrors},
};

/// One audit record to write.
#[derive(Debug)]
pub struct AuditEntry<'a> {
    /// The acting user, if any (system tasks have none).
    pub user_id: Option<i32>,
    /// What happened.
    pub action: AuditAction,
    /// The kind of object (`user`, `role`, `adverse_event`, …).
    pub resource_type: &'a str,
    /// The object's id, if it has one.
    pub resource_id: Option<String>,
    /// What changed, as JSON (never secrets).
    pub details: Value,
    /// Where the request came from.
    pub client: &'a ClientInfo,
}

/// Appends one audit row.
pub async fn record(conn: &impl ConnectionTrait, entry: AuditEntry<'_>) -> AppResult<()> {
    auth_audit_logs::ActiveModel {
        user_id: Set(entry.user_id),
        action: Set(entry.action),
        resource_type: Set(entry.resource_type.to_owned()),
        resource_id: Set(entry.resource_id),
        details: Set(entry.details),
        ip_address: Set(entry.client.ip_string()),
        user_agent: Set(entry.client.user_agent.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Which audit rows to list. `None` (or an empty list) leaves a criterion out.
#[derive(Debug, Clone, Default)]
pub struct AuditLogFilter {
    /// Rows of this acting user.
    pub user_id: Option<i32>,
    /// Rows with one of these actions.
    pub actions: Option<Vec<AuditAction>>,
    /// Rows about this kind of object (exact match).
    pub resource_type: Option<String>,
    /// Rows about this object id (exact match).
    pub resource_id: Option<String>,
    /// Rows written at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Rows written at or before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

/// Newest first: `created_at` descending, then `id` descending.
pub fn newest_first() -> Ordering {
    Ordering {
        name: "auditLogs.createdAt",
        sort: auth_audit_logs::Column::CreatedAt.into_simple_expr(),
        id: auth_audit_logs::Column::Id.into_simple_expr(),
        direction: Direction::Desc,
    }
}

/// One page of audit rows matching `filter`, newest first.
pub async fn page(
    conn: &impl ConnectionTrait,
    filter: &AuditLogFilter,
    request: PageRequest<DateTime<Utc>>,
) -> AppResult<Page<auth_audit_logs::Model, DateTime<Utc>>> {
    let mut errors = FieldErrors::new();
    pagination::check_range(
        &mut errors,
        "createdTo",
        filter.created_from,
        filter.created_to,
    );
    errors.into_result()?;

    let mut select = auth_audit_logs::Entity::find();
    if let Some(user_id) = filter.user_id {
        select = select.filter(auth_audit_logs::Column::UserId.eq(user_id));
    }
    if let Some(actions) = filter.actions.as_ref().filter(|a| !a.is_empty()) {
        select = select.filter(auth_audit_logs::Column::Action.is_in(actions.iter().copied()));
    }
    if let Some(resource_type) = filter.resource_type.as_deref().map(str::trim) {
        select = select.filter(auth_audit_logs::Column::ResourceType.eq(resource_type));
    }
    if let Some(resource_id) = filter.resource_id.as_deref().map(str::trim) {
        select = select.filter(auth_audit_logs::Column::ResourceId.eq(resource_id));
    }
    if let Some(from) = filter.created_from {
        select = select.filter(auth_audit_logs::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        select = select.filter(auth_audit_logs::Column::CreatedAt.lte(to));
    }
    pagination::fetch(conn, select, &newest_first(), request, |row| Position {
        sort: row.created_at,
        id: row.id,
    })
    .await
}
