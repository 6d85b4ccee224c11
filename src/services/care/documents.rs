//! Patient documents, read side: the documents of a page of records and the
//! statistics over the documents a viewer may see. Uploading and deleting go through
//! the shared upload service.

use entity::{care_patient_documents as documents, enums::DocumentType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::visible_patient_ids;
use crate::{auth::viewer::Viewer, error::AppResult};

/// The documents of each of `patient_ids`, oldest first: one statement for a whole
/// page of records (DataLoader).
pub async fn of_patients(
    conn: &impl ConnectionTrait,
    patient_ids: &[i32],
) -> AppResult<Vec<documents::Model>> {
    Ok(documents::Entity::find()
        .filter(documents::Column::PatientId.is_in(patient_ids.iter().copied()))
        .order_by_asc(documents::Column::UploadedAt)
        .order_by_asc(documents::Column::Id)
        .all(conn)
        .await?)
}

/// Counts and bytes of one document type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeStats {
    /// The type.
    pub document_type: DocumentType,
    /// Documents of it.
    pub count: i64,
    /// Their total size in bytes.
    pub total_bytes: i64,
}

/// Statistics over the documents of the records a viewer may see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentStats {
    /// Documents in scope.
    pub total: i64,
    /// Their total size in bytes.
    pub total_bytes: i64,
    /// Per type, most documents first.
    pub by_type: Vec<TypeStats>,
}

/// Statistics over the documents of the patient records `viewer` may see (one
/// statement).
pub async fn stats(conn: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<DocumentStats> {
    // `SUM` of a bigint is NUMERIC on PostgreSQL; cast it back so both back-ends
    // return a 64-bit integer.
    let bytes = Expr::col(documents::Column::FileSize)
        .sum()
        .cast_as("BIGINT");
    let rows: Vec<(DocumentType, i64, i64)> = documents::Entity::find()
        .select_only()
        .column(documents::Column::DocumentType)
        .column_as(Expr::col(documents::Column::Id).count(), "n")
        .column_as(bytes, "bytes")
        .filter(visible_patient_ids(viewer, documents::Column::PatientId))
        .group_by(documents::Column::DocumentType)
        .into_tuple()
        .all(conn)
        .await?;
    let mut by_type: Vec<TypeStats> = rows
        .into_iter()
        .map(|(document_type, count, total_bytes)| TypeStats {
            document_type,
            count,
            total_bytes,
        })
        .collect();
    by_type.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.document_type.as_str().cmp(b.document_type.as_str()))
    });
    Ok(DocumentStats {
        total: by_type.iter().map(|t| t.count).sum(),
        total_bytes: by_type.iter().map(|t| t.total_bytes).sum(),
        by_type,
    })
}
