//! Care patient documents (seed 004): upload and delete through the same upload
//! service and storage as event attachments, and their signed download links.

use chrono::Utc;
use entity::{
    care_patient_documents as documents,
    enums::{AuditAction, DocumentType},
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use tokio::io::AsyncRead;

use super::{
    DOCUMENTS_PREFIX, attachments,
    audit::{self, AuditEntry},
    care::patients,
    uploads,
};
use crate::{
    auth::{request::ClientInfo, viewer::Viewer},
    error::{AppError, AppResult},
    state::AppState,
};

/// Uploads a document for a patient record the viewer manages.
pub async fn upload(
    state: &AppState,
    viewer: &Viewer,
    patient_id: i32,
    document_type: DocumentType,
    declared_name: &str,
    reader: impl AsyncRead + Unpin + Send,
    client: &ClientInfo,
) -> AppResult<documents::Model> {
    let record = patients::find_visible(state.db(), viewer, patient_id).await?;
    let stored = uploads::store(
        state,
        uploads::new_key(DOCUMENTS_PREFIX, record.id),
        declared_name,
        reader,
    )
    .await?;
    let result: AppResult<documents::Model> = async {
        let txn = crate::db::begin_write(state.db()).await?;
        let row = documents::ActiveModel {
            patient_id: Set(record.id),
            document_type: Set(document_type),
            file_name: Set(stored.file_name.clone()),
            file_type: Set(stored.file_type),
            content_type: Set(stored.content_type.clone()),
            file_size: Set(stored.size),
            file_path: Set(stored.key.clone()),
            sha256: Set(stored.sha256.clone()),
            uploaded_by: Set(Some(viewer.user_id)),
            uploaded_at: Set(Utc::now()),
            ..Default::default()
        }
        // A record deleted while the file streamed fails here (foreign key).
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry {
                user_id: Some(viewer.user_id),
                action: AuditAction::Create,
                resource_type: "patient_document",
                resource_id: Some(row.id.to_string()),
                details: json!({ "patientId": record.id, "documentType": document_type.as_str(), "size": row.file_size, "sha256": row.sha256 }),
                client,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
    .await;
    if result.is_err() {
        attachments::remove_object(state, &stored.key).await;
    }
    result
}

/// Loads a document whose record the viewer may see.
pub async fn find_visible(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
) -> AppResult<documents::Model> {
    let document = documents::Entity::find_by_id(id)
        .one(state.db())
        .await?
        .ok_or_else(|| AppError::not_found("Patient document"))?;
    patients::find_visible(state.db(), viewer, document.patient_id).await?;
    Ok(document)
}

/// Deletes a document (and its stored file) of a record the viewer manages.
pub async fn delete(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<()> {
    let document = find_visible(state, viewer, id).await?;
    let txn = crate::db::begin_write(state.db()).await?;
    let deleted = documents::Entity::delete_by_id(document.id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("Patient document"));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Delete,
            resource_type: "patient_document",
            resource_id: Some(document.id.to_string()),
            details: json!({ "patientId": document.patient_id, "fileName": document.file_name }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    attachments::remove_object(state, &document.file_path).await;
    Ok(())
}

/// Removes the stored files of documents whose rows are already gone (a deleted record).
pub async fn remove_objects(state: &AppState, keys: &[String]) {
    for key in keys {
        attachments::remove_object(state, key).await;
    }
}
