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

/// Inserts a row and its audit row atomically and returns the inserted row; the audit
/// row's `resource_id` is the new row's `id`.
///
/// On PostgreSQL this is one statement, a data-modifying CTE
/// (`WITH new AS (INSERT … RETURNING *), audit AS (INSERT INTO auth_audit_logs … FROM new)
/// SELECT * FROM new`): one round trip instead of four (`BEGIN`, two inserts, `COMMIT`),
/// and the locks the inserts take on the rows their foreign keys reference are held for
/// that one statement only, so concurrent writers for one account barely overlap. A
/// single statement is atomic: both rows or neither. Elsewhere (SQLite) it is a write
/// transaction with the two inserts.
pub async fn insert_audited<A>(
    db: &sea_orm::DatabaseConnection,
    row: A,
    entry: AuditEntry<'_>,
) -> AppResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model:
        sea_orm::IntoActiveModel<A> + sea_orm::FromQueryResult + Send + Sync + HasId,
{
    use sea_orm::{
        DbBackend, ExprTrait, FromQueryResult, QueryTrait, StatementBuilder,
        sea_query::{Alias, Asterisk, CommonTableExpression, Expr, Query, WithClause},
    };
    if db.get_database_backend() != DbBackend::Postgres {
        let txn = crate::db::begin_write(db).await?;
        let model = row.insert(&txn).await?;
        record(
            &txn,
            AuditEntry {
                resource_id: Some(model.id().to_string()),
                ..entry
            },
        )
        .await?;
        txn.commit().await?;
        return Ok(model);
    }
    use auth_audit_logs::Column as C;
    let new = Alias::new("new_row");
    let mut insert = <A::Entity as EntityTrait>::insert(row).into_query();
    insert.returning_all();
    let mut audit = Query::insert();
    audit
        .into_table(auth_audit_logs::Entity)
        .columns([
            C::UserId,
            C::Action,
            C::ResourceType,
            C::ResourceId,
            C::Details,
            C::IpAddress,
            C::UserAgent,
            C::CreatedAt,
        ])
        .select_from(
            Query::select()
                .expr(Expr::val(entry.user_id))
                .expr(Expr::val(sea_orm::ActiveEnum::to_value(&entry.action)))
                .expr(Expr::val(entry.resource_type))
                .expr(Expr::col((new.clone(), Alias::new("id"))).cast_as(Alias::new("text")))
                .expr(Expr::val(entry.details))
                .expr(Expr::val(entry.client.ip_string()))
                .expr(Expr::val(entry.client.user_agent.clone()))
                .expr(Expr::val(Utc::now()))
                .from(new.clone())
                .to_owned(),
        )
        .map_err(|e| crate::error::AppError::internal("audit insert", e))?;
    let statement = WithClause::new()
        .cte(
            CommonTableExpression::new()
                .query(insert)
                .table_name(new.clone())
                .to_owned(),
        )
        .cte(
            CommonTableExpression::new()
                .query(audit)
                .table_name(Alias::new("audit_row"))
                .to_owned(),
        )
        .to_owned()
        .query(Query::select().column(Asterisk).from(new).to_owned());
    let statement = StatementBuilder::build(&statement, &DbBackend::Postgres);
    <A::Entity as EntityTrait>::Model::find_by_statement(statement)
        .one(db)
        .await?
        .ok_or_else(|| {
            crate::error::AppError::internal(
                "audited insert",
                anyhow::anyhow!("the insert returned no row"),
            )
        })
}

/// A model with an integer `id` (the audited resource's id).
pub trait HasId {
    /// The row's id.
    fn id(&self) -> i32;
}

impl HasId for entity::patient_adverse_events::Model {
    fn id(&self) -> i32 {
        self.id
    }
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
