//! The append-only audit log (`auth_audit_logs`). Rows are written in the same
//! transaction as the change they record, so a change without its audit row (or the
//! reverse) cannot be committed.

use chrono::Utc;
use entity::{auth_audit_logs, enums::AuditAction};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use crate::{auth::request::ClientInfo, error::AppResult};

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
