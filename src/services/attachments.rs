//! Event attachments: upload (owner, event in `DRAFT`/`SUBMITTED`), delete, signed
//! download links, and the sweep that removes objects no row points to.
//!
//! Consistency between storage and database: the object is written first (under a
//! fresh key), then the row is inserted; if the insert fails the object is deleted.
//! Deleting goes the other way: the row goes in a transaction, the object after the
//! commit. A crash between the two steps leaves at most an orphaned object, which the
//! sweep removes after an hour; never a row without its object.

use chrono::{DateTime, Utc};
use entity::{
    care_patient_documents, enums::AuditAction, patient_adverse_events as events,
    patient_event_attachments as attachments,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use tokio::io::AsyncRead;

use super::{
    audit::{self, AuditEntry},
    events as event_service, uploads,
};
use crate::{
    auth::{request::ClientInfo, viewer::Viewer},
    db::reads::{Reader, RowRef},
    domain::workflow,
    error::{AppError, AppResult},
    state::AppState,
    storage::tokens::{self, FileKind},
};

/// Storage prefix of event attachments.
pub const PREFIX: &str = "attachments";

fn editable(event: &events::Model, viewer: &Viewer, action: &str) -> AppResult<()> {
    if event.patient_id != viewer.user_id {
        return Err(AppError::forbidden(format!(
            "only the reporting patient may {action} attachments"
        )));
    }
    if !workflow::EDITABLE.contains(&event.status) {
        return Err(AppError::invalid_state(
            format!(
                "Attachments cannot change while the event is {}",
                workflow::status_name(event.status)
            ),
            workflow::status_name(event.status),
        ));
    }
    Ok(())
}

/// Uploads a file for the viewer's event.
pub async fn upload(
    state: &AppState,
    viewer: &Viewer,
    event_id: i32,
    declared_name: &str,
    reader: impl AsyncRead + Unpin + Send,
    client: &ClientInfo,
) -> AppResult<attachments::Model> {
    let event = event_service::find_visible(state.db(), viewer, event_id).await?;
    editable(&event, viewer, "upload")?;
    let stored = uploads::store(
        state,
        uploads::new_key(PREFIX, event.id),
        declared_name,
        reader,
    )
    .await?;
    let result: AppResult<attachments::Model> = async {
        let txn = crate::db::begin_write(state.db()).await?;
        // The event may have been picked up for review while the file streamed.
        let current = events::Entity::find_by_id(event.id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("Adverse event"))?;
        editable(&current, viewer, "upload")?;
        let row = attachments::ActiveModel {
            event_id: Set(event.id),
            file_name: Set(stored.file_name.clone()),
            file_type: Set(stored.file_type),
            file_size: Set(stored.size),
            file_path: Set(stored.key.clone()),
            content_type: Set(stored.content_type.clone()),
            sha256: Set(stored.sha256.clone()),
            uploaded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry {
                user_id: Some(viewer.user_id),
                action: AuditAction::Create,
                resource_type: "attachment",
                resource_id: Some(row.id.to_string()),
                details: json!({ "eventId": event.id, "fileName": row.file_name, "size": row.file_size, "sha256": row.sha256 }),
                client,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
    .await;
    if result.is_err() {
        remove_object(state, &stored.key).await;
    }
    result
}

/// Deletes an object, logging (not failing) when storage refuses: the sweep retries.
pub async fn remove_object(state: &AppState, key: &str) {
    if let Err(err) = state.storage().delete(key).await {
        tracing::warn!(key, error = %err, "could not delete a stored object; the sweep will");
    }
}

/// Deletes one of the viewer's attachments (event in `DRAFT`/`SUBMITTED`).
pub async fn delete(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<()> {
    let attachment = attachments::Entity::find_by_id(id)
        .one(state.db())
        .await?
        .ok_or_else(|| AppError::not_found("Attachment"))?;
    let event = event_service::find_visible(state.db(), viewer, attachment.event_id).await?;
    editable(&event, viewer, "delete")?;
    let txn = crate::db::begin_write(state.db()).await?;
    let current = events::Entity::find_by_id(event.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Adverse event"))?;
    editable(&current, viewer, "delete")?;
    let deleted = attachments::Entity::delete_by_id(attachment.id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("Attachment"));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Delete,
            resource_type: "attachment",
            resource_id: Some(attachment.id.to_string()),
            details: json!({ "eventId": event.id, "fileName": attachment.file_name }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    remove_object(state, &attachment.file_path).await;
    Ok(())
}

/// What clients see of an attachment: every column but its storage key, which stays
/// on the server (downloads go through signed URLs by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentSummary {
    /// Attachment id.
    pub id: i32,
    /// The event it belongs to.
    pub event_id: i32,
    /// Sanitised original file name.
    pub file_name: String,
    /// Kind of file.
    pub file_type: entity::enums::FileType,
    /// Size in bytes.
    pub file_size: i64,
    /// MIME type.
    pub content_type: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// When it was uploaded.
    pub uploaded_at: DateTime<Utc>,
}

impl From<attachments::Model> for AttachmentSummary {
    fn from(m: attachments::Model) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            file_name: m.file_name,
            file_type: m.file_type,
            file_size: m.file_size,
            content_type: m.content_type,
            sha256: m.sha256,
            uploaded_at: m.uploaded_at,
        }
    }
}

/// Which fields of an [`AttachmentSummary`] a read fills, besides `id` and `event_id`
/// (always read). The others keep placeholders (empty strings, zero, the epoch), so a
/// narrow summary must only reach fields whose columns it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryColumns(u8);

impl SummaryColumns {
    /// Only `id` and `event_id`.
    pub const KEYS: Self = Self(0);
    /// `file_name`.
    pub const FILE_NAME: Self = Self(1);
    /// `file_type`.
    pub const FILE_TYPE: Self = Self(1 << 1);
    /// `file_size`.
    pub const FILE_SIZE: Self = Self(1 << 2);
    /// `content_type`.
    pub const CONTENT_TYPE: Self = Self(1 << 3);
    /// `sha256`.
    pub const SHA256: Self = Self(1 << 4);
    /// `uploaded_at`.
    pub const UPLOADED_AT: Self = Self(1 << 5);
    /// Every summary field.
    pub const ALL: Self = Self((1 << 6) - 1);

    /// These and `other`.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every field of `other` is read.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The attachments of `event_ids`, oldest first: one statement, reading `id`,
/// `event_id` and the `columns` only (never the storage key), decoded by position.
pub async fn summaries_of_events(
    reader: Reader<'_>,
    event_ids: &[i32],
    columns: SummaryColumns,
) -> AppResult<Vec<AttachmentSummary>> {
    use attachments::Column as C;
    use sea_orm::{DbErr, QueryOrder, QueryTrait};
    /// Reads the value at a position into its field ([`crate::db::reads`]).
    type Fill = fn(&mut AttachmentSummary, RowRef<'_>, usize) -> Result<(), DbErr>;
    const OPTIONAL: [(SummaryColumns, C, Fill); 6] = [
        (SummaryColumns::FILE_NAME, C::FileName, |s, row, i| {
            s.file_name = row.text(i)?;
            Ok(())
        }),
        (SummaryColumns::FILE_TYPE, C::FileType, |s, row, i| {
            s.file_type = row.text_enum(i)?;
            Ok(())
        }),
        (SummaryColumns::FILE_SIZE, C::FileSize, |s, row, i| {
            s.file_size = row.get(i)?;
            Ok(())
        }),
        (SummaryColumns::CONTENT_TYPE, C::ContentType, |s, row, i| {
            s.content_type = row.text(i)?;
            Ok(())
        }),
        (SummaryColumns::SHA256, C::Sha256, |s, row, i| {
            s.sha256 = row.text(i)?;
            Ok(())
        }),
        (SummaryColumns::UPLOADED_AT, C::UploadedAt, |s, row, i| {
            s.uploaded_at = row.get(i)?;
            Ok(())
        }),
    ];
    let read: Vec<(C, Fill)> = OPTIONAL
        .into_iter()
        .filter(|(field, _, _)| columns.contains(*field))
        .map(|(_, column, fill)| (column, fill))
        .collect();
    let statement = attachments::Entity::find()
        .select_only()
        .columns([C::Id, C::EventId])
        .columns(read.iter().map(|(column, _)| *column))
        .filter(of_events(reader, event_ids))
        .order_by_asc(C::UploadedAt)
        .order_by_asc(C::Id)
        .build(reader.connection().get_database_backend());
    let decode = |row: RowRef<'_>| -> Result<AttachmentSummary, DbErr> {
        let mut summary = AttachmentSummary {
            id: row.get(0)?,
            event_id: row.get(1)?,
            file_name: String::new(),
            file_type: entity::enums::FileType::Document,
            file_size: 0,
            content_type: String::new(),
            sha256: String::new(),
            uploaded_at: DateTime::<Utc>::default(),
        };
        for (i, (_, fill)) in read.iter().enumerate() {
            fill(&mut summary, row, i + 2)?;
        }
        Ok(summary)
    };
    Ok(reader.all(statement).await?.decode(decode)?)
}

/// `event_id IN (...)`; on PostgreSQL `event_id = ANY($1)`, one array parameter instead
/// of one per event, and one statement text (one prepared statement) whatever the
/// number of events.
fn of_events(reader: Reader<'_>, event_ids: &[i32]) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, PgFunc};
    match reader.connection().get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            Expr::col(attachments::Column::EventId).eq(PgFunc::any(Expr::val(event_ids.to_vec())))
        }
        _ => attachments::Column::EventId.is_in(event_ids.iter().copied()),
    }
}

/// The storage keys of an event's attachments (read before the event is deleted).
pub async fn keys_of_event(conn: &impl ConnectionTrait, event_id: i32) -> AppResult<Vec<String>> {
    Ok(attachments::Entity::find()
        .select_only()
        .column(attachments::Column::FilePath)
        .filter(attachments::Column::EventId.eq(event_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// An absolute, signed, expiring download URL for a stored file.
pub fn download_url(state: &AppState, kind: FileKind, id: i32, now: DateTime<Utc>) -> String {
    let ttl = chrono::Duration::from_std(state.config().download_url_ttl)
        .unwrap_or_else(|_| chrono::Duration::minutes(5));
    let token = tokens::sign(&state.keys().download, kind, id, now + ttl);
    format!("{}/files/{token}", state.config().public_base_url)
}

/// Objects older than `older_than` that no row points to are deleted; returns how many.
pub async fn sweep_orphans(state: &AppState, older_than: chrono::Duration) -> AppResult<usize> {
    let before = Utc::now() - older_than;
    let mut removed = 0;
    for prefix in [PREFIX, super::DOCUMENTS_PREFIX] {
        let keys = state
            .storage()
            .list_older_than(prefix, before)
            .await
            .map_err(|e| AppError::internal("listing storage", e))?;
        for chunk in keys.chunks(500) {
            let referenced: Vec<String> = if prefix == PREFIX {
                attachments::Entity::find()
                    .select_only()
                    .column(attachments::Column::FilePath)
                    .filter(attachments::Column::FilePath.is_in(chunk.iter().cloned()))
                    .into_tuple()
                    .all(state.db())
                    .await?
            } else {
                care_patient_documents::Entity::find()
                    .select_only()
                    .column(care_patient_documents::Column::FilePath)
                    .filter(care_patient_documents::Column::FilePath.is_in(chunk.iter().cloned()))
                    .into_tuple()
                    .all(state.db())
                    .await?
            };
            for key in chunk.iter().filter(|k| !referenced.contains(k)) {
                remove_object(state, key).await;
                removed += 1;
            }
        }
    }
    if removed > 0 {
        tracing::info!(removed, "orphaned stored objects removed");
    }
    Ok(removed)
}

/// Runs [`sweep_orphans`] (objects older than an hour) every `every`.
pub async fn sweep_forever(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(AppError::Internal(e)) = sweep_orphans(&state, chrono::Duration::hours(1)).await
        {
            crate::error::log_internal(&e);
        }
    }
}
