//! Operational statistics for administrators (`systemStats`).

use chrono::Utc;
use entity::{auth_sessions, auth_users, patient_adverse_events, patient_event_attachments};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};

use crate::error::AppResult;

/// The numbers behind `systemStats`.
#[derive(Debug, Clone, Default)]
pub struct SystemStats {
    /// Accounts per stored user type (`patient`, …), every type present.
    pub users_by_type: Vec<(String, i64)>,
    /// Accounts whose phone is unverified.
    pub unverified_users: i64,
    /// Unrevoked, unexpired sessions.
    pub active_sessions: i64,
    /// Adverse events per stored status, every status present.
    pub events_by_status: Vec<(String, i64)>,
    /// Bytes stored as event attachments.
    pub attachment_bytes: i64,
}

/// Counts per value of a string-backed enum column, with zeros for absent values.
async fn count_by<E, C>(
    conn: &impl ConnectionTrait,
    column: C,
    all: impl IntoIterator<Item = &'static str>,
) -> AppResult<Vec<(String, i64)>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let rows: Vec<(String, i64)> = E::find()
        .select_only()
        .column_as(Expr::col(column), "key")
        .column_as(Expr::col(column).count(), "n")
        .group_by(column)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(all
        .into_iter()
        .map(|value| {
            let n = rows.iter().find(|(k, _)| k == value).map_or(0, |(_, n)| *n);
            (value.to_owned(), n)
        })
        .collect())
}

/// Collects the statistics (a handful of aggregate queries).
pub async fn stats(conn: &impl ConnectionTrait) -> AppResult<SystemStats> {
    use entity::enums::{EventStatus, UserType};
    use sea_orm::Iterable;
    let users_by_type = count_by::<auth_users::Entity, _>(
        conn,
        auth_users::Column::UserType,
        UserType::iter().map(UserType::as_str),
    )
    .await?;
    let events_by_status = count_by::<patient_adverse_events::Entity, _>(
        conn,
        patient_adverse_events::Column::Status,
        EventStatus::iter().map(EventStatus::as_str),
    )
    .await?;
    let unverified_users = auth_users::Entity::find()
        .filter(auth_users::Column::IsPhoneVerified.eq(false))
        .count(conn)
        .await? as i64;
    let active_sessions = auth_sessions::Entity::find()
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(Utc::now()))
        .count(conn)
        .await? as i64;
    // SUM of a bigint is numeric on PostgreSQL: cast back so both back-ends give i64.
    let attachment_bytes: Option<i64> = patient_event_attachments::Entity::find()
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(file_size), 0) AS BIGINT)"),
            "bytes",
        )
        .into_tuple()
        .one(conn)
        .await?;
    Ok(SystemStats {
        users_by_type,
        unverified_users,
        active_sessions,
        events_by_status,
        attachment_bytes: attachment_bytes.unwrap_or(0),
    })
}
